"""The contest's `distanceCalculator`: maze distances between cells, here read from the engine's
cached all-pairs tables (`gymPacMan.distances`), so a team pays for a layout's distances once per
process instead of once per game.
"""

from __future__ import annotations

import numpy as np

from ..distances import UNREACHABLE, maze_distances
from .util import missing


def _wall_cells(layout) -> np.ndarray:
    """The `(H, W)` bool walls of a contest layout (ours carry the array; others give a `Grid`)."""
    cells = getattr(layout, "wall_cells", None)
    if cells is not None:
        return cells
    walls = layout.walls
    return np.array([[walls[x][y] for x in range(layout.width)] for y in range(layout.height)], dtype=np.bool_)


class Distancer:
    """`getDistance(a, b)`: the maze distance between cells `a` and `b` (`default` when none connects them)."""

    def __init__(self, layout, default: int = 10000):
        self.default = default
        self._walls = _wall_cells(layout)
        self._width = self._walls.shape[1]
        self._table = None

    def getMazeDistances(self) -> None:
        """Make the table ready (the contest computes it here; ours is cached by layout)."""
        if self._table is None:
            self._table = maze_distances(self._walls)

    def isReadyForMazeDistance(self) -> bool:
        return self._table is not None

    def getDistance(self, pos1, pos2) -> int:
        if self._table is None:
            self.getMazeDistances()
        x1, y1 = int(pos1[0] + 0.5), int(pos1[1] + 0.5)
        x2, y2 = int(pos2[0] + 0.5), int(pos2[1] + 0.5)
        d = self._table[y1 * self._width + x1, y2 * self._width + x2]
        return self.default if d == UNREACHABLE else int(d)

    def getDistanceOnGrid(self, pos1, pos2) -> int:
        """The maze distance between two open cells given as whole numbers; anything else (a wall, a cell
        between cells, no path) raises, as the contest's does."""
        if self._table is None:
            self.getMazeDistances()
        h, w = self._walls.shape
        for x, y in (pos1, pos2):
            if x != int(x) or y != int(y) or not (0 <= x < w and 0 <= y < h) or self._walls[int(y), int(x)]:
                raise Exception(f"Positions not in grid: {(pos1, pos2)}")
        d = self._table[int(pos1[1]) * w + int(pos1[0]), int(pos2[1]) * w + int(pos2[0])]
        if d == UNREACHABLE:
            raise Exception(f"Positions not in grid: {(pos1, pos2)}")
        return int(d)


def manhattanDistance(x, y) -> int:
    return abs(x[0] - y[0]) + abs(x[1] - y[1])


def __getattr__(name: str):
    raise missing("the contest module 'distanceCalculator'", name)
