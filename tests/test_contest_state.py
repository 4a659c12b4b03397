"""The contest's modules and its per-agent GameState: successors by the engine's rules, observations
as the contest or the course gives them, and clear errors for calls we do not provide."""

from __future__ import annotations

import random

import numpy as np
import pytest

from gymPacMan import engine
from gymPacMan.contest import capture, game, install, util
from gymPacMan.contest.capture import GameState
from gymPacMan.contest.distanceCalculator import Distancer
from gymPacMan.distances import maze_distances
from gymPacMan.layout_names import load_layout
from gymPacMan.rules import ACTION_NAMES

from helpers import place

FIELDS = ("pos", "food", "capsules", "score", "carrying", "returned", "scared", "heading", "is_pacman", "food_left")


def random_states(layouts: list[str], games: int, steps: int, seed: int):
    """States met in random play (with the actions played from each), several per game."""
    rng = np.random.default_rng(seed)
    loaded = [load_layout(name) for name in layouts]
    state = engine.new_state(loaded, rng.integers(len(loaded), size=games).tolist())
    for t in range(steps):
        legal = engine.legal_actions(state)
        actions = (np.cumsum(legal, -1) <= (rng.random(legal.shape[:2]) * legal.sum(-1))[..., None]).sum(-1)
        if t % 7 == 3:
            yield state.copy(), actions
        engine.step(state, actions, 10_000)


def test_successors_of_the_four_moves_are_the_engine_step():
    """Playing the step's four actions through `generateSuccessor`, agent by agent, gives exactly the
    state `engine.step` gives: every rule (eating, returning, deaths, food dumps, capsules, timers)."""
    checked = 0
    for state, actions in random_states(["bloxCapture", "tinyCapture", "mediumCapsules"], games=24, steps=300, seed=0):
        stepped = state.copy()
        engine.step(stepped, actions, 10_000)
        for g in range(state.num_games):
            if engine.game_won(state)[g]:
                continue
            view = GameState.snapshot(state, g)
            for i in range(4):  # an agent sent home by an earlier move may find its move walled: Stop, as the engine
                action = ACTION_NAMES[actions[g, i]]
                view = view.generateSuccessor(i, action if action in view.getLegalActions(i) else "Stop")
            for name in FIELDS:
                np.testing.assert_array_equal(getattr(view._state, name)[0], getattr(stepped, name)[g], err_msg=name)
            checked += 1
    assert checked > 500


def test_a_successor_leaves_its_state_alone_and_counts_the_moves():
    state = engine.new_state([load_layout("tinyCapture")], [0])
    view = GameState.snapshot(state, 0, length=300, moves=1)
    before = view._state.copy()
    move = next(a for a in view.getLegalActions(1) if a != "Stop")
    successor = view.generateSuccessor(1, move)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(view._state, name), getattr(before, name))
    assert (view.data.timeleft, successor.data.timeleft) == (1199, 1198)
    assert successor.getAgentPosition(1) == game.Actions.getSuccessor(view.getAgentPosition(1), move)


def test_a_won_state_has_successors_as_in_the_contests_capture(arena):
    """The contest's `generateSuccessor` does not check for the end of the game: a search (the course's MCTS
    team) may expand a won state, and must not lose the game for it."""
    arena.food[0] = False
    engine.recount_food(arena)
    view = GameState.snapshot(arena, 0)
    assert view.isOver()
    assert view.generateSuccessor(0, "South").getAgentPosition(0) == (1, 3)


def test_score_change_is_the_last_moves_and_teams_may_set_it(arena):
    """`data.scoreChange`, as the contest keeps it: what the move that made a state did to the score (0 for a
    game's own state and its copies); a search may zero it at its root."""
    place(arena, 0, 5, 2)  # red agent 0 on blue's half, carrying 2, one step from home
    arena.carrying[0, 0] = 2
    view = GameState(arena, 0)
    assert view.data.scoreChange == 0
    home = view.generateSuccessor(0, "West")
    assert home.data.scoreChange == 2 and home.getScore() == 2
    assert home.generateSuccessor(1, "Stop").data.scoreChange == 0
    assert home.deepCopy().data.scoreChange == 0 and home.makeObservation(0).data.scoreChange == 0
    home.data.scoreChange = 0
    assert home.data.scoreChange == 0 and home.getScore() == 2


def test_states_are_equal_as_the_contests_are(arena):
    """Equal and with one hash where every agent's position, direction and scared timer, the food, the
    capsules and the score are (search teams keep states in sets); food carried is not compared."""
    view = GameState(arena, 0)
    around = [view.generateSuccessor(2, "North").generateSuccessor(2, "East"),
              view.generateSuccessor(2, "East").generateSuccessor(2, "North")]
    assert around[0].getAgentPosition(2) == around[1].getAgentPosition(2) == (2, 2)
    assert around[0] != around[1]  # facing East, facing North
    for state in around:
        for i in range(4):
            if state.getAgentState(i).configuration is not None:
                state.getAgentState(i).configuration.direction = "North"
    assert around[0] == around[1] and hash(around[0]) == hash(around[1]) and len({*around}) == 1
    assert view.generateSuccessor(2, "Stop") == view  # Stop keeps the direction: the same state
    assert view.generateSuccessor(2, "North") != view
    fed = view.deepCopy()
    fed._state.carrying[0, 0] = 3
    assert fed == view
    fed._state.score[0] = 1
    assert fed != view and view != "a state"


def test_distances_on_the_grid_raise_off_it():
    layout = load_layout("tinyCapture")
    distancer = Distancer(GameState(engine.new_state([layout], [0]), 0).data.layout)
    assert distancer.getDistanceOnGrid((1, 1), (3, 1)) == distancer.getDistance((1, 1), (3, 1)) == 2
    for cells in [((0, 0), (1, 1)), ((1, 1), (1.5, 1)), ((1, 1), (99, 1))]:
        with pytest.raises(Exception, match="Positions not in grid"):
            distancer.getDistanceOnGrid(*cells)


def test_legal_actions_in_the_contests_order_and_illegal_moves_rejected(arena):
    place(arena, 0, 1, 1)  # the bottom-left corner: North and East are open
    view = GameState(arena, 0)
    assert view.getLegalActions(0) == ["North", "East", "Stop"]
    place(arena, 0, 3, 2)
    assert view.getLegalActions(0) == ["North", "South", "East", "West", "Stop"]
    place(arena, 0, 1, 1)
    with pytest.raises(ValueError, match="illegal action 'West'"):
        view.generateSuccessor(0, "West")
    with pytest.raises(ValueError, match="'Jump' is not an action"):
        view.generateSuccessor(0, "Jump")


def test_agent_state_reads_the_engine(arena):
    place(arena, 1, 3, 2)  # blue agent 1 on the red half: a Pacman
    arena.carrying[0, 1], arena.scared[0, 3], arena.returned[0, 1] = 2, 7, 5
    view = GameState(arena, 0, length=100)
    me = view.getAgentState(1)
    assert (me.isPacman, me.numCarrying, me.numReturned, me.getPosition()) == (True, 2, 5, (3, 2))
    assert view.getAgentState(3).scaredTimer == 7 and view.getAgentState(3).isPacman is False
    assert me.start.getPosition() == view.getInitialAgentPosition(1) == (8, 4)
    assert (view.isOnRedTeam(0), view.isOnRedTeam(1), view.getRedTeamIndices(), view.getBlueTeamIndices()) == (True, False, [0, 2], [1, 3])
    assert view.getNumAgents() == 4 and view.data.timeleft == 400
    assert view.getRedFood().asList() == [(1, 2)] and view.getBlueFood().asList() == [(8, 2)]
    assert view.getWalls()[0][0] and not view.getWalls()[1][1]
    assert view.data.layout.width == 10 and view.data.layout.height == 6


def test_contest_observation_hides_distant_opponents_and_gives_noisy_distances(arena):
    place(arena, 0, 2, 1)
    place(arena, 2, 2, 4)
    place(arena, 1, 5, 1)  # 3 from agent 0: seen
    place(arena, 3, 8, 4)  # 6 from agent 2, 9 from agent 0: hidden
    view = GameState(arena, 0)
    seen = view.makeObservation(0, rng=random.Random(0))
    assert seen.getAgentPosition(1) == (5, 1) and seen.getAgentPosition(3) is None
    assert seen.getAgentState(3).configuration is None and seen.getAgentState(3).getPosition() is None
    assert seen.getAgentPosition(2) == (2, 4)  # teammates are always shown
    with pytest.raises(ValueError, match="out of sight"):
        seen.getLegalActions(3)
    for _ in range(50):
        noisy = view.makeObservation(0, rng=random.Random(_)).getAgentDistances()
        true = [util.manhattanDistance((2, 1), view.getAgentPosition(i)) for i in range(4)]
        assert all(abs(n - t) <= 6 for n, t in zip(noisy, true))
        assert all(GameState.getDistanceProb(t, n) == pytest.approx(1 / 13) for n, t in zip(noisy, true))
    assert GameState.getDistanceProb(5, 12) == 0.0
    course = view.makeObservation(0, "course")
    assert course.getAgentPosition(3) == (8, 4) and course.getAgentDistances() == [0, 3, 3, 9]


def test_a_hidden_opponent_does_not_collide_in_successors(arena):
    """In an observation a hidden ghost is nowhere, as in the contest: a look-ahead that walks onto its real
    cell kills nobody (and so reveals nothing); with the full state the same walk dies."""
    place(arena, 1, 4, 1)  # blue agent 1: a Pacman on red's half (x < 5)
    place(arena, 3, 8, 4)
    place(arena, 0, 8, 1)
    place(arena, 2, 1, 4)  # red ghost 2: 6 steps from agent 1, 7 from agent 3: hidden from blue
    walk = ["West", "West", "West", "North", "North", "North"]  # (4, 1) -> (1, 1) -> (1, 4)
    seen = GameState(arena, 0).makeObservation(1)
    assert seen.getAgentPosition(2) is None
    full = GameState(arena, 0)
    for move in walk:
        seen, full = seen.generateSuccessor(1, move), full.generateSuccessor(1, move)
    assert seen.getAgentPosition(1) == (1, 4)
    assert full.getAgentPosition(1) == full.getInitialAgentPosition(1)  # it met the ghost


def test_calls_we_do_not_provide_fail_naming_the_call(arena):
    view = GameState(arena, 0)
    with pytest.raises(AttributeError, match="'getRedTeamScore'"):
        view.getRedTeamScore()
    with pytest.raises(AttributeError, match="'agentPositions'"):
        view.data.layout.agentPositions
    with pytest.raises(AttributeError, match="module 'util'.*'fixedRandom'"):
        util.fixedRandom
    with pytest.raises(AttributeError, match="module 'capture'.*'CaptureRules'"):
        capture.CaptureRules


def test_the_modules_install_under_the_contests_names():
    install()
    import captureAgents
    import distanceCalculator
    import game as contest_game
    import util as contest_util

    assert contest_game is game and contest_util is util
    assert captureAgents.CaptureAgent.__module__ == "gymPacMan.contest.captureAgents"
    assert distanceCalculator.Distancer is Distancer


def test_distancer_uses_the_engine_distances():
    layout = load_layout("bloxCapture")
    state = engine.new_state([layout], [0])
    view = GameState(state, 0)
    distancer = Distancer(view.data.layout)
    distancer.getMazeDistances()
    table = maze_distances(layout.walls)
    rng = np.random.default_rng(0)
    open_cells = [(int(x), int(y)) for y, x in np.argwhere(~layout.walls)]
    for _ in range(200):
        a, b = (open_cells[i] for i in rng.integers(len(open_cells), size=2))
        assert distancer.getDistance(a, b) == table[a[1] * layout.width + a[0], b[1] * layout.width + b[0]]
    assert distancer.getDistance((0, 0), (1, 1)) == 10000  # a wall: no path


def test_util_containers_and_counter():
    features, weights = util.Counter(), {"a": 2.0, "b": -1.0}
    features["a"] += 3
    assert features["missing"] == 0 and features * util.Counter(weights) == 6.0
    assert util.Counter({"x": 1, "y": 3}).argMax() == "y"
    queue, stack, heap = util.Queue(), util.Stack(), util.PriorityQueue()
    for item, priority in (("late", 3), ("early", 1), ("middle", 2)):
        queue.push(item), stack.push(item), heap.push(item, priority)
    assert [queue.pop(), stack.pop(), heap.pop()] == ["late", "middle", "early"]
    heap.update("late", 0)
    assert heap.pop() == "late" and not heap.isEmpty()
    assert util.nearestPoint((2.4, 3.6)) == (2, 4) and util.manhattanDistance((0, 0), (2, -3)) == 5
    assert game.Actions.reverseDirection(game.Directions.NORTH) == "South"
    assert game.Actions.directionToVector("West") == (-1, 0)
    with pytest.raises(NotImplementedError, match="test_util_containers_and_counter"):
        util.raiseNotDefined()
