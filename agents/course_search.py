"""The course's A* searches over whole game states, compiled: the planning of `heuristicTeam` and `AstarTeam`.

The course's two planning teams search over game states with `generateSuccessor`. Here a search runs
on copies of one game's arrays, and every move in it is the engine's own compiled rule
(`engine._move_agent`: eating, returning, deaths, food dumps, capsules, timers), as our contest
adapter's `generateSuccessor` is. What the course's code decides is kept exactly:

- the frontier is the contest's `util.PriorityQueue`: lowest priority first, equal priorities in the
  order they were pushed;
- successors come in the contest's order of legal actions (North, South, East, West, Stop);
- states are told apart as the contest's `GameState.__eq__` does: every agent's position, direction
  and scared timer, the food, the capsules and the score (not who carries what). The attacker's
  problem sets every direction to North, so its states are told apart without them; the defender's
  state also holds the goal distance of its parent.

The attacker (`offence_search`) is the course's `aStarSearch` on `FoodOffenseWithAgentAwareness`:
the goal is a move that scores for its team; successors leave out Stop; within the first two moves of
the plan, while the agent is a Pacman, every visible ghost next to it (not scared) steps onto it; the
heuristic is the maze distance to the nearest food while it carries none, else to the nearest open
cell of its border column. `AstarTeam`'s version (`astar=True`) drops every successor in which a
ghost stepped onto the agent. A closed state is opened again when it is reached with a smaller cost.

The defender (`defence_search`) is `aStarSearchDefensive` on `defendTerritoryProblem`: towards a goal
cell, only through moves that end on its own side of the boundary column and strictly nearer the
goal (its heuristic is 0 or infinite), breadth first in push order; a state is never opened twice.

Both search to completion: the course's `time_limit` does not stop them either (`heuristicTeam`
never enters it and `AstarTeam`'s sets a flag nobody reads). A search returns the first action of
the plan it found, or -1 where the course's agent draws a random legal action (no plan; the defender
already on its goal).
"""

from __future__ import annotations

import numba
import numpy as np

from gymPacMan import engine
from gymPacMan.distances import UNREACHABLE
from gymPacMan.engine import DX, DY
from gymPacMan.rules import EAST, NORTH, NUM_AGENTS, SOUTH, STOP, WEST

_DX, _DY = DX, DY
CONTEST_ORDER = np.array([NORTH, SOUTH, EAST, WEST, STOP], dtype=np.int64)  # the contest lists legal actions so
NO_PATH = 10000  # the contest's Distancer gives this for cells no path joins
NO_FOOD = 99999999  # the attacker's heuristic with no food left to eat
INF = np.int64(1) << 62  # the course's float('inf')
RANDOM = -1  # no plan: the course's agent draws a random legal action

# A stored node's integers: the state of its game (positions x, y by agent; then per agent: Pacman
# flag, food carried, returned, scared timer, heading), food left per half, score, the score change of
# the move(s) that made it, and (defender) its parent's distance to the goal.
I_POS, I_PAC, I_CARRY, I_RET, I_SCARED, I_HEAD, I_LEFT, I_SCORE, I_CHANGE, I_PDIST = 0, 8, 12, 16, 20, 24, 28, 30, 31, 32
NUM_INTS = 33
OFFENCE_KEY = np.array([*range(I_POS, I_POS + 8), *range(I_SCARED, I_SCARED + 4), I_SCORE], dtype=np.int64)
DEFENCE_KEY = np.array([*range(I_POS, I_POS + 8), *range(I_SCARED, I_HEAD + 4), I_SCORE, I_PDIST], dtype=np.int64)
OK, OVERFLOW = 0, 1  # a search's status: done, or out of room (grow the space and search again)


class SearchSpace:
    """The nodes, frontier and closed set of one search at a time, reused from search to search.

    A search that outgrows it stops with `OVERFLOW`; `grow` makes it larger and the caller runs that
    search again (searches are deterministic), so no search is ever cut short.
    """

    def __init__(self, grid_shape: tuple[int, int], capacity: int = 4096):
        self.grid_shape = grid_shape
        h, w = grid_shape
        self.row = 2 * (-(-h * w // 8) * 8)  # food then capsules, each padded to whole 8-byte words
        self.stamp = np.zeros(1, dtype=np.int64)  # which search the closed set's slots belong to
        self._allocate(capacity)

    def _allocate(self, capacity: int) -> None:
        h, w = self.grid_shape
        self.capacity = capacity
        self.pool = (
            np.empty((capacity, NUM_INTS), dtype=np.int32),  # (M, 33) the node's integers (I_*)
            np.zeros((capacity, self.row), dtype=np.uint8),  # (M, row) its food and capsules (padding stays 0)
            np.empty(capacity, dtype=np.int64),  # its cost so far (= plan length)
            np.empty(capacity, dtype=np.int64),  # the first action of its plan
            np.empty(capacity, dtype=np.uint64),  # its key's hash (set when it is popped)
        )
        self.heap = (np.empty(capacity, dtype=np.int64), np.empty(capacity, dtype=np.int64),
                     np.empty(capacity, dtype=np.int64))  # priority, push count, node
        slots = 1 << int(2 * capacity - 1).bit_length()
        self.table = (np.zeros(slots, dtype=np.int64), np.zeros(slots, dtype=np.int64),
                      np.full(slots, -1, dtype=np.int64), self.stamp)  # node, best cost, stamp
        self.scratch = tuple(scratch_state(h, w) for _ in range(2))  # a node being expanded, and its child

    def grow(self) -> None:
        self._allocate(4 * self.capacity)


def scratch_state(h: int, w: int) -> tuple:
    """One game's state arrays (leading N = 1), in the order `engine._move_agent` takes them."""
    return (np.zeros((1, h, w), dtype=np.bool_), np.zeros((1, h, w), dtype=np.bool_),
            np.zeros((1, NUM_AGENTS, 2), dtype=np.int64), np.zeros((1, NUM_AGENTS), dtype=np.bool_),
            np.zeros((1, NUM_AGENTS), dtype=np.int64), np.zeros((1, NUM_AGENTS), dtype=np.int64),
            np.zeros((1, NUM_AGENTS), dtype=np.int64), np.zeros((1, NUM_AGENTS), dtype=np.int64),
            np.zeros((1, 2), dtype=np.int64), np.zeros(1, dtype=np.int64))


@numba.njit(cache=True)
def load_root(g, s, food, capsules, pos, is_pacman, carrying, returned, scared, heading, food_left, score, visible):
    """Game g into scratch `s`, opponents out of sight at (-1, -1), as the contest's observations keep them."""
    sf, sc, sp, spac, scar, sret, ssc, shead, sleft, sscore = s
    sf[0] = food[g]
    sc[0] = capsules[g]
    for i in range(NUM_AGENTS):
        sp[0, i, 0] = pos[g, i, 0] if visible[g, i] else -1
        sp[0, i, 1] = pos[g, i, 1] if visible[g, i] else -1
        spac[0, i] = is_pacman[g, i]
        scar[0, i] = carrying[g, i]
        sret[0, i] = returned[g, i]
        ssc[0, i] = scared[g, i]
        shead[0, i] = heading[g, i]
    sleft[0, 0], sleft[0, 1] = food_left[g, 0], food_left[g, 1]
    sscore[0] = score[g]


@numba.njit(cache=True)
def _store(pool, k, s, cost, first, change, pdist):
    ints, cells, costs, firsts, _ = pool
    sf, sc, sp, spac, scar, sret, ssc, shead, sleft, sscore = s
    for i in range(NUM_AGENTS):
        ints[k, I_POS + 2 * i] = sp[0, i, 0]
        ints[k, I_POS + 2 * i + 1] = sp[0, i, 1]
        ints[k, I_PAC + i] = spac[0, i]
        ints[k, I_CARRY + i] = scar[0, i]
        ints[k, I_RET + i] = sret[0, i]
        ints[k, I_SCARED + i] = ssc[0, i]
        ints[k, I_HEAD + i] = shead[0, i]
    ints[k, I_LEFT], ints[k, I_LEFT + 1] = sleft[0, 0], sleft[0, 1]
    ints[k, I_SCORE], ints[k, I_CHANGE], ints[k, I_PDIST] = sscore[0], change, pdist
    h, w = sf.shape[1], sf.shape[2]
    half = cells.shape[1] // 2
    row = cells[k]
    for y in range(h):
        for x in range(w):
            row[y * w + x] = sf[0, y, x]
            row[half + y * w + x] = sc[0, y, x]
    costs[k], firsts[k] = cost, first


@numba.njit(cache=True)
def _load(pool, k, s):
    ints, cells = pool[0], pool[1]
    sf, sc, sp, spac, scar, sret, ssc, shead, sleft, sscore = s
    for i in range(NUM_AGENTS):
        sp[0, i, 0] = ints[k, I_POS + 2 * i]
        sp[0, i, 1] = ints[k, I_POS + 2 * i + 1]
        spac[0, i] = ints[k, I_PAC + i] != 0
        scar[0, i] = ints[k, I_CARRY + i]
        sret[0, i] = ints[k, I_RET + i]
        ssc[0, i] = ints[k, I_SCARED + i]
        shead[0, i] = ints[k, I_HEAD + i]
    sleft[0, 0], sleft[0, 1] = ints[k, I_LEFT], ints[k, I_LEFT + 1]
    sscore[0] = ints[k, I_SCORE]
    h, w = sf.shape[1], sf.shape[2]
    half = cells.shape[1] // 2
    row = cells[k]
    for y in range(h):
        for x in range(w):
            sf[0, y, x] = row[y * w + x] != 0
            sc[0, y, x] = row[half + y * w + x] != 0


@numba.njit(cache=True, inline="always")
def _copy(a, b):
    """Scratch state `a` into `b`."""
    b[0][:] = a[0]
    b[1][:] = a[1]
    b[2][:] = a[2]
    b[3][:] = a[3]
    b[4][:] = a[4]
    b[5][:] = a[5]
    b[6][:] = a[6]
    b[7][:] = a[7]
    b[8][:] = a[8]
    b[9][:] = a[9]


@numba.njit(cache=True, inline="always")
def _move(g, i, action, walls, width, height, starts, s):
    """Agent i plays `action` in scratch `s` (game g's board) by the engine's rule; returns the score change."""
    sf, sc, sp, spac, scar, sret, ssc, shead, sleft, sscore = s
    before = sscore[0]
    engine._move_agent(0, i, action, walls[g:g + 1], sf, sc, width[g:g + 1], height[g:g + 1], starts[g:g + 1], sp,
                       spac, scar, sret, ssc, shead, sleft, sscore)
    return sscore[0] - before


@numba.njit(cache=True, inline="always")
def maze_distance(dist, a, b):
    """The contest's `getMazeDistance` between cells a and b (`NO_PATH` where none joins them)."""
    d = dist[a, b]
    return NO_PATH if d == UNREACHABLE else np.int64(d)


# -- the frontier: a binary heap ordered by (priority, push count) ---------------------------------
@numba.njit(cache=True)
def _push(heap, size, priority, count, node):
    hp, hc, hn = heap
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if hp[parent] < priority or (hp[parent] == priority and hc[parent] < count):
            break
        hp[i], hc[i], hn[i] = hp[parent], hc[parent], hn[parent]
        i = parent
    hp[i], hc[i], hn[i] = priority, count, node
    return size + 1


@numba.njit(cache=True)
def _pop(heap, size):
    """The node of the least (priority, count); returns (node, new size)."""
    hp, hc, hn = heap
    top = hn[0]
    size -= 1
    p, c, n = hp[size], hc[size], hn[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and (hp[child + 1] < hp[child] or (hp[child + 1] == hp[child] and hc[child + 1] < hc[child])):
            child += 1
        if p < hp[child] or (p == hp[child] and c < hc[child]):
            break
        hp[i], hc[i], hn[i] = hp[child], hc[child], hn[child]
        i = child
    hp[i], hc[i], hn[i] = p, c, n
    return top, size


# -- the closed set: open addressing on the key's hash, keys compared in full ---------------------
@numba.njit(cache=True)
def _hash(pool, k, key):
    ints, cells = pool[0], pool[1]
    prime = np.uint64(1099511628211)
    h = np.uint64(14695981039346656037)
    for idx in key:
        h = (h ^ np.uint64(np.int64(ints[k, idx]) + (np.int64(1) << 32))) * prime
    for word in cells[k].view(np.uint64):
        h = (h ^ word) * prime
    return h ^ (h >> np.uint64(29))


@numba.njit(cache=True)
def _same(pool, a, b, key):
    ints, cells = pool[0], pool[1]
    for idx in key:
        if ints[a, idx] != ints[b, idx]:
            return False
    wa, wb = cells[a].view(np.uint64), cells[b].view(np.uint64)
    for j in range(wa.shape[0]):
        if wa[j] != wb[j]:
            return False
    return True


@numba.njit(cache=True)
def _closed_slot(pool, table, k, key):
    """The slot holding node k's key, or, where none does, -(the free slot for it) - 1."""
    t_node, t_cost, t_stamp, stamp = table
    hashes = pool[4]
    h = _hash(pool, k, key)
    hashes[k] = h
    mask = t_node.shape[0] - 1
    slot = np.int64(h & np.uint64(mask))
    while t_stamp[slot] == stamp[0]:
        other = t_node[slot]
        if hashes[other] == h and _same(pool, other, k, key):
            return slot
        slot = (slot + 1) & mask
    return -slot - 1


@numba.njit(cache=True, inline="always")
def _scores(team, change):
    """The attacker's goal: a move that scored for its team (the course's `scoreChange` test)."""
    return change >= 1 if team == 0 else change <= -1


@numba.njit(cache=True)
def offence_heuristic(g, me, astar, safe, change, walls, width, height, s, dist):
    """The course's `offensiveHeuristic` on scratch state `s` reached with score change `change`."""
    team = me % 2
    if _scores(team, change):
        return 0
    if astar and not safe:
        return INF
    sf, sp, scar = s[0], s[2], s[4]
    w = walls.shape[2]
    gw, gh = width[g], height[g]
    me_cell = sp[0, me, 1] * w + sp[0, me, 0]
    best = NO_FOOD
    if scar[0, me] < 1:  # the nearest food it may eat
        first_blue = (gw + 1) // 2
        x0, x1 = (first_blue, gw) if team == 0 else (0, first_blue)
        for y in range(gh):
            for x in range(x0, x1):
                if sf[0, y, x]:
                    best = min(best, maze_distance(dist, me_cell, y * w + x))
        return best
    mid = gw // 2 - 1 if team == 0 else gw // 2  # its border column, as the course computes it
    for y in range(gh):  # (a column all wall: the course's min() raises; here NO_FOOD)
        if not walls[g, y, mid]:
            best = min(best, maze_distance(dist, me_cell, y * w + mid))
    return best


@numba.njit(cache=True)
def _ghosts_step_in(g, me, walls, width, height, starts, dist, c, change):
    """Visible ghosts next to agent `me` (not scared) each step onto it, in index order, as the course's
    attacker expects within its plan's first two moves. Returns (score change of the last move, whether
    any ghost stepped in)."""
    team = me % 2
    sp, spac, ssc = c[2], c[3], c[6]
    w = walls.shape[2]
    mx, my = sp[0, me, 0], sp[0, me, 1]
    movers = np.empty(2, dtype=np.int64)
    actions = np.empty(2, dtype=np.int64)
    count = 0
    for j in range(1 - team, NUM_AGENTS, 2):
        jx, jy = sp[0, j, 0], sp[0, j, 1]
        if jx < 0 or maze_distance(dist, my * w + mx, jy * w + jx) > 1 or spac[0, j] or ssc[0, j] > 0:
            continue
        for k in range(5):
            a = CONTEST_ORDER[k]
            if jx + _DX[a] == mx and jy + _DY[a] == my:
                movers[count], actions[count] = j, a
                count += 1
                break
    for k in range(count):
        change = _move(g, movers[k], actions[k], walls, width, height, starts, c)
    return change, count > 0


@numba.njit(cache=True)
def offence_search(g, me, astar, walls, width, height, starts, dist, pool, heap, table, scratch):
    """The attacker's plan from the state in `scratch[0]` (game g's board); returns (status, first action or RANDOM)."""
    team = me % 2
    s, c = scratch
    capacity = pool[0].shape[0]
    firsts, costs = pool[3], pool[2]
    t_node, t_cost, t_stamp, stamp = table
    stamp[0] += 1
    _store(pool, 0, s, 0, RANDOM, 0, 0)
    size = _push(heap, 0, 0, 0, 0)
    count, nodes = 1, 1
    while size > 0:
        node, size = _pop(heap, size)
        cost = costs[node]
        if node > 0:  # the start is a state of its own kind: it never meets another
            slot = _closed_slot(pool, table, node, OFFENCE_KEY)
            if slot >= 0:
                if cost >= t_cost[slot]:
                    continue
                t_cost[slot] = cost
            else:
                slot = -slot - 1
                t_node[slot], t_cost[slot], t_stamp[slot] = node, cost, stamp[0]
            if _scores(team, pool[0][node, I_CHANGE]):
                return OK, firsts[node]
        _load(pool, node, s)
        parent_pacman = s[3][0, me]
        x, y = s[2][0, me, 0], s[2][0, me, 1]
        for k in range(4):  # Stop is left out
            a = CONTEST_ORDER[k]
            if walls[g, y + _DY[a], x + _DX[a]]:
                continue
            _copy(s, c)
            change = _move(g, me, a, walls, width, height, starts, c)
            safe = True
            if cost <= 1 and parent_pacman:
                change, stepped = _ghosts_step_in(g, me, walls, width, height, starts, dist, c, change)
                safe = not stepped
            h = offence_heuristic(g, me, astar, safe, change, walls, width, height, c, dist)
            if h >= INF:
                continue
            if nodes == capacity:
                return OVERFLOW, RANDOM
            _store(pool, nodes, c, cost + 1, a if node == 0 else firsts[node], change, 0)
            size = _push(heap, size, cost + 1 + h, count, nodes)
            count += 1
            nodes += 1
    return OK, RANDOM


@numba.njit(cache=True)
def defence_search(g, me, goal_x, goal_y, boundary, walls, width, height, starts, dist, pool, heap, table, scratch):
    """The defender's plan to cell (goal_x, goal_y) from the state in `scratch[0]`, never past column
    `boundary`; returns (status, first action or RANDOM)."""
    team = me % 2
    s, c = scratch
    capacity = pool[0].shape[0]
    firsts, costs = pool[3], pool[2]
    t_node, t_cost, t_stamp, stamp = table
    w = walls.shape[2]
    goal = goal_y * w + goal_x
    stamp[0] += 1
    sp = s[2]
    _store(pool, 0, s, 0, RANDOM, 0, maze_distance(dist, goal, sp[0, me, 1] * w + sp[0, me, 0]))
    size = _push(heap, 0, INF, 0, 0)
    count, nodes = 1, 1
    while size > 0:
        node, size = _pop(heap, size)
        cost = costs[node]
        if node > 0:
            slot = _closed_slot(pool, table, node, DEFENCE_KEY)
            if slot >= 0:
                continue
            slot = -slot - 1
            t_node[slot], t_cost[slot], t_stamp[slot] = node, cost, stamp[0]
        _load(pool, node, s)
        x, y = sp[0, me, 0], sp[0, me, 1]
        if x == goal_x and y == goal_y:
            return OK, firsts[node]
        parent_d = maze_distance(dist, goal, y * w + x)
        for k in range(5):
            a = CONTEST_ORDER[k]
            if a != STOP and walls[g, y + _DY[a], x + _DX[a]]:
                continue
            _copy(s, c)
            _move(g, me, a, walls, width, height, starts, c)
            cx, cy = c[2][0, me, 0], c[2][0, me, 1]
            if (cx > boundary) if team == 0 else (cx < boundary):
                continue
            if not maze_distance(dist, goal, cy * w + cx) < parent_d:  # the heuristic is infinite
                continue
            if nodes == capacity:
                return OVERFLOW, RANDOM
            _store(pool, nodes, c, cost + 1, a if node == 0 else firsts[node], 0, parent_d)
            size = _push(heap, size, cost + 1, count, nodes)
            count += 1
            nodes += 1
    return OK, RANDOM
