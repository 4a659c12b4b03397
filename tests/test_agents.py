"""The team registry and the random team."""

from __future__ import annotations

import numpy as np
import pytest

from agents import RandomTeam, Team, canonical_team_name, make_team, sample_legal
from gymPacMan import engine, load_layout
from gymPacMan.rules import BLUE, RED


@pytest.mark.parametrize("name", ["random", "randomTeam", "randomTeam.py", "agents/randomTeam.py", "RandomTeam"])
def test_course_spellings_name_the_same_team(name):
    assert canonical_team_name(name) == "random"
    team = make_team(name, team=BLUE)
    assert isinstance(team, RandomTeam) and team.team == BLUE and team.agents == (1, 3)


def test_unknown_team_lists_known_teams():
    with pytest.raises(ValueError, match=r"unknown team 'noSuchTeam'; known teams: random, baseline.*approxQTeam = course_approxq"):
        make_team("noSuchTeam")


@pytest.mark.parametrize("name, cls", [("AstarTeam", "CourseAstarTeam"), ("MCTSTeam.py", "CourseMCTSTeam"),
                                       ("agents/baselineTeam.py", "BaselineTeam"), ("heuristicTeam", "CourseHeuristicTeam"),
                                       ("approxQTeam.py", "CourseApproxQTeam"), ("astar", "CourseAstarTeam"),
                                       ("heuristic", "HeuristicTeam"), ("heuristic_team.py", "HeuristicTeam"),
                                       ("search", "SearchTeam"), ("randomTeam", "RandomTeam")])
def test_course_team_names_play_the_ports_of_the_course_files(name, cls):
    """The course's spellings play our ports of its files; our plain names keep our own ladder."""
    assert type(make_team(name)).__name__ == cls


def test_team_instance_must_play_the_asked_colour():
    red = RandomTeam(RED)
    assert make_team(red, team=RED) is red
    with pytest.raises(ValueError, match="other colour"):
        make_team(red, team=BLUE)
    with pytest.raises(ValueError, match="team must be 0"):
        RandomTeam(team=2)


def test_sample_legal_is_uniform_over_legal_actions():
    legal = np.array([[True, False, True, False, True]] * 30000)
    actions = sample_legal(legal, np.random.default_rng(0))
    counts = np.bincount(actions, minlength=5) / len(actions)
    np.testing.assert_allclose(counts, [1 / 3, 0, 1 / 3, 0, 1 / 3], atol=0.01)


def test_random_team_plays_only_legal_actions_for_its_agents():
    state = engine.new_state([load_layout("smallMaze")], [0] * 64)
    legal = engine.legal_actions(state)
    rng = np.random.default_rng(1)
    for team in (RED, BLUE):
        actions = make_team("random", team=team).act(state, legal, rng)
        assert actions.shape == (64, 2)
        for k, agent in enumerate((0, 2) if team == RED else (1, 3)):
            assert legal[np.arange(64), agent, actions[:, k]].all()


def test_team_is_abstract():
    with pytest.raises(TypeError):
        Team(RED)


@pytest.mark.parametrize("name", ["baseline", "heuristic", "course_heuristic"])
def test_team_reused_on_a_bigger_grid_starts_afresh(name):
    team = make_team(name, team=RED)
    small = engine.new_state([load_layout("tinyMaze")], [0, 0])
    team.reset(small, np.arange(2))
    team.act(small, engine.legal_actions(small), np.random.default_rng(0))
    big = engine.new_state([load_layout("bloxCapture")], [0, 0])  # same number of games, bigger grid
    legal = engine.legal_actions(big)
    actions = team.act(big, legal, np.random.default_rng(0))
    assert legal[np.arange(2)[:, None], [[0, 2]], actions].all()
    h, w = big.grid_shape
    assert team.distances.tables.shape[1:] == (h * w, h * w)


def test_one_team_shared_by_two_environments_plays_each_on_its_own_board():
    from gymPacMan import VecCaptureEnv

    shared = make_team("heuristic", team=RED)
    envs = [VecCaptureEnv(layout, num_envs=2, opponent=shared, seed=0) for layout in ("mediumCapsules", "bloxCapture")]
    for env in envs:
        env.reset()
    for _ in range(20):
        for env in envs:
            legal = engine.legal_actions(env.state)
            red = shared.act(env.state, legal, env.rng)
            assert legal[np.arange(2)[:, None], [[0, 2]], red].all()
            env.step(np.full((2, 2), 4))
    h, w = envs[1].state.grid_shape
    walls_key = envs[1].state.walls[0].tobytes()
    assert walls_key in shared.distances._keys  # bound to the environment it last played


@pytest.mark.parametrize("name, kwargs", [("heuristic", {}), ("search", {}), ("course_heuristic", {}),
                                          ("course_astar", {"observation": "contest"}), ("course_mcts", {"iterations": 20})])
def test_a_teams_memory_comes_back_from_a_checkpoint_bit_for_bit(tmp_path, name, kwargs):
    """The memory a team names in `memory_arrays` is saved as tensors that `torch.load(weights_only=True)` reads,
    and restored exactly: the restored team plays on as the original does."""
    import torch

    from gymPacMan import VecCaptureEnv

    env = VecCaptureEnv("bloxCapture", num_envs=4, opponent="baseline", length=60, seed=0)
    env.reset()
    team, restored = make_team(name, team=BLUE, **kwargs), make_team(name, team=BLUE, **kwargs)
    team.reset(env.state, np.arange(4))
    for _ in range(24):  # the baseline's attacker has eaten some of the team's food by then
        env.step(team.act(env.state, engine.legal_actions(env.state), env.rng))
    torch.save(team.state_dict(), tmp_path / "team.pt")
    saved = torch.load(tmp_path / "team.pt", weights_only=True)
    assert team.memory_arrays and set(saved) == set(team.memory_arrays)
    restored.reset(env.state, np.arange(4))
    fresh = {key: getattr(restored, key).copy() for key in team.memory_arrays}
    restored.load_state_dict(saved)
    assert any(not np.array_equal(fresh[key], getattr(team, key)) for key in fresh)  # a memory worth restoring
    for key in team.memory_arrays:
        ours, theirs = getattr(team, key), getattr(restored, key)
        assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)
    legal = engine.legal_actions(env.state)
    np.testing.assert_array_equal(team.act(env.state, legal, np.random.default_rng(1)),
                                  restored.act(env.state, legal, np.random.default_rng(1)))


def test_a_team_without_memory_saves_none():
    assert make_team("random").state_dict() == {} and make_team("baseline").state_dict() == {}
