"""Our reading of the Berkeley generator (`berkeley_<seed>`): seeded, valid, connected, point-symmetric,
the course's size and food; its training stream never draws the held-out seeds."""

from __future__ import annotations

import numpy as np

from gymPacMan import VecCaptureEnv
from gymPacMan.berkeley_maze import berkeley_maze, berkeley_maze_text
from gymPacMan.contest_maze import TRAIN_SEEDS
from gymPacMan.distances import UNREACHABLE, maze_distances
from gymPacMan.layout_names import load_layout


def test_a_seed_is_one_maze_wherever_it_is_used():
    assert berkeley_maze_text(7) == berkeley_maze_text(7) == load_layout("berkeley_7").text
    assert load_layout("berkeley_0").name == "berkeley_0"  # seed 0 is a maze here
    assert len({berkeley_maze_text(seed) for seed in range(20)}) == 20


def test_mazes_are_valid_connected_point_symmetric_and_sized_like_the_courses():
    for seed in range(200):
        layout = berkeley_maze(seed)  # parse_layout validates: border, starts on their halves, food on both
        assert (layout.height, layout.width) == (20, 20)
        np.testing.assert_array_equal(layout.walls, layout.walls[::-1, ::-1])  # the half, rotated onto the right
        np.testing.assert_array_equal(layout.food, layout.food[::-1, ::-1])
        assert 30 <= layout.food.sum() <= 40 and layout.capsules.sum() == 4
        assert tuple(layout.starts[0]) == (1, 2) and tuple(layout.starts[2]) == (1, 1)  # red: the bottom-left corner
        table = maze_distances(layout.walls)
        start = layout.starts[0][1] * 20 + layout.starts[0][0]
        assert (table[start, np.flatnonzero(~layout.walls.ravel())] != UNREACHABLE).all(), seed


def test_training_streams_never_draw_held_out_seeds_and_restored_games_keep_their_maze():
    env = VecCaptureEnv("berkeley_random", num_envs=64, seed=0)
    env.reset()
    seeds = [int(env.layout_name(g)[len("berkeley_"):]) for g in range(env.num_envs)]
    assert all(seed in TRAIN_SEEDS for seed in seeds) and min(seeds) >= 10_000 and len(set(seeds)) == 64
    saved = env.state_dict()
    again = VecCaptureEnv("berkeley_random", num_envs=64, seed=1)
    again.load_state_dict(saved)
    assert [again.layout_name(g) for g in range(64)] == [env.layout_name(g) for g in range(64)]
    np.testing.assert_array_equal(again.game_layouts[5].walls, env.game_layouts[5].walls)
