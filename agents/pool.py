"""A pool of policies as one team: each game played by one member, drawn by weights when it starts.

A self-play league keeps frozen snapshots of the learner here (`marl_lightning.data.league`); each
member plays through `PolicyTeam`, so a snapshot trained as blue plays red through the map's symmetry.
The pool counts, per member, the games it played to the end and how many the other side won, which
is what prioritised fictitious self-play samples by.
"""

from __future__ import annotations

import numpy as np

from gymPacMan.engine import GameState
from gymPacMan.rules import STOP

from .base import Team
from .policy_team import Policy, PolicyTeam


class PoolTeam(Team):
    """Members (policies) added and removed as training goes; `weights` set by the league."""

    name = "pool"

    def __init__(self, team: int = 0, seed: int = 0):
        super().__init__(team)
        self.members: list[PolicyTeam] = []
        self.names: list[str] = []
        self.probabilities = np.zeros(0)
        self.rng = np.random.default_rng(seed)
        self.assignment = np.zeros(0, dtype=np.int64)  # (N,) member of each game, -1 none
        self.games = np.zeros(0, dtype=np.int64)  # (members,) games played to the end
        self.lost = np.zeros(0, dtype=np.int64)  # (members,) of those, games the member's side lost

    def add(self, policy: Policy, name: str) -> None:
        member = PolicyTeam(policy, team=self.team, name=name)
        member.time_limit = self.time_limit
        self.members.append(member)
        self.names.append(name)
        self.games, self.lost = np.append(self.games, 0), np.append(self.lost, 0)
        self.set_weights(np.ones(len(self.members)))

    def remove(self, index: int) -> None:
        """Drop a member; its games in progress finish with the member that takes its place (the first)."""
        del self.members[index], self.names[index]
        self.games, self.lost = np.delete(self.games, index), np.delete(self.lost, index)
        self.assignment = np.where(self.assignment > index, self.assignment - 1, np.where(self.assignment == index, 0, self.assignment))
        if not self.members:
            self.assignment[:] = -1
        self.set_weights(np.ones(len(self.members)))

    def set_weights(self, weights: np.ndarray) -> None:
        weights = np.asarray(weights, dtype=np.float64)
        self.probabilities = weights / weights.sum() if len(weights) and weights.sum() > 0 else weights

    @property
    def time_limit(self) -> int:
        return getattr(self, "_time_limit", Team.time_limit)

    @time_limit.setter
    def time_limit(self, value: int) -> None:
        self._time_limit = value
        for member in getattr(self, "members", []):
            member.time_limit = value

    def reset(self, state: GameState, games: np.ndarray) -> None:
        games = np.asarray(games)
        if self.bind(state) or self.assignment.shape[0] != state.num_games:
            self.assignment = np.full(state.num_games, -1, dtype=np.int64)
            games = np.arange(state.num_games)
        if self.members:
            self.assignment[games] = self.rng.choice(len(self.members), size=len(games), p=self.probabilities)
        for member in self.members:
            member.reset(state, games)

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if self.assignment.shape[0] != state.num_games:
            self.reset(state, np.arange(state.num_games))
        out = np.full((state.num_games, 2), STOP, dtype=np.int64)
        playing = np.ones(state.num_games, dtype=np.bool_) if self.in_play is None else self.in_play
        for k, member in enumerate(self.members):
            mine = (self.assignment == k) & playing
            if mine.any():
                out[mine] = member.act(state, legal, rng)[mine]
        return out

    def games_ended(self, games: np.ndarray, winner: np.ndarray) -> None:
        """Count the results of finished games (`winner`: +1 red, -1 blue, 0 tie) for their members."""
        for g, w in zip(np.asarray(games), np.asarray(winner)):
            k = self.assignment[g] if g < self.assignment.shape[0] else -1
            if k >= 0:
                self.games[k] += 1
                self.lost[k] += int(w == (1 if self.team == 1 else -1))  # the other side won

    def state_dict(self) -> dict:
        import torch

        return {"assignment": torch.from_numpy(self.assignment.copy()), "members": [m.state_dict() for m in self.members]}

    def load_state_dict(self, state_dict: dict) -> None:
        """The games' members (the members themselves are the league's to restore first)."""
        self.assignment = state_dict["assignment"].numpy().copy()
        for member, saved in zip(self.members, state_dict["members"]):
            member.load_state_dict(saved)
