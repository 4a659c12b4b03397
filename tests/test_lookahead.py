"""The one-step lookahead at play time (`agents.lookahead`): it plays the joint move whose exact next state
scores best (reward now plus the learned value), in either colour, among the policy's top moves only."""

from __future__ import annotations

import numpy as np
import torch

from agents.lookahead import LookaheadTeam
from gymPacMan import engine
from gymPacMan.layout import parse_layout
from gymPacMan.rules import BLUE, EAST, RED, STOP, WEST

from helpers import ARENA, place


class FlatPolicy:
    """Every legal move scores the same, except the ones in `prefer` (a policy's own ranking)."""

    planes = ()

    def __init__(self, prefer=()):
        self.prefer = prefer

    def initial_state(self, n):
        return None

    def q_values(self, obs, state=None):
        q = torch.zeros(obs.shape[0], 2, 5)
        for a in self.prefer:
            q[..., a] = 1.0
        return q, state

    def act(self, obs, legal, state):
        return np.full(obs.shape[:2], STOP), state


def food_next_to_agents():
    s = engine.new_state([parse_layout(ARENA, "arena")], [0])  # 10 x 6; food at (1, 2) and (8, 2)
    place(s, 1, 2, 2)  # blue agent 1 one step East of red's food at (1, 2)
    place(s, 0, 7, 2)  # red agent 0 one step West of blue's food at (8, 2)
    place(s, 2, 4, 4)  # red's ghost away from agent 1 (a ghost beside it could send it home: a lookahead sees that)
    return s


def test_lookahead_plays_the_move_whose_next_state_scores_best():
    s = food_next_to_agents()
    zero = lambda obs, legal: np.zeros(obs.shape[0])  # noqa: E731 - no value: the step's reward decides
    team = LookaheadTeam(FlatPolicy(), zero, opponent="random", team=BLUE, top_k=5)
    team.reset(s, np.arange(1))
    actions = team.act(s, engine.legal_actions(s), np.random.default_rng(0))
    assert actions[0, 0] == WEST  # agent 1 eats red's food (+0.1); agent 3 has no food in reach
    red = LookaheadTeam(FlatPolicy(), zero, opponent="random", team=RED, top_k=5)
    red.reset(s, np.arange(1))
    assert red.act(s, engine.legal_actions(s), np.random.default_rng(0))[0, 0] == EAST  # through the mirrored view


def test_lookahead_follows_the_value_and_keeps_to_the_policys_top_moves():
    s = food_next_to_agents()
    # a value that likes agent 1 far to the East (column of its own cell, as blue sees it, in channel 1)
    east = lambda obs, legal: np.argmax(obs[:, 0, 1].max(axis=1), axis=-1).astype(np.float64)  # noqa: E731
    team = LookaheadTeam(FlatPolicy(), east, opponent="random", team=BLUE, top_k=5)
    team.reset(s, np.arange(1))
    assert team.act(s, engine.legal_actions(s), np.random.default_rng(0))[0, 0] == EAST  # worth more than eating
    narrow = LookaheadTeam(FlatPolicy(prefer=(WEST, STOP)), east, opponent="random", team=BLUE, top_k=2)
    narrow.reset(s, np.arange(1))
    assert narrow.act(s, engine.legal_actions(s), np.random.default_rng(0))[0, 0] in (WEST, STOP)  # East is not a top move


def test_with_a_shaping_potential_a_child_scores_its_value_plus_the_potential_and_an_ended_one_its_reward_only():
    """The value learned on shaped rewards is V - Phi: the lookahead adds Phi back to every child still in play, and a
    child where the game ended scores its reward alone. Agent 1 can eat food West (+ reward); a potential that grows
    with its column pulls it East instead, unless the step ends the game (the time limit): then the food decides."""
    zero = lambda obs, legal: np.zeros(obs.shape[0])  # noqa: E731
    east = lambda state: 10.0 * state.pos[:, 1, 0].astype(np.float64)  # noqa: E731 - agent 1's column
    for last_step, expected in ((False, EAST), (True, WEST)):
        s = food_next_to_agents()
        team = LookaheadTeam(FlatPolicy(), zero, opponent="random", team=BLUE, top_k=5, potential=east)
        team.time_limit = 50
        s.t[0] = 49 if last_step else 10
        team.reset(s, np.arange(1))
        assert team.act(s, engine.legal_actions(s), np.random.default_rng(0))[0, 0] == expected, last_step
