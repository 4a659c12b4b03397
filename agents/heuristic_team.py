"""The heuristic team: a planning attacker and a guarding defender, for all games at once.

Attacker (agent 0 for red, 1 for blue): plans a shortest path (breadth-first over the maze, around
the cells next to dangerous ghosts) to the best food; goes home once it carries enough, a dangerous
ghost comes near or time runs short; never steps next to a ghost that can eat it when it has another
way; runs for a capsule when chased; hunts scared ghosts it can reach in time.
Defender (agent 2 / 3): never leaves its half; chases invaders (keeps its distance while scared),
goes where its food just disappeared, and otherwise guards the border cell where its food is most
at risk (the border cell nearest both the food closest to an opponent and that opponent).

The per-game policy is a compiled function, so the search team can use it inside its rollouts.
"""

from __future__ import annotations

import numba
import numpy as np

from gymPacMan.distances import DistanceTables, bfs
from gymPacMan.engine import DX, DY, GameState
from gymPacMan.rules import NUM_ACTIONS, NUM_AGENTS, STOP

from .base import Team

_DX, _DY = DX, DY
FAR = 1 << 20

# Tuning, in steps or pieces of food.
CARRY_LIMIT = 5  # go home with this much food
DANGER_RADIUS = 5  # a dangerous ghost this close (maze distance) sends a carrying attacker home
CHASED_RADIUS = 4  # ...and makes it run for a capsule it can reach first
HUNT_RADIUS = 6  # scared ghosts this close are hunted
SAFETY_MARGIN = 4  # go home when the steps left are within this of the way home


@numba.njit(cache=True, inline="always")
def _cell(x, y, w):
    return y * w + x


@numba.njit(cache=True)
def _step_towards(walls, g, x, y, field, blocked, noise):
    """The legal action whose next cell is closest to the target in `field`; ties go to the larger `noise[a]`."""
    h, w = walls.shape[1], walls.shape[2]
    best, best_noise, best_action = FAR, -1.0, -1
    for a in range(NUM_ACTIONS):
        nx, ny = x + _DX[a], y + _DY[a]
        if walls[g, ny, nx]:
            continue
        cell = ny * w + nx
        if blocked[cell] and a != STOP:
            continue
        if field[cell] < best or (field[cell] == best and noise[a] > best_noise):
            best, best_noise, best_action = field[cell], noise[a], a
    return best_action


@numba.njit(cache=True, inline="always")
def _on_own_half(x, width, team):
    return (2 * x < width) == (team == 0)


@numba.njit(cache=True, inline="always")
def _border_column(width, team):
    """The column of `team`'s half next to the centre line (red: the last x < W/2)."""
    last_red = (width + 1) // 2 - 1
    return last_red if team == 0 else last_red + 1


@numba.njit(cache=True)
def _attacker(g, i, walls, food, capsules, width, starts, pos, is_pacman, carrying, scared, t, time_limit,
              dist, blocked, field, queue, noise):
    n, h, w = walls.shape
    team = i % 2
    gw = width[g]
    x, y = pos[g, i, 0], pos[g, i, 1]
    me = _cell(x, y, w)
    # Dangerous ghosts: opponents on their own half that can eat a Pacman now or soon.
    blocked[:] = False
    threat = FAR
    for j in range(1 - team, NUM_AGENTS, 2):
        if is_pacman[g, j] or scared[g, j] > 1:
            continue
        jx, jy = pos[g, j, 0], pos[g, j, 1]
        threat = min(threat, dist[me, _cell(jx, jy, w)])
        for a in range(NUM_ACTIONS):  # the ghost's cell and its neighbours, where they are enemy ground
            bx, by = jx + _DX[a], jy + _DY[a]
            if not walls[g, by, bx] and not _on_own_half(bx, gw, team):
                blocked[_cell(bx, by, w)] = True
    # The nearest cell of our own half (home), and the way home.
    home, home_d = -1, FAR
    cx = _border_column(gw, team)
    for cy in range(h):
        if not walls[g, cy, cx]:
            d = dist[me, _cell(cx, cy, w)]
            if d < home_d:
                home, home_d = _cell(cx, cy, w), d
    food_left = 0
    target, target_d = -1, FAR
    for cy in range(h):
        for cx in range(gw):
            if food[g, cy, cx] and not _on_own_half(cx, gw, team):
                food_left += 1
                c = _cell(cx, cy, w)
                d = dist[me, c]
                if blocked[c]:  # under or beside a dangerous ghost: only if nothing else is left
                    d += 50
                # prefer food we reach before any dangerous ghost does
                for j in range(1 - team, NUM_AGENTS, 2):
                    if not is_pacman[g, j] and scared[g, j] <= d:
                        if dist[_cell(pos[g, j, 0], pos[g, j, 1], w), c] <= d:
                            d += 10
                if d < target_d:
                    target, target_d = c, d
    steps_left = time_limit - t[g]
    carried = carrying[g, i]
    go_home = carried > 0 and (
        carried >= CARRY_LIMIT
        or (is_pacman[g, i] and threat <= DANGER_RADIUS)
        or food_left == 0
        or steps_left <= home_d + SAFETY_MARGIN
        or target_d > 2 * home_d + 4
    )
    if go_home and home >= 0:
        target = home
    elif is_pacman[g, i] and threat <= CHASED_RADIUS:
        # chased: a capsule we reach first, else home
        best_cap = FAR
        for cy in range(h):
            for cx in range(gw):
                if capsules[g, cy, cx] and not _on_own_half(cx, gw, team):
                    c = _cell(cx, cy, w)
                    if dist[me, c] < best_cap:
                        best_cap = dist[me, c]
                        target = c
        if best_cap == FAR and home >= 0 and carried > 0:
            target = home
    # hunt a scared ghost we can catch before it recovers
    if not go_home:
        for j in range(1 - team, NUM_AGENTS, 2):
            if not is_pacman[g, j] and scared[g, j] > 2:
                c = _cell(pos[g, j, 0], pos[g, j, 1], w)
                d = dist[me, c]
                if d <= HUNT_RADIUS and d < scared[g, j] and not _on_own_half(pos[g, j, 0], gw, team):
                    target = c
                    blocked[c] = False
    if target < 0:
        target = _cell(starts[g, i, 0], starts[g, i, 1], w)
    field[:] = FAR
    bfs(walls[g], target, field, queue, blocked, -1, gw, me)
    action = _step_towards(walls, g, x, y, field, blocked, noise)
    if action < 0 or field[me] >= FAR:
        # no safe way to the target: get away from the nearest dangerous ghost, towards home
        best, action = -FAR, STOP
        for a in range(NUM_ACTIONS):
            nx, ny = x + _DX[a], y + _DY[a]
            if walls[g, ny, nx]:
                continue
            c = _cell(nx, ny, w)
            value = -dist[c, home] if home >= 0 else 0
            for j in range(1 - team, NUM_AGENTS, 2):
                if not is_pacman[g, j] and scared[g, j] <= 1:
                    value += 3 * min(dist[c, _cell(pos[g, j, 0], pos[g, j, 1], w)], 6)
            if blocked[c] and not _on_own_half(nx, gw, team):
                value -= 100
            if value > best:
                best, action = value, a
    return action


@numba.njit(cache=True)
def _defender(g, i, walls, food, width, pos, is_pacman, scared, dist, last_eaten, blocked, field, queue, noise):
    n, h, w = walls.shape
    team = i % 2
    gw = width[g]
    x, y = pos[g, i, 0], pos[g, i, 1]
    me = _cell(x, y, w)
    blocked[:] = False
    target, target_d = -1, FAR
    for j in range(1 - team, NUM_AGENTS, 2):
        if is_pacman[g, j]:
            c = _cell(pos[g, j, 0], pos[g, j, 1], w)
            if dist[me, c] < target_d:
                target, target_d = c, dist[me, c]
    if target >= 0 and scared[g, i] > 0:
        # scared: shadow the invader from two steps away instead of touching it
        ix, iy = target % w, target // w
        blocked[target] = True
        for a in range(4):
            blocked[_cell(ix + _DX[a], iy + _DY[a], w)] = True
        best, action = FAR, STOP
        for a in range(NUM_ACTIONS):
            nx, ny = x + _DX[a], y + _DY[a]
            c = _cell(nx, ny, w)
            if walls[g, ny, nx] or (blocked[c] and a != STOP) or not _on_own_half(nx, gw, team):
                continue
            d = abs(int(dist[c, target]) - 2)
            if d < best:
                best, action = d, a
        return action
    if target < 0 and last_eaten[g, 0] >= 0:
        target = _cell(last_eaten[g, 0], last_eaten[g, 1], w)
        if target == me:
            last_eaten[g, 0] = -1
            target = -1
    if target < 0:
        # guard: the food nearest an opponent is most at risk; stand at the border cell nearest it and that opponent
        risk_food, risk_d, raider = -1, FAR, -1
        for cy in range(h):
            for cx in range(gw):
                if food[g, cy, cx] and _on_own_half(cx, gw, team):
                    c = _cell(cx, cy, w)
                    for j in range(1 - team, NUM_AGENTS, 2):
                        d = dist[_cell(pos[g, j, 0], pos[g, j, 1], w), c]
                        if d < risk_d:
                            risk_food, risk_d, raider = c, d, j
        best = FAR
        cx = _border_column(gw, team)
        for cy in range(h):
            if not walls[g, cy, cx]:
                c = _cell(cx, cy, w)
                d = 0
                if risk_food >= 0:
                    d = dist[c, risk_food] + dist[c, _cell(pos[g, raider, 0], pos[g, raider, 1], w)]
                if d < best:
                    best, target = d, c
    if target < 0:
        return STOP
    blocked[target] = False
    field[:] = FAR
    bfs(walls[g], target, field, queue, blocked, team, gw, me)  # the defender stays home
    action = _step_towards(walls, g, x, y, field, blocked, noise)
    return STOP if action < 0 else action


@numba.njit(cache=True)
def _remember_eaten(g, team, food, prev_food, width, last_eaten):
    """Note where our food just disappeared, then keep this step's food for the next comparison."""
    n, h, w = food.shape
    gw = width[g]
    for cy in range(h):
        for cx in range(gw):
            if _on_own_half(cx, gw, team):
                if prev_food[g, cy, cx] and not food[g, cy, cx]:
                    last_eaten[g, 0], last_eaten[g, 1] = cx, cy
            prev_food[g, cy, cx] = food[g, cy, cx]


@numba.njit(cache=True)
def heuristic_actions(g, team, walls, food, capsules, width, starts, pos, is_pacman, carrying, scared, t,
                      time_limit, dist, prev_food, last_eaten, blocked, field, queue, noise):
    """The heuristic team's two actions in game g (attacker, defender); updates the defender's memory.

    noise: `(2, 5)` tie-breakers for the two agents' equally good moves (zeros: the first one).
    """
    _remember_eaten(g, team, food, prev_food, width, last_eaten)
    attack = _attacker(g, team, walls, food, capsules, width, starts, pos, is_pacman, carrying, scared, t,
                       time_limit, dist, blocked, field, queue, noise[0])
    defend = _defender(g, team + 2, walls, food, width, pos, is_pacman, scared, dist, last_eaten, blocked, field,
                       queue, noise[1])
    return attack, defend


@numba.njit(cache=True)
def _heuristic_kernel(walls, food, capsules, width, starts, pos, is_pacman, carrying, scared, t, time_limit,
                      tables, table_index, team, prev_food, last_eaten, noise, out):
    n, h, w = walls.shape
    blocked = np.zeros(h * w, dtype=np.bool_)
    field = np.empty(h * w, dtype=np.int64)
    queue = np.empty(h * w, dtype=np.int64)
    for g in range(n):
        a, d = heuristic_actions(g, team, walls, food, capsules, width, starts, pos, is_pacman, carrying, scared, t,
                                 time_limit, tables[table_index[g]], prev_food, last_eaten, blocked, field, queue,
                                 noise[g])
        out[g, 0], out[g, 1] = a, d


class HeuristicTeam(Team):
    """A planning attacker and a guarding defender (the course's `heuristicTeam` / `AstarTeam` kind)."""

    name = "heuristic"
    memory_arrays = ("prev_food", "last_eaten")  # the defender's memory (`state_dict`)

    def __init__(self, team: int = 0):
        super().__init__(team)
        self.distances = DistanceTables()
        self.prev_food = np.zeros((0, 0, 0), dtype=np.bool_)  # (N, H, W) our food at the last step
        self.last_eaten = np.zeros((0, 2), dtype=np.int64)  # (N, 2) where our food last disappeared, -1 none

    def reset(self, state: GameState, games: np.ndarray) -> None:
        self._start(state, np.arange(state.num_games) if self.bind(state) else games)

    def _start(self, state: GameState, games: np.ndarray) -> None:
        """Distance tables and an empty memory for `games` (all of them for a new batch)."""
        if self.prev_food.shape != state.food.shape:
            self.prev_food = state.food.copy()
            self.last_eaten = np.full((state.num_games, 2), -1, dtype=np.int64)
        self.distances.update(state, games)
        self.prev_food[games] = state.food[games]
        self.last_eaten[games] = -1

    def _begin_move(self, state: GameState, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """The `(N, 2)` action buffer and `(N, 2, 5)` tie-breakers (equally good moves go at random)."""
        if self.bind(state):
            self._start(state, np.arange(state.num_games))
        return np.empty((state.num_games, 2), dtype=np.int64), rng.random((state.num_games, 2, NUM_ACTIONS))

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out, noise = self._begin_move(state, rng)
        s = state
        _heuristic_kernel(s.walls, s.food, s.capsules, s.width, s.starts, s.pos, s.is_pacman, s.carrying, s.scared,
                          s.t, self.time_limit, self.distances.tables, self.distances.index, self.team,
                          self.prev_food, self.last_eaten, noise, out)
        return out
