"""A team's progress potential from maze distances, for potential-based reward shaping.

`progress(state, team, tables)`: for each of the team's agents, minus its maze distance to the
nearest food it can attack while it carries none, and minus its maze distance home (the nearest
cell of its own half) times the food it carries once it carries some; summed over the two agents
and divided by the board's `width + height`. Shaping with `gamma * Phi(s') - Phi(s)` (Ng et al.,
1999) leaves the optimal policy unchanged while it rewards every step towards food and back.
"""

from __future__ import annotations

import numba
import numpy as np

from .distances import UNREACHABLE, DistanceTables
from .engine import GameState


@numba.njit(cache=True)
def _progress(team, food, width, height, pos, carrying, tables, table_index, out):
    n, h, w = food.shape
    for g in range(n):
        table = tables[table_index[g]]
        gw, scale = width[g], 1.0 / (width[g] + height[g])
        total = 0.0
        for k in range(2):
            i = 2 * k + team
            cell = pos[g, i, 1] * w + pos[g, i, 0]
            best = UNREACHABLE
            if carrying[g, i] == 0:  # towards the nearest food on the opponents' half
                for y in range(height[g]):
                    for x in range(gw):
                        if food[g, y, x] and (2 * x < gw) != (team == 0) and table[cell, y * w + x] < best:
                            best = table[cell, y * w + x]
                weight = 1.0
            else:  # home: the nearest cell of the own half
                for y in range(height[g]):
                    for x in range(gw):
                        if (2 * x < gw) == (team == 0) and table[cell, y * w + x] < best:
                            best = table[cell, y * w + x]
                weight = float(carrying[g, i])
            if best < UNREACHABLE:
                total -= weight * best * scale
        out[g] = total


def progress(state: GameState, team: int, tables: DistanceTables) -> np.ndarray:
    """`(N,)` float64 potential of `team` in each game (`tables` must hold the games' layouts)."""
    out = np.zeros(state.num_games, dtype=np.float64)
    _progress(team, state.food, state.width, state.height, state.pos, state.carrying, tables.tables, tables.index, out)
    return out


__all__ = ["progress"]
