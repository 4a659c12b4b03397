"""Compiled pieces that our ports of the course's contest teams share (`course_approxq_team.py`,
`course_mcts_team.py`): the contest's order of legal actions, maze distances as its `Distancer` gives
them, a random choice from one uniform draw, and the exact state after a move, played by the engine's
own rule (`engine._move_agent`) on a copy of one game, as the contest's `generateSuccessor` is.

A contest team breaks ties and draws at random in the order the contest lists legal actions (North,
South, East, West, Stop), so our ports keep that order: with the same uniform draws they choose the
same actions.
"""

from __future__ import annotations

import numba
import numpy as np

from gymPacMan.distances import UNREACHABLE
from gymPacMan.rules import EAST, NORTH, NUM_AGENTS, SOUTH, STOP, WEST

CONTEST_ORDER = np.array([NORTH, SOUTH, EAST, WEST, STOP], dtype=np.int64)  # how the contest lists legal actions
NO_PATH = 10000  # the contest Distancer's distance between cells no path connects


@numba.njit(cache=True, inline="always")
def maze_distance(dist, w, x1, y1, x2, y2):
    """The maze distance between `(x1, y1)` and `(x2, y2)` in a `(H*W, H*W)` table of a grid `w` wide."""
    d = dist[y1 * w + x1, y2 * w + x2]
    return NO_PATH if d == UNREACHABLE else np.int64(d)


@numba.njit(cache=True, inline="always")
def pick(u, count):
    """`random.choice` of one of `count` items from one uniform draw `u` in [0, 1): item `floor(u * count)`."""
    return min(int(u * count), count - 1)


@numba.njit(cache=True)
def game_slots(count, h, w):
    """Room for `count` games' changing state on an `(h, w)` grid, in the engine's arrays: food, capsules `(count,
    h, w)`; pos `(count, 4, 2)`; is_pacman, carrying, returned, scared, heading `(count, 4)`; food_left
    `(count, 2)`; score `(count,)`."""
    return (np.empty((count, h, w), dtype=np.bool_), np.empty((count, h, w), dtype=np.bool_),
            np.empty((count, NUM_AGENTS, 2), dtype=np.int64), np.empty((count, NUM_AGENTS), dtype=np.bool_),
            np.empty((count, NUM_AGENTS), dtype=np.int64), np.empty((count, NUM_AGENTS), dtype=np.int64),
            np.empty((count, NUM_AGENTS), dtype=np.int64), np.empty((count, NUM_AGENTS), dtype=np.int64),
            np.empty((count, 2), dtype=np.int64), np.empty(count, dtype=np.int64))


@numba.njit(cache=True)
def copy_game(src, food, capsules, pos, is_pacman, carrying, returned, scared, heading, food_left, score,
              dst, d_food, d_caps, d_pos, d_pac, d_carry, d_ret, d_scared, d_head, d_left, d_score):
    """Copy the changing parts of game `src` of the first arrays into slot `dst` of the second (walls, sizes and
    starts never change, so they are not copied)."""
    h, w = food.shape[1], food.shape[2]
    for y in range(h):  # element by element: numba's sliced copies of small arrays cost several times more
        for x in range(w):
            d_food[dst, y, x] = food[src, y, x]
            d_caps[dst, y, x] = capsules[src, y, x]
    for i in range(pos.shape[1]):
        d_pos[dst, i, 0], d_pos[dst, i, 1] = pos[src, i, 0], pos[src, i, 1]
        d_pac[dst, i] = is_pacman[src, i]
        d_carry[dst, i] = carrying[src, i]
        d_ret[dst, i] = returned[src, i]
        d_scared[dst, i] = scared[src, i]
        d_head[dst, i] = heading[src, i]
    d_left[dst, 0], d_left[dst, 1] = food_left[src, 0], food_left[src, 1]
    d_score[dst] = score[src]
