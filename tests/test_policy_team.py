"""The policy adapter: the blue point of view for red (the map's symmetry, channel swap, slots, actions, masks)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents import PolicyTeam, make_team, rotate_actions, rotate_legal, to_blue_view
from agents.policy_team import CHANNEL_SWAP
from gymPacMan import VecCaptureEnv, engine, load_layout
from gymPacMan.layout import parse_layout
from gymPacMan.maze import random_layout
from gymPacMan.rules import ACTION_DX, ACTION_DY, BLUE, EAST, NORTH, RED, SOUTH, STOP, WEST
from gymPacMan.views import MIRROR, ROTATE, RedView, board_symmetry, view_actions, view_legal

from helpers import ARENA

# 10 x 6, deliberately without any symmetry: walls, food and capsules differ on the two halves.
ASYMMETRIC = """
%%%%%%%%%%
%1 .  o 2%
%  %%  . %
%. o   % %
%3  .. 4.%
%%%%%%%%%%
"""


# 10 x 6, the same turned 180 degrees but not mirrored: the Berkeley contest's kind of map.
POINT_SYMMETRIC = """
%%%%%%%%%%
%1 .  o 4%
%  %%  . %
% .  %%  %
%3 o  . 2%
%%%%%%%%%%
"""


def rotate_layout_text(text: str) -> str:
    """The layout turned 180 degrees, red and blue exchanged: agent 0 <-> 1 and 2 <-> 3 (`1` <-> `2`, `3` <-> `4`)."""
    rows = [line.strip() for line in text.strip().splitlines()]
    swap = str.maketrans("1234", "2143")
    return "\n".join(row[::-1].translate(swap) for row in reversed(rows))


def turn_state(state: engine.GameState, symmetry: np.ndarray, swap: np.ndarray) -> engine.GameState:
    """Each game mirrored (or rotated) within its own `[:h, :w]` block with red and blue exchanged, red's
    agents becoming the blue agents whose slots they take (`swap`: agent 2 becomes agent 1)."""
    s = state.copy()
    for g in range(s.num_games):
        h, w = int(s.height[g]), int(s.width[g])
        flip = (lambda a: a[:, ::-1]) if symmetry[g] == MIRROR else (lambda a: a[::-1, ::-1])
        agent = [3, 2, 1, 0] if swap[g] else [1, 0, 3, 2]  # agent i of the turned game is agent[i] of the real one
        for field in ("walls", "food", "capsules"):
            getattr(s, field)[g, :h, :w] = flip(getattr(state, field)[g, :h, :w])
        for field in ("pos", "starts"):
            cells = getattr(state, field)[g, agent]
            y = cells[:, 1] if symmetry[g] == MIRROR else h - 1 - cells[:, 1]
            getattr(s, field)[g] = np.stack([w - 1 - cells[:, 0], y], axis=1)
        for field in ("is_pacman", "carrying", "returned", "scared"):
            getattr(s, field)[g] = getattr(state, field)[g, agent]
        s.heading[g] = view_actions(state.heading[g, agent], symmetry[g])
        s.food_left[g] = state.food_left[g, ::-1]
        s.score[g] = -state.score[g]
    return s


def rotate_state(state: engine.GameState) -> engine.GameState:
    """The same games turned 180 degrees (each in its own `[:h, :w]` block) with red and blue exchanged."""
    return turn_state(state, np.full(state.num_games, ROTATE), np.zeros(state.num_games, dtype=bool))


def random_play(state: engine.GameState, steps: int, seed: int):
    """Yield the state before each of `steps` random legal steps (all four agents random)."""
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        yield state
        legal = engine.legal_actions(state)
        actions = np.zeros((state.num_games, 4), dtype=np.int64)
        for g in range(state.num_games):
            for i in range(4):
                actions[g, i] = rng.choice(np.flatnonzero(legal[g, i]))
        engine.step(state, actions, length=10_000)


# -- the pure functions ---------------------------------------------------------------------------


def test_to_blue_view_rotates_each_games_own_block_of_a_padded_batch():
    rng = np.random.default_rng(0)
    n, agents, grid_h, grid_w = 5, 2, 9, 12
    width = np.array([12, 6, 10, 6, 7])
    height = np.array([9, 4, 9, 4, 3])
    obs = np.zeros((n, agents, 8, grid_h, grid_w), dtype=np.float32)
    for g in range(n):
        obs[g, :, :, : height[g], : width[g]] = rng.random((agents, 8, height[g], width[g]))
    out = to_blue_view(obs, width, height)
    assert out.shape == obs.shape and out.dtype == np.float32
    for g in range(n):
        h, w = height[g], width[g]
        for c in range(8):
            for y in range(grid_h):
                for x in range(grid_w):
                    if y < h and x < w:
                        expected = obs[g, :, CHANNEL_SWAP[c], h - 1 - y, w - 1 - x]
                    else:
                        expected = np.zeros(agents)  # the padding stays at the top/right, zero
                    np.testing.assert_array_equal(out[g, :, c, y, x], expected)
    np.testing.assert_array_equal(to_blue_view(out, width, height), obs)  # its own inverse
    assert not np.shares_memory(out, obs)


def test_to_blue_view_without_padding_and_with_one_size_for_all():
    rng = np.random.default_rng(1)
    obs = rng.random((3, 2, 8, 5, 6)).astype(np.float32)
    expected = obs[:, :, CHANNEL_SWAP, ::-1, ::-1]
    np.testing.assert_array_equal(to_blue_view(obs, 6, 5), expected)
    np.testing.assert_array_equal(to_blue_view(obs, np.full(3, 6), np.full(3, 5)), expected)
    # Same size for all, smaller than the grid: only the block turns.
    padded = np.zeros((3, 2, 8, 7, 9), dtype=np.float32)
    padded[..., :5, :6] = obs
    turned = to_blue_view(padded, 6, 5)
    np.testing.assert_array_equal(turned[..., :5, :6], expected)
    assert not turned[..., 5:, :].any() and not turned[..., 6:].any()
    # Also without the agent axis, (N, 8, H, W).
    np.testing.assert_array_equal(to_blue_view(obs[:, 0], 6, 5), expected[:, 0])
    with pytest.raises(ValueError, match="C >= 8"):
        to_blue_view(obs[:, :, :7], 6, 5)
    with pytest.raises(ValueError, match="within the observation grid"):
        to_blue_view(obs, 7, 5)


def test_channel_swap_exchanges_red_and_blue_capsules_and_food_only():
    obs = np.broadcast_to(np.arange(8, dtype=np.float32)[None, None, :, None, None], (2, 2, 8, 4, 4)).copy()
    out = to_blue_view(obs, 4, 4)
    assert out[0, 0, :, 0, 0].tolist() == [0, 1, 3, 2, 4, 5, 7, 6]


def test_action_and_legal_rotation():
    assert rotate_actions([NORTH, EAST, SOUTH, WEST, STOP]).tolist() == [SOUTH, WEST, NORTH, EAST, STOP]
    actions = np.random.default_rng(0).integers(0, 5, size=(7, 2))
    np.testing.assert_array_equal(rotate_actions(rotate_actions(actions)), actions)
    assert rotate_actions(torch.tensor([1, 3])).tolist() == [3, 1]

    legal = np.random.default_rng(1).random((7, 2, 5)) < 0.5
    turned = rotate_legal(legal)
    np.testing.assert_array_equal(rotate_legal(turned), legal)
    for a in range(5):  # action a is legal on the real board iff its rotation is legal on the turned one
        np.testing.assert_array_equal(turned[..., rotate_actions(a)], legal[..., a])
    with pytest.raises(ValueError, match="0-4"):
        rotate_actions([5])
    with pytest.raises(ValueError, match="5 actions"):
        rotate_legal(legal[..., :4])


@pytest.mark.parametrize("action", range(5))
def test_a_rotated_action_moves_the_same_way_on_the_rotated_board(action):
    w, h, x, y = 10, 6, 3, 2
    moved = (x + ACTION_DX[action], y + ACTION_DY[action])
    r = int(rotate_actions(action))
    rx, ry = w - 1 - x, h - 1 - y
    assert (rx + ACTION_DX[r], ry + ACTION_DY[r]) == (w - 1 - moved[0], h - 1 - moved[1])


# -- the red view is the blue view of the rotated game ---------------------------------------------


def test_red_view_equals_blue_view_of_the_rotated_layout():
    original = parse_layout(ASYMMETRIC, "asymmetric")
    rotated = parse_layout(rotate_layout_text(ASYMMETRIC), "asymmetric rotated")
    s = engine.new_state([original], [0])
    r = engine.new_state([rotated], [0])
    assert not np.array_equal(original.walls, rotated.walls)  # the test would be vacuous on a symmetric map
    red_view = to_blue_view(engine.observe(s, (0, 2)), s.width, s.height)
    np.testing.assert_array_equal(red_view, engine.observe(r, (1, 3)))
    np.testing.assert_array_equal(rotate_legal(engine.legal_actions(s)[:, [0, 2]]), engine.legal_actions(r)[:, [1, 3]])
    # ...and blue's view of the original is red's view of the rotated game, turned.
    np.testing.assert_array_equal(engine.observe(s, (1, 3)), to_blue_view(engine.observe(r, (0, 2)), r.width, r.height))
    # The hand-rotated state of the tests below is this same game.
    turned = rotate_state(s)
    for field in ("walls", "food", "capsules", "pos", "starts", "food_left"):
        np.testing.assert_array_equal(getattr(turned, field), getattr(r, field), err_msg=field)


def test_red_view_equals_blue_view_of_the_rotated_game_during_play_on_a_padded_batch():
    layouts = [load_layout("tinyMaze"), parse_layout(ASYMMETRIC, "asymmetric"), load_layout("mediumCapsules"),
               load_layout("smallMaze")]
    state = engine.new_state(layouts, [0, 1, 2, 3, 1, 0])
    checked_carrying = False
    for s in random_play(state, 150, seed=3):
        r = rotate_state(s)
        red_view = to_blue_view(engine.observe(s, (0, 2)), s.width, s.height)
        np.testing.assert_array_equal(red_view, engine.observe(r, (1, 3)))
        np.testing.assert_array_equal(
            rotate_legal(engine.legal_actions(s)[:, [0, 2]]), engine.legal_actions(r)[:, [1, 3]]
        )
        checked_carrying |= bool((s.carrying[:, [0, 2]] > 0).any())
    assert checked_carrying  # channel 1 (1 + food carried) was exercised


def test_red_agent_cell_lands_on_the_rotated_cell():
    layouts = [load_layout("tinyMaze"), load_layout("mediumCapsules")]
    s = engine.new_state(layouts, [0, 1])
    view = to_blue_view(engine.observe(s, (0, 2)), s.width, s.height)
    for g in range(2):
        w, h = s.width[g], s.height[g]
        for k, agent in enumerate((0, 2)):
            x, y = s.pos[g, agent]
            ys, xs = np.nonzero(view[g, k, 1])
            assert (xs.tolist(), ys.tolist()) == ([w - 1 - x], [h - 1 - y])
            assert 2 * (w - 1 - x) >= w  # red's own half is on the right, as blue's is


# -- red sees the board through the map's own symmetry ---------------------------------------------


@pytest.mark.parametrize("name, symmetry, swap", [
    ("tinyMaze", MIRROR, False), ("bloxCapture", MIRROR, False), ("mediumCapsules", MIRROR, False),
    ("smallCapture", MIRROR, True),  # agent 2 starts where the mirror of agent 1's start is
    ("point", ROTATE, False),  # turned 180 degrees, not mirrored
    ("asymmetric", MIRROR, False),  # neither: mirrored, the documented choice
])
def test_board_symmetry_of_each_kind_of_map(name, symmetry, swap):
    layout = {"point": lambda: parse_layout(POINT_SYMMETRIC, "point"),
              "asymmetric": lambda: parse_layout(ASYMMETRIC, "asymmetric")}.get(name, lambda: load_layout(name))()
    found, swapped = board_symmetry(engine.new_state([layout], [0]))
    assert (int(found[0]), bool(swapped[0])) == (symmetry, swap)


def test_every_maze_of_the_generator_is_seen_mirrored():
    state = engine.new_state([random_layout(seed) for seed in range(12)], list(range(12)))
    symmetry, swap = board_symmetry(state)
    assert (symmetry == MIRROR).all() and not swap.any()


def test_red_view_is_the_blue_view_of_the_turned_game_during_play():
    """On mirrored maps red sees blue's view of the mirrored game; on point-symmetric ones, of the rotated
    game; in a padded batch of both, with slots swapped where the starts say so, all game long."""
    layouts = [load_layout("tinyMaze"), load_layout("smallCapture"), parse_layout(POINT_SYMMETRIC, "point"),
               load_layout("bloxCapture"), random_layout(7)]
    state = engine.new_state(layouts, [0, 1, 2, 3, 4, 1, 2])
    red = PolicyTeam(stay, RED)
    symmetry, swap = board_symmetry(state)
    assert symmetry.tolist() == [MIRROR, MIRROR, ROTATE, MIRROR, MIRROR, MIRROR, ROTATE]
    assert swap.tolist() == [False, True, False, False, False, True, False]
    carrying = False
    for s in random_play(state, 120, seed=5):
        turned = turn_state(s, symmetry, swap)
        obs, legal = red.observe(s, engine.legal_actions(s))
        np.testing.assert_array_equal(obs, engine.observe(turned, (1, 3)))
        np.testing.assert_array_equal(legal, engine.legal_actions(turned)[:, [1, 3]])
        carrying |= bool((s.carrying[:, [0, 2]] > 0).any())
    assert carrying  # channel 1 (1 + food carried) was exercised


def test_red_plays_the_views_actions_on_the_real_board():
    """An action chosen in the view moves red's agent to the turned cell of where the view's agent goes."""
    layouts = [load_layout("smallCapture"), parse_layout(POINT_SYMMETRIC, "point"), load_layout("tinyMaze")]
    state = engine.new_state(layouts, [0, 1, 2])
    symmetry, swap = board_symmetry(state)
    rng = np.random.default_rng(0)
    for s in random_play(state, 40, seed=1):
        legal = engine.legal_actions(s)
        turned = turn_state(s, symmetry, swap)
        chosen = np.stack([rng.choice(np.flatnonzero(m)) for m in legal[:, [1, 3]].reshape(-1, 5)]).reshape(-1, 2)
        team = PolicyTeam(lambda obs, legal: chosen, RED)  # the view's legal actions are the turned game's blue ones
        real = team.act(s, legal, rng)
        after, after_turned = s.copy(), turned.copy()
        engine.step(after, np.stack([real[:, 0], np.full(3, STOP), real[:, 1], np.full(3, STOP)], axis=1), 10_000)
        engine.step(after_turned, np.stack([np.full(3, STOP), chosen[:, 0], np.full(3, STOP), chosen[:, 1]], axis=1), 10_000)
        np.testing.assert_array_equal(turn_state(after, symmetry, swap).pos, after_turned.pos)


def test_view_actions_and_masks_per_symmetry():
    assert view_actions([NORTH, EAST, SOUTH, WEST, STOP], MIRROR).tolist() == [NORTH, WEST, SOUTH, EAST, STOP]
    assert view_actions([NORTH, EAST, SOUTH, WEST, STOP], ROTATE).tolist() == [SOUTH, WEST, NORTH, EAST, STOP]
    actions = np.array([[NORTH, EAST], [NORTH, EAST]])
    assert view_actions(actions, np.array([MIRROR, ROTATE])).tolist() == [[NORTH, WEST], [SOUTH, WEST]]
    legal = np.random.default_rng(2).random((2, 2, 5)) < 0.5
    turned = view_legal(legal, np.array([MIRROR, ROTATE]))
    for g, sym in enumerate((MIRROR, ROTATE)):
        for a in range(5):
            np.testing.assert_array_equal(turned[g, :, view_actions(a, sym)], legal[g, :, a])


def test_mirrored_view_flips_only_left_and_right():
    obs = np.random.default_rng(3).random((2, 2, 8, 5, 6)).astype(np.float32)
    np.testing.assert_array_equal(to_blue_view(obs, 6, 5, MIRROR), obs[:, :, CHANNEL_SWAP, :, ::-1])
    mixed = to_blue_view(obs, 6, 5, np.array([MIRROR, ROTATE]))
    np.testing.assert_array_equal(mixed[0], obs[0][:, CHANNEL_SWAP, :, ::-1])
    np.testing.assert_array_equal(mixed[1], obs[1][:, CHANNEL_SWAP, ::-1, ::-1])


# -- the team ---------------------------------------------------------------------------------------


def arena_env(opponent, num_envs=3):
    return VecCaptureEnv(parse_layout(ARENA, "arena"), num_envs=num_envs, opponent=opponent, seed=0)


def test_blue_view_east_is_west_for_red_in_the_real_game():
    east = PolicyTeam(lambda obs, legal: np.full(obs.shape[:2], EAST), team=RED)
    state = engine.new_state([parse_layout(ARENA, "arena")], [0, 0])
    actions = east.act(state, engine.legal_actions(state), np.random.default_rng(0))
    assert actions.tolist() == [[WEST, WEST], [WEST, WEST]]
    blue = PolicyTeam(lambda obs, legal: np.full(obs.shape[:2], EAST), team=BLUE)
    assert blue.act(state, engine.legal_actions(state), np.random.default_rng(0)).tolist() == [[EAST, EAST]] * 2


def towards_opponents(obs, legal):
    """In the blue view the opponents' (red) half is on the left: go West when possible."""
    return np.where(legal[..., WEST], WEST, STOP)


def stay(obs, legal):
    return np.full(obs.shape[:2], STOP)


@pytest.mark.parametrize("team", [RED, BLUE])
def test_one_policy_attacks_from_either_colour(team):
    env = arena_env(PolicyTeam(stay, RED)) if team == BLUE else arena_env(PolicyTeam(towards_opponents, RED))
    obs, info = env.reset()
    blue_policy = PolicyTeam(towards_opponents, BLUE)
    start = env.state.pos.copy()
    for _ in range(5):
        if team == BLUE:
            actions = blue_policy.act(env.state, engine.legal_actions(env.state), env.rng)
        else:
            actions = np.full((env.num_envs, 2), STOP)
        env.step(actions)
    agents = [0, 2] if team == RED else [1, 3]
    moved = env.state.pos[:, agents, 0] - start[:, agents, 0]
    assert (moved > 0).all() if team == RED else (moved < 0).all()  # red runs East, blue West
    assert env.state.is_pacman[:, agents].all()  # both are on the opponents' half


def test_policy_gets_blue_view_numpy_arrays_and_may_return_torch_tensors():
    seen = {}

    def policy(obs, legal):
        seen["obs"], seen["legal"] = obs, legal
        return torch.as_tensor(legal.astype(np.int64)).argmax(-1)  # the first legal action, a tensor

    team = PolicyTeam.from_callable(policy, RED)
    assert isinstance(team, PolicyTeam) and team.team == RED and team.agents == (0, 2)
    env = VecCaptureEnv(["tinyMaze", "mediumCapsules"], num_envs=4, opponent=team, seed=1)
    env.reset()
    state = env.state.copy()
    legal = engine.legal_actions(state)
    actions = team.act(state, legal, env.rng)
    assert isinstance(seen["obs"], np.ndarray) and seen["obs"].dtype == np.float32
    assert seen["obs"].shape == (4, 2, 8, 20, 20) and seen["legal"].shape == (4, 2, 5) and seen["legal"].dtype == bool
    expected, _ = RedView.of(state).observe(engine.observe(state, (0, 2)), legal[:, [0, 2]], state.width, state.height)
    np.testing.assert_array_equal(seen["obs"], expected)
    assert isinstance(actions, np.ndarray) and actions.dtype == np.int64 and actions.shape == (4, 2)
    chosen = np.take_along_axis(legal[:, [0, 2]], actions[..., None], -1)[..., 0]
    assert chosen.all()  # the rotated-back actions are legal on the real board
    for _ in range(20):
        env.step(np.full((4, 2), STOP))
    # Float tensors of whole numbers are accepted too; other outputs are errors that say what is wrong.
    PolicyTeam(lambda o, l: torch.full(o.shape[:2], 4.0), RED).act(state, legal, env.rng)
    with pytest.raises(ValueError, match=r"shape \(4, 2\)"):
        PolicyTeam(lambda o, l: np.zeros(4, dtype=int), RED).act(state, legal, env.rng)
    with pytest.raises(ValueError, match="outside 0-4"):
        PolicyTeam(lambda o, l: np.full((4, 2), 7), RED).act(state, legal, env.rng)
    with pytest.raises(ValueError, match="integer"):
        PolicyTeam(lambda o, l: np.full((4, 2), 0.5), RED).act(state, legal, env.rng)
    with pytest.raises(TypeError, match="callable"):
        PolicyTeam("not a policy")


def test_policy_team_is_a_team_instance_for_make_team():
    team = PolicyTeam(towards_opponents, BLUE, name="mine")
    assert make_team(team, team=BLUE) is team
    assert team.name == "mine" and "blue" in repr(team)
    with pytest.raises(ValueError, match="other colour"):
        make_team(team, team=RED)


def test_the_same_policy_plays_both_colours_in_self_play():
    env = VecCaptureEnv("smallMaze", num_envs=8, self_play=True, seed=0)
    env.reset()
    rng = np.random.default_rng(0)

    def random_policy(obs, legal):
        from agents import sample_legal

        return sample_legal(legal, rng)

    red, blue = PolicyTeam(random_policy, RED), PolicyTeam(random_policy, BLUE)
    for _ in range(100):
        legal = engine.legal_actions(env.state)
        a_red, a_blue = red.act(env.state, legal, env.rng), blue.act(env.state, legal, env.rng)
        assert np.take_along_axis(legal[:, [0, 2]], a_red[..., None], -1).all()
        actions = np.stack([a_red[:, 0], a_blue[:, 0], a_red[:, 1], a_blue[:, 1]], axis=1)
        env.step(actions)
