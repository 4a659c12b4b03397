"""The course's random mazes (`contest_<seed>`): character for character what the course's
`mazeGenerator.generateMaze(seed)` returns, valid and mirror-symmetric with the course's food and
capsules; seed 0 is an error that says why; training streams never draw the held-out seeds."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import random

import numpy as np
import pytest

import gymPacMan.contest_maze as contest
from gymPacMan import VecCaptureEnv
from gymPacMan.contest_maze import HELD_OUT_SEEDS, TRAIN_SEEDS, contest_maze, contest_maze_text
from gymPacMan.layout_names import load_layout

from helpers import assert_mirror_symmetric, reference_dir, unreachable_cells

# Edge cases found by running the generator over seeds 1 ... 165,000 (`test_the_edge_seeds_are_edge_cases`
# checks each claim, so a seed that stops being one fails rather than going quiet).
DEAD_ENDS_OVER_TARGET = (67373, 126642)  # its dead ends alone take 42 food, more than the 40 wanted
DEAD_ENDS_AT_TARGET = (69547, 111208)  # exactly 40: no random food at all
MOST_FOOD_REDRAWS = 2694  # of seeds 1 ... 9999, the random food took the most draws: 99 for 20 cells
MOST_CAPSULE_REDRAWS = 8168  # and the capsules: 16 draws for one cell
FOOD_IN_A_WALLED_OFF_POCKET = 452  # cells no agent reaches, with food in them
HALVES_APART = 1485  # red's start area cannot reach blue's
EDGE_SEEDS = (*DEAD_ENDS_OVER_TARGET, *DEAD_ENDS_AT_TARGET, MOST_FOOD_REDRAWS, MOST_CAPSULE_REDRAWS,
              FOOD_IN_A_WALLED_OFF_POCKET, HALVES_APART, 99_999_999)


def course_generator():
    """The course's `mazeGenerator` module, imported from ../shared by path (or skip)."""
    path = reference_dir("course_teams") / "mazeGenerator.py"
    spec = importlib.util.spec_from_file_location("course_maze_generator", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def course_maze_text(generator, seed: int) -> str:
    """`generateMaze(seed)`, without its print and leaving Python's global generator as it was."""
    state = random.getstate()
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # it prints its prison size (always 0)
            return generator.generateMaze(seed)
    finally:
        random.setstate(state)


def test_our_maze_is_the_course_generators_character_for_character():
    generator = course_generator()
    for seed in (*range(1, 201), *EDGE_SEEDS):
        assert contest_maze_text(seed) == course_maze_text(generator, seed), f"seed {seed}"


def test_the_courses_random_maps_are_its_seeds_11_to_16():
    """`random11.lay` ... `random16.lay` are the course generator's mazes for seeds 11 ... 16 (a search of
    seeds 1 ... 10,000 finds each of them there, and nowhere else)."""
    layouts = reference_dir("layouts")
    for seed in range(11, 17):
        assert contest_maze_text(seed) == (layouts / f"random{seed}.lay").read_text().strip("\n"), seed


def test_the_edge_seeds_are_edge_cases(monkeypatch):
    """Count what the generator does on the edge seeds (the comparison above runs them too)."""
    dead_ends, draws = [], {}
    real_dead_ends, real_scatter = contest._dead_end_food, contest._scatter

    class CountingRng:
        def __init__(self, rng: random.Random):
            self.rng, self.draws = rng, 0

        def randint(self, low: int, high: int) -> int:
            self.draws += 1
            return self.rng.randint(low, high)

    def scatter(rng, grid, kind, placed, target, last_col, seed):
        counting = CountingRng(rng)
        real_scatter(counting, grid, kind, placed, target, last_col, seed)
        draws[seed, kind] = counting.draws // 2  # a row and a column per draw

    def dead_end_food(grid):
        dead_ends.append(real_dead_ends(grid))
        return dead_ends[-1]

    monkeypatch.setattr(contest, "_dead_end_food", dead_end_food)
    monkeypatch.setattr(contest, "_scatter", scatter)
    counts = {}
    for seed in (*DEAD_ENDS_OVER_TARGET, *DEAD_ENDS_AT_TARGET, MOST_FOOD_REDRAWS, MOST_CAPSULE_REDRAWS):
        layout = contest_maze(seed)
        counts[seed] = dead_ends[-1], int(layout.food.sum())
    assert all(counts[seed][0] == 42 for seed in DEAD_ENDS_OVER_TARGET)
    assert all(counts[seed][0] == 40 for seed in DEAD_ENDS_AT_TARGET)
    assert all(draws[seed, "."] == 0 for seed in (*DEAD_ENDS_OVER_TARGET, *DEAD_ENDS_AT_TARGET))  # no random food
    assert counts[67373][1] == 38  # the starts overwrite two dead-end food and their mirror images
    assert draws[MOST_FOOD_REDRAWS, "."] == 99 and draws[MOST_CAPSULE_REDRAWS, "o"] == 16


def test_every_maze_is_valid_mirror_symmetric_connected_with_the_courses_food_and_capsules():
    for seed in range(1, 201):
        layout = load_layout(f"contest_{seed}")  # parse_layout validates: border, starts on their halves, food on both
        assert (layout.height, layout.width, layout.name) == (20, 20, f"contest_{seed}")
        assert_mirror_symmetric(layout)  # the half mirrored, not rotated
        assert layout.food.sum() in (36, 38, 40), seed  # 40 placed; a start cell may take 2 or 4 of them
        assert layout.capsules[:, :10].sum() == layout.capsules[:, 10:].sum() == 1
        assert [tuple(s) for s in layout.starts] == [(1, 17), (18, 17), (1, 18), (18, 18)]  # 1 and 3 top left
        assert unreachable_cells(layout) == [], seed


def test_no_food_or_capsule_beside_the_centre_line():
    """The dead ends stop short of the two columns beside the centre line and the random food keeps off them."""
    for seed in range(1, 201):
        layout = contest_maze(seed)
        assert not layout.food[:, 9:11].any() and not layout.capsules[:, 9:11].any(), seed


def test_some_course_mazes_wall_cells_off_and_play_as_the_course_plays_them():
    """About 1% of the course's mazes (108 of seeds 1 ... 9999) have cells no agent reaches; they are
    the course's mazes, so they are kept, and games on them run to the time limit."""
    pocket = contest_maze(FOOD_IN_A_WALLED_OFF_POCKET)
    lost = [(x, y) for x, y in unreachable_cells(pocket) if pocket.food[y, x]]
    assert len(lost) == 8
    apart = contest_maze(HALVES_APART)
    blue_start = tuple(int(v) for v in apart.starts[1])
    assert blue_start in unreachable_cells(apart)  # from red's start
    env = VecCaptureEnv([pocket, apart], num_envs=2, opponent="heuristic", length=60, seed=0)
    env.reset()
    for _ in range(60):
        _, _, terminated, truncated, _ = env.step(np.full((2, 2), 4))
    assert truncated.all() and not terminated.any()


def test_seed_0_is_no_maze_and_the_error_says_why():
    with pytest.raises(ValueError, match="takes seed 0 as 'no seed'.*seed >= 1"):
        load_layout("contest_0")
    with pytest.raises(ValueError, match="seeds are positive"):
        contest_maze_text(-3)
    with pytest.raises(TypeError, match="integer"):
        contest_maze_text(1.5)


def test_training_streams_never_draw_held_out_seeds_and_restored_games_keep_their_maze():
    assert (HELD_OUT_SEEDS.start, HELD_OUT_SEEDS.stop) == (1, 10_000) and TRAIN_SEEDS.start >= HELD_OUT_SEEDS.stop
    env = VecCaptureEnv("contest_random", num_envs=64, seed=0)
    env.reset()
    seeds = [int(env.layout_name(g)[len("contest_"):]) for g in range(env.num_envs)]
    assert all(seed in TRAIN_SEEDS for seed in seeds) and len(set(seeds)) == 64
    assert env.game_layouts[0].text == contest_maze_text(seeds[0])
    saved = env.state_dict()
    again = VecCaptureEnv("contest_random", num_envs=64, seed=1)
    again.load_state_dict(saved)
    assert [again.layout_name(g) for g in range(64)] == [env.layout_name(g) for g in range(64)]
    np.testing.assert_array_equal(again.game_layouts[5].walls, env.game_layouts[5].walls)
