"""The course's random mazes: for a seed, exactly the maze the course's engine plays.

The course's engine plays `randomLayout(seed)`, which is `mazeGenerator.generateMaze(seed)` of the
course's repository (`../shared/reference/course_teams/mazeGenerator.py`, UC Berkeley's licence). This
module is that algorithm written for this project: it draws from `random.Random(seed)` in the
original's order, so `contest_maze_text(seed)` is the text `generateMaze(seed)` returns, character for
character, for every seed >= 1 (`tests/test_contest_maze.py` compares them). The maze:

- an 18 x 9 half, divided recursively: a wall at a random position across a room (vertical first, then
  alternating), open at a number of random cells (5 in the first wall, then the room's count times a
  factor drawn once per maze from a Gaussian of mean 0.7 and deviation 0.2, at least 1), the ends next
  to an opening of the enclosing wall left open;
- the half mirrored left to right onto the right half (not rotated), walled in: 20 x 20;
- food in the dead ends of the left half but the column next to the centre line (two rounds, the
  first round's food making new ones), then at random, never in the 2 columns next to the centre line,
  until 40 have been placed, each with its mirror image and none in the bottom-left corner; before the
  random food, 2 capsules (one a side), placed the same way;
- red's agents start in the top-left corner (`3` above `1`), blue's in the top-right one (`4` above `2`).

What the original does that reads like a slip is kept, since it shapes the course's mazes: it draws a
"prison" of 0-3 columns (`randint(0, 2)`, then `random()`) and always builds none; the end of a
vertical wall is checked against the last *column* index and that of a horizontal wall against the
last *row* index; the start cells overwrite what they land on, so a maze whose dead ends put food
there has fewer than 40 food; a maze whose dead ends alone give 40 or more keeps them all; and nothing
keeps the walls from closing off a pocket, so about 1% of its mazes have cells no agent reaches (some
with food in them). Only where the original would loop forever (no free cell left for food or a
capsule, which no seed tried has shown) does this one stop, with an error.

Seed 0 is no maze: `generateMaze(0)` (like `generateMaze(None)`) takes it as "no seed" and plays a
maze of a random seed, so `contest_0` is an error here. Seeds `HELD_OUT_SEEDS` (1 ... 9999:
`contest_1` ... `contest_9999`) are for evaluation; training streams of fresh mazes (the layout name
`contest_random`) draw from `TRAIN_SEEDS` (10,000 and up) only.
"""

from __future__ import annotations

import operator
import random
from dataclasses import dataclass

from .layout import Layout, parse_layout

HALF_ROWS, HALF_COLS = 18, 9  # the divided half; 20 x 20 with its mirror image and the border
ROWS, COLS = HALF_ROWS + 2, 2 * HALF_COLS + 2
FOOD_TARGET = 2 * (ROWS * COLS // 20)  # 40, the original's formula
CAPSULE_TARGET = 2  # one a side
FIRST_GAPS = 5  # openings in the first wall
HELD_OUT_SEEDS = range(1, 10_000)  # contest_1 ... contest_9999: for evaluation only
TRAIN_SEEDS = range(10_000, 2**31)  # the seeds training streams draw from
WALL, FOOD, CAPSULE, EMPTY = "%", ".", "o", " "


@dataclass(frozen=True)
class _Room:
    """A rectangle of the half being divided: `rows` x `cols` cells from `(top, left)`."""

    top: int
    left: int
    rows: int
    cols: int


def _add_wall(rng: random.Random, half: list[list[str]], room: _Room, at: int, gaps: float,
              vertical: bool) -> tuple[_Room, ...]:
    """A wall across `room` at its column (or row) `at`, open at `round(gaps)` random cells; the two rooms
    on either side, or none when too few cells are left to wall after keeping the ends open."""
    if vertical:
        cells = list(range(room.top, room.top + room.rows))  # the rows the wall crosses
        cell = lambda k: (k, room.left + at)  # noqa: E731
        unchecked_end, bound = HALF_COLS - 1, HALF_ROWS  # the original's check uses the last column here
    else:
        cells = list(range(room.left, room.left + room.cols))  # the columns the wall crosses
        cell = lambda k: (room.top + at, k)  # noqa: E731
        unchecked_end, bound = HALF_ROWS - 1, HALF_COLS  # and the last row here
    is_open = lambda k: half[cell(k)[0]][cell(k)[1]] == EMPTY  # noqa: E731
    gaps = min(len(cells), gaps)
    if cells[0] != 0:  # keep the start open where the enclosing wall has an opening beside it
        if is_open(cells[0] - 1):
            cells.pop(0)
        if len(cells) <= gaps:
            return ()
    if unchecked_end not in cells and cells[-1] + 1 < bound and is_open(cells[-1] + 1):
        cells.pop()  # and the end
    if len(cells) <= gaps:
        return ()
    rng.shuffle(cells)
    for k in cells[round(gaps):]:  # the first round(gaps) shuffled cells stay open
        r, c = cell(k)
        half[r][c] = WALL
    if vertical:
        return (_Room(room.top, room.left, room.rows, at),
                _Room(room.top, room.left + at + 1, room.rows, room.cols - at - 1))
    return (_Room(room.top, room.left, at, room.cols),
            _Room(room.top + at + 1, room.left, room.rows - at - 1, room.cols))


def _divide(rng: random.Random, half: list[list[str]], room: _Room, gaps: float, vertical: bool,
            gap_factor: float) -> None:
    """Recursive division: one wall, then each side (first the left or top one) divided the other way
    with `gap_factor` times the openings."""
    length = room.cols if vertical else room.rows
    if length < 2:  # too thin for a wall this way: try the other way
        vertical = not vertical
        length = room.cols if vertical else room.rows
    if length < 3:  # a wall needs a cell on each side
        return
    for side in _add_wall(rng, half, room, rng.choice(range(1, length - 1)), gaps, vertical):
        _divide(rng, half, side, max(1, gaps * gap_factor), not vertical, gap_factor)


def _mirrored_and_walled_in(half: list[list[str]]) -> list[list[str]]:
    """`(HALF_ROWS, HALF_COLS)` -> `(ROWS, COLS)`: the half and its mirror image, inside a border."""
    rows = [[WALL, *row, *row[::-1], WALL] for row in half]
    return [[WALL] * COLS, *rows, [WALL] * COLS]


def _in_start_corner(r: int, c: int) -> bool:
    """The bottom-left corner, where the original keeps food and capsules away (its starts were there once)."""
    return r > ROWS - 6 and c < 6


def _dead_end_food(grid: list[list[str]]) -> int:
    """Food in the dead ends of the left half and their mirror images, two rounds; the food placed."""
    placed = 0
    for _ in range(2):
        before = [row[:] for row in grid]  # a round reads the maze as it was before it
        added = 0
        for r in range(1, ROWS - 1):
            for c in range(1, COLS // 2 - 1):
                if _in_start_corner(r, c) or before[r][c] != EMPTY:
                    continue
                if sum(before[r + dr][c + dc] == EMPTY for dr, dc in ((-1, 0), (0, -1), (1, 0), (0, 1))) == 1:
                    grid[r][c] = grid[r][COLS - 1 - c] = FOOD
                    added += 2
        placed += added
        if added == 0:
            break
    return placed


def _scatter(rng: random.Random, grid: list[list[str]], kind: str, placed: int, target: int, last_col: int,
             seed: int) -> None:
    """`kind` on random empty cells of columns 1 ... `last_col` (and their mirror images) until `placed`
    reaches `target`, drawing row and column until a draw lands on a cell it may take."""
    allowed = lambda r, c: not _in_start_corner(r, c) and abs(c - COLS // 2) >= 3 and grid[r][c] == EMPTY  # noqa: E731
    while placed < target:
        if not any(allowed(r, c) for r in range(1, ROWS) for c in range(1, last_col + 1)):
            raise RuntimeError(f"contest maze {seed}: no cell left for {kind!r} (the course's generator would loop forever)")
        r, c = rng.randint(1, ROWS - 1), rng.randint(1, last_col)
        while not allowed(r, c):
            r, c = rng.randint(1, ROWS - 1), rng.randint(1, last_col)
        grid[r][c] = grid[r][COLS - 1 - c] = kind
        placed += 2


def check_seed(seed: int) -> int:
    """`seed` as an int, or a `ValueError` saying why it names no maze of the course's generator."""
    try:
        seed = operator.index(seed)
    except TypeError:
        raise TypeError(f"a contest maze's seed is an integer >= 1, got {seed!r}") from None
    if seed < 1:
        why = ("the course's generateMaze takes seed 0 as 'no seed' and plays a random maze"
               if seed == 0 else "seeds are positive")
        raise ValueError(f"contest_{seed} is no maze: {why}; use a seed >= 1 "
                         f"({HELD_OUT_SEEDS.start} ... {HELD_OUT_SEEDS.stop - 1} are held out for evaluation)")
    return seed


def contest_maze_text(seed: int) -> str:
    """The layout text of the course's maze for `seed` (>= 1): `generateMaze(seed)` of the course."""
    seed = check_seed(seed)
    rng = random.Random(seed)
    half = [[EMPTY] * HALF_COLS for _ in range(HALF_ROWS)]  # (18, 9) characters
    gap_factor = rng.gauss(0.7, 0.2)
    rng.randint(0, 2)  # the prison's size, drawn twice
    rng.random()  # and never built: the original sets it to 0 after these draws
    _divide(rng, half, _Room(0, 0, HALF_ROWS, HALF_COLS), FIRST_GAPS, True, gap_factor)
    grid = _mirrored_and_walled_in(half)  # (20, 20) characters
    food = _dead_end_food(grid)
    grid[1][1], grid[2][1], grid[1][COLS - 2], grid[2][COLS - 2] = "3", "1", "4", "2"
    _scatter(rng, grid, CAPSULE, 0, CAPSULE_TARGET, COLS // 2 - 2, seed)
    _scatter(rng, grid, FOOD, food, FOOD_TARGET, COLS // 2 - 1, seed)
    return "\n".join("".join(row) for row in grid)


def contest_maze(seed: int) -> Layout:
    """The course's maze for `seed`, validated, named `contest_{seed}`."""
    return parse_layout(contest_maze_text(seed), name=f"contest_{seed}")
