"""The vectorised training environment: shapes, auto-reset, results, seeding, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from agents import sample_legal
from gymPacMan import VecCaptureEnv


def run_random(env: VecCaptureEnv, steps: int, seed: int = 0, reset_seed: int | None = None):
    rng = np.random.default_rng(seed)
    obs, info = env.reset(seed=reset_seed)
    out = []
    for _ in range(steps):
        obs, rewards, terminated, truncated, info = env.step(sample_legal(info["legal"], rng))
        out.append((obs, rewards, terminated, truncated, info))
    return out


def test_shapes_and_dtypes():
    env = VecCaptureEnv(["tinyMaze", "mediumCapsules"], num_envs=3, seed=0)
    obs, info = env.reset()
    assert obs.shape == (3, 2, 8, 20, 20) and obs.dtype == np.float32
    assert info["legal"].shape == (3, 2, 5) and info["legal"].dtype == bool
    obs, rewards, terminated, truncated, info = env.step(np.full((3, 2), 4))
    assert rewards.shape == (3,) and rewards.dtype == np.float64
    assert terminated.shape == truncated.shape == (3,)
    assert info["rewards"].shape == (3, 2)


def test_observations_show_blue_agents():
    env = VecCaptureEnv("tinyMaze", num_envs=2, seed=0)
    obs, _ = env.reset()
    for k, agent in enumerate((1, 3)):
        x, y = env.state.pos[0, agent]
        assert obs[0, k, 1, y, x] == 1.0


def test_time_limit_truncates_and_autoresets_with_results():
    env = VecCaptureEnv("mediumCapsules", num_envs=4, length=5, seed=1)
    steps = run_random(env, 5)
    obs, rewards, terminated, truncated, info = steps[-1]
    assert truncated.all() and not terminated.any()
    assert info["done"].all()
    episodes = info["episodes"]
    assert len(episodes) == 4 and (episodes.length == 5).all() and episodes.truncated.all()
    returns = sum(s[4]["rewards"] for s in steps)
    np.testing.assert_allclose(episodes.episode_return, returns)
    assert set(episodes.outcome.tolist()) <= {-1, 0, 1}
    # auto-reset: the returned observation is a fresh game, the final one is kept apart
    assert (env.state.t == 0).all()
    np.testing.assert_array_equal(env.state.pos, env.state.starts)


def test_finished_game_results_match_the_state_it_ended_in():
    env = VecCaptureEnv("tinyMaze", num_envs=8, length=300, seed=3)
    rng = np.random.default_rng(0)
    obs, info = env.reset()
    seen = 0
    for _ in range(600):
        before = env.state.copy()
        obs, rewards, terminated, truncated, info = env.step(sample_legal(info["legal"], rng))
        ep = info["episodes"]
        for k, g in enumerate(ep.env_index):
            seen += 1
            assert ep.winner[k] == np.sign(ep.score[k]) and ep.outcome[k] == -ep.winner[k]
            assert ep.length[k] == before.t[g] + 1
            start_self = np.argwhere(obs[g, 0, 1] > 0)[0][::-1]  # (x, y) of blue agent 1 in the new game
            assert tuple(start_self) == tuple(env.state.starts[g, 1])
    assert seen > 0


def test_final_observation_is_the_ended_game():
    env = VecCaptureEnv("tinyMaze", num_envs=1, self_play=True, length=2, seed=0)
    obs, info = env.reset()
    start = env.state.starts[0].copy()
    south = np.array([[4, 2, 4, 4]])  # blue agent 1 steps South twice (tinyMaze: open below it)
    assert info["legal"][0, 1, 2]
    env.step(south)
    obs, rewards, terminated, truncated, info = env.step(south)
    assert truncated[0] and info["done"][0]
    final_pos = np.argwhere(info["final_observation"][0, 1, 1] > 0)[0][::-1]
    assert tuple(final_pos) == (start[1, 0], start[1, 1] - 2)
    assert tuple(np.argwhere(obs[0, 1, 1] > 0)[0][::-1]) == tuple(start[1])
    final = info["final_state"]
    assert final.num_games == 1 and final.t[0] == 2 and tuple(final.pos[0, 1]) == tuple(final_pos)


def test_seeding_reproduces_runs():
    a = run_random(VecCaptureEnv("random", num_envs=3, seed=7), 50)
    b = run_random(VecCaptureEnv("random", num_envs=3, seed=7), 50)
    c = run_random(VecCaptureEnv("random", num_envs=3, seed=8), 50)
    assert all(np.array_equal(x[0], y[0]) and np.array_equal(x[1], y[1]) for x, y in zip(a, b))
    assert not all(np.array_equal(x[0], y[0]) for x, y in zip(a, c))


def test_random_layouts_draw_new_mazes_each_game():
    env = VecCaptureEnv("random", num_envs=4, length=3, seed=0)
    env.reset()
    first = {env.layout_name(g) for g in range(4)}
    run_random(env, 3)
    assert len(first) == 4 and {env.layout_name(g) for g in range(4)}.isdisjoint(first)


def test_self_play_controls_all_four_agents():
    env = VecCaptureEnv("tinyMaze", num_envs=2, self_play=True, seed=0)
    obs, info = env.reset()
    assert obs.shape[:2] == (2, 4) and info["legal"].shape == (2, 4, 5)
    obs, rewards, *_ = env.step(np.full((2, 4), 4))
    assert rewards.shape == (2, 2)
    np.testing.assert_array_equal(env.state.pos, env.state.starts)


def test_without_autoreset_finished_games_stay_frozen():
    env = VecCaptureEnv("tinyMaze", num_envs=2, length=2, seed=0, autoreset=False)
    run_random(env, 2)
    frozen = env.state.copy()
    env.step(np.full((2, 2), 1))
    np.testing.assert_array_equal(env.state.pos, frozen.pos)
    assert (env.state.t == 2).all()


@pytest.mark.parametrize(
    "actions, message",
    [
        (np.full((2, 2), 5), "out of range"),
        (np.full((2, 2), -1), "out of range"),
        (np.zeros((2, 3)), "shape"),
        (np.full((2, 2), 0.5), "integers"),
    ],
)
def test_bad_actions_get_clear_errors(actions, message):
    env = VecCaptureEnv("tinyMaze", num_envs=2, seed=0)
    env.reset()
    with pytest.raises(ValueError, match=message):
        env.step(actions)


def test_a_layout_range_is_one_layout_per_number():
    env = VecCaptureEnv(["contest_1..3", "tinyMaze"], num_envs=2, seed=0)
    assert [layout.name for layout in env.layouts] == ["contest_1", "contest_2", "contest_3", "tinyMaze.lay"]


def test_unknown_team_and_layout_are_named():
    with pytest.raises(ValueError, match="unknown team 'nosuchTeam'.*random"):
        VecCaptureEnv("tinyMaze", opponent="nosuchTeam")
    with pytest.raises(FileNotFoundError, match="no layout file 'nosuch'"):
        VecCaptureEnv("nosuch")


def test_reset_with_a_seed_replays_the_same_games():
    env = VecCaptureEnv("random", num_envs=2, length=30, seed=123)
    first = run_random(env, 40, reset_seed=5)
    again = run_random(env, 40, reset_seed=5)
    other = run_random(env, 40, reset_seed=6)
    assert all(np.array_equal(x[0], y[0]) and np.array_equal(x[1], y[1]) for x, y in zip(first, again))
    assert not all(np.array_equal(x[0], y[0]) for x, y in zip(first, other))


def test_mixed_sizes_are_zero_padded():
    env = VecCaptureEnv(["tinyMaze", "largeArena"], num_envs=8, seed=0)
    obs, _ = env.reset()
    assert obs.shape == (8, 2, 8, 16, 32)
    small = [g for g in range(8) if env.layout_name(g) == "tinyMaze.lay"]
    assert small, "no game drew tinyMaze"
    for g in small:
        assert not obs[g, :, :, 6:, :].any() and not obs[g, :, :, :, 12:].any()
        np.testing.assert_array_equal(obs[g, 0, 0, :6, :12], env.game_layouts[g].walls)
