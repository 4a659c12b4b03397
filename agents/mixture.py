"""A mixture of opponents: each game of a batch is played by one team drawn, when the game starts,
from weighted entrants (`{"random": 0.5, "baseline": 0.5}`), so one training run meets several.

Each member plays only its own games (it is told which in `in_play`: the search team searches, and a
trained policy runs its networks, for those games only), so a costly member costs in proportion to its share.
The draws come from the mixture's own generator, saved with its memory for exact resumes.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from gymPacMan.engine import GameState

from .base import Team


class MixtureTeam(Team):
    """Args: members: `{team: weight}` (weights need not sum to 1), already built for colour `team`;
    seed: the draws' generator."""

    name = "mixture"

    def __init__(self, members: Mapping[str, Team], weights: Mapping[str, float], team: int = 0, seed: int = 0):
        super().__init__(team)
        if not members or set(members) != set(weights):
            raise ValueError("a mixture needs at least one member and a weight for each")
        self.names = list(members)
        self.members = [members[n] for n in self.names]
        self.rng = np.random.default_rng(seed)
        self.assignment = np.zeros(0, dtype=np.int64)  # (N,) which member plays each game
        self.set_weights(weights)

    def set_weights(self, weights: Mapping[str, float]) -> None:
        """New weights for the games that start from now on (a curriculum's next stage); games in
        progress keep their opponent."""
        if set(weights) != set(self.names) or any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
            raise ValueError(f"mixture weights must be non-negative with a positive sum, one per member of {self.names}; "
                             f"got {dict(weights)}")
        total = sum(weights.values())
        self.probabilities = np.array([weights[n] / total for n in self.names])
        self.name = "+".join(f"{n}:{weights[n]:g}" for n in self.names)

    @property
    def time_limit(self) -> int:
        return self.members[0].time_limit

    @time_limit.setter
    def time_limit(self, value: int) -> None:
        for member in getattr(self, "members", []):
            member.time_limit = value

    def reset(self, state: GameState, games: np.ndarray) -> None:
        games = np.asarray(games)
        if self.bind(state) or self.assignment.shape[0] != state.num_games:
            self.assignment = np.zeros(state.num_games, dtype=np.int64)
            games = np.arange(state.num_games)
        self.assignment[games] = self.rng.choice(len(self.members), size=len(games), p=self.probabilities)
        for k, member in enumerate(self.members):
            member.in_play = self.assignment == k
            member.reset(state, games)

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if self.assignment.shape[0] != state.num_games:
            self.reset(state, np.arange(state.num_games))
        out = np.empty((state.num_games, 2), dtype=np.int64)
        self.forfeits = np.zeros(state.num_games, dtype=np.bool_)
        playing = np.ones(state.num_games, dtype=np.bool_) if self.in_play is None else self.in_play  # a mixture in a mixture
        for k, member in enumerate(self.members):
            mine = (self.assignment == k) & playing
            if mine.any():
                member.in_play = mine
                out[mine] = member.act(state, legal, rng)[mine]
                if member.forfeits is not None:
                    self.forfeits |= member.forfeits & mine
        return out

    def games_ended(self, games: np.ndarray, winner: np.ndarray) -> None:
        """Pass finished games' results to the members that played them (a self-play pool counts them)."""
        games, winner = np.asarray(games), np.asarray(winner)
        for k, member in enumerate(self.members):
            mine = self.assignment[games] == k
            if mine.any() and hasattr(member, "games_ended"):
                member.games_ended(games[mine], winner[mine])

    def state_dict(self) -> dict:
        import torch

        return {"assignment": torch.from_numpy(self.assignment.copy()), "rng": self.rng.bit_generator.state,
                "members": [m.state_dict() for m in self.members]}

    def load_state_dict(self, state_dict: dict) -> None:
        self.assignment = state_dict["assignment"].numpy().copy()
        self.rng.bit_generator.state = state_dict["rng"]
        for member, saved in zip(self.members, state_dict["members"]):
            member.load_state_dict(saved)
