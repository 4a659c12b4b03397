"""The PettingZoo environment, parallel and AEC, passes PettingZoo's own tests (API, seeding, state,
rendering) and plays full games."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, render_test, state_test

from gymPacMan import AGENT_NAMES, CaptureParallelEnv, aec_env, parallel_env, turn_env


@pytest.mark.parametrize("self_play", [False, True])
def test_parallel_api(self_play):
    parallel_api_test(CaptureParallelEnv("tinyMaze", self_play=self_play, length=60), num_cycles=200)


def test_agents_masks_and_game_end():
    env = CaptureParallelEnv("smallMaze", length=20)
    observations, infos = env.reset(seed=3)
    assert env.agents == ["blue_0", "blue_1"]
    assert observations["blue_0"].shape == env.observation_space("blue_0").shape
    rng = np.random.default_rng(0)
    steps = 0
    while env.agents:
        actions = {a: env.action_space(a).sample(infos[a]["action_mask"]) for a in env.agents}
        observations, rewards, terminations, truncations, infos = env.step(actions)
        steps += 1
        assert rewards["blue_0"] == rewards["blue_1"]
    assert steps == 20 and all(truncations.values()) and env.agents == []
    with pytest.raises(RuntimeError, match="reset"):
        env.step({"blue_0": 4, "blue_1": 4})


def test_self_play_names_and_state():
    env = CaptureParallelEnv("tinyMaze", self_play=True)
    env.reset(seed=0)
    assert env.agents == ["red_0", "blue_0", "red_1", "blue_1"]
    assert env.state().shape == (4, 8, 6, 12)


@pytest.mark.parametrize("mode", ["ansi", "rgb_array"])
def test_render_modes(mode):
    env = CaptureParallelEnv("tinyMaze", render_mode=mode)
    env.reset(seed=0)
    frame = env.render()
    assert isinstance(frame, str) if mode == "ansi" else frame.ndim == 3


def test_missing_action_is_named():
    env = CaptureParallelEnv("tinyMaze")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="blue_1"):
        env.step({"blue_0": 4})


def test_the_aec_form_and_the_factories_pass_pettingzoos_tests(tmp_path, monkeypatch):
    monkeypatch.setenv("GYMPACMAN_DISPLAY_DIR", str(tmp_path))  # human mode on a machine without a display: GIFs
    api_test(aec_env(layout="tinyMaze", length=40), num_cycles=100)
    parallel_seed_test(lambda: parallel_env(layout="smallMaze", length=50), num_cycles=60)
    state_test(aec_env(layout="tinyMaze", length=40), parallel_env(layout="tinyMaze", length=40), num_cycles=20)
    render_test(lambda render_mode: aec_env(layout="tinyMaze", length=40, render_mode=render_mode))


def test_seeded_games_repeat_and_differ_by_seed():
    def play(seed: int) -> list[np.ndarray]:
        env = parallel_env(layout="smallMaze", opponent="random", length=30)
        observations, infos = env.reset(seed=seed)
        for agent in env.possible_agents:
            env.action_space(agent).seed(seed)
        seen = [observations["blue_0"]]
        while env.agents:
            actions = {a: env.action_space(a).sample(infos[a]["action_mask"]) for a in env.agents}
            observations, _, _, _, infos = env.step(actions)
            seen.append(observations["blue_0"])
        return seen

    first, again, other = play(5), play(5), play(6)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_human_mode_saves_each_game_as_a_gif_where_no_display_exists(tmp_path, monkeypatch, capsys):
    from gymPacMan import render

    monkeypatch.setenv("GYMPACMAN_DISPLAY_DIR", str(tmp_path))
    monkeypatch.setattr(render, "live_display_available", lambda: False)
    env = parallel_env(layout="tinyMaze", length=6, render_mode="human")
    for seed in (0, 1):
        env.reset(seed=seed)
        while env.agents:
            env.step({a: 4 for a in env.agents})
            assert env.render() is None
    gifs = sorted(tmp_path.glob("tinyMaze_*.gif"))
    assert len(gifs) == 2 and "games are saved as GIFs" in capsys.readouterr().out
    assert env.metadata["render_fps"] > 0 and env.state_space.contains(env.state())


def test_human_mode_shows_the_game_live_where_a_display_exists(monkeypatch):
    import warnings

    import matplotlib

    from gymPacMan import render

    matplotlib.use("Agg")
    monkeypatch.setattr(render, "live_display_available", lambda: True)
    env = parallel_env(layout="tinyMaze", length=3, render_mode="human")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Agg cannot pause, and says so
        env.reset(seed=0)
        while env.agents:
            env.step({a: 4 for a in env.agents})
    assert env._display.live.frames_shown == 4  # the start and three steps
    env.close()


@pytest.mark.parametrize("self_play", [False, True])
def test_the_contests_turn_by_turn_game_passes_pettingzoos_aec_tests(self_play):
    api_test(turn_env(layout="tinyMaze", length=40, self_play=self_play), num_cycles=200)


def test_in_the_turn_by_turn_game_each_agent_acts_at_its_turn_on_the_latest_state():
    env = turn_env(layout="tinyMaze", length=30, self_play=True)
    env.reset(seed=3)
    first = int(env._env.first_mover[0])
    order = []
    for _ in range(8):
        agent = env.agent_selection
        order.append(AGENT_NAMES.index(agent))
        before = env._env.state.pos[0].copy()
        mask = env.infos[agent]["action_mask"]
        env.step(int(np.flatnonzero(mask)[0]))
        moved = (env._env.state.pos[0] != before).any(axis=1)  # only the agent that acted moved
        assert not moved[[i for i in range(4) if i != order[-1]]].any()
    assert order == [(first + k) % 4 for k in range(8)]
    assert env.rewards  # the team rewards come at the end of each step
