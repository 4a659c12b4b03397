"""The contest's random mazes: seeded, valid, connected, point-symmetric, the course's size and food;
training streams never draw the held-out seeds."""

from __future__ import annotations

import numpy as np

from gymPacMan import VecCaptureEnv
from gymPacMan.contest_maze import HELD_OUT_SEEDS, contest_maze, contest_maze_text
from gymPacMan.distances import UNREACHABLE, maze_distances
from gymPacMan.layout import load_layout


def test_a_seed_is_one_maze_wherever_it_is_used():
    assert contest_maze_text(7) == contest_maze_text(7) == load_layout("contest_7").text
    assert len({contest_maze_text(seed) for seed in range(20)}) == 20


def test_mazes_are_valid_connected_point_symmetric_and_sized_like_the_courses():
    for seed in range(200):
        layout = contest_maze(seed)  # parse_layout validates: border, starts on their halves, food on both
        assert (layout.height, layout.width) == (20, 20)
        np.testing.assert_array_equal(layout.walls, layout.walls[::-1, ::-1])  # the half, rotated onto the right
        np.testing.assert_array_equal(layout.food, layout.food[::-1, ::-1])
        assert 30 <= layout.food.sum() <= 40 and layout.capsules.sum() == 4
        assert tuple(layout.starts[0]) == (1, 2) and tuple(layout.starts[2]) == (1, 1)  # red: the bottom-left corner
        table = maze_distances(layout.walls)
        start = layout.starts[0][1] * 20 + layout.starts[0][0]
        assert (table[start, np.flatnonzero(~layout.walls.ravel())] != UNREACHABLE).all(), seed


def test_training_streams_never_draw_held_out_seeds_and_restored_games_keep_their_maze():
    env = VecCaptureEnv("contest_random", num_envs=64, seed=0)
    env.reset()
    seeds = [int(env.layout_name(g)[len("contest_"):]) for g in range(env.num_envs)]
    assert min(seeds) >= HELD_OUT_SEEDS and len(set(seeds)) == 64
    saved = env.state_dict()
    again = VecCaptureEnv("contest_random", num_envs=64, seed=1)
    again.load_state_dict(saved)
    assert [again.layout_name(g) for g in range(64)] == [env.layout_name(g) for g in range(64)]
    np.testing.assert_array_equal(again.game_layouts[5].walls, env.game_layouts[5].walls)
