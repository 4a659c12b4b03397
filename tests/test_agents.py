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
    with pytest.raises(ValueError, match=r"unknown team 'approxQTeam'; known teams: random \(randomTeam\), baseline"):
        make_team("approxQTeam")


@pytest.mark.parametrize("name, cls", [("AstarTeam", "HeuristicTeam"), ("MCTSTeam.py", "SearchTeam"),
                                       ("agents/baselineTeam.py", "BaselineTeam"), ("heuristicTeam", "HeuristicTeam")])
def test_course_team_names_map_to_our_rungs(name, cls):
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
