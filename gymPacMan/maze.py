"""Seeded random Capture-the-Flag maps, in the kind of the course's random-maze generator.

A 20 x 20 map with a walled border. The left interior half (18 rows x 9 columns, x = 1..9) is a
recursive-division maze with extra gaps and openings (the course maps have loops, corridors and a
few open rooms, not a perfect maze), and it is mirrored left to right, `(x, y) <-> (W-1-x, y)`,
so neither team has an easier map. Food (20 per half) goes first into dead ends, then onto random
open cells; one capsule per half, away from the centre line. Starts are the two top corners.

Everything is drawn from `numpy.random.default_rng(seed)`, so one seed always gives the same text.
Environments in random-layout mode draw a fresh map on every reset, so this is kept to a fraction
of a millisecond per map (plain Python on a 20 x 20 char grid; numpy only for the generator).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from .layout import Layout, parse_layout

WIDTH = 20
HEIGHT = 20
HALF = WIDTH // 2  # interior columns 1..HALF-1 = 1..9 are generated, the rest mirrored
FOOD_PER_HALF = 20
CAPSULE_MAX_X = 5  # capsules at x <= 5 on the left, x >= W-1-5 on the right: far from the centre line
MAX_DRAWS = 100

# Text coordinates (row, column), row 0 = the top text line. Agent 2 ('3') in the top-left corner,
# agent 0 ('1') just below it; the mirror gives '4' and '2' in the top-right corner.
_LEFT_STARTS = {(1, 1): "3", (2, 1): "1"}
_MIRROR_CHAR = {"1": "2", "2": "1", "3": "4", "4": "3"}
_STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def _divide(grid: list[list[str]], rng: np.random.Generator, r0: int, r1: int, c0: int, c1: int) -> None:
    """Recursive division of the open box rows r0..r1 x columns c0..c1 (inclusive).

    Walls go on even rows/columns and gaps on odd ones (or on the bottom interior row, which is
    never a wall row), so a wall never seals a gap left by an earlier one and the result stays
    connected. Each wall gets one or more gaps; small boxes are sometimes left undivided as open
    rooms.
    """
    h, w = r1 - r0 + 1, c1 - c0 + 1
    wall_rows = [r for r in range(r0 + 1, r1) if r % 2 == 0]
    wall_cols = [c for c in range(c0 + 1, c1) if c % 2 == 0]
    if not wall_rows and not wall_cols:
        return
    if h * w <= 12 and rng.random() < 0.35:  # leave a small open room
        return
    if wall_rows and wall_cols:
        horizontal = rng.random() < h / (h + w)
    else:
        horizontal = bool(wall_rows)

    if horizontal:
        r = wall_rows[int(rng.integers(len(wall_rows)))]
        gaps = [c for c in range(c0, c1 + 1) if c % 2 == 1]
        n_gaps = 1 + int(w >= 5 and rng.random() < 0.5)
        keep = set(rng.choice(len(gaps), size=min(n_gaps, len(gaps)), replace=False).tolist())
        if c1 == HALF - 1 and rng.random() < 0.5:  # often keep the centre line passable
            keep.add(len(gaps) - 1)
        for c in range(c0, c1 + 1):
            grid[r][c] = "%"
        for i in keep:
            grid[r][gaps[i]] = " "
        _divide(grid, rng, r0, r - 1, c0, c1)
        _divide(grid, rng, r + 1, r1, c0, c1)
    else:
        c = wall_cols[int(rng.integers(len(wall_cols)))]
        # The bottom interior row (18, even) never holds a horizontal wall, so a gap there is safe.
        gaps = [r for r in range(r0, r1 + 1) if r % 2 == 1 or r == HEIGHT - 2]
        n_gaps = 1 + int(h >= 5 and rng.random() < 0.5)
        keep = set(rng.choice(len(gaps), size=min(n_gaps, len(gaps)), replace=False).tolist())
        for r in range(r0, r1 + 1):
            grid[r][c] = "%"
        for i in keep:
            grid[gaps[i]][c] = " "
        _divide(grid, rng, r0, r1, c0, c - 1)
        _divide(grid, rng, r0, r1, c + 1, c1)


def _open_neighbours(grid: list[list[str]], r: int, c: int) -> int:
    return sum(grid[r + dr][c + dc] != "%" for dr, dc in _STEPS)


def _all_connected(grid: list[list[str]]) -> bool:
    """BFS from one open cell; True when it reaches every open cell."""
    open_cells = [(r, c) for r in range(HEIGHT) for c in range(WIDTH) if grid[r][c] != "%"]
    if not open_cells:
        return False
    seen = {open_cells[0]}
    queue = deque([open_cells[0]])
    while queue:
        r, c = queue.popleft()
        for dr, dc in _STEPS:
            nxt = (r + dr, c + dc)
            if nxt not in seen and grid[nxt[0]][nxt[1]] != "%":
                seen.add(nxt)
                queue.append(nxt)
    return len(seen) == len(open_cells)


def _draw(rng: np.random.Generator) -> list[list[str]] | None:
    """One attempt at a full map (rows of chars), or None when it fails a check."""
    grid = [["%"] * WIDTH for _ in range(HEIGHT)]
    for r in range(1, HEIGHT - 1):
        for c in range(1, HALF):
            grid[r][c] = " "
    _divide(grid, rng, 1, HEIGHT - 2, 1, HALF - 1)

    # Extra openings: knock out a few wall segments (never the posts at even/even) to make loops.
    segments = [
        (r, c)
        for r in range(1, HEIGHT - 1)
        for c in range(1, HALF)
        if grid[r][c] == "%" and ((r % 2) != (c % 2) or r == HEIGHT - 2)
    ]
    if segments:
        n_open = min(len(segments), int(rng.integers(4, 8)))
        for i in rng.choice(len(segments), size=n_open, replace=False).tolist():
            r, c = segments[i]
            grid[r][c] = " "

    reserved = set(_LEFT_STARTS)  # start cells and the cells right next to them stay empty
    for r, c in _LEFT_STARTS:
        grid[r][c] = " "
    for r, c in _LEFT_STARTS:
        reserved.update((r + dr, c + dc) for dr, dc in _STEPS)

    # Mirror the walls first so dead ends are judged on the real map (the centre column x = 9
    # looks across to x = 10).
    for r in range(HEIGHT):
        for c in range(HALF):
            grid[r][WIDTH - 1 - c] = grid[r][c]

    free = [
        (r, c)
        for r in range(1, HEIGHT - 1)
        for c in range(1, HALF)
        if grid[r][c] == " " and (r, c) not in reserved
    ]
    if len(free) < FOOD_PER_HALF + 1:
        return None
    dead = [cell for cell in free if _open_neighbours(grid, *cell) == 1]
    others = [cell for cell in free if _open_neighbours(grid, *cell) != 1]
    if len(dead) >= FOOD_PER_HALF:
        food = [dead[i] for i in rng.choice(len(dead), size=FOOD_PER_HALF, replace=False).tolist()]
    else:
        extra = rng.choice(len(others), size=FOOD_PER_HALF - len(dead), replace=False).tolist()
        food = dead + [others[i] for i in extra]
    for r, c in food:
        grid[r][c] = "."

    capsule_cells = [(r, c) for r, c in free if c <= CAPSULE_MAX_X and grid[r][c] == " "]
    if not capsule_cells:
        return None
    r, c = capsule_cells[int(rng.integers(len(capsule_cells)))]
    grid[r][c] = "o"

    for (r, c), ch in _LEFT_STARTS.items():
        grid[r][c] = ch
    for r in range(HEIGHT):
        for c in range(HALF):
            ch = grid[r][c]
            grid[r][WIDTH - 1 - c] = _MIRROR_CHAR.get(ch, ch)

    return grid if _all_connected(grid) else None


def random_layout_text(seed: int) -> str:
    """The layout text of the random map for `seed` (rows joined by newlines)."""
    rng = np.random.default_rng(seed)
    for _ in range(MAX_DRAWS):
        grid = _draw(rng)
        if grid is not None:
            return "\n".join("".join(row) for row in grid)
    raise RuntimeError(f"no valid random layout for seed {seed} in {MAX_DRAWS} draws")  # pragma: no cover


def random_layout(seed: int) -> Layout:
    """A validated random 20 x 20 map, named `random_{seed}`; the same seed gives the same map."""
    return parse_layout(random_layout_text(seed), name=f"random_{seed}")
