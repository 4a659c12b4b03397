"""The course-compatible class runs the course notebook's calls unchanged, on our engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from gymPacMan import VecCaptureEnv, gymPacMan_parallel_env
from gymPacMan.contest_maze import contest_maze_text

from helpers import reference_dir


def notebook_episode(env, rng):
    """The loop of the course notebook: actions as a list by agent index, blue agents 1 and 3."""
    observations, info = env.reset()
    agent_indexes = [1, 3]
    done = {i: False for i in agent_indexes}
    episode_reward, score, steps = 0.0, 0, 0
    while not all(done.values()):
        actions = [-1 for _ in env.agents]
        for agent_index in agent_indexes:
            state = env.get_Observation(agent_index)
            assert state.shape == (8, env.layout.height, env.layout.width)
            actions[agent_index] = int(rng.choice(info["legal_actions"][agent_index]))
        next_states, rewards, terminations, info = env.step(actions)
        score -= info["score_change"]
        done = {key: value for key, value in terminations.items() if key in agent_indexes}
        episode_reward += rewards[1] + rewards[3]
        steps += 1
    return steps, score, episode_reward


def test_course_notebook_loop_on_the_course_map():
    layout_path = reference_dir("layouts") / "bloxCapture.lay"
    env = gymPacMan_parallel_env(
        layout_file=str(layout_path),
        display=False,
        reward_forLegalAction=True,
        defenceReward=False,
        length=299,
        enemieName="randomTeam",
        self_play=False,
        random_layout=False,
    )
    steps, score, episode_reward = notebook_episode(env, np.random.default_rng(0))
    assert steps == env.steps <= 299
    assert episode_reward >= 2 * 0.01 * steps  # both blue agents get the team's legal-move bonus
    assert env.layout.width == 20 and env.layout.height == 20


def test_reset_returns_observations_and_legal_actions_keyed_like_agents():
    env = gymPacMan_parallel_env("smallMaze")
    observations, info = env.reset(enemieName="agents/randomTeam.py")
    assert list(observations) == env.agents and list(info["legal_actions"]) == env.agents
    assert env.agents[1] == 1 and env.agents[3] == 3 and env.agents[0].index == 0
    assert all(isinstance(o, torch.Tensor) and o.dtype == torch.float32 for o in observations.values())
    actions = {agent: 4 for agent in env.agents}
    observations, rewards, terminations, info = env.step(actions)
    assert rewards[1] == rewards[3] and set(info) >= {"legal_actions", "score_change"}
    assert not any(terminations.values())


def test_game_state_answers_the_contest_calls():
    env = gymPacMan_parallel_env("mediumCapsules", self_play=True)
    env.reset()
    state = env.game.state
    layout = env.layout
    assert state.getBlueFood().data[15] == [bool(layout.food[y, 15]) for y in range(layout.height)]
    assert state.getRedFood().count() + state.getBlueFood().count() == int(layout.food.sum())
    assert state.getAgentPosition(1) == tuple(int(v) for v in layout.starts[1])
    agent = state.getAgentState(0)
    assert (agent.numCarrying, agent.isPacman, agent.scaredTimer) == (0, False, 0)
    assert set(state.getLegalActions(0)) <= {"North", "East", "South", "West", "Stop"} and "Stop" in state.getLegalActions(0)
    assert state.getWalls()[0][0] and state.getScore() == 0
    assert len(state.getCapsules()) == 2
    x, y = (int(v) for v in layout.starts[0])
    assert "South" in state.getLegalActions(0) and "East" not in state.getLegalActions(0)
    env.step({0: "South", 1: 4, 2: 4, 3: "East"})  # direction names work as in the course
    assert env.game.state.getAgentState(0).getPosition() == (x, y - 1)
    assert env.game.state.getAgentState(0).getDirection() == "South"
    assert env.game.state.getAgentPosition(3) == tuple(int(v) for v in layout.starts[3])  # a wall: Stop


def test_self_play_matches_the_vectorised_env():
    course = gymPacMan_parallel_env("smallMaze", self_play=True, length=50)
    vec = VecCaptureEnv("smallMaze", num_envs=1, self_play=True, length=50, seed=0)
    course.reset()
    vec.reset()
    rng = np.random.default_rng(1)
    for _ in range(50):
        actions = rng.integers(0, 5, size=4)
        obs_c, rewards_c, terms, info_c = course.step(list(actions))
        obs_v, rewards_v, terminated, truncated, info_v = vec.step(actions[None])
        for i in range(4):
            np.testing.assert_array_equal(obs_c[i].numpy(), info_v["final_observation"][0, i])
        assert [rewards_c[0], rewards_c[1]] == pytest.approx(rewards_v[0].tolist())
        if any(terms.values()):
            assert info_c["truncated"] == bool(truncated[0])
            break


def test_time_limit_ends_after_length_steps_and_is_flagged():
    env = gymPacMan_parallel_env("tinyMaze", length=10)
    _, info = env.reset()
    for t in range(10):
        _, _, terminations, info = env.step({1: 4, 3: 4})
    assert all(terminations.values()) and info["truncated"]
    with pytest.raises(RuntimeError, match="reset"):
        env.step({1: 4, 3: 4})


@pytest.mark.parametrize("bad", [5, -1, 2.5, "Jump"])
def test_out_of_range_action_is_an_error(bad):
    env = gymPacMan_parallel_env("tinyMaze")
    env.reset()
    with pytest.raises(ValueError, match="agent 1"):
        env.step({1: bad, 3: 4})


def test_unknown_team_lists_the_known_ones():
    with pytest.raises(ValueError, match="known teams: random"):
        gymPacMan_parallel_env("tinyMaze", enemieName="noSuchTeam")


def test_random_layout_and_display_saves_a_gif(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GYMPACMAN_DISPLAY_DIR", str(tmp_path))
    env = gymPacMan_parallel_env(random_layout=True, display=True, length=5, seed=0)
    first = env.layout.text
    env.reset()
    assert env.layout.width == 20 and env.layout.text != first
    for _ in range(5):
        env.step({1: 4, 3: 4})
    assert len(list(tmp_path.glob("*.gif"))) == 1
    assert f"games are saved as GIFs in {tmp_path}" in capsys.readouterr().out


def test_random_layout_plays_the_courses_maze_for_a_seed_of_the_envs_generator():
    """As the course's engine does (`randomLayout(random.randint(0, 99999999))`), with the seed drawn from
    the environment's own generator: the notebook's loop runs on a new course maze every episode."""
    env = gymPacMan_parallel_env(random_layout=True, length=30, seed=5)
    names = [env.layout.name]
    rng = np.random.default_rng(0)
    for _ in range(3):
        steps, _, _ = notebook_episode(env, rng)
        assert steps == env.steps == 30
        seed = int(env.layout.name.removeprefix("contest_"))
        assert 1 <= seed <= 99_999_999 and env.layout.text == contest_maze_text(seed)
        names.append(env.layout.name)
    assert len(set(names)) == 4
    again = gymPacMan_parallel_env(random_layout=True, length=30, seed=5)
    assert again.layout.name == names[0] and again.reset() and again.layout.name == names[1]  # seeded: the same mazes


def test_a_long_displayed_run_keeps_only_the_newest_gifs(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GYMPACMAN_DISPLAY_DIR", str(tmp_path))
    env = gymPacMan_parallel_env("tinyMaze", display=True, length=3, seed=0, display_keep=3)
    for _ in range(5):
        env.reset()
        for _ in range(3):
            env.step({1: 4, 3: 4})
    kept = sorted(tmp_path.glob("*.gif"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
    assert [int(p.stem.rsplit("_", 1)[1]) for p in kept] == [3, 4, 5]  # the newest three games
    assert capsys.readouterr().out.count("saved as GIFs") == 1  # said once, where they are


def test_a_missing_layout_file_plays_a_random_maze_as_the_course_does(tmp_path, capsys):
    env = gymPacMan_parallel_env("tinyMaze", seed=0)
    for name in ("layouts/noSuchMap.lay", "tinyMaze", "layouts/noSuchMap.lay"):  # a notebook's layout loop
        env.reset(layout_file=name)
        env.step({1: 4, 3: 4})
    out = capsys.readouterr().out
    assert out.count("no layout file 'layouts/noSuchMap.lay'; playing a random 20 x 20 maze of the course's generator") == 1
    assert env.layout.name.startswith("contest_") and (env.layout.width, env.layout.height) == (20, 20)
    with pytest.raises(FileNotFoundError, match="noSuchMap"):  # elsewhere a missing file stays an error
        VecCaptureEnv("layouts/noSuchMap.lay")
    ragged = tmp_path / "ragged.lay"
    ragged.write_text("%%%%\n%1 2%\n%%\n")
    with pytest.raises(ValueError):  # a malformed file is an error, not a random maze
        gymPacMan_parallel_env(str(ragged))


def test_display_shows_the_game_live_where_a_display_exists(monkeypatch):
    import warnings

    import matplotlib

    from gymPacMan import render

    matplotlib.use("Agg")
    monkeypatch.setattr(render, "live_display_available", lambda: True)
    env = gymPacMan_parallel_env("tinyMaze", display=True, length=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Agg cannot pause, and says so
        for _ in range(3):
            env.step({1: 4, 3: 4})
    assert env._display.live.frames_shown == 4  # the start and three steps
    env._display.close()


def test_no_display_on_a_headless_machine(monkeypatch):
    from gymPacMan import render

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not render.live_display_available() or not __import__("sys").platform.startswith("linux")


COURSE_TEAMS = ["randomTeam", "baselineTeam", "heuristicTeam", "approxQTeam.py", "MCTSTeam", "AstarTeam"]


def test_a_notebook_loop_runs_through_every_course_opponent_and_a_missing_layout(capsys):
    """The course notebook's training loop, shaped as written: a layout loop with a file that is not
    there, the red team drawn per episode from the six course names (our ports of the course's files), observations by index, dict and list
    actions, rewards by agent index, until the game terminates."""
    env = gymPacMan_parallel_env("tinyCapture", length=40, enemieName="randomTeam", seed=3)
    rng = np.random.default_rng(0)
    layouts = ["tinyCapture", "layouts/notInThisCheckout.lay", "smallCapture"]
    for episode in range(12):
        enemy = COURSE_TEAMS[episode % len(COURSE_TEAMS)]
        states, info = env.reset(layout_file=layouts[episode % len(layouts)], enemieName=enemy)
        done, total, steps = False, 0.0, 0
        while not done:
            obs = [env.get_Observation(i) for i in (1, 3)]
            assert all(o.shape == (8, env.layout.height, env.layout.width) for o in obs)
            moves = {i: int(rng.choice(info["legal_actions"][i])) for i in (1, 3)}
            actions = moves if steps % 2 else [moves.get(i, 4) for i in range(4)]  # a dict, then a list by index
            states, rewards, terminations, info = env.step(actions)
            total += rewards[1] + rewards[3]
            done = terminations[1] and terminations[3]
            steps += 1
        assert 0 < steps <= 40 and np.isfinite(total)
    out, err = capsys.readouterr()
    assert out.count("no layout file 'layouts/notInThisCheckout.lay'") == 1
    assert "the course's team file is not at this path" not in err  # the course's names play ports, not stand-ins


def test_a_course_team_file_at_its_path_plays_itself(tmp_path):
    from agents import ContestTeam, make_team

    course_file = tmp_path / "heuristicTeam.py"  # a student's checkout holds the course's own file
    course_file.write_text((Path(__file__).resolve().parents[1] / "teams" / "contest" / "reflexTeam.py").read_text())
    team = make_team(str(course_file))
    assert isinstance(team, ContestTeam)  # played through the contest adapter, not replaced by our heuristic team
    team.close()
