"""Any batched team, playing on what the contest shows it (`gymPacMan.contest_view`).

    ContestViewTeam(make_team("heuristic", team=BLUE))      # or the entrant "view:heuristic", "view:CKPT"

The inner team is asked with a state in which the opponents out of its sight stand where a Bayes filter of
the noisy distances finds them most likely, as the exported team file draws them: a policy, a scripted team
or a course port then plays with the contest's information, batched and fast, where a contest team file
(`contest:...`) needs a Python process per game. It plays either game (`VecCaptureEnv(turns=...)`).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from gymPacMan.contest_view import ContestViewer, moved_since_last_call
from gymPacMan.engine import GameState
from gymPacMan.vec_env import act_at_turn

from .base import Team

PREFIX = "view:"


class ContestViewTeam(Team):
    """`team` on the contest's view of the games (see the module docstring)."""

    def __init__(self, team: Team):
        super().__init__(team.team)
        self.inner = team
        self.name = f"view:{getattr(team, 'name', type(team).__name__)}"
        self.viewer = ContestViewer(team.team)

    def members(self) -> Sequence[Team]:
        return (self.inner,)

    def reset(self, state: GameState, games: np.ndarray) -> None:
        self.bind(state)
        self.viewer.reset(state, games)
        self.inner.reset(self.viewer.view(state), games)

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if self.bind(state):  # a batch it has not played: every game starts afresh
            self.reset(state, np.arange(state.num_games))
        moved = moved_since_last_call(state, self.movers, self.first_mover, self.team)
        self.viewer.update(state, rng, moved, readers=self.movers)
        self.inner.in_play = self.in_play
        actions = act_at_turn(self.inner, self.viewer.view(state), legal, rng, self.movers, self.first_mover)
        self.forfeits = self.inner.forfeits
        return actions

    def state_dict(self) -> dict:
        """The inner team's memory; the belief starts afresh on resume (as a contest team's memory does)."""
        return self.inner.state_dict()

    def load_state_dict(self, state_dict: dict) -> None:
        self.inner.load_state_dict(state_dict)
