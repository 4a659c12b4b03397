"""Tests of gymPacMan.render: text and RGB pictures of one game of a batch, GIFs and the recorder."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from gymPacMan import engine
from gymPacMan.layout import parse_layout
from gymPacMan.render import (
    PACMAN_FILL,
    TEAM_COLORS,
    GameRecorder,
    bar_height,
    render_ansi,
    render_rgb,
    save_gif,
)
from gymPacMan.rules import EAST, STOP

# 10 x 5; agent 0 at (1, 3), agent 2 at (1, 1), agent 1 at (8, 3), agent 3 at (8, 1).
SMALL = """
%%%%%%%%%%
%1. o  .2%
%.%%  %%.%
%3 .  o 4%
%%%%%%%%%%
"""
# 14 x 7, larger in both directions, for padded batches.
BIG = """
%%%%%%%%%%%%%%
%1 .   o   .2%
% %%.%%%%.%% %
%    .  .    %
% %%.%%%%.%% %
%3 .   o   .4%
%%%%%%%%%%%%%%
"""
CELL = 16
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def small():
    return parse_layout(SMALL, "small")


@pytest.fixture
def big():
    return parse_layout(BIG, "big")


def map_lines(text: str) -> list[str]:
    return text.split("\n")[:-1]


def cell_block(frame: np.ndarray, x: int, y: int, height: int, cell: int = CELL) -> np.ndarray:
    """Pixels of map cell (x, y), y counted from the bottom as in the state."""
    top = (height - 1 - y) * cell
    return frame[top : top + cell, x * cell : (x + 1) * cell]


def has_colour(block: np.ndarray, colour) -> bool:
    return bool(np.all(block == np.array(colour, dtype=np.uint8), axis=-1).any())


def step_agent0_east(state) -> None:
    actions = np.full((state.num_games, 4), STOP, dtype=np.int64)
    actions[:, 0] = EAST
    engine.step(state, actions, length=100)


# ---------------------------------------------------------------------------------------------- text


def test_ansi_matches_layout_text(small):
    state = engine.new_state([small], [0])
    text = render_ansi(state)
    lines = map_lines(text)
    assert len(lines) == small.height
    assert all(len(line) == small.width for line in lines)
    expected = small.text.replace("1", "0").replace("2", "1").replace("3", "2").replace("4", "3")
    assert "\n".join(lines) == expected
    assert set("".join(lines)) <= set("%.o0123 ")


def test_ansi_positions_are_flipped(small):
    state = engine.new_state([small], [0])
    lines = map_lines(render_ansi(state))
    x, y = state.pos[0, 0]
    assert (x, y) == (1, 3)
    assert lines[small.height - 1 - y][x] == "0"
    assert lines[small.height - 1 - 1][1] == "2"  # agent 2 at (1, 1), near the bottom
    assert lines[1][4] == "o" and lines[3][6] == "o"


def test_ansi_updates_after_step(small):
    state = engine.new_state([small], [0])
    before = map_lines(render_ansi(state))
    step_agent0_east(state)
    assert tuple(state.pos[0, 0]) == (2, 3)
    after = map_lines(render_ansi(state))
    assert before[1][1] == "0" and before[1][2] == "."
    assert after[1][1] == " " and after[1][2] == "0"
    assert render_ansi(state).split("\n")[-1].startswith("t=1 ")


def test_ansi_shared_cell_shows_lowest_index(small):
    state = engine.new_state([small], [0])
    state.pos[0, 2] = state.pos[0, 0]
    state.pos[0, 3] = state.pos[0, 0]
    lines = map_lines(render_ansi(state))
    assert lines[1][1] == "0"
    assert "2" not in "".join(lines) and "3" not in "".join(lines)


def test_ansi_status_line(small):
    state = engine.new_state([small], [0])
    state.score[0] = -4
    state.is_pacman[0, 1] = True
    state.carrying[0, 1] = 3
    state.scared[0, 2] = 17
    status = render_ansi(state).split("\n")[-1]
    assert "t=0" in status and "score=-4" in status
    assert "1:blue Pacman carry=3 scared=0" in status
    assert "2:red ghost carry=0 scared=17" in status
    assert status.count("|") == 4


def test_ansi_color_only_adds_escapes(small):
    state = engine.new_state([small], [0])
    plain = render_ansi(state)
    coloured = render_ansi(state, color=True)
    assert coloured != plain and "\x1b[" in coloured
    assert ANSI_ESCAPE.sub("", coloured) == plain


def test_bad_game_index(small):
    state = engine.new_state([small], [0])
    with pytest.raises(IndexError):
        render_ansi(state, game=1)
    with pytest.raises(IndexError):
        render_rgb(state, game=3)


# ---------------------------------------------------------------------------------------------- rgb


def test_rgb_shape_and_dtype(small):
    state = engine.new_state([small], [0])
    frame = render_rgb(state, cell=CELL)
    assert frame.shape == (small.height * CELL + bar_height(CELL), small.width * CELL, 3)
    assert frame.dtype == np.uint8
    frame8 = render_rgb(state, cell=8)
    assert frame8.shape == (small.height * 8 + bar_height(8), small.width * 8, 3)


def test_rgb_walls_food_and_flip(small):
    state = engine.new_state([small], [0])
    frame = render_rgb(state, cell=CELL)
    h = small.height
    c = CELL // 2
    wall = cell_block(frame, 0, 0, h)[c, c]
    floor = cell_block(frame, 3, 3, h)[c, c]  # an empty cell
    assert not np.array_equal(wall, floor)
    # Food at (2, 3) is near the top of the image; (2, 1) is empty, so a flip would show.
    food_cell = cell_block(frame, 2, 3, h)
    empty_cell = cell_block(frame, 2, 1, h)
    assert food_cell.max(axis=-1).max() > 200
    assert empty_cell.max(axis=-1).max() < 100
    # Capsules are bigger dots than food.
    capsule_cell = cell_block(frame, 4, 3, h)
    bright = lambda block: int((block.min(axis=-1) > 200).sum())
    assert bright(capsule_cell) > bright(food_cell) > 0


def test_rgb_halves_are_tinted_differently(small):
    state = engine.new_state([small], [0])
    frame = render_rgb(state, cell=CELL)
    red_floor = cell_block(frame, 3, 3, small.height)[1, 1].astype(int)
    blue_floor = cell_block(frame, 6, 3, small.height)[1, 1].astype(int)
    assert red_floor[0] > red_floor[2]
    assert blue_floor[2] > blue_floor[0]


def test_rgb_agents_in_team_colours(small):
    state = engine.new_state([small], [0])
    frame = render_rgb(state, cell=CELL)
    h = small.height
    assert has_colour(cell_block(frame, 1, 3, h), TEAM_COLORS[0])  # agent 0
    assert has_colour(cell_block(frame, 8, 3, h), TEAM_COLORS[1])  # agent 1
    assert not has_colour(cell_block(frame, 1, 3, h), PACMAN_FILL)


def test_rgb_pacman_differs_from_ghost(small):
    state = engine.new_state([small], [0])
    state.pos[0, 0] = (6, 3)  # on the blue half
    state.is_pacman[0, 0] = True
    state.heading[0, 0] = EAST
    frame = render_rgb(state, cell=CELL)
    h = small.height
    pacman = cell_block(frame, 6, 3, h)
    ghost = cell_block(frame, 1, 1, h)  # agent 2, a red ghost
    assert has_colour(pacman, PACMAN_FILL)
    assert not has_colour(ghost, PACMAN_FILL)
    assert has_colour(pacman, TEAM_COLORS[0])  # team-coloured rim
    c = CELL // 2
    assert not np.array_equal(pacman[c, c - 3], ghost[c, c - 3])
    # The mouth follows the heading.
    state.heading[0, 0] = 3  # West
    west = cell_block(render_rgb(state, cell=CELL), 6, 3, h)
    assert not np.array_equal(west, pacman)


def test_rgb_scared_ghost_drawn_differently(small):
    state = engine.new_state([small], [0])
    normal = render_rgb(state, cell=CELL)
    state.scared[0, 1] = 20
    scared = render_rgb(state, cell=CELL)
    h = small.height
    before, after = cell_block(normal, 8, 3, h), cell_block(scared, 8, 3, h)
    assert not np.array_equal(before, after)
    # Mostly pale now: far more bright pixels than the blue ghost had.
    assert (after.min(axis=-1) > 150).sum() > (before.min(axis=-1) > 150).sum() + 20
    # Other cells are untouched.
    assert np.array_equal(cell_block(normal, 8, 1, h), cell_block(scared, 8, 1, h))


def test_rgb_changes_after_step(small):
    state = engine.new_state([small], [0])
    before = render_rgb(state, cell=CELL)
    step_agent0_east(state)
    after = render_rgb(state, cell=CELL)
    h = small.height
    assert not np.array_equal(before, after)
    assert has_colour(cell_block(after, 2, 3, h), TEAM_COLORS[0])
    assert not has_colour(cell_block(after, 1, 3, h), TEAM_COLORS[0])
    # The bar shows the new step.
    bar = slice(h * CELL, None)
    assert not np.array_equal(before[bar], after[bar])


def test_padded_batch_renders_each_game_at_its_own_size(small, big):
    batch = engine.new_state([small, big], [0, 1])
    assert batch.grid_shape == (big.height, big.width)
    alone = engine.new_state([small], [0])
    frame0 = render_rgb(batch, game=0, cell=CELL)
    assert frame0.shape == (small.height * CELL + bar_height(CELL), small.width * CELL, 3)
    assert np.array_equal(frame0, render_rgb(alone, cell=CELL))
    assert render_ansi(batch, game=0) == render_ansi(alone)
    frame1 = render_rgb(batch, game=1, cell=CELL)
    assert frame1.shape == (big.height * CELL + bar_height(CELL), big.width * CELL, 3)
    lines1 = map_lines(render_ansi(batch, game=1))
    assert len(lines1) == big.height and all(len(line) == big.width for line in lines1)
    # Steps in a batch show up in the right game only.
    step_agent0_east(batch)
    assert map_lines(render_ansi(batch, game=0))[1][2] == "0"
    assert map_lines(render_ansi(batch, game=1))[1][2] == "0"


# ---------------------------------------------------------------------------------------------- files


def play_frames(layout, steps: int = 3) -> list[np.ndarray]:
    state = engine.new_state([layout], [0])
    frames = [render_rgb(state, cell=CELL)]
    for _ in range(steps - 1):
        step_agent0_east(state)
        frames.append(render_rgb(state, cell=CELL))
    return frames


def test_save_gif_roundtrip(small, tmp_path):
    frames = play_frames(small, steps=4)
    path = save_gif(frames, tmp_path / "nested" / "dir" / "game.gif", fps=5)
    assert path.is_file() and path.suffix == ".gif"
    with Image.open(path) as gif:
        assert gif.n_frames == 4
        assert gif.size == (frames[0].shape[1], frames[0].shape[0])
        assert gif.info.get("loop") == 0
        assert gif.info.get("duration") == 200
        gif.seek(0)
        first = np.asarray(gif.convert("RGB"))
    # Our frames have few colours, so the GIF palette holds them exactly.
    assert np.array_equal(first, frames[0])
    import imageio.v2 as imageio

    read = imageio.mimread(path)
    assert len(read) == 4


def test_save_gif_rejects_empty(tmp_path):
    with pytest.raises(ValueError):
        save_gif([], tmp_path / "empty.gif")


def test_recorder_saves_gif_and_text(small, tmp_path):
    state = engine.new_state([small], [0])
    recorder = GameRecorder(game=0, cell=CELL)
    recorder.capture(state)
    for _ in range(2):
        step_agent0_east(state)
        recorder.capture(state)
    assert len(recorder) == 3 and len(recorder.texts) == 3
    assert recorder.frames[0].shape == (small.height * CELL + bar_height(CELL), small.width * CELL, 3)
    gif = recorder.save_gif(tmp_path / "out" / "rec.gif", fps=8)
    with Image.open(gif) as im:
        assert im.n_frames == 3
    txt = recorder.save_text(tmp_path / "out" / "rec.txt")
    blocks = txt.read_text().strip("\n").split("\n\n")
    assert len(blocks) == 3
    assert blocks[0] == render_ansi(engine.new_state([small], [0]))
    assert blocks[-1] == render_ansi(state)
    assert "\x1b[" not in txt.read_text()


def test_recorder_other_game_of_batch(small, big, tmp_path):
    state = engine.new_state([small, big], [0, 1])
    recorder = GameRecorder(game=1, cell=8)
    recorder.capture(state)
    assert recorder.frames[0].shape == (big.height * 8 + bar_height(8), big.width * 8, 3)
    assert recorder.texts[0] == render_ansi(state, game=1)
