"""The opponent teams' key behaviour on small hand-made positions, legal play everywhere, distance tables.

Positions are written from red's point of view on boards that are symmetric left to right; a
`Position` mirrors them (x -> W - 1 - x, East <-> West, agent i <-> its blue counterpart) so every
behaviour is checked for both colours.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from agents import make_team
from agents.base import Team
from agents.heuristic_team import CARRY_LIMIT
from gymPacMan import VecCaptureEnv, available_layouts, engine, load_layout
from gymPacMan.distances import UNREACHABLE, DistanceTables, maze_distances
from gymPacMan.layout import parse_layout
from gymPacMan.rules import ACTION_DX, ACTION_DY, BLUE, EAST, NORTH, RED, SOUTH, STOP, WEST

from helpers import ARENA

COLOURS = pytest.mark.parametrize("team", [RED, BLUE], ids=["red", "blue"])

# 10 x 5: two corridors (y = 3 and y = 1) joined at both ends (x = 1 and x = 8); red half x < 5.
RING = """
%%%%%%%%%%
%1.    .2%
% %%%%%% %
%3.    .4%
%%%%%%%%%%
"""


def cell_after(x: int, y: int, action: int) -> tuple[int, int]:
    return x + ACTION_DX[action], y + ACTION_DY[action]


class Position:
    """One game on a left-right symmetric board, set up in red's coordinates and played by `team`.

    For blue, every x is mirrored, East and West swap, and "mine"/"theirs" pick blue's agents.
    Food and capsules start empty; `food(...)` and `capsule(...)` put them on the board.
    """

    def __init__(self, text: str, team: int):
        self.team = team
        self.state = engine.new_state([parse_layout(text, "position")], [0])
        self.width = int(self.state.width[0])
        self.state.food[0] = False
        self.state.capsules[0] = False
        engine.recount_food(self.state)

    # red-frame <-> real coordinates
    def x(self, x: int) -> int:
        return x if self.team == RED else self.width - 1 - x

    def action(self, a: int) -> int:
        """A red-frame action in real terms (and back: the mapping is its own inverse)."""
        if self.team == BLUE and a in (EAST, WEST):
            return EAST if a == WEST else WEST
        return a

    def mine(self, k: int) -> int:
        """Agent index of this team's attacker (k = 0) or defender (k = 1)."""
        return self.team + 2 * k

    def theirs(self, k: int) -> int:
        return 1 - self.team + 2 * k

    def put(self, agent: int, x: int, y: int, carrying: int = 0, scared: int = 0) -> None:
        s = self.state
        s.pos[0, agent] = (self.x(x), y)
        on_red = 2 * self.x(x) < self.width
        s.is_pacman[0, agent] = on_red != (agent % 2 == 0)
        s.carrying[0, agent] = carrying
        s.scared[0, agent] = scared

    def food(self, *cells: tuple[int, int]) -> None:
        self.state.food[0] = False
        for x, y in cells:
            self.state.food[0, y, self.x(x)] = True
        engine.recount_food(self.state)

    def capsule(self, x: int, y: int) -> None:
        self.state.capsules[0, y, self.x(x)] = True

    def cell(self, agent: int) -> tuple[int, int]:
        """An agent's cell in red-frame coordinates."""
        x, y = self.state.pos[0, agent]
        return self.x(int(x)), int(y)

    def dest(self, agent: int, action: int) -> tuple[int, int]:
        """Red-frame cell an agent reaches with a red-frame action."""
        return cell_after(*self.cell(agent), action)

    # playing
    def make(self, name: str, **kwargs):
        team = make_team(name, team=self.team, **kwargs)
        team.reset(self.state, np.arange(self.state.num_games))
        return team

    def act(self, team, seed: int = 0) -> tuple[int, int]:
        """The team's (attacker, defender) actions, in red-frame terms."""
        s = self.state
        out = team.act(s, engine.legal_actions(s), np.random.default_rng(seed))
        assert out.shape == (1, 2) and np.issubdtype(out.dtype, np.integer)
        return self.action(int(out[0, 0])), self.action(int(out[0, 1]))

    def step(self, moves: dict[int, int]) -> engine.StepResult:
        """One engine step; `moves` maps agent index to a red-frame action, the others Stop."""
        actions = np.full((1, 4), STOP, dtype=np.int64)
        for agent, a in moves.items():
            actions[0, agent] = self.action(a)
        return engine.step(self.state, actions, 300)


def maze_dist(p: Position, a: tuple[int, int], b: tuple[int, int]) -> int:
    """Maze distance between two red-frame cells of the position's board (the board is symmetric)."""
    walls = p.state.walls[0]
    table = maze_distances(walls)
    w = walls.shape[1]
    return int(table[a[1] * w + a[0], b[1] * w + b[0]])


# 10 x 6: a one-cell dead end on each half, (3, 3) and (6, 3), open only to the north.
POCKETS = """
%%%%%%%%%%
%1      2%
% % %% % %
% %%%%%% %
%3.    .4%
%%%%%%%%%%
"""

# ------------------------------------------------------------------------------------------------
# baseline: the offensive agent
# ------------------------------------------------------------------------------------------------


def ring_position(team: int) -> Position:
    """RING with the opponents parked on the bottom corridor, away from the top one."""
    p = Position(RING, team)
    p.put(p.mine(1), 1, 1)
    p.put(p.theirs(0), 8, 1)
    p.put(p.theirs(1), 7, 1)
    return p


@COLOURS
def test_baseline_attacker_walks_the_corridor_to_the_nearest_food_it_attacks(team):
    p = ring_position(team)
    p.food((2, 3), (7, 3))  # its own food at (2, 3) is not a target; (7, 3) is 4 steps east
    p.put(p.mine(0), 3, 3)
    for seed in range(5):
        assert p.act(p.make("baseline"), seed)[0] == EAST
    # on the bottom corridor the way round the west end is the shorter one: (2, 1) -> (1, 1) -> ... (1, 3) ...
    p = ring_position(team)
    p.put(p.theirs(0), 8, 3)
    p.put(p.theirs(1), 8, 2)
    p.food((5, 3))
    p.put(p.mine(0), 2, 1)  # west: 1 + 2 + 4 = 7 steps; east: 6 + 2 + 3 = 11
    assert p.act(p.make("baseline"))[0] == WEST


@COLOURS
def test_baseline_attacker_eats_adjacent_food(team):
    p = Position(ARENA, team)
    p.put(p.mine(0), 6, 3)
    p.put(p.theirs(0), 8, 1)
    p.put(p.theirs(1), 8, 4)
    p.food((1, 2), (5, 3), (8, 3), (8, 2))  # most food lies east, one piece is right behind it
    for seed in range(5):
        assert p.act(p.make("baseline"), seed)[0] == WEST


@COLOURS
def test_baseline_attacker_does_not_walk_into_a_ghost_while_carrying(team):
    p = ring_position(team)
    p.food((7, 3))
    p.put(p.mine(0), 5, 3, carrying=2)
    p.put(p.theirs(0), 6, 3)  # a ghost between it and the food
    for seed in range(10):
        assert p.act(p.make("baseline"), seed)[0] != EAST
    # a scared ghost is no danger: it walks on (and eats the ghost on the way)
    p.state.scared[0, p.theirs(0)] = 10
    assert p.act(p.make("baseline"))[0] == EAST


@COLOURS
def test_baseline_attacker_heads_for_its_start_when_no_food_is_left(team):
    p = ring_position(team)
    p.food((2, 1))  # only its own team's food remains
    assert p.state.food_left[0, 1 - team] == 0
    p.put(p.mine(0), 3, 3)
    assert p.act(p.make("baseline"))[0] == WEST  # start (1, 3)
    p.put(p.mine(0), 7, 3, carrying=1)  # from the far side, still towards the start
    assert p.act(p.make("baseline"))[0] == WEST


@COLOURS
def test_baseline_breaks_ties_at_random(team):
    p = Position(ARENA, team)
    p.food((1, 2), (8, 2))
    p.put(p.mine(0), 1, 4)  # (8, 2) is as near going East as going South
    team_ = p.make("baseline")
    chosen = {p.act(team_, seed)[0] for seed in range(40)}
    assert chosen == {EAST, SOUTH}


# ------------------------------------------------------------------------------------------------
# baseline: the defensive agent
# ------------------------------------------------------------------------------------------------


@COLOURS
def test_baseline_defender_kills_an_adjacent_invader(team):
    p = Position(ARENA, team)
    p.food((1, 2), (8, 2))
    p.put(p.mine(1), 3, 2)
    p.put(p.theirs(0), 4, 2, carrying=1)  # an opponent Pacman on our half
    assert p.state.is_pacman[0, p.theirs(0)]
    for seed in range(5):
        assert p.act(p.make("baseline"), seed)[1] == EAST


@COLOURS
def test_baseline_defender_moves_towards_the_nearest_invader(team):
    p = ring_position(team)
    p.food((2, 1), (7, 3))
    p.put(p.mine(1), 2, 1)
    p.put(p.theirs(0), 3, 3)  # west round the ring: 5 steps; east: 13
    assert p.state.is_pacman[0, p.theirs(0)]
    assert p.act(p.make("baseline"))[1] == WEST


@COLOURS
def test_baseline_defender_without_invaders_keeps_moving_on_its_half(team):
    p = Position(ARENA, team)
    p.food((1, 2), (8, 2))
    baseline = p.make("baseline")
    for x in range(1, 5):
        for y in range(1, 5):
            p.put(p.mine(1), x, y)
            for seed in range(3):
                a = p.act(baseline, seed)[1]
                assert a != STOP
                assert p.dest(p.mine(1), a)[0] < 5, (x, y, a)


# ------------------------------------------------------------------------------------------------
# heuristic attacker
# ------------------------------------------------------------------------------------------------


@COLOURS
def test_heuristic_attacker_goes_home_when_a_ghost_comes_near(team):
    # top corridor: home (x <= 4) to the west, food at (7, 3) to the east, the ghost coming
    # round the east end of the ring
    p = ring_position(team)
    p.food((2, 1), (7, 3))
    p.put(p.theirs(0), 8, 1)  # 4 steps from the attacker
    p.put(p.theirs(1), 1, 1)  # the other opponent is a Pacman on our half: no danger
    p.put(p.mine(1), 2, 1)
    p.put(p.mine(0), 6, 3, carrying=1)
    for seed in range(5):
        assert p.act(p.make("heuristic"), seed)[0] == WEST
    # with nothing to lose it takes the food first
    p.state.carrying[0, p.mine(0)] = 0
    assert p.act(p.make("heuristic"))[0] == EAST
    # and a scared ghost is no reason to go home
    p.state.carrying[0, p.mine(0)] = 1
    p.state.scared[0, p.theirs(0)] = 20
    assert p.act(p.make("heuristic"))[0] == EAST


@COLOURS
def test_heuristic_attacker_outruns_a_chasing_ghost_home(team):
    # the ghost comes down the corridor behind the food; the attacker brings its food home
    p = ring_position(team)
    p.food((2, 1), (7, 1))
    p.put(p.theirs(1), 1, 1)  # a harmless invader, held still
    p.put(p.mine(1), 3, 1)
    p.put(p.mine(0), 6, 3, carrying=2)
    p.put(p.theirs(0), 8, 3)
    heuristic = p.make("heuristic")
    for step in range(3):
        attack = p.act(heuristic, step)[0]
        p.step({p.mine(0): attack, p.theirs(0): WEST})
        if p.state.returned[0, p.mine(0)]:
            break
    assert p.state.returned[0, p.mine(0)] == 2
    assert p.state.score[0] == (2 if team == RED else -2)


def sweep_positions(text: str, seed: int, count: int):
    """Random positions: our attacker a Pacman on the blue half, one non-scared ghost near it."""
    rng = np.random.default_rng(seed)
    layout = parse_layout(text, "sweep")
    open_cells = [(x, y) for y in range(layout.height) for x in range(layout.width) if not layout.walls[y, x]]
    blue = [c for c in open_cells if 2 * c[0] >= layout.width]
    red = [c for c in open_cells if 2 * c[0] < layout.width]
    for _ in range(count):
        a, g = rng.choice(len(blue), 2, replace=False)
        yield blue[a], blue[g], red[rng.integers(len(red))], int(rng.integers(0, 4))


@COLOURS
@pytest.mark.parametrize("text", [ARENA, RING], ids=["arena", "ring"])
def test_heuristic_attacker_never_steps_next_to_a_ghost_when_it_has_another_way(team, text):
    heuristic = None
    for me, ghost, invader, carrying in sweep_positions(text, 7 + team, 150):
        p = Position(text, team)
        p.food((1, 2) if text is ARENA else (2, 1), (8, 2) if text is ARENA else (7, 3), (6, 1))
        p.put(p.mine(0), *me, carrying=carrying)
        p.put(p.theirs(0), *ghost)
        p.put(p.theirs(1), *invader)  # on our half: a Pacman, no danger
        if heuristic is None:
            heuristic = p.make("heuristic")
        else:
            heuristic.reset(p.state, np.arange(1))

        def unsafe(c):
            return 2 * c[0] >= p.width and maze_dist(p, c, ghost) <= 1

        legal = engine.legal_actions(p.state)[0, p.mine(0)]
        options = [p.dest(p.mine(0), a) for a in range(5) if legal[p.action(a)]]
        if all(unsafe(c) for c in options):
            continue
        a = p.act(heuristic, int(carrying))[0]
        assert not unsafe(p.dest(p.mine(0), a)), (me, ghost, carrying, a)


@COLOURS
def test_heuristic_attacker_avoids_the_cells_beside_a_ghost_on_the_way_to_food(team):
    p = Position(ARENA, team)
    p.food((1, 2), (8, 1))
    p.put(p.mine(0), 6, 2)
    p.put(p.theirs(0), 7, 3)  # (8, 1) is three steps away East-first or South-first
    p.put(p.theirs(1), 2, 4)  # an invader, no danger
    heuristic = p.make("heuristic")
    for seed in range(10):
        assert p.act(heuristic, seed)[0] == SOUTH


@COLOURS
def test_heuristic_attacker_runs_for_a_capsule_when_chased(team):
    p = Position(ARENA, team)
    p.food((1, 2), (8, 1))
    p.put(p.mine(0), 6, 3)
    p.put(p.theirs(0), 7, 1)  # 3 steps away: chased
    p.put(p.theirs(1), 2, 4)
    assert p.act(p.make("heuristic"))[0] == EAST  # without a capsule: the food, round the ghost
    p.capsule(5, 4)
    for seed in range(5):
        assert p.act(p.make("heuristic"), seed)[0] in (NORTH, WEST)


@COLOURS
def test_heuristic_attacker_goes_home_with_carry_limit_food(team):
    p = Position(ARENA, team)
    p.food((1, 2), (8, 3), (8, 2))
    p.put(p.mine(0), 6, 3, carrying=CARRY_LIMIT - 1)
    p.put(p.theirs(0), 2, 4)  # both opponents are invaders: no ghost anywhere
    p.put(p.theirs(1), 2, 1)
    p.put(p.mine(1), 3, 2)
    assert p.act(p.make("heuristic"))[0] == EAST
    p.state.carrying[0, p.mine(0)] = CARRY_LIMIT
    for seed in range(5):
        assert p.act(p.make("heuristic"), seed)[0] == WEST


# ------------------------------------------------------------------------------------------------
# heuristic defender
# ------------------------------------------------------------------------------------------------


@COLOURS
@pytest.mark.parametrize("layout", ["smallCapture", "tinyCapture"])
def test_heuristic_defender_never_leaves_its_half(team, layout):
    text = load_layout(layout).text
    rng = np.random.default_rng(3 + team)
    lay = parse_layout(text)
    open_cells = [(x, y) for y in range(lay.height) for x in range(lay.width) if not lay.walls[y, x]]
    heuristic = None
    for _ in range(120):
        state = engine.new_state([lay], [0])
        for agent in range(4):
            x, y = open_cells[rng.integers(len(open_cells))]
            state.pos[0, agent] = (x, y)
            state.is_pacman[0, agent] = (2 * x < lay.width) != (agent % 2 == 0)
        d = 2 + team  # the defender starts on its own half
        own = [c for c in open_cells if (2 * c[0] < lay.width) == (team == RED)]
        x, y = own[rng.integers(len(own))]
        state.pos[0, d] = (x, y)
        state.is_pacman[0, d] = False
        state.scared[0, d] = rng.choice([0, 0, 5])
        if heuristic is None:
            heuristic = make_team("heuristic", team=team)
        heuristic.reset(state, np.arange(1))
        out = heuristic.act(state, engine.legal_actions(state), rng)
        nx, ny = cell_after(x, y, int(out[0, 1]))
        assert (2 * nx < lay.width) == (team == RED), ((x, y), int(out[0, 1]))


@COLOURS
def test_heuristic_defender_chases_an_invader(team):
    p = ring_position(team)
    p.food((2, 1), (7, 3))
    p.put(p.mine(1), 2, 1)
    p.put(p.theirs(0), 3, 3)
    assert p.act(p.make("heuristic"))[1] == WEST


@COLOURS
def test_heuristic_defender_goes_where_its_food_disappeared(team):
    p = Position(ARENA, team)
    p.food((1, 1), (2, 4), (8, 2))
    p.put(p.mine(0), 4, 4)
    p.put(p.mine(1), 4, 3)
    p.put(p.theirs(0), 8, 4)
    p.put(p.theirs(1), 8, 1)
    heuristic = p.make("heuristic")
    p.act(heuristic)  # records the food
    p.state.food[0, 1, p.x(1)] = False  # (1, 1) vanishes (eaten by an unseen hand)
    engine.recount_food(p.state)
    target = (1, 1)
    for step in range(20):
        d = maze_dist(p, p.cell(p.mine(1)), target)
        if d == 0:
            break
        a = p.act(heuristic, step)[1]
        p.step({p.mine(1): a})
        assert maze_dist(p, p.cell(p.mine(1)), target) == d - 1
    assert p.cell(p.mine(1)) == target


@COLOURS
def test_heuristic_defender_keeps_its_distance_while_scared(team):
    p = Position(ARENA, team)
    p.food((1, 2), (8, 2))
    heuristic = p.make("heuristic")
    for defender in [(2, 2), (3, 3), (4, 2), (3, 1), (1, 1)]:
        p.put(p.mine(1), *defender, scared=10)
        p.put(p.theirs(0), 3, 2)  # the invader
        for seed in range(3):
            a = p.act(heuristic, seed)[1]
            assert p.dest(p.mine(1), a) != (3, 2)
            assert maze_dist(p, p.dest(p.mine(1), a), (3, 2)) >= 2, (defender, a)
    # not scared: it takes the kill
    p.put(p.mine(1), 2, 2)
    assert p.act(heuristic)[1] == EAST


# ------------------------------------------------------------------------------------------------
# search
# ------------------------------------------------------------------------------------------------


def pocket_position(team: int) -> Position:
    """An invader carrying 3 in our half's dead end (3, 3); our defender stands in its only way out."""
    p = Position(POCKETS, team)
    p.food((2, 1), (7, 1))
    p.put(p.mine(0), 6, 1)
    p.put(p.mine(1), 3, 4)
    p.put(p.theirs(0), 3, 3, carrying=3)
    p.put(p.theirs(1), 8, 1)
    return p



@COLOURS
def test_search_takes_the_kill_of_an_adjacent_carrying_invader(team):
    p = pocket_position(team)
    assert p.act(p.make("heuristic"))[1] == SOUTH  # the heuristic defender takes it
    for seed in range(3):
        assert p.act(p.make("search"), seed)[1] == SOUTH


@pytest.mark.parametrize("invader, kill", [((4, 2), EAST), ((3, 3), NORTH), ((2, 2), WEST), ((3, 1), SOUTH)])
def test_search_takes_the_kill_of_an_invader_that_moves_after_its_defender(invader, kill):
    # red's defender (agent 2) moves before blue's agent 3 in a step: the invader cannot dodge
    p = Position(ARENA, RED)
    p.food((1, 2), (8, 2), (2, 4))
    p.put(p.mine(0), 6, 4)
    p.put(p.mine(1), 3, 2)
    p.put(p.theirs(1), *invader, carrying=3)
    p.put(p.theirs(0), 8, 1)
    for seed in range(3):
        assert p.act(p.make("search"), seed)[1] == kill


def play(p: Position, name: str, steps: int, opponent: str = "heuristic", seed: int = 0) -> None:
    """`steps` real steps of `name` (p.team) against `opponent` from the position."""
    me = p.make(name)
    them = make_team(opponent, team=1 - p.team)
    them.reset(p.state, np.arange(1))
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        s = p.state
        legal = engine.legal_actions(s)
        actions = np.empty((1, 4), dtype=np.int64)
        actions[:, list(me.agents)] = me.act(s, legal, rng)
        actions[:, list(them.agents)] = them.act(s, legal, rng)
        engine.step(s, actions, 300)


@pytest.mark.parametrize("team", [RED, BLUE], ids=["red", "blue"])
def test_search_never_lets_a_trapped_carrying_invader_go_home(team):
    p = pocket_position(team)
    play(p, "search", 8)
    assert p.state.returned[0, p.theirs(0)] == 0 and p.state.score[0] == 0
    assert p.state.carrying[0, p.theirs(0)] == 0  # killed on the way


# 20 x 7: a corridor along the top; from it a dead end four cells deep on each half, (12, 4..1)
# on the blue half. Blue's start is six steps east of the blue dead end's mouth.
TRAP = """
%%%%%%%%%%%%%%%%%%%%
%13              42%
%%%%%%% %%%% %%%%%%%
%%%%%%% %%%% %%%%%%%
%%%%%%% %%%% %%%%%%%
%%%%%%%.%%%%.%%%%%%%
%%%%%%%%%%%%%%%%%%%%
"""


def trap_position(team: int) -> Position:
    """Our attacker carries 4 at the mouth of the enemy's dead end, the last food it attacks at its end;
    both opponent ghosts are six steps away, just outside the heuristic's danger radius."""
    p = Position(TRAP, team)
    p.food((7, 1), (3, 5), (12, 1))
    p.put(p.mine(0), 12, 5, carrying=4)
    p.put(p.mine(1), 2, 5)
    p.put(p.theirs(0), 18, 5)
    p.put(p.theirs(1), 18, 5)
    return p


@COLOURS
def test_search_does_not_follow_the_heuristic_into_a_dead_end(team):
    p = trap_position(team)
    assert p.act(p.make("heuristic"))[0] == SOUTH  # into the dead end: the ghost shuts it behind it
    assert p.act(p.make("search"))[0] != SOUTH
    heuristic, search = trap_position(team), trap_position(team)
    play(heuristic, "heuristic", 14)
    play(search, "search", 14)
    assert heuristic.state.returned[0, heuristic.mine(0)] == 0  # eaten in the dead end, its food dropped
    assert heuristic.state.carrying[0, heuristic.mine(0)] == 0 and heuristic.state.score[0] == 0
    assert search.state.returned[0, search.mine(0)] == 4
    assert search.state.score[0] == (4 if team == RED else -4)


@COLOURS
def test_search_does_not_step_its_carrying_pacman_next_to_a_ghost(team):
    p = Position(ARENA, team)
    p.food((1, 2), (8, 1), (8, 4))
    p.put(p.mine(0), 6, 2, carrying=3)
    p.put(p.theirs(0), 7, 3)
    p.put(p.theirs(1), 2, 4)
    p.put(p.mine(1), 1, 1)
    for seed in range(3):
        a = p.act(p.make("search"), seed)[0]
        assert maze_dist(p, p.dest(p.mine(0), a), (7, 3)) >= 2


# ------------------------------------------------------------------------------------------------
# every team, every layout, both colours: complete games of legal actions
# ------------------------------------------------------------------------------------------------

TEAM_NAMES = ["random", "baseline", "heuristic", "search", "course_heuristic", "course_astar"]
LAYOUTS = available_layouts() + ["random"]
LENGTH = 40


def check_actions(actions, state, agents) -> None:
    n = state.num_games
    assert actions.shape == (n, 2)
    assert np.issubdtype(actions.dtype, np.integer)
    legal = engine.legal_actions(state)
    for k, agent in enumerate(agents):
        assert legal[np.arange(n), agent, actions[:, k]].all(), (agent, actions[:, k])


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", TEAM_NAMES)
def test_team_plays_complete_games_as_red(name, layout):
    env = VecCaptureEnv(layout, num_envs=2, opponent=name, length=LENGTH, seed=0)
    opponent = env.opponent
    act = opponent.act
    calls = []

    def checked(state, legal, rng):
        actions = act(state, legal, rng)
        check_actions(actions, state, (0, 2))
        calls.append(1)
        return actions

    opponent.act = checked
    env.reset()
    rng = np.random.default_rng(0)
    ended = np.zeros(2, dtype=bool)
    for _ in range(LENGTH + 3):  # past the end, into the next games
        legal = env.legal_actions()
        blue = np.stack([rng.choice(np.flatnonzero(legal[g, k])) for g in range(2) for k in range(2)]).reshape(2, 2)
        _, _, _, _, info = env.step(blue)
        ended |= info["done"]
    assert ended.all() and len(calls) == LENGTH + 3


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", TEAM_NAMES)
def test_team_plays_complete_games_as_blue(name, layout):
    team = make_team(name, team=BLUE)
    team.time_limit = LENGTH
    env = VecCaptureEnv(layout, num_envs=2, opponent="random", length=LENGTH, seed=1)
    env.reset()
    team.reset(env.state, np.arange(2))
    rng = np.random.default_rng(0)
    ended = np.zeros(2, dtype=bool)
    for _ in range(LENGTH + 3):
        actions = team.act(env.state, engine.legal_actions(env.state), rng)
        check_actions(actions, env.state, (1, 3))
        _, _, _, _, info = env.step(actions)
        ended |= info["done"]
        if info["done"].any():
            team.reset(env.state, np.flatnonzero(info["done"]))
    assert ended.all()


# ------------------------------------------------------------------------------------------------
# distance tables
# ------------------------------------------------------------------------------------------------


def bfs_distances(walls: np.ndarray, source: tuple[int, int]) -> dict[tuple[int, int], int]:
    h, w = walls.shape
    dist = {source: 0}
    queue = deque([source])
    while queue:
        x, y = queue.popleft()
        for dx, dy in ((0, 1), (1, 0), (0, -1), (-1, 0)):
            nx, ny = x + dx, y + dy
            if 0 <= nx < w and 0 <= ny < h and not walls[ny, nx] and (nx, ny) not in dist:
                dist[(nx, ny)] = dist[(x, y)] + 1
                queue.append((nx, ny))
    return dist


@pytest.mark.parametrize("text", [RING, load_layout("tinyMaze").text, "%%%%%%\n%1%%2%\n%3%%4%\n%.%%.%\n%%%%%%"],
                         ids=["ring", "tinyMaze", "disconnected"])
def test_maze_distances_equal_a_plain_breadth_first_search(text):
    walls = parse_layout(text).walls
    h, w = walls.shape
    table = maze_distances(walls)
    assert table.shape == (h * w, h * w)
    expected = np.full((h * w, h * w), UNREACHABLE, dtype=np.int64)
    for y in range(h):
        for x in range(w):
            if not walls[y, x]:
                for (ox, oy), d in bfs_distances(walls, (x, y)).items():
                    expected[y * w + x, oy * w + ox] = d
    np.testing.assert_array_equal(table, expected)
    assert maze_distances(walls.copy()) is table  # cached by the wall grid


def test_distance_tables_share_and_reuse_slots():
    ring, tiny, arena = parse_layout(RING, "ring"), load_layout("tinyMaze"), parse_layout(ARENA, "arena")
    state = engine.new_state([ring, tiny, arena], [1, 0, 1], grid_shape=(6, 12))
    tables = DistanceTables()
    tables.update(state, np.arange(3))

    def check_tables():
        for g in range(3):
            np.testing.assert_array_equal(tables.tables[tables.index[g]], maze_distances(state.walls[g]))

    assert tables.index[0] == tables.index[2] != tables.index[1]
    check_tables()
    ring_slot = tables.index[1]
    slots = tables.tables.shape[0]
    engine.reset_games(state, [1], [tiny])  # game 1 changes to the layout of the others
    tables.update(state, np.array([1]))
    assert len(set(tables.index.tolist())) == 1
    check_tables()
    engine.reset_games(state, [2], [arena])  # a new layout takes the slot nobody uses any more
    tables.update(state, np.array([2]))
    assert tables.index[2] == ring_slot and tables.index[0] == tables.index[1] != ring_slot
    assert tables.tables.shape[0] == slots
    check_tables()
    tables.update(state, np.arange(3))  # nothing changed: nothing moves
    assert tables.index[2] == ring_slot and tables.tables.shape[0] == slots


def test_a_mixture_draws_each_games_team_when_it_starts_and_plays_its_moves():
    from agents import MixtureTeam

    mixture = make_team({"random": 1.0, "heuristic": 3.0}, seed=0)
    assert isinstance(mixture, MixtureTeam) and mixture.team == RED
    env = VecCaptureEnv("tinyMaze", num_envs=400, opponent=mixture, length=20, seed=0)
    env.reset()
    share = (mixture.assignment == 1).mean()
    assert share == pytest.approx(0.75, abs=0.06)  # weights 1 : 3
    heuristic = make_team("heuristic")
    heuristic.time_limit = 20
    heuristic.reset(env.state, np.arange(400))
    legal = engine.legal_actions(env.state)
    played = mixture.act(env.state, legal, np.random.default_rng(1))
    expected = heuristic.act(env.state, legal, np.random.default_rng(1))
    games = mixture.assignment == 1
    assert np.array_equal(played[games], expected[games])  # the heuristic's games get the heuristic's moves
    before = mixture.assignment.copy()
    for _ in range(20):  # every game ends at the limit and draws again
        env.step(np.full((400, 2), 4))
    assert (mixture.assignment != before).any() and mixture.time_limit == 20
    with pytest.raises(ValueError, match="weights"):
        make_team({"random": -1.0})


def test_members_of_a_mixture_come_and_go_and_each_plays_its_own_games():
    """A self-play pool is a mixture that starts empty (it stands still): members join and leave, each is told
    its own games (`in_play`), and the games that end are counted for the member that played them."""
    from agents import MixtureTeam

    pool = MixtureTeam({}, {}, team=RED, seed=0)
    env = VecCaptureEnv("tinyMaze", num_envs=40, opponent=pool, length=10, seed=0)
    env.reset()
    assert (pool.assignment == -1).all()
    assert (pool.act(env.state, engine.legal_actions(env.state), np.random.default_rng(0)) == STOP).all()
    pool.add(make_team("random"), "random")
    pool.add(make_team("baseline"), "baseline")
    pool.set_weights(np.array([1.0, 3.0]))
    with pytest.raises(ValueError, match="other colour"):
        pool.add(make_team("random", team=BLUE), "blue")
    for _ in range(20):  # the games the empty pool stood still in end uncounted, then each member's
        env.step(np.full((40, 2), STOP))
    assert pool.games.sum() == 40 and pool.time_limit == 10 and set(pool.assignment.tolist()) == {0, 1}
    pool.act(env.state, engine.legal_actions(env.state), np.random.default_rng(0))
    for k, member in enumerate(pool.members()):
        assert np.array_equal(member.in_play, pool.assignment == k)
    baseline_games = pool.assignment == 1
    pool.remove(0)  # the random member's games in progress go to the member that takes its place
    assert pool.names == ["baseline"] and (pool.assignment == 0).all() and baseline_games.any()
    np.testing.assert_allclose(pool.probabilities, [1.0])


def test_a_composite_of_composites_passes_the_time_limit_down_to_its_leaves():
    """Setting a team's `time_limit` sets its `members()`'s, down to the leaves of a mixture holding an agentwise
    team that holds a mixture; a member that joins later, at any depth, gets the current one."""
    from agents import MixtureTeam
    from agents.agentwise import AgentwiseTeam

    def leaves(team):
        return [leaf for member in team.members() for leaf in leaves(member)] or [team]

    inner = make_team({"random": 1.0})
    pair = AgentwiseTeam(make_team("heuristic"), inner)
    mixture = MixtureTeam({"pair": pair, "search": make_team("search")}, {"pair": 1.0, "search": 1.0})
    assert len(leaves(mixture)) == 3 and all(leaf.time_limit == 300 for leaf in leaves(mixture))
    mixture.time_limit = 42
    assert pair.time_limit == inner.time_limit == 42 and [leaf.time_limit for leaf in leaves(mixture)] == [42] * 3
    mixture.add(AgentwiseTeam(make_team("baseline"), make_team("random")), "late")  # joins after it was set
    inner.add(make_team("heuristic"), "later")  # joins a composite two levels down
    assert len(leaves(mixture)) == 6 and all(leaf.time_limit == 42 for leaf in leaves(mixture))
    VecCaptureEnv("tinyMaze", num_envs=2, opponent=mixture, length=17, seed=0)  # the environment sets its own
    assert mixture.time_limit == 17 and all(leaf.time_limit == 17 for leaf in leaves(mixture))


def test_costly_members_of_a_mixture_play_only_their_own_games(monkeypatch):
    """The search team in a mixture searches its own games only (its moves there are the ones it plays alone),
    and a trained policy runs its networks on its own games only."""
    from agents import PolicyTeam
    from agents import search_team as search_module

    mixture = make_team({"random": 3.0, "search": 1.0}, seed=2)
    env = VecCaptureEnv("smallCapture", num_envs=40, opponent=mixture, length=30, seed=1)
    env.reset()
    rng = np.random.default_rng(0)
    for _ in range(5):
        env.step(rng.integers(0, 5, (40, 2)))
    searched = []
    kernel = search_module._search_kernel
    monkeypatch.setattr(search_module, "_search_kernel", lambda *args: (searched.append(args[-2].copy()), kernel(*args))[1])
    legal = engine.legal_actions(env.state)
    played = mixture.act(env.state, legal, np.random.default_rng(3))
    games = mixture.assignment == 1
    assert 0 < games.sum() < 40 and np.array_equal(searched[-1], games)  # the kernel was told to search these only
    alone = make_team("search")
    alone.time_limit = 30
    alone.reset(env.state, np.arange(40))
    alone.prev_food[:], alone.last_eaten[:] = mixture.members()[1].prev_food, mixture.members()[1].last_eaten
    expected = alone.act(env.state, legal, np.random.default_rng(3))
    assert np.array_equal(played[games], expected[games])
    seen = []
    policy = PolicyTeam(lambda obs, legal: (seen.append(obs.shape[0]), np.full(obs.shape[:2], 4))[1], team=RED)
    policy.in_play = games
    policy.act(env.state, legal, rng)
    assert seen == [int(games.sum())]


class Marker(Team):
    """A team that plays one fixed action everywhere and remembers the games it was told were its own (`in_play`)."""

    def __init__(self, action: int, team: int):
        super().__init__(team)
        self.action, self.seen = action, None

    def act(self, state, legal, rng):
        self.seen = None if self.in_play is None else self.in_play.copy()
        return np.full((state.num_games, 2), self.action, dtype=np.int64)


def test_a_mixture_member_acts_only_on_its_own_games_nested_too_and_losses_count_for_the_members_colour():
    """A member's actions reach only the games it plays (a mixture inside a mixture too: the inner members' games are
    the outer member's and their own draw); `lost` counts the games the member's side lost, as red and as blue."""
    from agents import MixtureTeam

    for colour in (RED, BLUE):
        north, south, east = (Marker(a, colour) for a in (NORTH, SOUTH, EAST))
        inner = MixtureTeam({"south": south, "east": east}, {"south": 1.0, "east": 1.0}, team=colour, seed=1)
        outer = MixtureTeam({"north": north, "inner": inner}, {"north": 1.0, "inner": 1.0}, team=colour, seed=2)
        env = VecCaptureEnv("tinyMaze", num_envs=64, length=10, seed=0)  # (only its state: the mixture plays it)
        env.reset()
        outer.reset(env.state, np.arange(64))
        actions = outer.act(env.state, engine.legal_actions(env.state), np.random.default_rng(0))
        mine = outer.assignment == 0
        nested = (~mine)[:, None] & (inner.assignment[:, None] == np.arange(2)[None, :])  # (64, 2) the inner members' games
        assert mine.any() and nested.any(0).all()
        assert (actions[mine] == NORTH).all() and (actions[nested[:, 0]] == SOUTH).all() and (actions[nested[:, 1]] == EAST).all()
        assert np.array_equal(north.seen, mine) and np.array_equal(south.seen, nested[:, 0]) and np.array_equal(east.seen, nested[:, 1])
        winner = np.array([1, -1, 0] * 21 + [1])  # +1 red won, -1 blue won, 0 a tie
        outer.games_ended(np.arange(64), winner)
        they_won = winner == (-1 if colour == RED else 1)
        assert outer.games.tolist() == [int(mine.sum()), int((~mine).sum())]
        assert outer.lost.tolist() == [int((they_won & mine).sum()), int((they_won & ~mine).sum())]
        assert inner.lost.tolist() == [int((they_won & nested[:, 0]).sum()), int((they_won & nested[:, 1]).sum())]


@pytest.mark.parametrize("layout", ["tinyCapture", "smallCapture", "bloxCapture"])
def test_search_plays_the_heuristics_move_where_its_lookahead_finds_moves_alike(layout):
    """At a game's start no move changes the game within one step of look-ahead: every move ties, and the search
    team plays the heuristic's (not the first legal move), in either colour."""
    from agents.heuristic_team import HeuristicTeam
    from agents.search_team import SearchTeam

    env = VecCaptureEnv(layout, num_envs=4, seed=0)
    env.reset()
    state, legal = env.state, engine.legal_actions(env.state)
    for colour in (RED, BLUE):
        search, heuristic = SearchTeam(colour, depth=1), HeuristicTeam(colour)
        search.reset(state, np.arange(4))
        heuristic.reset(state, np.arange(4))
        rng = np.random.default_rng(0)
        np.testing.assert_array_equal(search.act(state, legal, rng), heuristic.act(state, legal, np.random.default_rng(0)))
