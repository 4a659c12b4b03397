"""The north-south flip: a symmetry of the rules on every map, of the red view, and of the observations."""

from __future__ import annotations

import numpy as np
import pytest

from gymPacMan import engine, load_layout
from gymPacMan.layout import parse_layout
from gymPacMan.maze import random_layout
from gymPacMan.planes import ALL_MAZE_PLANES
from gymPacMan.rules import BLUE, EAST, NORTH, RED, SOUTH, STOP, WEST
from gymPacMan.views import FLIP_ACTIONS, flip_north_south
from marl_lightning.data import compact
from marl_lightning.recording import _teacher_frame

from test_policy_team import ASYMMETRIC, POINT_SYMMETRIC, random_play


def assert_same_state(a: engine.GameState, b: engine.GameState) -> None:
    for name, value in vars(a).items():
        np.testing.assert_array_equal(value, getattr(b, name), err_msg=name)


def mixed_batch() -> engine.GameState:
    """A padded batch of maps of every kind: mirrored, point-symmetric, asymmetric, generated, of several heights."""
    layouts = [load_layout("tinyMaze"), load_layout("smallCapture"), parse_layout(POINT_SYMMETRIC, "point"),
               parse_layout(ASYMMETRIC, "asymmetric"), load_layout("bloxCapture"), random_layout(7)]
    return engine.new_state(layouts, [0, 1, 2, 3, 4, 5, 1, 4])


def test_flip_actions_swap_north_and_south_only():
    assert FLIP_ACTIONS.tolist() == [SOUTH, EAST, NORTH, WEST, STOP]
    assert (FLIP_ACTIONS[FLIP_ACTIONS] == np.arange(5)).all()
    assert NORTH != SOUTH


def test_flipping_twice_is_the_identity_and_keeps_the_padding():
    state = mixed_batch()
    flipped = flip_north_south(state)
    assert not np.array_equal(flipped.walls, state.walls)
    for g in range(state.num_games):  # rows above each game's own height stay padding walls
        assert flipped.walls[g, state.height[g]:].all()
    assert_same_state(flip_north_south(flipped), state)


def test_the_flipped_game_steps_as_the_flip_of_the_game():
    """Every rule but one treats north and south alike: all game long, on every kind of map, the flipped game
    stepped with the flipped actions is the flip of the stepped game and earns the same rewards and ends. The one:
    a dying Pacman's food is dumped on free cells found in a fixed order of neighbours (SPEC rule 6), so where it
    lands may differ; as much lands on the same half."""
    state = mixed_batch()
    rng = np.random.default_rng(3)
    scored = dumped = False
    for _ in range(250):
        twin = flip_north_south(state)
        legal = engine.legal_actions(state)
        np.testing.assert_array_equal(engine.legal_actions(twin), legal[..., FLIP_ACTIONS])
        actions = np.array([[rng.choice(np.flatnonzero(legal[g, i])) for i in range(4)] for g in range(state.num_games)])
        before = state.pos.copy()
        result = engine.step(state, actions, length=300)
        twin_result = engine.step(twin, FLIP_ACTIONS[actions], length=300)
        for name in ("rewards", "terminated", "truncated", "score_change", "illegal"):
            np.testing.assert_array_equal(getattr(twin_result, name), getattr(result, name), err_msg=name)
        expected = flip_north_south(state)
        died = (state.pos == state.starts).all(-1) & (before != state.starts).any(-1)  # (N, 4) sent back to start
        dump = died.any(axis=1)  # a Pacman that died with food, carried or eaten in this very step, dumped it
        np.testing.assert_array_equal(twin.food[~dump], expected.food[~dump])
        np.testing.assert_array_equal(twin.food_left, expected.food_left)
        twin.food[dump] = expected.food[dump]
        assert_same_state(twin, expected)
        scored |= bool(result.score_change.any())
        dumped |= bool(dump.any())
    assert scored and dumped  # food was returned and dumped: the carrying rules were exercised


@pytest.mark.parametrize("colour", [BLUE, RED])
def test_a_flipped_frame_is_seen_flipped_with_its_moves_and_masks(colour):
    """Through the compact frames a learner trains on, a flipped state is seen as the observation flipped within
    the map (red's through the map's symmetry as well), its legal masks and the teacher's moves with North <-> South:
    what `data.augment` shows the learner is a true demonstration."""
    state = mixed_batch()
    for s in random_play(state, 40, seed=11):
        pass
    legal = engine.legal_actions(s)
    actions = np.array([[np.flatnonzero(legal[g, i])[-1] for i in range(4)] for g in range(s.num_games)])
    colours = np.full(s.num_games, colour)
    frame, seen = _teacher_frame(s, legal, actions, colours)
    flipped_frame, flipped_seen = _teacher_frame(flip_north_south(s), engine.legal_actions(flip_north_south(s)),
                                                 FLIP_ACTIONS[actions], colours)
    np.testing.assert_array_equal(flipped_seen, FLIP_ACTIONS[seen])
    np.testing.assert_array_equal(flipped_frame["legal"].numpy(), frame["legal"].numpy()[..., FLIP_ACTIONS])
    grid = s.grid_shape
    obs = compact.observe(frame["game"], grid, ALL_MAZE_PLANES, 300).numpy()  # (N, 2, C, H, W)
    flipped_obs = compact.observe(flipped_frame["game"], grid, ALL_MAZE_PLANES, 300).numpy()
    for g in range(s.num_games):
        h = s.height[g]
        np.testing.assert_array_equal(flipped_obs[g, ..., :h, :], obs[g, ..., :h, :][..., ::-1, :])
    flip = np.arange(s.num_games) % 2 == 0  # the frames a batch draws flipped
    drawn = compact.observe(frame["game"], grid, ALL_MAZE_PLANES, 300, flip=flip).numpy()
    np.testing.assert_array_equal(drawn[flip], flipped_obs[flip])
    np.testing.assert_array_equal(drawn[~flip], obs[~flip])
