"""The course's approxQ team (`approxQTeam.py`), ported: the same decisions, for all games at once.

Offensive agent (agent 0 for red, 1 for blue): a linear Q-function with the course's learned weights,
over features of the current state and the cell an action leads to, each divided by 10:
`bias` 1; `#-of-ghosts-1-step-away`, the opponent ghosts (scared or not) on or next to that cell;
`eats-food` 1 when that cell holds food it attacks and no ghost is that near; `closest-food`, the maze
distance from that cell to the nearest food it attacks over the board's area (width x height). It plays
the best action (ties at random) and, with probability `epsilon` (0.1, as the course's team keeps
while playing), a uniformly random legal action instead.
Defensive agent (agent 2 / 3): the contest's reflex defender, scoring the state right after its own move:
`100 * (is a ghost) - 1000 * (opponent Pacmen) - 10 * (distance to the nearest) - 100 * (Stop)
- 2 * (reverses its heading)` (Stop counts as the reverse of Stop, as the contest's `Directions.REVERSE`
has it), the best at random among ties.
Both agents head for their start cell once at most 2 pieces of the food they attack are left: the first
legal action (North, South, East, West, Stop) whose next cell is strictly nearest the start; a move that
gets the agent eaten lands on the start, so it counts as nearest.

Ties and the epsilon draw come from the generator passed to `act`, one uniform draw per choice, in the
contest's order of legal actions. The original reads positions from its observation: this port sees the
whole state, as the course environment shows it (a Berkeley contest hides far opponents; through our
contest adapter that is `observation=contest`, and the original then counts only the ghosts it sees).
"""

from __future__ import annotations

import numba
import numpy as np

from gymPacMan import engine
from gymPacMan.engine import DX, DY, REVERSE_ACTION, GameState
from gymPacMan.rules import NUM_AGENTS, STOP

from .base import DistanceTeam
from .contest_port import CONTEST_ORDER, NO_PATH, copy_game, game_slots, maze_distance, pick

_DX, _DY, _REVERSE, _ORDER = DX, DY, REVERSE_ACTION, CONTEST_ORDER

# The offensive agent's learned weights, as `approxQTeam.py` ships them.
W_CLOSEST_FOOD = -3.099192562140742
W_BIAS = -9.280875042529367
W_GHOSTS = -16.6612110039328
W_EATS_FOOD = 11.127808437648863
FEATURE_SCALE = 10.0  # every feature is divided by this (`features.divideAll(10.0)`)
EPSILON = 0.1  # the course's team explores with this probability while playing
GO_HOME_FOOD = 2  # at most this much food left to attack: both agents head for their start
DRAWS = 2  # uniform draws per agent and move: the epsilon coin, then the choice


@numba.njit(cache=True)
def _q_value(g, i, action, walls, food, width, height, pos, is_pacman, dist):
    """The offensive agent's Q(s, a): its features times the weights, added in the course's feature order."""
    w = walls.shape[2]
    gw, gh = width[g], height[g]
    team = i % 2
    x, y = pos[g, i, 0] + _DX[action], pos[g, i, 1] + _DY[action]
    ghosts = 0
    for j in range(1 - team, NUM_AGENTS, 2):  # an opponent ghost on the cell or beside it
        if not is_pacman[g, j] and abs(pos[g, j, 0] - x) + abs(pos[g, j, 1] - y) <= 1:
            ghosts += 1
    nearest = NO_PATH  # the maze distance to the nearest food it attacks
    for fy in range(gh):
        for fx in range(gw):
            if food[g, fy, fx] and (2 * fx < gw) == (team == 1):
                nearest = min(nearest, maze_distance(dist, w, x, y, fx, fy))
    q = 0.0
    q += (1.0 / FEATURE_SCALE) * W_BIAS
    q += (ghosts / FEATURE_SCALE) * W_GHOSTS
    if ghosts == 0 and food[g, y, x] and (2 * x < gw) == (team == 1):
        q += (1.0 / FEATURE_SCALE) * W_EATS_FOOD
    if nearest != NO_PATH:  # no food in reach: the feature is absent
        q += (float(nearest) / float(gw * gh)) / FEATURE_SCALE * W_CLOSEST_FOOD
    return q


@numba.njit(cache=True)
def _offensive_action(g, i, u_coin, u_choice, epsilon, walls, food, width, height, pos, is_pacman, dist):
    """`ApproxQLearningOffense.chooseAction` without its way home: explore with probability epsilon, else the
    best Q-value, ties by `u_choice`."""
    x, y = pos[g, i, 0], pos[g, i, 1]
    legal = np.empty(5, dtype=np.int64)
    values = np.empty(5, dtype=np.float64)
    count = 0
    for a in _ORDER:
        if a == STOP or not walls[g, y + _DY[a], x + _DX[a]]:
            legal[count] = a
            count += 1
    if u_coin < epsilon:  # util.flipCoin(epsilon): explore
        return legal[pick(u_choice, count)]
    best = -np.inf
    for m in range(count):
        values[m] = _q_value(g, i, legal[m], walls, food, width, height, pos, is_pacman, dist)
        best = max(best, values[m])
    ties = 0
    for m in range(count):
        if values[m] == best:
            legal[ties] = legal[m]
            ties += 1
    return legal[pick(u_choice, ties)]


@numba.njit(cache=True)
def _defensive_value(g, i, action, walls, heading, s_pos, s_pac, dist):
    """`DefensiveReflexAgent`'s features times its weights in the state `s_*` (slot 0) after its move `action`."""
    w = walls.shape[2]
    team = i % 2
    mx, my = s_pos[0, i, 0], s_pos[0, i, 1]
    value = 0.0 if s_pac[0, i] else 100.0
    invaders = 0
    nearest = NO_PATH
    for j in range(1 - team, NUM_AGENTS, 2):
        if s_pac[0, j]:
            invaders += 1
            nearest = min(nearest, maze_distance(dist, w, mx, my, s_pos[0, j, 0], s_pos[0, j, 1]))
    value -= 1000.0 * invaders
    if invaders > 0:
        value -= 10.0 * nearest
    if action == STOP:
        value -= 100.0
    if action == _REVERSE[heading[g, i]]:  # the reverse of Stop is Stop
        value -= 2.0
    return value


@numba.njit(cache=True)
def _approxq_kernel(team, epsilon, walls, food, capsules, width, height, starts, pos, is_pacman, carrying, returned,
                    scared, heading, food_left, score, tables, table_index, draws, out):
    """out: (N, 2) actions of the offensive (first) and defensive (second) agent; draws: (N, 2, DRAWS) uniforms."""
    n, h, w = walls.shape
    s_food, s_caps, s_pos, s_pac, s_carry, s_ret, s_scared, s_head, s_left, s_score = game_slots(1, h, w)  # after a move
    legal = np.empty(5, dtype=np.int64)
    values = np.empty(5, dtype=np.float64)
    for g in range(n):
        dist = tables[table_index[g]]
        go_home = food_left[g, 1 - team] <= GO_HOME_FOOD
        for k in range(2):
            i = team + 2 * k
            if k == 0 and not go_home:
                out[g, k] = _offensive_action(g, i, draws[g, k, 0], draws[g, k, 1], epsilon, walls, food, width,
                                              height, pos, is_pacman, dist)
                continue
            # the state after each legal move, by the engine's own rule (the contest's getSuccessor)
            count = 0
            best = -np.inf
            home_action, home_dist = STOP, 9999
            for a in _ORDER:
                if a != STOP and walls[g, pos[g, i, 1] + _DY[a], pos[g, i, 0] + _DX[a]]:
                    continue
                copy_game(g, food, capsules, pos, is_pacman, carrying, returned, scared, heading, food_left, score,
                          0, s_food, s_caps, s_pos, s_pac, s_carry, s_ret, s_scared, s_head, s_left, s_score)
                engine._move_agent(0, i, a, walls[g:g + 1], s_food, s_caps, width[g:g + 1], height[g:g + 1],
                                   starts[g:g + 1], s_pos, s_pac, s_carry, s_ret, s_scared, s_head, s_left, s_score)
                if go_home:  # the first action strictly nearest the start
                    d = maze_distance(dist, w, starts[g, i, 0], starts[g, i, 1], s_pos[0, i, 0], s_pos[0, i, 1])
                    if d < home_dist:
                        home_action, home_dist = a, d
                    continue
                legal[count] = a
                values[count] = _defensive_value(g, i, a, walls, heading, s_pos, s_pac, dist)
                best = max(best, values[count])
                count += 1
            if go_home:
                out[g, k] = home_action
                continue
            ties = 0
            for m in range(count):
                if values[m] == best:
                    legal[ties] = legal[m]
                    ties += 1
            out[g, k] = legal[pick(draws[g, k, 1], ties)]


class CourseApproxQTeam(DistanceTeam):
    """The course's approxQ team, ported (see the module docstring): a linear Q attacker with the course's
    learned weights and the contest's reflex defender.

    Args:
        team: the colour.
        epsilon: the attacker's chance of a random legal action each move (0.1 as in the course; 0 plays greedily).
    """

    name = "course_approxq"

    def __init__(self, team: int = 0, epsilon: float = EPSILON):
        super().__init__(team)
        if not 0.0 <= float(epsilon) <= 1.0:
            raise ValueError(f"epsilon must be in [0, 1], got {epsilon!r}")
        self.epsilon = float(epsilon)

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        self._tables_for(state)
        out = np.empty((state.num_games, 2), dtype=np.int64)
        draws = rng.random((state.num_games, 2, DRAWS))  # (N, 2, DRAWS): the epsilon coin, the choice
        s = state
        _approxq_kernel(self.team, self.epsilon, s.walls, s.food, s.capsules, s.width, s.height, s.starts, s.pos,
                        s.is_pacman, s.carrying, s.returned, s.scared, s.heading, s.food_left, s.score,
                        self.distances.tables, self.distances.index, draws, out)
        return out
