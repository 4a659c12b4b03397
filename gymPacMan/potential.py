"""A team's progress potential from maze distances, for potential-based reward shaping.

`progress(state, team, tables)`: for each of the team's agents, minus its maze distance to the
nearest food it can attack while it carries none, and minus its maze distance home (the nearest
cell of its own half) times the food it carries once it carries some, each distance divided by
the board's `width + height` and counted up to half of it (0.5); summed over the two agents; plus `CARRIED_VALUE` (half a point, as the search team
values it) for each food carried. Shaping with `gamma * Phi(s') - Phi(s)` (Ng et al., 1999) leaves
the optimal policy unchanged while it rewards every step towards food and back.

Without the carried food's value, the step that eats a food would swap a short way to it for the long
way home and lose potential: eating paid less than nothing in about half the cases on bloxCapture and
the mazes. With it, eating gains half a point less the way home (at most 0.5), and bringing the food
home (a point each) gains the other half less the way to the next food (at most 0.5).
"""

from __future__ import annotations

import numba
import numpy as np

from .distances import UNREACHABLE, DistanceTables
from .engine import GameState

CARRIED_VALUE = 0.5  # a food carried is worth half a point, as the search team values it


@numba.njit(cache=True)
def _progress(team, food, width, height, pos, carrying, tables, table_index, carried_value, out):
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
                total -= weight * min(best * scale, 0.5)  # at most half the board's width + height away
            total += carried_value * carrying[g, i]
        out[g] = total


def progress(state: GameState, team: int, tables: DistanceTables) -> np.ndarray:
    """`(N,)` float64 potential of `team` in each game (`tables` must hold the games' layouts)."""
    out = np.zeros(state.num_games, dtype=np.float64)
    _progress(team, state.food, state.width, state.height, state.pos, state.carrying, tables.tables, tables.index,
              CARRIED_VALUE, out)
    return out


__all__ = ["CARRIED_VALUE", "progress"]
