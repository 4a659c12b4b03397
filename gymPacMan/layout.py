"""Capture-the-Flag layouts: parsing, validation and lookup of `.lay` files.

A layout is a text file of equal-length rows (`%` wall, `.` food, `o` capsule, `1`-`4` the start
cells of agents 0-3, anything else empty). Arrays are indexed `[y, x]` with `y = 0` the *last* text
row, exactly as the observation channels are (see SPEC.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from .resources import shipped_dir

LAYOUT_DIR = shipped_dir(__file__, "layouts")  # the checkout's layouts/, or the installed package's
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


def available_layouts() -> list[str]:
    """Names of the maps shipped in `layouts/`."""
    return sorted(p.stem for p in LAYOUT_DIR.glob("*.lay"))


def resolve_layout_path(name_or_path: str | Path) -> Path:
    """A path as given if it exists, else a shipped map by name (with or without `.lay`)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    for candidate in (LAYOUT_DIR / path.name, LAYOUT_DIR / f"{path.name}.lay"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"no layout file {str(name_or_path)!r}: not a file, and not one of the shipped maps {available_layouts()}"
    )


GENERATED = re.compile(r"^(random|contest|berkeley)_(\d+)$")  # a generated maze by its seed: random_7, contest_7
SEED_RANGE = re.compile(r"^(.+_)(\d+)\.\.(\d+)$")  # many layouts by a range of numbers: contest_1..50


def expand_layout_names(names: Iterable[str | Path | Layout]) -> list[str | Path | Layout]:
    """Layout lists with ranges written out: `contest_1..50` is `contest_1`, ..., `contest_50` (both ends
    included); anything else is kept as it is. Every command or class that takes a list of layouts
    reads it through this function."""
    expanded: list[str | Path | Layout] = []
    for name in names:
        numbered = SEED_RANGE.match(name) if isinstance(name, str) else None
        if numbered is None or Path(name).is_file():
            expanded.append(name)
            continue
        prefix, first, last = numbered.group(1), int(numbered.group(2)), int(numbered.group(3))
        if first > last:
            raise ValueError(f"layout range {name!r} is empty: write the smaller number first ({prefix}{last}..{first})")
        expanded.extend(f"{prefix}{k}" for k in range(first, last + 1))
    return expanded


def generated_layout(kind: str, seed: int) -> Layout:
    """The maze of generator `kind` (`random`, `contest` or `berkeley`) for `seed`, named `<kind>_<seed>`."""
    if kind == "random":
        from .maze import random_layout

        return random_layout(seed)
    if kind == "contest":
        from .contest_maze import contest_maze

        return contest_maze(seed)
    if kind == "berkeley":
        from .berkeley_maze import berkeley_maze

        return berkeley_maze(seed)
    raise ValueError(f"no maze generator {kind!r}: the generators are random, contest and berkeley")


def load_layout(name_or_path: str | Path | Layout) -> Layout:
    """Load a `.lay` file by path, one of our maps in `layouts/` by name, or a generated maze by its name:
    `random_<seed>` (ours, `gymPacMan.maze`), `contest_<seed>` (the course's generator, seeds >= 1,
    `gymPacMan.contest_maze`), `berkeley_<seed>` (our reading of the Berkeley contest's generator,
    `gymPacMan.berkeley_maze`)."""
    if isinstance(name_or_path, Layout):
        return name_or_path
    if not Path(name_or_path).is_file():
        generated = GENERATED.match(str(name_or_path))
        if generated:
            return generated_layout(generated.group(1), int(generated.group(2)))
        if SEED_RANGE.match(str(name_or_path)):
            raise ValueError(f"{str(name_or_path)!r} names {len(expand_layout_names([str(name_or_path)]))} layouts; "
                             "load_layout loads one (a list of layouts, as VecCaptureEnv and --layouts take, may hold a range)")
    path = resolve_layout_path(name_or_path)
    try:
        text = path.read_text()
    except UnicodeDecodeError as exc:
        raise LayoutError(str(path), None, f"not a text file ({exc.reason})") from None
    return parse_layout(text, name=str(path) if path.parent != LAYOUT_DIR else path.name)
