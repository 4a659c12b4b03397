"""One test per rule of SPEC.md, on the hand-made ARENA board (red half x < 5).

ARENA starts: agent 0 (1, 4), agent 1 (8, 4), agent 2 (1, 1), agent 3 (8, 1); food (1, 2), (8, 2).
"""

from __future__ import annotations

import numpy as np
import pytest

from gymPacMan import engine
from gymPacMan.layout import parse_layout
from gymPacMan.rules import EAST, NORTH, SOUTH, STOP, WEST, RewardConfig

from helpers import food_cells, place, play

S = STOP


def set_food(state, cells):
    state.food[0] = False
    for x, y in cells:
        state.food[0, y, x] = True
    engine.recount_food(state)


def test_legal_actions_are_stop_and_open_directions(arena):
    legal = engine.legal_actions(arena)[0]
    # agent 0 in the top-left corner: North and West are walls
    assert legal[0].tolist() == [False, True, True, False, True]
    assert legal[3].tolist() == [True, False, False, True, True]


def test_illegal_action_is_played_as_stop_without_legal_bonus(arena):
    result = play(arena, NORTH, S, S, S)
    assert tuple(arena.pos[0, 0]) == (1, 4)
    assert result.illegal[0].tolist() == [True, False, False, False]
    assert result.rewards[0, 0] == pytest.approx(0.01)  # only agent 2's legal Stop
    assert result.rewards[0, 1] == pytest.approx(0.02)


def test_out_of_range_action_is_illegal_in_the_engine(arena):
    result = play(arena, 7, -1, S, S)
    assert result.illegal[0, :2].all()
    assert tuple(arena.pos[0, 0]) == (1, 4) and tuple(arena.pos[0, 1]) == (8, 4)


def test_agents_move_in_index_order(arena):
    # red ghost 0 steps onto blue Pacman 1 before 1 can move away; 1 carried two red food
    place(arena, 0, 3, 3)
    place(arena, 1, 4, 3)
    arena.carrying[0, 1] = 2
    result = play(arena, EAST, WEST, S, S)
    assert tuple(arena.pos[0, 1]) == (7, 4)  # sent home to (8, 4), then its West move
    assert not arena.is_pacman[0, 1] and arena.carrying[0, 1] == 0
    # red: +1 own food back, +0.25 a Pacman sent home, +0.01 x 2 legal moves
    assert result.rewards[0, 0] == pytest.approx(1.27)
    assert arena.food_left[0, 0] == 3  # (1, 2) and the two dumped


def test_pacman_flag_uses_true_division_on_odd_widths():
    layout = parse_layout("%%%%%%%%%%%\n%1   . . 2%\n%3   .   4%\n%%%%%%%%%%%", "odd")
    state = engine.new_state([layout], [0])
    place(state, 0, 4, 1)
    place(state, 1, 6, 2)
    play(state, EAST, WEST, S, S)  # W = 11: x = 5 < 5.5 is red
    assert not state.is_pacman[0, 0] and state.is_pacman[0, 1]
    assert state.carrying[0, 1] == 1  # blue ate the red food at (5, 2)
    assert state.carrying[0, 0] == 0  # red never eats its own food


def test_eating_and_returning_score_and_rewards(arena):
    place(arena, 0, 5, 3)
    arena.food[0, 3, 6] = True
    engine.recount_food(arena)
    result = play(arena, EAST, S, S, S)
    assert arena.carrying[0, 0] == 1 and not arena.food[0, 3, 6]
    assert result.rewards[0, 0] == pytest.approx(0.1 + 0.02)
    play(arena, WEST, S, S, S)
    result = play(arena, WEST, S, S, S)  # onto x = 4, the red half
    assert arena.score[0] == 1 and arena.returned[0, 0] == 1 and arena.carrying[0, 0] == 0
    assert result.score_change[0] == 1
    assert result.rewards[0, 0] == pytest.approx(1 + 0.02)


def test_blue_returning_lowers_the_score(arena):
    place(arena, 1, 5, 3)
    arena.carrying[0, 1] = 3
    place(arena, 1, 4, 3)
    result = play(arena, S, EAST, S, S)
    assert arena.score[0] == -3 and arena.returned[0, 1] == 3
    assert result.rewards[0, 1] == pytest.approx(3 + 0.02)


def test_capsule_scares_both_opponents_and_timers_count_down(arena):
    place(arena, 0, 5, 3)
    arena.capsules[0, 3, 6] = True
    play(arena, EAST, S, S, S)
    assert not arena.capsules[0, 3, 6]
    assert arena.scared[0].tolist() == [0, 39, 0, 39]  # 40, then each blue agent's own move
    play(arena, S, S, S, S)
    assert arena.scared[0].tolist() == [0, 38, 0, 38]


def test_ghost_does_not_eat_its_own_capsule(arena):
    arena.capsules[0, 4, 7] = True
    play(arena, S, WEST, S, S)  # blue agent 1 steps onto a blue-half capsule as a ghost
    assert arena.capsules[0, 4, 7] and arena.scared[0].sum() == 0


def test_pacman_meeting_a_scared_ghost_eats_it(arena):
    place(arena, 0, 5, 3)
    place(arena, 1, 6, 3)
    arena.scared[0, 1] = 10
    arena.carrying[0, 0] = 2
    play(arena, EAST, S, S, S)
    assert tuple(arena.pos[0, 1]) == (8, 4) and arena.scared[0, 1] == 0
    assert tuple(arena.pos[0, 0]) == (6, 3) and arena.carrying[0, 0] == 2


def test_pacman_meeting_a_ghost_dies_and_dumps_breadth_first(arena):
    # red Pacman 0 carries 3 into blue ghost 1 at (6, 3); (5, 3) already holds food, so the dump
    # fills the death cell's neighbours in dx-outer, dy-inner order, skipping (5, 3) and the
    # death cell (the ghost stands there)
    set_food(arena, [(1, 2), (8, 2), (5, 3)])
    place(arena, 0, 7, 3)
    place(arena, 1, 6, 3)
    arena.carrying[0, 0] = 3
    result = play(arena, WEST, S, S, S)
    assert tuple(arena.pos[0, 0]) == (1, 4) and arena.carrying[0, 0] == 0 and not arena.is_pacman[0, 0]
    assert food_cells(arena) == {(1, 2), (8, 2), (5, 3), (5, 2), (5, 4), (6, 2)}
    assert arena.food_left[0].tolist() == [1, 5]
    assert result.rewards[0, 1] == pytest.approx(0.02)  # the food came back during red's move


def test_dump_stays_on_the_death_cells_half(arena):
    place(arena, 0, 5, 2)
    place(arena, 1, 5, 3)
    arena.carrying[0, 0] = 4
    play(arena, S, SOUTH, S, S)  # blue ghost 1 catches red Pacman 0 at (5, 2) on its own move
    added = food_cells(arena) - {(1, 2), (8, 2)}
    assert len(added) == 4 and all(x >= 5 for x, _ in added)
    assert (5, 2) not in added  # both agents stood there


def test_heading_is_the_last_move_that_was_not_stop(arena):
    play(arena, EAST, S, S, S)
    play(arena, S, S, S, S)
    assert arena.heading[0, 0] == EAST and arena.heading[0, 1] == STOP
    play(arena, SOUTH, S, S, S)
    assert arena.heading[0, 0] == SOUTH


def test_game_ends_when_a_team_has_eaten_and_returned_everything(arena):
    set_food(arena, [(1, 2)])  # no blue food left on the board
    place(arena, 0, 5, 3)
    arena.carrying[0, 0] = 1
    result = play(arena, WEST, S, S, S)
    assert result.terminated[0] and not result.truncated[0]
    # returned 1, two legal moves, win bonus 20 + |1| / 5
    assert result.rewards[0, 0] == pytest.approx(1 + 0.02 + 20.2)
    assert result.rewards[0, 1] == pytest.approx(0.02)


def test_game_goes_on_while_the_last_food_is_carried(arena):
    set_food(arena, [(1, 2)])
    place(arena, 0, 6, 3)
    arena.carrying[0, 0] = 1
    result = play(arena, WEST, S, S, S)
    assert not result.terminated[0]


def test_time_limit_is_a_truncation_with_the_winner_bonus(arena):
    arena.score[0] = -5
    for _ in range(2):
        result = play(arena, S, S, S, S, length=3)
        assert not (result.terminated[0] or result.truncated[0])
    result = play(arena, S, S, S, S, length=3)
    assert result.truncated[0] and not result.terminated[0]
    assert result.rewards[0, 1] == pytest.approx(0.02 + 20 + 1)
    assert result.rewards[0, 0] == pytest.approx(0.02)


def test_reward_flags_switch_terms_off(arena):
    place(arena, 0, 3, 3)
    place(arena, 1, 4, 3)
    result = engine.step(arena, np.array([[EAST, S, S, S]]), 100, RewardConfig(legal_action=False, defence=False))
    assert result.rewards[0].tolist() == [0.0, 0.0]


def test_observation_channels(arena):
    arena.capsules[0, 3, 2] = True  # red half
    arena.capsules[0, 3, 7] = True  # blue half
    arena.carrying[0, 1] = 2
    obs = engine.observe(arena, (1, 0))[0]  # (2, 8, H, W)
    blue = obs[0]
    assert blue.shape == (8, 6, 10) and blue.dtype == np.float32
    np.testing.assert_array_equal(blue[0], arena.walls[0])
    assert blue[1, 4, 8] == 3.0 and blue[1].sum() == 3.0
    assert blue[2, 3, 7] == 1 and blue[2].sum() == 1
    assert blue[3, 3, 2] == 1 and blue[3].sum() == 1
    assert blue[4, 1, 8] == 1 and blue[4].sum() == 1  # teammate agent 3
    assert blue[5, 4, 1] == 1 and blue[5, 1, 1] == 1 and blue[5].sum() == 2
    assert blue[6, 2, 8] == 1 and blue[6].sum() == 1
    assert blue[7, 2, 1] == 1 and blue[7].sum() == 1
    red = obs[1]
    assert red[1, 4, 1] == 1.0 and red[4, 1, 1] == 1 and red[5, 4, 8] == 1


def test_batch_of_mixed_sizes_matches_single_games():
    from gymPacMan.layout_names import load_layout

    layouts = [load_layout("tinyMaze"), load_layout("mediumCapsules"), load_layout("largeArena")]
    ids = [0, 1, 2, 1]
    batch = engine.new_state(layouts, ids)
    singles = [engine.new_state([layouts[i]], [0]) for i in ids]
    rng = np.random.default_rng(0)
    for _ in range(150):
        actions = rng.integers(0, 5, size=(len(ids), 4))
        batch_result = engine.step(batch, actions, 300)
        for g, single in enumerate(singles):
            result = engine.step(single, actions[g : g + 1], 300)
            np.testing.assert_allclose(batch_result.rewards[g], result.rewards[0])
            h, w = single.grid_shape
            np.testing.assert_array_equal(batch.food[g, :h, :w], single.food[0])
            np.testing.assert_array_equal(batch.pos[g], single.pos[0])
            obs_b = engine.observe(batch.select(g), (1, 3))[0]
            np.testing.assert_array_equal(obs_b[:, :, :h, :w], engine.observe(single, (1, 3))[0])
            assert not obs_b[:, :, h:, :].any() and not obs_b[:, :, :, w:].any()  # zero padding


def test_scared_ghost_moving_onto_a_pacman_dies(arena):
    place(arena, 0, 6, 3)  # red Pacman on the blue half
    place(arena, 1, 7, 3)
    arena.scared[0, 1] = 5
    arena.carrying[0, 0] = 1
    play(arena, S, WEST, S, S)
    assert tuple(arena.pos[0, 1]) == (8, 4) and arena.scared[0, 1] == 0
    assert tuple(arena.pos[0, 0]) == (6, 3) and arena.carrying[0, 0] == 1


def test_capsule_eaten_on_a_ghosts_cell_kills_that_ghost_at_once(arena):
    place(arena, 0, 5, 3)
    place(arena, 1, 6, 3)
    arena.capsules[0, 3, 6] = True
    play(arena, EAST, S, S, S)
    assert tuple(arena.pos[0, 1]) == (8, 4) and tuple(arena.pos[0, 0]) == (6, 3)
    assert arena.scared[0].tolist() == [0, 0, 0, 39]


def test_collisions_are_checked_in_opponent_index_order(arena):
    # both blue ghosts on (6, 3): agent 1 is scared and dies first, then agent 3 eats the Pacman
    place(arena, 0, 5, 3)
    place(arena, 1, 6, 3)
    place(arena, 3, 6, 3)
    arena.scared[0, 1] = 10
    play(arena, EAST, S, S, S)
    assert tuple(arena.pos[0, 1]) == (8, 4) and tuple(arena.pos[0, 0]) == (1, 4)
    assert tuple(arena.pos[0, 3]) == (6, 3)


def test_tie_at_the_time_limit_gives_no_bonus(arena):
    result = play(arena, S, S, S, S, length=1)
    assert result.truncated[0] and result.rewards[0].tolist() == pytest.approx([0.02, 0.02])


def test_dump_skips_capsules_and_the_border_and_stops_without_room():
    # the blue half has 7 open cells: (8, 2) holds food, (5, 1) a capsule, (7, 1) the two agents,
    # so of 5 carried food only 4 find a cell, and the search ends when the board is exhausted
    layout = parse_layout("%%%%%%%%%%\n%1%%%%%%2%\n%.%%%%  .%\n%3%%%   4%\n%%%%%%%%%%", "strip")
    state = engine.new_state([layout], [0])
    state.capsules[0, 1, 5] = True
    place(state, 0, 6, 1)
    place(state, 3, 7, 1)
    state.carrying[0, 0] = 5
    play(state, EAST, S, S, S)  # red Pacman 0 walks into blue ghost 3
    added = food_cells(state) - {(1, 2), (8, 2)}
    assert added == {(6, 1), (6, 2), (7, 2), (8, 1)}  # not the capsule cell, the ghost's cell or any wall
    assert state.carrying[0, 0] == 0 and state.capsules[0, 1, 5]
    assert state.food_left[0].tolist() == [1, 5]


def test_returning_agent_never_eats_its_own_food(arena):
    set_food(arena, [(1, 2), (8, 2), (5, 3)])
    place(arena, 1, 4, 3)  # blue Pacman on the red half
    arena.carrying[0, 1] = 1
    play(arena, S, EAST, S, S)  # back home onto its own food at (5, 3)
    assert arena.returned[0, 1] == 1 and arena.carrying[0, 1] == 0
    assert arena.food[0, 3, 5]
