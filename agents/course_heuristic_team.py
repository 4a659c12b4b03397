"""The course's own planning teams, `heuristicTeam` and `AstarTeam`, batched: the same decisions, compiled.

`course_heuristic` and `course_astar` decide as the course's team files do, move for move (both
agents' searches are `agents/course_search.py`'s `plan`):

- Attacker (agent 0 red, 1 blue): A* over game states for a move that scores. Where the search finds
  no plan it plays a random legal action (Stop included), as the course's does.
- Defender (agent 2 red, 3 blue): picks a goal cell, then plans to it on its own side through moves
  that each bring it strictly nearer; with no plan, or already on its goal, a random legal action. Its goal, in the course's order: while scared, a border cell (below); else the cell
  where its food just disappeared (the first of the course's `set` difference when several did); else
  the first opponent Pacman in index order, where it is seen, or where an unseen one most likely
  entered (only with the contest's observation, below); else a border cell. The border cell is
  remembered: the nearest open cell of its border column with an open cell across (ties to the lower
  row, its own cell left out), chosen anew once it stands on the remembered one.

The two teams differ where the files differ: `AstarTeam`'s attacker drops every plan whose first two
moves end next to a ghost (which then steps onto it), and its defender looks for an unseen invader at
entries more than 2 cells away instead of 5. Random choices come from the environment's generator.

Observation: `"course"` (default) sees every agent, as the course environment shows the state to its
opponent teams; `"contest"` hides opponents farther than 5 cells (Manhattan) from both of its agents,
as the contest's `capture.py` does; they then take no part in the searches, and the defender guesses
an unseen invader's entry from the food nearest each entry.

Where the course's code would crash, these play on: with its own food all gone and an invader unseen
(the course's teams raise on an empty queue there), the defender goes to the nearest entry farther than
the threshold (the nearest entry if none is); with no border cell to guard, or no open cell in the
attacker's border column, they play a random legal action / keep searching with the no-food estimate.
"""

from __future__ import annotations

import numba
import numpy as np

from gymPacMan.distances import DistanceTables
from gymPacMan.engine import GameState
from gymPacMan.rules import NUM_AGENTS, RED, STOP

from .base import Team
from .course_search import CONTEST_ORDER, OVERFLOW, RANDOM, SearchSpace, load_root, maze_distance, plan

OBSERVATIONS = ("course", "contest")
SIGHT_RANGE = 5  # the contest's: opponents farther (Manhattan) from both agents are not seen


@numba.njit(cache=True)
def _border_goal(g, i, b, across, walls, height, pos, boundary_goal, dist):
    """The remembered border cell, chosen anew when missing or reached: the course's boundary goal."""
    w = walls.shape[2]
    x0, y0 = pos[g, i, 0], pos[g, i, 1]
    if boundary_goal[g, 0] < 0 or (boundary_goal[g, 0] == x0 and boundary_goal[g, 1] == y0):
        best, best_d = -1, np.int64(1) << 40
        for y in range(height[g]):
            if walls[g, y, b] or walls[g, y, across] or (b == x0 and y == y0):
                continue
            d = maze_distance(dist, y * w + b, y0 * w + x0)
            if d < best_d:
                best, best_d = y, d
        if best < 0:  # no border cell to guard (the course's queue is empty and it raises)
            return -1, -1
        boundary_goal[g, 0], boundary_goal[g, 1] = b, best
    return boundary_goal[g, 0], boundary_goal[g, 1]


@numba.njit(cache=True)
def _likely_entry(g, i, b, across, threshold, walls, food, width, height, pos, dist):
    """Where an unseen invader most likely entered: of the cells across the border (by distance from the
    defender, then row) farther than `threshold`, the one nearest its own food (the first such)."""
    w = walls.shape[2]
    gw, gh = width[g], height[g]
    x0, y0 = pos[g, i, 0], pos[g, i, 1]
    me = y0 * w + x0
    own_red = i % 2 == 0
    best_y, best_key = -1, (np.int64(1) << 40, np.int64(1) << 40, np.int64(1) << 40)
    near_y, near_key = -1, (np.int64(1) << 40, np.int64(1) << 40)
    for y in range(gh):
        if walls[g, y, b] or walls[g, y, across]:
            continue
        entry = y * w + across
        d_me = maze_distance(dist, entry, me)
        if (d_me, y) < near_key:
            near_y, near_key = y, (d_me, y)
        if d_me <= threshold:
            continue
        d_food = np.int64(0)  # no food left: every entry as near to it (the course's queue is empty and it raises)
        found = False
        for fy in range(gh):
            for fx in range(gw):
                if food[g, fy, fx] and (2 * fx < gw) == own_red:
                    d = maze_distance(dist, fy * w + fx, entry)
                    if not found or d < d_food:
                        d_food, found = d, True
        if (d_food, d_me, y) < best_key:
            best_y, best_key = y, (d_food, d_me, y)
    if best_y < 0:  # no entry past the threshold (the course's queue is empty and it raises): the nearest
        best_y = near_y
    if best_y < 0:
        return -1, -1
    return across, best_y


@numba.njit(cache=True)
def _defender_goals(team, threshold, walls, food, width, height, pos, is_pacman, scared, visible, missing,
                    boundary_goal, tables, table_index, play, goals):
    """goals: (N, 2) the defender's goal cell per game in play, (-1, -1) for none (a random move)."""
    i = team + 2
    for g in range(walls.shape[0]):
        if not play[g]:
            continue
        dist = tables[table_index[g]]
        b = width[g] // 2 - 1 if team == RED else width[g] // 2
        across = b + 1 if team == RED else b - 1
        if scared[g, i] > 0:
            gx, gy = _border_goal(g, i, b, across, walls, height, pos, boundary_goal, dist)
        elif missing[g, 0] >= 0:
            gx, gy = missing[g, 0], missing[g, 1]
        else:
            gx, gy = -1, -1
            invaded = False
            for j in range(1 - team, NUM_AGENTS, 2):
                if is_pacman[g, j]:
                    invaded = True
                    if visible[g, j]:
                        gx, gy = pos[g, j, 0], pos[g, j, 1]
                    else:
                        gx, gy = _likely_entry(g, i, b, across, threshold, walls, food, width, height, pos, dist)
                    break
            if not invaded:
                gx, gy = _border_goal(g, i, b, across, walls, height, pos, boundary_goal, dist)
        goals[g, 0], goals[g, 1] = gx, gy


@numba.njit(cache=True)
def _search_kernel(team, astar, walls, food, capsules, width, height, starts, pos, is_pacman, carrying, returned,
                   scared, heading, food_left, score, tables, table_index, visible, goals, todo, pool, heap, table,
                   scratch, cells, out, status):
    """Both agents' plans in every game of `todo`: out (N, 2) first actions (RANDOM: none), status (N,)."""
    for g in range(walls.shape[0]):
        if not todo[g]:
            continue
        dist = tables[table_index[g]]
        load_root(g, scratch[0], food, capsules, pos, is_pacman, carrying, returned, scared, heading, food_left, score,
                  visible)
        st, action = plan(g, team, False, astar, -1, -1, -1, walls, width, height, starts, dist, pool, heap, table, scratch,
                          cells)
        if st == OVERFLOW:
            status[g] = OVERFLOW
            continue
        out[g, 0] = action
        out[g, 1] = RANDOM
        if goals[g, 0] >= 0:
            load_root(g, scratch[0], food, capsules, pos, is_pacman, carrying, returned, scared, heading, food_left,
                      score, visible)
            boundary = width[g] // 2 - 1 if team == RED else width[g] // 2
            st, action = plan(g, team + 2, True, astar, goals[g, 0], goals[g, 1], boundary, walls, width, height, starts,
                              dist, pool, heap, table, scratch, cells)
            if st == OVERFLOW:
                status[g] = OVERFLOW
                continue
            out[g, 1] = action
        status[g] = 0


def _contest_random(legal: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The course's `random.choice(getLegalActions)`: legal `(M, 5)` engine masks, u `(M,)` uniform draws ->
    one legal action each, counted in the contest's order."""
    ordered = legal[:, CONTEST_ORDER]  # (M, 5) in North, South, East, West, Stop order
    k = (u * ordered.sum(-1)).astype(np.int64)  # which legal action, 0-based
    return CONTEST_ORDER[(np.cumsum(ordered, -1) <= k[:, None]).sum(-1)]


class CourseHeuristicTeam(Team):
    """The course's `heuristicTeam`, batched (module docstring).

    Args:
        team: the colour.
        observation: `"course"` (every agent seen) or `"contest"` (opponents out of sight hidden).
    """

    name = "course_heuristic"
    astar = False  # AstarTeam's attacker drops plans that end next to a ghost
    entry_threshold = 5  # cells an unseen invader's likely entry is at least from the defender
    memory_arrays = ("prev_food", "has_prev", "boundary_goal")  # the defender's memory (`state_dict`)

    def __init__(self, team: int = RED, observation: str = "course"):
        super().__init__(team)
        if observation not in OBSERVATIONS:
            raise ValueError(f"observation must be one of {OBSERVATIONS}, got {observation!r}")
        self.observation = observation
        self.distances = DistanceTables()
        self.prev_food = np.zeros((0, 0, 0), dtype=np.bool_)  # (N, H, W) the food at the defender's last move
        self.has_prev = np.zeros(0, dtype=np.bool_)  # (N,) the defender has moved in this game
        self.boundary_goal = np.zeros((0, 2), dtype=np.int64)  # (N, 2) its remembered border cell, -1 none
        self.space: SearchSpace | None = None

    def reset(self, state: GameState, games: np.ndarray) -> None:
        self._start(state, np.arange(state.num_games) if self.bind(state) else np.asarray(games, dtype=np.int64))

    def _start(self, state: GameState, games: np.ndarray) -> None:
        """Distance tables and an empty memory for `games` (all of them for a new batch)."""
        if self.prev_food.shape != state.food.shape:
            self.prev_food = state.food.copy()
            self.has_prev = np.zeros(state.num_games, dtype=np.bool_)
            self.boundary_goal = np.full((state.num_games, 2), -1, dtype=np.int64)
            games = np.arange(state.num_games)
        if self.space is None or self.space.grid_shape != state.grid_shape:
            self.space = SearchSpace(state.grid_shape)
        self.distances.update(state, games)
        self.has_prev[games] = False
        self.boundary_goal[games] = -1

    def visible(self, state: GameState) -> np.ndarray:
        """`(N, 4)` bool: the agents this team sees (its own always; opponents within sight in the contest's view)."""
        seen = np.ones((state.num_games, NUM_AGENTS), dtype=np.bool_)
        if self.observation == "contest":
            for j in range(1 - self.team, NUM_AGENTS, 2):
                near = [np.abs(state.pos[:, j] - state.pos[:, i]).sum(-1) <= SIGHT_RANGE for i in self.agents]
                seen[:, j] = near[0] | near[1]
        return seen

    def missing_food(self, state: GameState, play: np.ndarray) -> np.ndarray:
        """`(N, 2)` the cell where the defender's food disappeared since its last move, -1 none: the course's
        `list(set(previous food) - set(food))[0]`, taken only when the count of its food went down."""
        n, h, w = state.food.shape
        own = (2 * np.arange(w)[None, :] < state.width[:, None]) == (self.team == RED)  # (N, W) its half
        now = state.food & own[:, None, :]  # (N, H, W)
        before = self.prev_food & own[:, None, :]
        gone = before & ~now
        counts = before.sum((1, 2)), now.sum((1, 2)), gone.sum((1, 2))  # (N,) each
        taken = play & self.has_prev & (counts[0] > counts[1]) & (counts[2] > 0)
        missing = np.full((n, 2), -1, dtype=np.int64)
        for g in np.flatnonzero(taken):
            if counts[2][g] == 1:
                y, x = np.argwhere(gone[g])[0]
            else:  # several: the first of the course's set difference (an order only CPython's set gives)
                cells = [[(int(x), int(y)) for x, y in sorted(zip(*np.nonzero(grid.T)))] for grid in (before[g], now[g])]
                x, y = list(set(cells[0]) - set(cells[1]))[0]
            missing[g] = x, y
        return missing

    def defender_goals(self, state: GameState, play: np.ndarray, visible: np.ndarray) -> np.ndarray:
        """(N, 2) the defender's goal cell per game in `play` (the course's `GOAL_POSITION`), (-1, -1) for
        none. It remembers the border cell it chose (`boundary_goal`), as the course's agent does.

        An unseen invader's likely entry lies across the border, where the course's defensive search (its
        own half only) never arrives: the defender then plays a random move, whichever entry it chose."""
        s, tables = state, self.distances
        missing = self.missing_food(state, play)
        goals = np.full((state.num_games, 2), -1, dtype=np.int64)
        _defender_goals(self.team, self.entry_threshold, s.walls, s.food, s.width, s.height, s.pos, s.is_pacman,
                        s.scared, visible, missing, self.boundary_goal, tables.tables, tables.index, play, goals)
        return goals

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n = state.num_games
        if self.bind(state) or self.prev_food.shape != state.food.shape:
            self._start(state, np.arange(n))
        draws = rng.random((n, 2))  # (N, 2) each agent's random.choice, where the course's agent draws one
        play = np.ones(n, dtype=np.bool_) if self.in_play is None else self.in_play.astype(np.bool_)
        s, space, tables = state, self.space, self.distances
        visible = self.visible(state)
        goals = self.defender_goals(state, play, visible)
        out = np.full((n, 2), RANDOM, dtype=np.int64)  # (N, 2) first actions of the two plans
        status = np.zeros(n, dtype=np.int8)
        todo = play
        while todo.any():  # a search that outgrew the space runs again in a larger one
            _search_kernel(self.team, self.astar, s.walls, s.food, s.capsules, s.width, s.height, s.starts, s.pos,
                           s.is_pacman, s.carrying, s.returned, s.scared, s.heading, s.food_left, s.score, tables.tables,
                           tables.index, visible, goals, todo, space.pool, space.heap, space.table, space.scratch, space.cells, out,
                           status)
            todo = status == OVERFLOW
            if todo.any():
                space.grow()
                status[todo] = 0
        for k, agent in enumerate(self.agents):
            drawn = play & (out[:, k] == RANDOM)
            out[drawn, k] = _contest_random(legal[drawn, agent], draws[drawn, k])
        out[~play] = STOP
        self.prev_food[play] = state.food[play]
        self.has_prev[play] = True
        return out


class CourseAstarTeam(CourseHeuristicTeam):
    """The course's `AstarTeam`, batched: `course_heuristic` with AstarTeam's two differences (module docstring)."""

    name = "course_astar"
    astar = True
    entry_threshold = 2
