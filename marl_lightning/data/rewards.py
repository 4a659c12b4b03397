"""The reward the learner sees, made from what the game paid. The evaluation metric is never this:
it is always the game's outcome (`rollout/win`, `eval/win_rate`).

- `zero_sum`: blue's team reward minus red's, so the opponent's gains count against the learner;
- `potential`: potential-based shaping (Ng et al., 1999) `potential * (gamma * Phi(s') - Phi(s))` with
  `gymPacMan.potential.progress` (maze distance to food while carrying none, home scaled by the food
  carried), which leaves the optimal policy unchanged; `Phi` of a state a game ended in is 0 when
  that ending is terminal for the learner.
"""

from __future__ import annotations

import numpy as np

from gymPacMan import VecCaptureEnv
from gymPacMan.distances import DistanceTables
from gymPacMan.engine import GameState
from gymPacMan.potential import progress
from gymPacMan.rules import BLUE, RED


class RewardShaper:
    """Args: zero_sum, potential (0: off), gamma (the learner's discount, for the shaping term),
    limit_is_terminal (a game cut by the time limit ends for the learner: its final potential is 0)."""

    def __init__(self, zero_sum: bool = False, potential: float = 0.0, gamma: float = 0.99, limit_is_terminal: bool = False):
        self.zero_sum, self.scale, self.gamma, self.limit_is_terminal = zero_sum, potential, gamma, limit_is_terminal
        self.tables, self.final_tables = DistanceTables(), DistanceTables()  # the live games, the ended ones

    def potential(self, state: GameState) -> np.ndarray | None:
        """`(N,)` Phi of blue in each game (`None` without potential shaping)."""
        if not self.scale:
            return None
        self.tables.update(state, np.arange(state.num_games))
        return progress(state, BLUE, self.tables)

    def __call__(self, info: dict, before: np.ndarray | None, env: VecCaptureEnv) -> np.ndarray:
        """`(N,)` the learner's reward for the step `info` reports (`before`: Phi before it)."""
        reward = info["rewards"][:, BLUE].astype(np.float64)
        if self.zero_sum:
            reward = reward - info["rewards"][:, RED]
        if before is not None:
            after = self.potential(env.state)  # the games going on (and the fresh ones, overwritten below)
            episodes = info["episodes"]
            if len(episodes):
                final = info["final_state"]
                self.final_tables.update(final, np.arange(final.num_games))
                ended = progress(final, BLUE, self.final_tables)
                terminal = ~episodes.truncated | self.limit_is_terminal
                after[episodes.env_index] = np.where(terminal, 0.0, ended)
            reward = reward + self.scale * (self.gamma * after - before)
        return reward
