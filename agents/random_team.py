"""The random team: each agent plays a uniformly random legal action."""

from __future__ import annotations

import numpy as np

from gymPacMan.engine import GameState

from .base import Team, sample_legal


class RandomTeam(Team):
    """A uniformly random legal action for each agent (the course's `randomTeam`)."""

    name = "random"

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return sample_legal(legal[:, list(self.agents)], rng)  # (N, 2)
