"""Capture-the-Flag layouts: the `Layout` and the parsing and validation of `.lay` text (what the maze
generators build on; `layout_names` finds a layout by name).

A layout is a text file of equal-length rows (`%` wall, `.` food, `o` capsule, `1`-`4` the start
cells of agents 0-3, anything else empty). Arrays are indexed `[y, x]` with `y = 0` the *last* text
row, exactly as the observation channels are (see SPEC.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MIN_SIZE = 3
MAX_SIZE = 64  # the engine pads batches to the largest layout; beyond this a map is surely a mistake


class LayoutError(ValueError):
    """A layout file that cannot be played; the message names the file, the line and the problem."""

    def __init__(self, source: str, line: int | None, problem: str):
        self.source, self.line, self.problem = source, line, problem
        where = f"{source}, line {line}" if line is not None else source
        super().__init__(f"bad layout {where}: {problem}")


@dataclass(frozen=True, eq=False)
class Layout:
    """One validated map. All arrays are `[y, x]`, `y = 0` the bottom row of the text.

    Attributes:
        name: file name (or a given name) used in logs and renders.
        walls, food, capsules: `(H, W)` bool.
        starts: `(4, 2)` int, the `(x, y)` start cell of agents 0-3.
        text: the normalised layout text (rows joined by newlines).
    """

    name: str
    walls: np.ndarray
    food: np.ndarray
    capsules: np.ndarray
    starts: np.ndarray
    text: str = field(repr=False)

    @property
    def width(self) -> int:
        return int(self.walls.shape[1])

    @property
    def height(self) -> int:
        return int(self.walls.shape[0])

    def is_red(self, x: int | np.ndarray) -> bool | np.ndarray:
        """Red half: `x < W / 2` in true division."""
        return 2 * np.asarray(x) < self.width

    def __repr__(self) -> str:
        return f"Layout({self.name!r}, {self.width}x{self.height}, food={int(self.food.sum())}, capsules={int(self.capsules.sum())})"


def parse_layout(text: str, name: str = "<string>") -> Layout:
    """Parse and validate layout text; raises `LayoutError` naming `name`, the line and the problem."""
    numbered = [(i + 1, line.strip()) for i, line in enumerate(text.splitlines())]
    rows = [(n, line) for n, line in numbered if line]
    if not rows:
        raise LayoutError(name, None, "the file has no rows, so the layout has no size")
    width = len(rows[0][1])
    for n, line in rows:
        if len(line) != width:
            raise LayoutError(name, n, f"ragged row: {len(line)} characters where the first row has {width}")
    height = len(rows)
    if not (MIN_SIZE <= width <= MAX_SIZE and MIN_SIZE <= height <= MAX_SIZE):
        raise LayoutError(name, rows[0][0], f"size {width} x {height} is outside {MIN_SIZE}..{MAX_SIZE} in each direction")

    grid = np.array([list(line) for _, line in rows])[::-1]  # (H, W) chars, row 0 = y 0 = last text row
    line_of_y = [n for n, _ in rows][::-1]
    walls = grid == "%"
    border = np.ones_like(walls)
    border[1:-1, 1:-1] = False
    bad = np.argwhere(border & ~walls)
    if len(bad):
        y, x = bad[np.argmax(bad[:, 0])]  # the topmost offending row, the first line a reader meets
        raise LayoutError(name, line_of_y[y], f"the border must be walls, found {grid[y, x]!r} at x={x}")

    starts = np.zeros((4, 2), dtype=np.int64)
    for agent in range(4):
        cells = np.argwhere(grid == str(agent + 1))
        if len(cells) == 0:
            raise LayoutError(name, None, f"no start cell '{agent + 1}' for agent {agent}; each of 1, 2, 3, 4 must appear once")
        if len(cells) > 1:
            y, x = cells[np.argmin(cells[:, 0])]  # the lower one, i.e. the later line in the file
            raise LayoutError(name, line_of_y[y], f"start cell '{agent + 1}' appears {len(cells)} times; it must appear once")
        y, x = cells[0]
        on_red = 2 * x < width
        if on_red != (agent % 2 == 0):
            team, half = ("red", "blue") if agent % 2 == 0 else ("blue", "red")
            raise LayoutError(name, line_of_y[y], f"start cell '{agent + 1}' of {team} agent {agent} at x={x} is on the {half} half")
        starts[agent] = (x, y)

    food = grid == "."
    red_columns = 2 * np.arange(width) < width
    for half, columns in (("red", red_columns), ("blue", ~red_columns)):
        if not food[:, columns].any():
            raise LayoutError(name, None, f"no food on the {half} half: a game there would be over after its first step")

    text_rows = [line for _, line in rows]
    return Layout(
        name=name,
        walls=walls,
        food=food,
        capsules=grid == "o",
        starts=starts,
        text="\n".join(text_rows),
    )
