"""The contest's view for batched teams: opponents out of sight drawn where the Bayes filter finds them most
likely (`gymPacMan.contest_view`, `agents.contest_view`)."""

from __future__ import annotations

import numpy as np
import pytest

from agents import Team, make_team
from agents.contest_view import ContestViewTeam
from agents.match import play_match
from gymPacMan import VecCaptureEnv
from gymPacMan.contest_view import moved_since_last_call
from gymPacMan.engine import GameState
from gymPacMan.rules import BLUE, RED
from marl_lightning.entrants import entrant_name, make_entrant
from marl_lightning.play.evaluation import game_entrant


class Spy(Team):
    """Random moves; keeps, at each call, the true state and the state it was shown."""

    def __init__(self, team: int):
        super().__init__(team)
        self.random = make_team("random", team=team)
        self.calls: list[tuple[GameState, GameState, np.ndarray | None]] = []

    def act(self, state, legal, rng):
        self.calls.append((state.copy(), None if self.movers is None else self.movers.copy()))
        return self.random.act(state, legal, rng)


class Watched(ContestViewTeam):
    """Records the true state next to the view and the filter's belief, at each call."""

    def __init__(self, team: Team):
        super().__init__(team)
        self.records = []

    def act(self, state, legal, rng):
        actions = super().act(state, legal, rng)
        self.records.append((state.copy(), self.viewer.view(state).copy(), self.viewer.filter.belief.copy(),
                             self.viewer.visible.copy(), None if self.movers is None else self.movers.copy()))
        return actions


@pytest.mark.parametrize("turns", ["contest", "simultaneous"])
def test_the_view_shows_opponents_in_sight_where_they_are_and_the_others_out_of_sight(turns):
    team = Watched(Spy(BLUE))
    play_match(team, make_team("heuristic", team=RED), "bloxCapture", 8, num_envs=8, length=120, seed=4, turns=turns)
    assert len(team.records) > 100
    hidden_seen = 0
    for true, seen, belief, visible, movers in team.records:
        np.testing.assert_allclose(belief.sum(axis=(2, 3)), 1.0)
        np.testing.assert_array_equal(seen.pos[:, (1, 3)], true.pos[:, (1, 3)])  # ourselves, as we are
        played = np.ones(true.num_games, bool) if movers is None else movers.any(axis=1)  # games asked in this call
        for j, agent in enumerate((0, 2)):
            dist = np.abs(true.pos[:, (1, 3)] - true.pos[:, agent][:, None]).sum(-1).min(axis=1)  # (N,) to us
            np.testing.assert_array_equal(visible[played, j], dist[played] <= 5)
            shown = played & visible[:, j]
            np.testing.assert_array_equal(seen.pos[shown, agent], true.pos[shown, agent])
            out = played & ~visible[:, j]
            hidden_seen += out.sum()
            drawn = np.abs(true.pos[:, (1, 3)] - seen.pos[:, agent][:, None]).sum(-1).min(axis=1)
            assert (drawn[out] > 5).all()  # a hidden opponent is drawn out of sight
            x, y = true.pos[:, agent, 0], true.pos[:, agent, 1]
            truth = belief[np.arange(len(x)), j, y, x]
            if turns == "contest":  # the filter follows the moves in the order they are played: never rules out the truth
                assert (truth[played] > 0).all()
    assert hidden_seen > 0
    # the inner team is asked with the view, not the truth
    inner_states = [state for state, _ in team.inner.calls]
    assert any(not np.array_equal(state.pos, true.pos) for state, (true, *_) in zip(inner_states, team.records))


def test_which_opponent_moved_since_the_teams_last_call():
    env = VecCaptureEnv("tinyMaze", num_envs=3, seed=0)
    env.reset()
    state = env.state
    state.t[:] = [0, 5, 5]
    # course game: both opponents moved once a step, nothing before the first step
    np.testing.assert_array_equal(moved_since_last_call(state, None, None, BLUE), [[0, 0], [1, 1], [1, 1]])
    # turn by turn: blue's agent 1 moves (after red's 0), agent 3 (after red's 2); game 0 starts with agent 1
    movers = np.array([[1, 0], [0, 1], [0, 0]], dtype=bool)
    first = np.array([1, 0, 0])
    np.testing.assert_array_equal(moved_since_last_call(state, movers, first, BLUE), [[0, 0], [0, 1], [0, 0]])
    # red's agent 0 moves after blue's 3; in a game that blue started, red's first move follows blue's
    state.t[:] = [0, 0, 7]
    movers = np.array([[1, 0], [1, 0], [0, 1]], dtype=bool)
    np.testing.assert_array_equal(moved_since_last_call(state, movers, np.array([1, 0, 0]), RED), [[0, 1], [0, 0], [1, 0]])


def test_view_is_an_entrant_prefix():
    team = make_entrant("view:heuristic", BLUE)
    assert isinstance(team, ContestViewTeam) and team.inner.team == BLUE
    assert entrant_name("view:heuristic") == "view:heuristic"
    assert isinstance(game_entrant("view:teams/champion.ckpt", RED, "contest"), ContestViewTeam)  # the view, not an export
    result = play_match(team, make_team("random", team=RED), "tinyMaze", 4, num_envs=4, length=30, seed=1, turns="contest")
    assert result["games"] == 4
