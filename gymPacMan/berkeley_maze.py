"""Our reading of the Berkeley Capture-the-Flag `mazeGenerator.py`, at the course's size (an 18 x 9 half,
so 20 x 20 maps): the project's "contest" mazes before it had the course's own generator
(`gymPacMan.contest_maze`), kept as the layout names `berkeley_<seed>` and the stream `berkeley_random`.

The left half is built by recursive division: walls at random positions, alternating in direction
(vertical first), each with gaps (3 in the first wall, then the gap count times a factor drawn once per
maze from a Gaussian, mean 0.5 and deviation 0.1, capped at 0.65; at least 1), the cells beside an
opening of the enclosing wall kept open; at its outer edge 0 to 3 "prison" columns, each open at one
end. The half is copied rotated by 180 degrees onto the right and
walled in. Food goes into dead ends (two rounds), then at random until there are 40 (each placed with
its mirror image), away from the start corner and the centre line, never in the prison; 2 capsules a
side. Red's agents (0 and 2) start in the bottom-left corner, blue's in the top-right one.

A seed is drawn through Python's `random.Random(seed)`, so `berkeley_maze(seed)` is the same maze for
the same seed wherever it is used. (The Berkeley file builds 16 x 16 halves; at 18 x 9 its bounds check
of horizontal walls would index past the last column, so here each wall is checked against its own
room's bounds. These are not the course's mazes: the course's generator mirrors its half instead of
rotating it, builds no prison and draws other figures; `gymPacMan.contest_maze` is that one.) Training
streams of fresh mazes (the layout name `berkeley_random`) draw seeds from
`gymPacMan.contest_maze.TRAIN_SEEDS` only, so `berkeley_0` ... `berkeley_9999` are never trained on.
"""

from __future__ import annotations

import random

from .layout import Layout, parse_layout

HALF_ROWS, HALF_COLS = 18, 9  # the course's size: 20 x 20 with the border
WALL, FOOD, CAPSULE, EMPTY = "%", ".", "o", " "


class _Room:
    """A rectangle of the maze being divided: `rows` x `cols` with its top-left cell at `anchor` of `grid`."""

    def __init__(self, grid: list[list[str]], rows: int, cols: int, anchor: tuple[int, int] = (0, 0)):
        self.grid, self.rows, self.cols, self.anchor = grid, rows, cols, anchor
        self.rooms: list[_Room] = []

    def add_wall(self, rng: random.Random, at: int, gaps: float, vertical: bool) -> bool:
        """A wall across the room at column (or row) `at`, open at `gaps` random cells; False if the room
        cannot take one. The cells next to an opening of the enclosing wall are kept open."""
        top, left = self.anchor
        height, width = len(self.grid), len(self.grid[0])
        if vertical:
            gaps = min(self.rows, gaps)
            slots = [top + k for k in range(self.rows)]
            before, after = (lambda: self.grid[min(slots) - 1][left + at]), (lambda: self.grid[max(slots) + 1][left + at])
            last = height - 1
        else:
            gaps = min(self.cols, gaps)
            slots = [left + k for k in range(self.cols)]
            before, after = (lambda: self.grid[top + at][min(slots) - 1]), (lambda: self.grid[top + at][max(slots) + 1])
            last = width - 1
        if 0 not in slots:
            if before() == EMPTY:
                slots.remove(min(slots))
            if len(slots) <= gaps:
                return False
        if last not in slots and after() == EMPTY:
            slots.remove(max(slots))
        if len(slots) <= gaps:
            return False
        rng.shuffle(slots)
        for s in slots[int(round(gaps)):]:
            if vertical:
                self.grid[s][left + at] = WALL
            else:
                self.grid[top + at][s] = WALL
        if vertical:
            self.rooms = [_Room(self.grid, self.rows, at, (top, left)),
                          _Room(self.grid, self.rows, self.cols - at - 1, (top, left + at + 1))]
        else:
            self.rooms = [_Room(self.grid, at, self.cols, (top, left)),
                          _Room(self.grid, self.rows - at - 1, self.cols, (top + at + 1, left))]
        return True


def _divide(rng: random.Random, room: _Room, depth: int, gaps: float, vertical: bool, gap_factor: float) -> None:
    """Recursive division: one wall, then each side divided the other way with fewer gaps."""
    if room.rows <= 1 and room.cols <= 1:
        return
    length = room.cols if vertical else room.rows
    if length < 3:
        vertical = not vertical
        length = room.cols if vertical else room.rows
    choices = [length - 2] if depth == 0 else list(range(1, length - 1))
    if not choices:
        return
    if not room.add_wall(rng, rng.choice(choices), gaps, vertical):
        return
    for sub in room.rooms:
        _divide(rng, sub, depth + 1, max(1, gaps * gap_factor), not vertical, gap_factor)


def _prison(rng: random.Random, room: _Room, gap_factor: float) -> int:
    """0 to 3 prison columns at the outer edge (each open at one end), then the rest divided; returns the
    columns the prison takes (no food there)."""
    rng.randint(0, 2)  # drawn and overwritten by the Berkeley file; drawn here as there
    roll = rng.random()
    columns = 1 if roll < 0.5 else 0 if roll < 0.7 else 2 if roll < 0.9 else 3
    for j in range(columns):
        col = 2 * (j + 1) - 1
        for row in range(room.rows):
            room.grid[row][col] = WALL
        room.grid[0 if j % 2 == 0 else room.rows - 1][col] = EMPTY
    rest = _Room(room.grid, room.rows, room.cols - 2 * columns, (room.anchor[0], room.anchor[1] + 2 * columns))
    _divide(rng, rest, 1, 3, True, gap_factor)
    return 2 * columns


def _rotated_copy_and_border(grid: list[list[str]]) -> list[list[str]]:
    rows = len(grid)
    full = [row + grid[rows - 1 - r][::-1] for r, row in enumerate(grid)]
    full = [[WALL] + row + [WALL] for row in full]
    return [[WALL] * len(full[0])] + full + [[WALL] * len(full[0])]


def _place(rng: random.Random, grid: list[list[str]], skip: int, food: int = 40, capsules: int = 4) -> None:
    """Food in dead ends, starts, capsules, then random food; each with its rotated image."""
    rows, cols = len(grid), len(grid[0])
    centre = cols // 2
    near_start = lambda r, c: r > rows - 6 and c < 6  # noqa: E731 - the bottom-left start corner
    placed = 0
    for _ in range(2):  # dead ends, twice (the first round's food makes new ones)
        new = [row[:] for row in grid]
        added = 0
        for r in range(1, rows - 1):
            for c in range(1 + skip, centre - 1):
                if near_start(r, c) or grid[r][c] != EMPTY:
                    continue
                open_sides = sum(grid[r + dr][c + dc] == EMPTY for dr, dc in ((-1, 0), (0, -1), (1, 0), (0, 1)))
                if open_sides == 1:
                    new[r][c] = new[rows - r - 1][cols - c - 1] = FOOD
                    added += 2
        grid[:] = new
        placed += added
        if added == 0:
            break
    grid[rows - 2][1], grid[rows - 3][1], grid[1][cols - 2], grid[2][cols - 2] = "3", "1", "4", "2"
    for kind, wanted, last_col, count in ((CAPSULE, capsules, centre - 2, 0), (FOOD, food, centre - 1, placed)):
        allowed = lambda r, c: not near_start(r, c) and abs(c - centre) >= 3 and grid[r][c] == EMPTY  # noqa: E731
        while count < wanted:
            if not any(allowed(r, c) for r in range(1, rows) for c in range(1 + skip, last_col + 1)):
                break  # a wide prison can leave no room: fewer than `wanted` (the Berkeley file would loop forever)
            r, c = rng.randint(1, rows - 1), rng.randint(1 + skip, last_col)
            if not allowed(r, c):
                continue
            grid[r][c] = grid[rows - r - 1][cols - c - 1] = kind
            count += 2


def berkeley_maze_text(seed: int) -> str:
    """The layout text of our Berkeley-generator maze for `seed`."""
    rng = random.Random(seed)
    grid = [[EMPTY] * HALF_COLS for _ in range(HALF_ROWS)]
    gap_factor = min(0.65, rng.gauss(0.5, 0.1))
    skip = _prison(rng, _Room(grid, HALF_ROWS, HALF_COLS), gap_factor)
    grid = _rotated_copy_and_border(grid)
    _place(rng, grid, skip)
    return "\n".join("".join(row) for row in grid)


def berkeley_maze(seed: int) -> Layout:
    """Our Berkeley-generator maze for `seed`, validated, named `berkeley_{seed}`."""
    return parse_layout(berkeley_maze_text(seed), name=f"berkeley_{seed}")
