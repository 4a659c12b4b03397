"""Layouts by name: a `.lay` file by path, one of our maps in `layouts/` by name, a generated maze by its
seed (`random_7`, `contest_7`, `berkeley_7`: the generator registry `GENERATORS`), and ranges of names
(`contest_1..50`). Imports flow one way: this module -> the generators (`maze`, `contest_maze`,
`berkeley_maze`) -> `layout` (the `Layout` and its parsing).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable

from .berkeley_maze import berkeley_maze
from .contest_maze import contest_maze
from .layout import Layout, LayoutError, parse_layout
from .maze import random_layout
from .resources import shipped_dir

LAYOUT_DIR = shipped_dir(__file__, "layouts")  # the checkout's layouts/, or the installed package's


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


# the maze generators by name (`<name>_<seed>` is one of their mazes)
GENERATORS: dict[str, Callable[[int], Layout]] = {"random": random_layout, "contest": contest_maze, "berkeley": berkeley_maze}
GENERATED = re.compile(rf"^({'|'.join(GENERATORS)})_(\d+)$")  # a generated maze by its seed: random_7, contest_7
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
    if kind not in GENERATORS:
        raise ValueError(f"no maze generator {kind!r}: the generators are random, contest and berkeley")
    return GENERATORS[kind](seed)


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
