"""Two teams as one: each agent of the pair played by a team of its own, as a teacher can be
(`search`'s attacker beside `heuristic`'s defender)."""

from __future__ import annotations

import numpy as np

from gymPacMan.engine import GameState

from .base import Team


class AgentwiseTeam(Team):
    """Agent `team` (the first of the pair: 0 for red, 1 for blue) plays as `first` does, agent `team + 2`
    as `second` does. Both teams act on every game (each keeps its own memory), and each gives one agent.

    Args:
        first, second: teams of the same colour.
    """

    def __init__(self, first: Team, second: Team):
        if first.team != second.team:
            raise ValueError(f"both teams of an agentwise team play one colour, got {first!r} and {second!r}")
        super().__init__(first.team)
        self.first, self.second = first, second
        self.name = f"{getattr(first, 'name', 'team')}/{getattr(second, 'name', 'team')}"

    def members(self) -> tuple[Team, Team]:
        return self.first, self.second

    @property
    def in_play(self) -> np.ndarray | None:
        return self.first.in_play

    @in_play.setter
    def in_play(self, value: np.ndarray | None) -> None:
        for member in (getattr(self, "first", None), getattr(self, "second", None)):
            if member is not None:
                member.in_play = value

    def reset(self, state: GameState, games: np.ndarray) -> None:
        self.first.reset(state, games)
        self.second.reset(state, games)

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = self.first.act(state, legal, rng).copy()
        out[:, 1] = self.second.act(state, legal, rng)[:, 1]
        forfeits = [f for f in (self.first.forfeits, self.second.forfeits) if f is not None]
        self.forfeits = np.logical_or.reduce(forfeits) if forfeits else None
        return out

    def state_dict(self) -> dict:
        return {"first": self.first.state_dict(), "second": self.second.state_dict()}

    def load_state_dict(self, state_dict: dict) -> None:
        self.first.load_state_dict(state_dict["first"])
        self.second.load_state_dict(state_dict["second"])
