"""Maze distances between all pairs of cells, computed once per layout and cached.

Every planning team needs shortest-path distances; the course's teams recompute them in Python for
every game. Here a layout's `(H*W, H*W)` table is one compiled breadth-first search per cell (`bfs`, the
one the scripted teams plan with too), kept in
a small cache keyed by the wall grid, and `DistanceTables` holds the tables a batch of games needs
(one per distinct layout, shared by the games on it).
"""

from __future__ import annotations

from collections import OrderedDict

import numba
import numpy as np

from .engine import GameState

UNREACHABLE = np.int16(np.iinfo(np.int16).max)  # walls, and cells no path reaches
_CACHE: "OrderedDict[tuple, np.ndarray]" = OrderedDict()
_CACHE_SIZE = 64


@numba.njit(cache=True)
def bfs(walls, target, out, queue, blocked, home_team, width, source):
    """Breadth-first maze distances to `target` (to or from: moves are reversible) in `out` `(H*W,)`, which
    the caller fills beforehand with a value larger than any distance; `queue` `(H*W,)` int64 is scratch.

    Cells in `blocked` `(H*W,)` bool are not entered (the target itself always counts). With `home_team >= 0`
    only cells on that team's half of a board `width` wide are entered (red: `x < width / 2`). With
    `source >= 0` the search stops once the distances of `source` and its neighbours are final, which is all
    a step towards the target needs; the cells it reached by then hold their true distances, the rest their
    fill. walls: `(H, W)` bool, cell index `y * W + x`.
    """
    h, w = walls.shape
    out[target] = 0
    queue[0] = target
    head, tail = 0, 1
    while head < tail:
        cell = queue[head]
        head += 1
        if source >= 0 and out[cell] > out[source]:  # every cell one step from the source is settled by now
            break
        y, x = cell // w, cell % w
        d = out[cell] + 1
        for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
            if not (0 <= ny < h and 0 <= nx < w) or walls[ny, nx]:
                continue
            other = ny * w + nx
            if blocked[other] or out[other] <= d:
                continue
            if home_team >= 0 and (2 * nx < width) != (home_team == 0):
                continue
            out[other] = d
            queue[tail] = other
            tail += 1


@numba.njit(cache=True)
def _all_pairs(walls: np.ndarray, out: np.ndarray) -> None:
    """walls: (H, W) bool; out: (H*W, H*W) int16, filled with UNREACHABLE on entry."""
    h, w = walls.shape
    queue = np.empty(h * w, dtype=np.int64)
    blocked = np.zeros(h * w, dtype=np.bool_)
    for source in range(h * w):
        if not walls[source // w, source % w]:
            bfs(walls, source, out[source], queue, blocked, -1, w, -1)


def maze_distances(walls: np.ndarray) -> np.ndarray:
    """All-pairs maze distances `(H*W, H*W)` int16 of a wall grid `(H, W)`; cell index `y * W + x`.

    Results are cached by the wall grid, so games on the same layout share one table.
    """
    walls = np.ascontiguousarray(walls, dtype=np.bool_)
    key = (walls.shape, walls.tobytes())
    table = _CACHE.get(key)
    if table is None:
        h, w = walls.shape
        table = np.full((h * w, h * w), UNREACHABLE, dtype=np.int16)
        _all_pairs(walls, table)
        table.setflags(write=False)
        _CACHE[key] = table
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return table


class DistanceTables:
    """The distance tables of a batch: `tables[index[g]]` is game g's `(H*W, H*W)` table.

    Teams call `update(state, games)` when games start; games on the same layout share a slot, and a
    slot is reused once no game uses it, so memory stays at one table per distinct live layout.
    """

    def __init__(self) -> None:
        self.tables = np.zeros((0, 0, 0), dtype=np.int16)  # (slots, H*W, H*W)
        self.index = np.zeros(0, dtype=np.int64)  # (N,) slot of each game
        self._keys: list[bytes | None] = []
        self._users: list[int] = []

    def update(self, state: GameState, games: np.ndarray) -> None:
        """Point `games` at the tables of their layouts (a new batch size or grid starts afresh)."""
        n, cells = state.num_games, state.grid_shape[0] * state.grid_shape[1]
        if self.index.shape[0] != n or self.tables.shape[1] != cells:  # a new batch: start afresh
            self.tables = np.zeros((0, cells, cells), dtype=np.int16)
            self.index = np.full(n, -1, dtype=np.int64)
            self._keys, self._users = [], []
            games = np.arange(n)
        for g in np.asarray(games, dtype=np.int64):
            key = state.walls[g].tobytes()
            old = self.index[g]
            if old >= 0 and self._keys[old] == key:
                continue
            if old >= 0:
                self._users[old] -= 1
            self.index[g] = self._slot_for(key, state.walls[g])

    def _slot_for(self, key: bytes, walls: np.ndarray) -> int:
        if key in self._keys:
            slot = self._keys.index(key)
        else:
            free = [s for s, users in enumerate(self._users) if users == 0]
            if free:
                slot = free[0]
            else:
                slot = len(self._keys)
                self._keys.append(None)
                self._users.append(0)
                if slot >= self.tables.shape[0]:  # grow by doubling: random mazes add a layout per game
                    grown = np.empty((max(1, 2 * slot), *self.tables.shape[1:]), dtype=np.int16)
                    grown[:slot] = self.tables[:slot]
                    self.tables = grown
            self._keys[slot] = key
            self.tables[slot] = maze_distances(walls)
        self._users[slot] += 1
        return slot
