"""The baseline team: the classic reflex pair of the Berkeley contest, for all games at once.

Each agent scores every legal action by features of the state right after its own move (it eats,
and it dies and drops its food if it walks into a ghost) and plays the best one, ties at random.

- Offensive agent (agent 0 for red, 1 for blue):
  `100 * -(food left that it attacks) - 1 * (maze distance to the nearest such food)`;
  once no such food is left it heads for its start cell.
- Defensive agent (agent 2 / 3): `100 * (it is a ghost) - 1000 * (opponent Pacmen)
  - 10 * (maze distance to the nearest opponent Pacman) - 100 * (Stop) - 2 * (reverses its heading)`.
"""

from __future__ import annotations

import numba
import numpy as np

from gymPacMan.engine import DX, DY, REVERSE_ACTION, GameState
from gymPacMan.rules import NUM_ACTIONS, NUM_AGENTS, STOP

from .base import DistanceTeam

_DX, _DY, _REVERSE = DX, DY, REVERSE_ACTION


@numba.njit(cache=True)
def _successor(g, i, action, width, starts, pos, is_pacman, scared):
    """Agent i's own move in game g: (x, y, is_pacman, dies, opponents_killed_bitmask)."""
    x, y = pos[g, i, 0] + _DX[action], pos[g, i, 1] + _DY[action]
    on_red = 2 * x < width[g]
    pacman = on_red if i % 2 == 1 else not on_red
    dies = False
    killed = 0
    for j in range(1 - i % 2, NUM_AGENTS, 2):
        if pos[g, j, 0] != x or pos[g, j, 1] != y or is_pacman[g, j] == pacman:
            continue
        ghost_is_me = not pacman
        ghost_scared = scared[g, i] > 0 if ghost_is_me else scared[g, j] > 0
        pacman_dies = not ghost_scared
        if (pacman_dies and pacman) or (not pacman_dies and ghost_is_me):
            dies = True
        else:
            killed |= 1 << j
    if dies:
        return starts[g, i, 0], starts[g, i, 1], False, True, killed
    return x, y, pacman, False, killed


@numba.njit(cache=True)
def _baseline_kernel(walls, food, width, starts, pos, is_pacman, carrying, scared, heading, food_left,
                     tables, table_index, team, noise, out):
    """out: (N, 2) actions of the team's offensive (first) and defensive (second) agent."""
    n, h, w = walls.shape
    for g in range(n):
        dist = tables[table_index[g]]
        gw = width[g]
        for k in range(2):
            i = team + 2 * k
            x0, y0 = pos[g, i, 0], pos[g, i, 1]
            best_value, best_noise, best_action = -1e18, -1.0, STOP
            for a in range(NUM_ACTIONS):
                if a != STOP and walls[g, y0 + _DY[a], x0 + _DX[a]]:
                    continue
                x, y, pacman, dies, killed = _successor(g, i, a, width, starts, pos, is_pacman, scared)
                here = y * w + x
                if k == 0:
                    food_count = food_left[g, 1 - team]
                    if food_count == 0:  # nothing left to attack: head for the start cell
                        value = -float(dist[here, starts[g, i, 1] * w + starts[g, i, 0]])
                    else:
                        ate_x, ate_y = -1, -1
                        if pacman and food[g, y0 + _DY[a], x0 + _DX[a]]:
                            food_count -= 1
                            ate_x, ate_y = x0 + _DX[a], y0 + _DY[a]
                        if dies:
                            food_count += carrying[g, i] + (1 if ate_x >= 0 else 0)
                            ate_x, ate_y = -1, -1  # the eaten food is dropped again
                        nearest = 0
                        if food_count > 0:
                            nearest = 1 << 30
                            for fy in range(h):
                                for fx in range(gw):
                                    if food[g, fy, fx] and ((2 * fx < gw) == (team == 1)) and not (fx == ate_x and fy == ate_y):
                                        d = dist[here, fy * w + fx]
                                        if d < nearest:
                                            nearest = d
                        value = -100.0 * food_count - nearest
                else:
                    on_defense = 0.0 if pacman else 1.0
                    invaders = 0
                    nearest = 1 << 30
                    for j in range(1 - team, NUM_AGENTS, 2):
                        if is_pacman[g, j] and not (killed >> j) & 1:
                            invaders += 1
                            d = dist[here, pos[g, j, 1] * w + pos[g, j, 0]]
                            if d < nearest:
                                nearest = d
                    value = 100.0 * on_defense - 1000.0 * invaders
                    if invaders > 0:
                        value -= 10.0 * nearest
                    if a == STOP:
                        value -= 100.0
                    if a == _REVERSE[heading[g, i]] and a != STOP:
                        value -= 2.0
                if value > best_value or (value == best_value and noise[g, k, a] > best_noise):
                    best_value, best_noise, best_action = value, noise[g, k, a], a
            out[g, k] = best_action


class BaselineTeam(DistanceTeam):
    """The classic reflex pair (offensive + defensive), as in the course's `baselineTeam`."""

    name = "baseline"

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        self._tables_for(state)
        out = np.empty((state.num_games, 2), dtype=np.int64)
        noise = rng.random((state.num_games, 2, NUM_ACTIONS))  # breaks ties at random
        s = state
        _baseline_kernel(s.walls, s.food, s.width, s.starts, s.pos, s.is_pacman, s.carrying, s.scared, s.heading,
                         s.food_left, self.distances.tables, self.distances.index, self.team, noise, out)
        return out
