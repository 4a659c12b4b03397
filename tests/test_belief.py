"""The Bayes filter over hidden opponents (`gymPacMan.belief`): each update by hand on tiny boards, and on
real games played move by move: the filter never gives the opponent's true cell probability 0."""

from __future__ import annotations

import numpy as np
import pytest

from gymPacMan import VecCaptureEnv, engine
from gymPacMan.belief import BeliefFilter
from gymPacMan.rules import BLUE, RED, TEAM_AGENTS


def board(text: str) -> np.ndarray:
    """`(1, H, W)` walls of a picture (`%` a wall), indexed `[0, y, x]` with `y = 0` the bottom line."""
    rows = [line for line in text.strip().splitlines()]
    return np.array([[c == "%" for c in row] for row in reversed(rows)])[None]


CORRIDOR = board("""
%%%%%
%   %
%%%%%
""")  # open cells (1, 1), (2, 1), (3, 1)

ROOM = board("""
%%%%%%%%%%%%
%          %
%          %
%          %
%          %
%          %
%          %
%%%%%%%%%%%%
""")  # 12 x 8, open inside; red half x < 6


def at(f: BeliefFilter, k: int, cells: dict) -> None:
    """Put opponent k's whole belief on `cells` {(x, y): mass} in game 0."""
    f.belief[0, k] = 0
    for (x, y), mass in cells.items():
        f.belief[0, k, y, x] = mass


def mass(f: BeliefFilter, k: int = 0, game: int = 0) -> dict:
    ys, xs = np.nonzero(f.belief[game, k])
    return {(int(x), int(y)): float(f.belief[game, k, y, x]) for x, y in zip(xs, ys)}


def observe(f, observer=(1, 1), teammate=(1, 1), distances=(np.nan, np.nan), visible=(False, False),
            cells=((0, 0), (0, 0)), is_pacman=(False, False), blocked=None):
    f.observe(np.array([observer]), np.array([teammate]), np.array([distances], dtype=np.float64),
              np.array([visible]), np.array([cells]), np.array([is_pacman]), blocked)


def test_elapse_spreads_each_cells_mass_evenly_over_its_legal_moves_and_never_into_walls():
    f = BeliefFilter(CORRIDOR, np.array([[[2, 1], [1, 1]]]), np.array([False]))
    assert mass(f, 0) == {(2, 1): 1.0} and mass(f, 1) == {(1, 1): 1.0}
    f.elapse(np.array([[True, True]]))
    assert mass(f, 0) == pytest.approx({(1, 1): 1 / 3, (2, 1): 1 / 3, (3, 1): 1 / 3})  # West, Stop, East
    assert mass(f, 1) == pytest.approx({(1, 1): 1 / 2, (2, 1): 1 / 2})  # the dead end: Stop, East
    f.elapse(np.array([[True, False]]))  # only opponent 0 moved
    assert mass(f, 0) == pytest.approx({(1, 1): 1 / 6 + 1 / 9, (2, 1): 1 / 6 + 1 / 9 + 1 / 6, (3, 1): 1 / 6 + 1 / 9})
    assert mass(f, 1) == pytest.approx({(1, 1): 1 / 2, (2, 1): 1 / 2})
    for _ in range(20):
        f.elapse(np.array([[True, True]]))
    assert (f.belief[:, :, CORRIDOR[0]] == 0).all()
    np.testing.assert_allclose(f.belief.sum(axis=(2, 3)), 1.0)


def test_the_noisy_distance_keeps_cells_within_six_of_the_reading_in_proportion():
    f = BeliefFilter(ROOM, np.array([[[10, 6], [10, 1]]]), np.array([False]))
    for _ in range(12):
        f.elapse(np.array([[True, True]]))
    prior = f.belief.copy()
    observe(f, observer=(1, 1), teammate=(1, 6), distances=(14, 14))
    h, w = ROOM.shape[1:]
    ys, xs = np.mgrid[:h, :w]
    d = np.abs(xs - 1) + np.abs(ys - 1)
    unseen = (d > 5) & (np.abs(xs - 1) + np.abs(ys - 6) > 5)
    kept = (np.abs(d - 14) <= 6) & unseen & ~ROOM[0] & (xs >= 6)  # a ghost: on its own (blue) half
    assert (f.belief[0, 0][~kept] == 0).all() and (f.belief[0, 0][kept] > 0).all()
    np.testing.assert_allclose(f.belief[0, 0][kept], prior[0, 0][kept] / prior[0, 0][kept].sum())


def test_a_hidden_opponent_is_farther_than_five_from_both_our_agents():
    f = BeliefFilter(ROOM, np.array([[[10, 3], [10, 4]]]), np.array([False]))
    for k in range(2):
        f.belief[0, k] = ~ROOM[0] / (~ROOM[0]).sum()  # anywhere
    observe(f, observer=(8, 2), teammate=(3, 5), is_pacman=(True, False))
    h, w = ROOM.shape[1:]
    ys, xs = np.mgrid[:h, :w]
    near = (np.abs(xs - 8) + np.abs(ys - 2) <= 5) | (np.abs(xs - 3) + np.abs(ys - 5) <= 5)
    assert (f.belief[0][:, near] == 0).all()
    assert (f.belief[0, 0][~near & ~ROOM[0] & (xs < 6)] > 0).all()  # a pacman: on our (red) half
    assert (f.belief[0, 0][:, 6:] == 0).all()
    assert (f.belief[0, 1][~near & ~ROOM[0] & (xs >= 6)] > 0).all()  # a ghost: on its own half
    assert (f.belief[0, 1][:, :6] == 0).all()


def test_a_visible_opponent_collapses_to_its_cell_whatever_the_belief_was():
    f = BeliefFilter(ROOM, np.array([[[10, 3], [10, 4]]]), np.array([False]))
    observe(f, observer=(4, 4), visible=(True, False), cells=((5, 5), (0, 0)), is_pacman=(True, False))
    assert mass(f, 0) == {(5, 5): 1.0}
    assert mass(f, 1) == {(10, 4): 1.0}


def test_vanished_food_puts_the_opponent_that_moved_on_it_and_food_still_there_blocks_cells():
    f = BeliefFilter(CORRIDOR, np.array([[[2, 1], [2, 1]]]), np.array([True]))  # red opponents: x < 2.5
    f.elapse(np.array([[True, False]]), arrived=np.isin(np.arange(5), [3])[None, None, :] & (np.arange(3) == 1)[None, :, None])
    assert mass(f, 0) == {(3, 1): 1.0} and mass(f, 1) == {(2, 1): 1.0}
    f = BeliefFilter(CORRIDOR, np.array([[[2, 1], [2, 1]]]), np.array([True]))
    f.elapse(np.array([[True, True]]), arrived=np.ones((1, 3, 5), dtype=bool))  # two movers: no evidence
    assert mass(f, 0) == pytest.approx({(1, 1): 1 / 3, (2, 1): 1 / 3, (3, 1): 1 / 3})
    blocked = np.zeros((1, 3, 5), dtype=bool)
    blocked[0, 1, 3] = True  # our food on (3, 1): no pacman stands there
    observe(f, observer=(3, 1), teammate=(3, 1), is_pacman=(True, True), visible=(False, True),
            cells=((0, 0), (2, 1)), distances=(np.nan, np.nan), blocked=blocked)
    assert np.isfinite(f.belief).all()  # (3, 1) is blocked and (2, 1) is in sight: no consistent cell
    np.testing.assert_allclose(f.belief.sum(axis=(2, 3)), 1.0)


def test_an_opponent_our_ghost_meets_goes_to_its_start_unless_our_ghost_is_scared():
    walls = ROOM
    f = BeliefFilter(walls, np.array([[[10, 6], [10, 1]]]), np.array([False]))  # blue opponents
    at(f, 0, {(4, 3): 0.5, (7, 3): 0.5})
    at(f, 1, {(4, 3): 1.0})
    f.collide(np.array([[[4, 3]]]), np.array([[False]]), np.array([[False, False]]))  # our ghost, not scared
    assert mass(f, 0) == {(10, 6): 0.5, (7, 3): 0.5}
    assert mass(f, 1) == {(10, 1): 1.0}
    at(f, 1, {(4, 3): 1.0})
    f.collide(np.array([[[4, 3]]]), np.array([[True]]), np.array([[False, False]]))  # scared: our ghost dies
    assert mass(f, 1) == {(4, 3): 1.0}
    at(f, 0, {(7, 3): 1.0})  # on its own half: a ghost, meeting our pacman
    f.collide(np.array([[[7, 3]]]), np.array([[False]]), np.array([[False, True]]))
    assert mass(f, 0) == {(7, 3): 1.0}  # not scared: our pacman dies
    f.collide(np.array([[[7, 3]]]), np.array([[False]]), np.array([[True, False]]), opponents=np.array([[False, True]]))
    assert mass(f, 0) == {(7, 3): 1.0}  # the move concerned the other opponent only
    f.collide(np.array([[[7, 3], [-1, -1]]]), np.array([[False, False]]), np.array([[True, False]]))
    assert mass(f, 0) == {(10, 6): 1.0}  # scared: it dies


def test_evidence_that_rules_out_every_cell_restarts_from_the_evidence_alone_without_nan():
    f = BeliefFilter(ROOM, np.array([[[10, 6], [10, 1]]]), np.array([False]))
    at(f, 0, {(3, 3): 1.0})  # a belief the evidence contradicts: a ghost far on its own half
    observe(f, observer=(1, 1), teammate=(1, 6), distances=(10, 100), is_pacman=(False, False))
    assert np.isfinite(f.belief).all()
    np.testing.assert_allclose(f.belief.sum(axis=(2, 3)), 1.0)
    assert f.belief[0, 0, 6, 10] == pytest.approx(0.5 + 0.5 / (f.belief[0, 0] > 0).sum())  # the start is preferred
    assert (f.belief[0, 0][:, :6] == 0).all()  # still a ghost on its own half
    assert f.belief[0, 1, 1, 10] > 0.5  # a reading of 100 is impossible: dropped, the rest kept
    assert tuple(f.most_likely()[0, 0]) == (10, 6)


def test_most_likely_breaks_ties_by_the_first_cell_in_row_order():
    f = BeliefFilter(ROOM, np.array([[[10, 6], [10, 1]]]), np.array([False]))
    at(f, 0, {(5, 4): 0.25, (2, 4): 0.25, (9, 2): 0.25, (3, 6): 0.25})
    assert f.most_likely().shape == (1, 2, 2)
    assert tuple(f.most_likely()[0, 0]) == (9, 2) and tuple(f.most_likely()[0, 1]) == (10, 1)


def test_a_batch_gives_each_game_what_it_gives_alone():
    rng = np.random.default_rng(0)
    n = 5
    walls = np.repeat(ROOM, n, axis=0)
    walls[:, 2:6, 4] = rng.random((n, 4)) < 0.5  # a few different walls per game
    starts = np.tile(np.array([[[10, 6], [10, 1]]]), (n, 1, 1))
    opponents_red = np.zeros(n, dtype=bool)
    batch = BeliefFilter(walls, starts, opponents_red)
    alone = [BeliefFilter(walls[g: g + 1], starts[g: g + 1], opponents_red[g: g + 1]) for g in range(n)]
    for t in range(8):
        moved = rng.random((n, 2)) < 0.7
        arrived = np.zeros((n, 8, 12), dtype=bool)
        arrived[t % n, 3, 5] = t == 6
        observer = np.stack([rng.integers(1, 11, n), rng.integers(1, 7, n)], 1)
        teammate = np.stack([rng.integers(1, 11, n), rng.integers(1, 7, n)], 1)
        distances = rng.integers(-2, 20, (n, 2)).astype(np.float64)
        visible = rng.random((n, 2)) < 0.2
        cells = np.stack([rng.integers(1, 11, (n, 2)), rng.integers(1, 7, (n, 2))], -1)
        pacman = rng.random((n, 2)) < 0.3
        ours = np.stack([observer, teammate], 1)
        scared = rng.random((n, 2)) < 0.5
        their_scared = rng.random((n, 2)) < 0.5
        batch.elapse(moved, arrived)
        batch.collide(ours, scared, their_scared, moved)
        batch.observe(observer, teammate, distances, visible, cells, pacman)
        for g, f in enumerate(alone):
            f.elapse(moved[g: g + 1], arrived[g: g + 1])
            f.collide(ours[g: g + 1], scared[g: g + 1], their_scared[g: g + 1], moved[g: g + 1])
            f.observe(observer[g: g + 1], teammate[g: g + 1], distances[g: g + 1], visible[g: g + 1], cells[g: g + 1],
                      pacman[g: g + 1])
            np.testing.assert_allclose(batch.belief[g], f.belief[0], atol=1e-15)
            np.testing.assert_array_equal(batch.most_likely()[g], f.most_likely()[0])
    batch.reset(np.array([1, 3]))
    assert mass(batch, 0, game=3) == {(10, 6): 1.0}


# -- real games, one move at a time ----------------------------------------------------------------


def maze_distance(walls: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """`(H, W)` maze steps to the nearest of `targets` `(K, 2)` cells (x, y); a large number where none leads."""
    h, w = walls.shape
    dist = np.full((h, w), h * w)
    frontier = [(int(x), int(y)) for x, y in targets]
    for x, y in frontier:
        dist[y, x] = 0
    for x, y in frontier:  # grows while read: breadth first
        for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            if not walls[ny, nx] and dist[ny, nx] > dist[y, x] + 1:
                dist[ny, nx] = dist[y, x] + 1
                frontier.append((nx, ny))
    return dist


def toward(state: engine.GameState, agent: int, targets: np.ndarray, rng: np.random.Generator) -> int:
    """A legal move of `agent`, mostly one along a shortest path to one of `targets` (x, y)."""
    legal = np.flatnonzero(engine.legal_actions(state)[0, agent])
    if len(targets) == 0 or rng.random() < 0.25:
        return int(rng.choice(legal))
    dist = maze_distance(state.walls[0], targets)
    x, y = state.pos[0, agent]
    reach = [dist[y + engine.DY[a], x + engine.DX[a]] + rng.random() for a in legal]
    return int(legal[int(np.argmin(reach))])


def own_cells(state: engine.GameState, team: int) -> np.ndarray:
    """`(H, W)`: `team`'s own food and capsules (on its half)."""
    w = state.width[0]
    half = (2 * np.arange(state.walls.shape[2]) < w) == (team == RED)
    return (state.food[0] | state.capsules[0]) & half[None, :]


def filtered_game(layout: str, team: int, seed: int, moves: int = 400) -> dict:
    """Play a game move by move in index order (first mover drawn), the opponents of `team` chasing its
    food and `team` chasing them; feed the filter the contest's evidence at each of `team`'s turns, and
    check after every update that each opponent's true cell keeps a positive probability."""
    env = VecCaptureEnv(layout, num_envs=1, self_play=True, seed=seed)
    env.reset()
    state = env.state.copy()
    ours, theirs = list(TEAM_AGENTS[team]), list(TEAM_AGENTS[1 - team])
    f = BeliefFilter(state.walls[:1], state.starts[:, theirs], np.array([team == BLUE]), state.width)
    rng = np.random.default_rng(seed)
    first = int(rng.integers(2))
    counts = {"hidden": 0, "deaths": 0, "eaten": 0, "checks": 0, "truth": []}

    def check():
        np.testing.assert_allclose(f.belief.sum(axis=(2, 3)), 1.0)
        for k, j in enumerate(theirs):
            x, y = state.pos[0, j]
            assert f.belief[0, k, y, x] > 0, f"opponent {j} at {(x, y)} ruled out"
        counts["checks"] += 1

    for m in range(moves):
        i = (first + m) % 4
        if i in ours:  # the contest's observation of agent i, drawn by us
            mate = [a for a in ours if a != i][0]
            pos = state.pos[0]
            near = [min(np.abs(pos[j] - pos[a]).sum() for a in ours) <= 5 for j in theirs]
            counts["hidden"] += near.count(False)
            counts["truth"] += [f.belief[0, k, pos[j, 1], pos[j, 0]] for k, j in enumerate(theirs) if not near[k]]
            distances = [np.abs(pos[j] - pos[i]).sum() + rng.integers(-6, 7) for j in theirs]
            f.observe(pos[i][None], pos[mate][None], np.array([distances], dtype=np.float64), np.array([near]),
                      pos[theirs][None], state.is_pacman[0, theirs][None], own_cells(state, team)[None])
            check()
        targets = state.pos[0, theirs] if i in ours else np.argwhere(own_cells(state, team))[:, ::-1]
        action = toward(state, i, targets, rng)
        before = state.copy()
        engine.move_agent(state, 0, i, action)
        if i in ours:  # our move onto an opponent, if any: what the team knows (its action, the timers)
            x, y = before.pos[0, i] + (engine.DX[action], engine.DY[action])
            their_capsule = before.capsules[0, y, x] and (2 * x < state.width[0]) != (team == RED)
            f.collide(np.array([[[x, y]]]), before.scared[0, [i]][None] > 0,
                      ((before.scared[0, theirs] > 0) | their_capsule)[None])
        else:  # the opponent's move: uniform, food evidence, then onto our agents
            k = theirs.index(i)
            moved = np.array([[k == 0, k == 1]])
            vanished = own_cells(before, team) & ~own_cells(state, team)
            counts["eaten"] += int(vanished.any())
            f.elapse(moved, vanished[None])
            capsule = (before.capsules[0] & ~state.capsules[0]).any()
            f.collide(before.pos[0, ours][None], ((before.scared[0, ours] > 0) | capsule)[None],
                      (before.scared[0, theirs] > 0)[None], moved)
        counts["deaths"] += sum(not state.is_pacman[0, j] and before.is_pacman[0, j] and
                                (state.pos[0, j] == state.starts[0, j]).all() for j in theirs)
        check()
        if engine.game_won(state)[0]:
            break
    assert (f.restarts == 0).all()  # the evidence always fitted the model: no fallback was needed
    return counts


@pytest.mark.parametrize("layout, team, seed", [("bloxCapture", BLUE, 0), ("bloxCapture", RED, 1),
                                                ("smallCapture", BLUE, 2), ("random", RED, 3)])
def test_on_real_games_the_filter_never_rules_out_an_opponents_true_cell(layout, team, seed):
    counts = filtered_game(layout, team, seed)
    assert counts["checks"] > 300 and counts["hidden"] > 50  # the opponents were out of sight a good while
    assert np.mean(counts["truth"]) > 0.1  # and the belief is sharp: uniform over the open cells gives under 0.01
    assert counts["eaten"] > 0  # food evidence was used


def test_the_games_exercise_deaths_too():
    deaths = sum(filtered_game("smallCapture", team, seed, moves=300)["deaths"] for team, seed in ((BLUE, 4), (RED, 5)))
    assert deaths > 0
