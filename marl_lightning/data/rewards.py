"""The reward the learner sees, made from what the game paid. The evaluation metric is never this:
it is always the game's outcome (`rollout/win`, `eval/win_rate`).

- `zero_sum`: the team's reward minus the opponents', so the opponents' gains count against the learner;
- `potential`: potential-based shaping (Ng et al., 1999) `potential * (gamma * Phi(s') - Phi(s))` with
  `gymPacMan.potential.progress` (maze distance to food while carrying none, home scaled by the food
  carried), which leaves the optimal policy unchanged;
- `value`: the same with the game's value as the search team scores it, `score + (food carried by the
  team - food carried by the opponents) / 2`, from the team's side: zero-sum, and a carrier killed or
  a carrier lost counts the moment it happens, whichever agent moved.

`Phi` of a state a game ended in is 0 when that ending is terminal for the learner.
"""

from __future__ import annotations

import numpy as np

from gymPacMan import VecCaptureEnv
from gymPacMan.distances import DistanceTables
from gymPacMan.engine import GameState
from gymPacMan.potential import CARRIED_VALUE, progress
from gymPacMan.rules import BLUE, RED, TEAM_AGENTS


def game_value(state: GameState, team: int) -> np.ndarray:
    """`(N,)` the game's value for `team`: its lead in points plus half the food its agents carry, minus
    half of what the opponents carry (the search team's evaluation, without its win bonus)."""
    lead = state.score if team == RED else -state.score
    own, other = state.carrying[:, list(TEAM_AGENTS[team])].sum(1), state.carrying[:, list(TEAM_AGENTS[1 - team])].sum(1)
    return lead + CARRIED_VALUE * (own - other)


class RewardShaper:
    """Args: zero_sum, potential (weight of the progress potential, 0: off), gamma (the learner's discount,
    for the shaping terms), limit_is_terminal (a game cut by the time limit ends for the learner: its final
    potential is 0), value (weight of the game-value potential, 0: off), team (whose reward: blue, the
    learner's colour in training, or red, for demonstrations played as red)."""

    def __init__(self, zero_sum: bool = False, potential: float = 0.0, gamma: float = 0.99, limit_is_terminal: bool = False,
                 value: float = 0.0, team: int = BLUE):
        self.zero_sum, self.scale, self.gamma, self.limit_is_terminal = zero_sum, potential, gamma, limit_is_terminal
        self.value_scale, self.team = value, team
        self.tables, self.final_tables = DistanceTables(), DistanceTables()  # the live games, the ended ones

    def potential(self, state: GameState, tables: DistanceTables | None = None) -> np.ndarray | None:
        """`(N,)` Phi of the team in each game (`None` without potential shaping)."""
        if not self.scale and not self.value_scale:
            return None
        phi = np.zeros(state.num_games)
        if self.scale:
            tables = self.tables if tables is None else tables
            tables.update(state, np.arange(state.num_games))
            phi += self.scale * progress(state, self.team, tables)
        if self.value_scale:
            phi += self.value_scale * game_value(state, self.team)
        return phi

    def __call__(self, info: dict, before: np.ndarray | None, env: VecCaptureEnv) -> np.ndarray:
        """`(N,)` the learner's reward for the step `info` reports (`before`: Phi before it)."""
        reward = info["rewards"][:, self.team].astype(np.float64)
        if self.zero_sum:
            reward = reward - info["rewards"][:, 1 - self.team]
        if before is not None:
            after = self.potential(env.state)  # the games going on (and the fresh ones, overwritten below)
            episodes = info["episodes"]
            if len(episodes):
                ended = self.potential(info["final_state"], self.final_tables)
                terminal = ~episodes.truncated | self.limit_is_terminal
                after[episodes.env_index] = np.where(terminal, 0.0, ended)
            reward = reward + self.gamma * after - before
        return reward
