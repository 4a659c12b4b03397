"""Layouts: our shipped maps, the course maps, malformed files and the random-maze generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gymPacMan.layout import Layout, LayoutError, parse_layout
from gymPacMan.layout_names import LAYOUT_DIR, available_layouts, expand_layout_names, load_layout
from gymPacMan.maze import random_layout, random_layout_text

from helpers import assert_mirror_symmetric, unreachable_cells

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
COURSE_LAYOUTS = REFERENCE / "layouts"
SHIPPED = ["tinyMaze", "smallMaze", "mediumCapsules", "largeArena"]
SEEDS = range(60)


# ---------------------------------------------------------------- helpers


def assert_starts_on_own_half(layout: Layout) -> None:
    for agent, (x, _) in enumerate(layout.starts):
        assert bool(layout.is_red(x)) == (agent % 2 == 0), f"{layout.name}: agent {agent} starts on the wrong half"


def write(tmp_path: Path, text: str, name: str = "bad.lay") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def load_error(path: Path) -> LayoutError:
    with pytest.raises(LayoutError) as info:
        load_layout(path)
    err = info.value
    assert str(path) in str(err), f"message does not name the file: {err}"
    assert err.source == str(path)
    return err


# ---------------------------------------------------------------- shipped maps


def test_shipped_maps_are_listed():
    assert set(SHIPPED) <= set(available_layouts())


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_map_loads_by_name_and_path(name):
    by_name = load_layout(name)
    by_file_name = load_layout(f"{name}.lay")
    by_path = load_layout(LAYOUT_DIR / f"{name}.lay")
    by_str_path = load_layout(str(LAYOUT_DIR / f"{name}.lay"))
    assert by_name.name == f"{name}.lay"
    for other in (by_file_name, by_path, by_str_path):
        assert other.text == by_name.text
        assert np.array_equal(other.starts, by_name.starts)
    assert load_layout(by_name) is by_name


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_map_is_playable(name):
    layout = load_layout(name)
    assert_mirror_symmetric(layout)
    assert_starts_on_own_half(layout)
    assert unreachable_cells(layout) == []
    food = int(layout.food.sum())
    assert food >= 2 and food % 2 == 0
    assert int(layout.food[:, : layout.width // 2].sum()) == food // 2


def test_shipped_map_sizes():
    sizes = {name: (load_layout(name).width, load_layout(name).height) for name in SHIPPED}
    w, h = sizes["tinyMaze"]
    assert 10 <= w <= 12 and 5 <= h <= 6
    w, h = sizes["smallMaze"]
    assert 14 <= w <= 16 and 8 <= h <= 10
    assert sizes["mediumCapsules"] == (20, 20)
    assert sizes["largeArena"] == (32, 16)
    medium, large = load_layout("mediumCapsules"), load_layout("largeArena")
    assert int(medium.capsules.sum()) == 2 and 30 <= int(medium.food.sum()) <= 40
    assert 2 <= int(large.capsules.sum()) <= 4 and 50 <= int(large.food.sum()) <= 60


def test_unknown_layout_name_lists_shipped_maps():
    with pytest.raises(FileNotFoundError) as info:
        load_layout("noSuchMap")
    message = str(info.value)
    assert "noSuchMap" in message
    for name in SHIPPED:
        assert name in message


def test_a_range_of_numbered_layouts_is_written_out(tmp_path):
    assert expand_layout_names(["contest_1..3", "bloxCapture", "berkeley_0..0", "random_9..10"]) == [
        "contest_1", "contest_2", "contest_3", "bloxCapture", "berkeley_0", "random_9", "random_10"]
    assert expand_layout_names(["contest_1..50"]) == [f"contest_{k}" for k in range(1, 51)]
    layout, path = load_layout("tinyMaze"), LAYOUT_DIR / "tinyMaze.lay"
    assert expand_layout_names([layout, path, "contest_random"]) == [layout, path, "contest_random"]  # kept as given
    odd_file = tmp_path / "map_1..2"
    odd_file.write_text(GOOD)
    assert expand_layout_names([str(odd_file)]) == [str(odd_file)]  # a file of that name is that file
    with pytest.raises(ValueError, match=r"'contest_5..3' is empty.*contest_3..5"):
        expand_layout_names(["contest_5..3"])
    with pytest.raises(ValueError, match="names 3 layouts; load_layout loads one"):
        load_layout("contest_1..3")


# ---------------------------------------------------------------- course maps


def course_layouts() -> list[Path]:
    if not COURSE_LAYOUTS.is_dir():
        pytest.skip(f"course reference layouts not found at {COURSE_LAYOUTS} (only present in the full workspace / CI)")
    paths = sorted(COURSE_LAYOUTS.glob("*.lay"))
    assert paths, f"no .lay files in {COURSE_LAYOUTS}"
    return paths


def test_course_maps_load():
    for path in course_layouts():
        layout = load_layout(path)
        assert layout.name == str(path)
        assert_starts_on_own_half(layout)
        assert unreachable_cells(layout) == [], path.name
    sizes = {p.stem: (load_layout(p).width, load_layout(p).height) for p in course_layouts()}
    assert sizes.get("tinyCapture") == (20, 7)
    assert sizes.get("smallCapture") == (14, 11)
    assert sizes.get("bloxCapture") == (20, 20)


def test_course_random_maps_match_our_generator_conventions():
    """The course's random maps have the shape our generator promises: same size, starts, symmetry."""
    ours = random_layout(0)
    randoms = [p for p in course_layouts() if p.stem.startswith("random")]
    assert randoms
    for path in randoms:
        layout = load_layout(path)
        assert (layout.width, layout.height) == (20, 20)
        assert_mirror_symmetric(layout)
        assert np.array_equal(layout.starts, ours.starts), path.name
        assert int(layout.capsules.sum()) == 2
        assert 36 <= int(layout.food.sum()) <= 40


# ---------------------------------------------------------------- malformed files

GOOD = """\
%%%%%%
%3..4%
%1..2%
%%%%%%
"""


def test_good_small_file_loads(tmp_path):
    layout = load_layout(write(tmp_path, GOOD, "good.lay"))
    assert (layout.width, layout.height) == (6, 4)
    assert layout.starts.tolist() == [[1, 1], [4, 1], [1, 2], [4, 2]]


def test_ragged_rows(tmp_path):
    path = write(tmp_path, "%%%%%%\n%3..4%\n%1..2%%\n%%%%%%\n")
    err = load_error(path)
    assert err.line == 3
    assert "line 3" in str(err) and "ragged" in str(err)


def test_blank_lines_and_whitespace_do_not_shift_line_numbers(tmp_path):
    path = write(tmp_path, "\n  %%%%%%  \n%3..4%\n\n%1..2%%\n%%%%%%\n")
    err = load_error(path)
    assert err.line == 5  # the file's own line number, blank lines counted


def test_missing_agent_start(tmp_path):
    path = write(tmp_path, "%%%%%%\n%3..4%\n%1...%\n%%%%%%\n")
    err = load_error(path)
    # A missing start is absent from every line, so the error names no line, only the start.
    assert err.line is None
    assert "'2'" in str(err) and "agent 1" in str(err)


def test_duplicated_agent_start(tmp_path):
    path = write(tmp_path, "%%%%%%\n%3..4%\n%1..2%\n%1...%\n%%%%%%\n")
    err = load_error(path)
    assert err.line == 4  # the second occurrence
    assert "line 4" in str(err) and "'1'" in str(err) and "2 times" in str(err)


def test_missing_border_wall(tmp_path):
    path = write(tmp_path, "%%%%%%\n%3..4%\n 1..2%\n%%%%%%\n")
    err = load_error(path)
    assert err.line == 3
    assert "line 3" in str(err) and "border" in str(err)


def test_missing_border_wall_in_top_row(tmp_path):
    path = write(tmp_path, "%%% %%\n%3..4%\n%1..2%\n%%%%%%\n")
    err = load_error(path)
    assert err.line == 1 and "border" in str(err)


def test_start_on_wrong_half(tmp_path):
    path = write(tmp_path, "%%%%%%\n%34..%\n%1..2%\n%%%%%%\n")
    err = load_error(path)
    assert err.line == 2
    assert "line 2" in str(err) and "'4'" in str(err) and "red half" in str(err)


def test_red_start_on_blue_half(tmp_path):
    path = write(tmp_path, "%%%%%%\n%4..3%\n%1..2%\n%%%%%%\n")
    err = load_error(path)
    assert err.line == 2 and "blue half" in str(err)


@pytest.mark.parametrize("text", ["", "\n\n   \n"])
def test_empty_file(tmp_path, text):
    path = write(tmp_path, text, "empty.lay")
    err = load_error(path)
    assert err.line is None  # there is no line to point at
    assert "no rows" in str(err)


def test_half_without_food(tmp_path):
    path = write(tmp_path, "%%%%%%\n%3.o4%\n%1..2%\n%%%%%%\n".replace("..", ". "), "nofood.lay")
    err = load_error(path)
    assert "no food on the blue half" in str(err) and "nofood.lay" in str(err)


@pytest.mark.parametrize("rows, cols", [(2, 6), (4, 2), (4, 65)])
def test_size_out_of_range(tmp_path, rows, cols):
    text = "\n".join(["%" * cols] * rows)
    err = load_error(write(tmp_path, text, "size.lay"))
    assert err.line == 1 and "size" in str(err) and "outside 3..64" in str(err)


def test_binary_file_is_not_a_layout(tmp_path):
    path = tmp_path / "picture.lay"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    err = load_error(path)
    assert "not a text file" in str(err) and "picture.lay" in str(err)


def test_parse_layout_names_the_given_source():
    with pytest.raises(LayoutError, match=r"bad layout mine, line 2: ragged"):
        parse_layout("%%%%%%\n%3..4\n%1..2%\n%%%%%%", name="mine")


# ---------------------------------------------------------------- random maze generator


@pytest.mark.parametrize("seed", SEEDS)
def test_random_layout_properties(seed):
    layout = random_layout(seed)
    assert layout.name == f"random_{seed}"
    assert (layout.width, layout.height) == (20, 20)
    assert_mirror_symmetric(layout)
    assert_starts_on_own_half(layout)
    assert unreachable_cells(layout) == []

    # food: 40, 20 per half
    assert int(layout.food.sum()) == 40
    assert int(layout.food[:, :10].sum()) == 20 and int(layout.food[:, 10:].sum()) == 20
    # capsules: one per half, away from the centre line
    caps = [(int(x), int(y)) for y, x in np.argwhere(layout.capsules)]
    assert len(caps) == 2
    assert sum(x <= 5 for x, _ in caps) == 1 and sum(x >= 14 for x, _ in caps) == 1
    assert not (layout.capsules & layout.food).any()

    # starts in the top corners: text row 1 holds '3' / '4', row 2 holds '1' / '2'
    rows = layout.text.splitlines()
    assert rows[1][1] == "3" and rows[2][1] == "1"
    assert rows[1][18] == "4" and rows[2][18] == "2"
    assert layout.starts.tolist() == [[1, 17], [18, 17], [1, 18], [18, 18]]
    # no food or capsule on or right next to a start
    for x, y in layout.starts:
        for dx, dy in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)):
            assert not layout.food[y + dy, x + dx] and not layout.capsules[y + dy, x + dx]


def test_random_layout_is_deterministic():
    for seed in (0, 1, 12345, 2**40):
        assert random_layout_text(seed) == random_layout_text(seed)
        assert random_layout(seed).text == random_layout_text(seed)


def test_random_layouts_differ_between_seeds():
    texts = {random_layout_text(seed) for seed in SEEDS}
    assert len(texts) == len(SEEDS)
    walls = {random_layout(seed).walls.tobytes() for seed in SEEDS}
    assert len(walls) > len(SEEDS) // 2  # not merely the food moved around


def test_random_layouts_have_loops_and_dead_ends():
    """Not a perfect maze: more open cells than a tree would allow edges for, i.e. cycles exist."""
    for seed in range(20):
        layout = random_layout(seed)
        open_ = ~layout.walls
        cells = int(open_.sum())
        edges = int((open_[:, 1:] & open_[:, :-1]).sum() + (open_[1:, :] & open_[:-1, :]).sum())
        assert edges - cells + 1 >= 4, f"seed {seed}: only {edges - cells + 1} independent loops"
