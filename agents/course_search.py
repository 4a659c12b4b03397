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

`plan` runs either search. The attacker's is the course's `aStarSearch` on `FoodOffenseWithAgentAwareness`:
the goal is a move that scores for its team; successors leave out Stop; within the first two moves of
the plan, while the agent is a Pacman, every visible ghost next to it (not scared) steps onto it; the
heuristic is the maze distance to the nearest food while it carries none, else to the nearest open
cell of its border column. `AstarTeam`'s version (`astar=True`) drops every successor in which a
ghost stepped onto the agent. A closed state is opened again when it is reached with a smaller cost.

The defender's (`defence=True`) is `aStarSearchDefensive` on `defendTerritoryProblem`: towards a goal
cell, only through moves that end on its own side of the boundary column and strictly nearer the goal
(its heuristic is 0 or infinite), breadth first in push order; a state is never opened twice.

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
OK, OVERFLOW = 0, 1  # a search's status: done, or out of room (grow the space and search again)

# A state's integers: its game's state (x, y of each agent; then per agent: Pacman flag, food carried,
# returned, scared timer, heading), food left per half, score; then, for a node of a search, its cost
# so far (= plan length), the first action of its plan, the score change of the move(s) that made it
# and (defender) its parent's distance to the goal.
I_POS, I_PAC, I_CARRY, I_RET, I_SCARED, I_HEAD, I_LEFT, I_SCORE = 0, 8, 12, 16, 20, 24, 28, 30
I_COST, I_FIRST, I_CHANGE, I_PDIST = 31, 32, 33, 34
NUM_INTS = 35


class SearchSpace:
    """The nodes, frontier and closed set of one search at a time, reused from search to search, and two
    scratch states (a node being expanded, and a successor).

    A search that outgrows the space stops with `OVERFLOW`; `grow` makes it larger and the caller runs
    that search again (searches are deterministic), so no search is ever cut short.
    """

    def __init__(self, grid_shape: tuple[int, int], capacity: int = 4096):
        self.grid_shape = grid_shape
        h, w = grid_shape
        self.stride = -(-h * w // 8) * 8  # a node's food, then its capsules, each padded to whole 8-byte words
        self.stamp = np.zeros(1, dtype=np.int64)  # which search the closed set's slots belong to
        self.cells = np.zeros(h * w, dtype=np.int64)  # (H*W,) the attacker's target cells, a scratch list
        self.scratch = (scratch_state(h, w), scratch_state(h, w))  # a node being expanded, and a successor
        self._allocate(capacity)

    def _allocate(self, capacity: int) -> None:
        m = self.capacity = capacity
        self.pool = (np.zeros((m, NUM_INTS), dtype=np.int64),  # (M, 35) each node's integers (I_*)
                     np.zeros((m, 2 * self.stride), dtype=np.bool_),  # (M, 2 * stride) its food and capsules
                     np.zeros(m, dtype=np.uint64),  # (M,) its key's hash (set when it is popped)
                     np.zeros((m, NUM_AGENTS), dtype=np.bool_))  # (M, 4) its agents' Pacman flags
        self.heap = (np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64),
                     np.empty(m, dtype=np.int64))  # priority, push count, node
        slots = 1 << int(2 * m - 1).bit_length()
        self.table = (np.zeros(slots, dtype=np.int64), np.zeros(slots, dtype=np.int64),
                      np.full(slots, -1, dtype=np.int64), self.stamp)  # node, best cost, stamp

    def grow(self) -> None:
        self._allocate(4 * self.capacity)


def scratch_state(h: int, w: int) -> tuple:
    """One game's state as the engine's arrays (leading N = 1): food, capsules, positions, Pacman flags,
    food carried, returned, scared timers, headings, food left, score; then its integers (all but the
    Pacman flags, which the integer arrays before it are views of) and its food and capsules flat."""
    food, capsules = np.zeros((1, h, w), dtype=np.bool_), np.zeros((1, h, w), dtype=np.bool_)
    ints = np.zeros(NUM_INTS, dtype=np.int64)
    fields = [ints[start:start + 4].reshape(1, 4) for start in (I_CARRY, I_RET, I_SCARED, I_HEAD)]
    return (food, capsules, ints[I_POS:I_POS + 8].reshape(1, NUM_AGENTS, 2), np.zeros((1, NUM_AGENTS), dtype=np.bool_),
            *fields, ints[I_LEFT:I_LEFT + 2].reshape(1, 2), ints[I_SCORE:I_SCORE + 1], ints, food.reshape(-1),
            capsules.reshape(-1))


@numba.njit(cache=True)
def load_root(g, s, food, capsules, pos, is_pacman, carrying, returned, scared, heading, food_left, score, visible):
    """Game g into scratch state `s`, opponents out of sight at (-1, -1), as the contest's observations keep them."""
    s[0][0] = food[g]
    s[1][0] = capsules[g]
    ints, pac = s[10], s[3]
    for i in range(NUM_AGENTS):
        ints[I_POS + 2 * i] = pos[g, i, 0] if visible[g, i] else -1
        ints[I_POS + 2 * i + 1] = pos[g, i, 1] if visible[g, i] else -1
        pac[0, i] = is_pacman[g, i]
        ints[I_CARRY + i] = carrying[g, i]
        ints[I_RET + i] = returned[g, i]
        ints[I_SCARED + i] = scared[g, i]
        ints[I_HEAD + i] = heading[g, i]
    ints[I_LEFT], ints[I_LEFT + 1], ints[I_SCORE] = food_left[g, 0], food_left[g, 1], score[g]


# (States are copied element by element: numba's slice assignment checks for overlap and may copy
# through a temporary, which costs more than the copy.)
@numba.njit(cache=True)
def _copy(food, capsules, ints, pac, to_food, to_capsules, to_ints, to_pac):
    """A state (flat food and capsules, integers, Pacman flags) onto another."""
    for c in range(food.shape[0]):
        to_food[c] = food[c]
        to_capsules[c] = capsules[c]
    for k in range(NUM_INTS):
        to_ints[k] = ints[k]
    for i in range(NUM_AGENTS):
        to_pac[i] = pac[i]


@numba.njit(cache=True)
def _store(pool, k, s):
    """Scratch state `s` as node k."""
    stride = pool[1].shape[1] // 2
    n = s[11].shape[0]
    _copy(s[11], s[12], s[10], s[3][0], pool[1][k, :n], pool[1][k, stride:stride + n], pool[0][k], pool[3][k])


@numba.njit(cache=True)
def _load(pool, k, s):
    """Node k into scratch state `s`."""
    stride = pool[1].shape[1] // 2
    n = s[11].shape[0]
    _copy(pool[1][k, :n], pool[1][k, stride:stride + n], pool[0][k], pool[3][k], s[11], s[12], s[10], s[3][0])


@numba.njit(cache=True, inline="always")
def _move(i, action, walls, width, height, starts, food, capsules, pos, pac, carry, ret, scared, head, left, score):
    """Agent i plays `action` by the engine's rule (one game's arrays); returns the score change."""
    before = score[0]
    engine._move_agent(0, i, action, walls, food, capsules, width, height, starts, pos, pac, carry, ret, scared, head,
                       left, score)
    return score[0] - before


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
@numba.njit(cache=True, inline="always")
def _in_key(idx, defence):
    """Whether integer `idx` of a node is part of its key: positions, scared timers and score (and for
    the defender headings and its parent's goal distance)."""
    return idx < I_PAC or (I_SCARED <= idx < I_HEAD) or idx == I_SCORE or (
        defence and ((I_HEAD <= idx < I_LEFT) or idx == I_PDIST))


@numba.njit(cache=True)
def _hash(pool, k, defence):
    ints, cells = pool[0], pool[1]
    prime = np.uint64(1099511628211)
    h = np.uint64(14695981039346656037)
    for idx in range(NUM_INTS):
        if _in_key(idx, defence):
            h = (h ^ np.uint64(ints[k, idx] + (np.int64(1) << 32))) * prime
    words = cells[k].view(np.uint64)  # an even number of words
    a, b = np.uint64(0), np.uint64(0)  # two independent chains over the cells' words
    for j in range(0, words.shape[0], 2):
        a = (a ^ words[j]) * prime
        b = (b ^ words[j + 1]) * prime
    h = (((h ^ a) * prime) ^ b) * prime
    return h ^ (h >> np.uint64(29))


@numba.njit(cache=True)
def _same(pool, a, b, defence):
    ints, cells = pool[0], pool[1]
    for idx in range(NUM_INTS):
        if _in_key(idx, defence) and ints[a, idx] != ints[b, idx]:
            return False
    wa, wb = cells[a].view(np.uint64), cells[b].view(np.uint64)
    for j in range(wa.shape[0]):
        if wa[j] != wb[j]:
            return False
    return True


@numba.njit(cache=True)
def _closed_slot(pool, table, k, defence):
    """The slot holding node k's key, or, where none does, -(the free slot for it) - 1."""
    t_node, t_cost, t_stamp, stamp = table
    hashes = pool[2]
    h = _hash(pool, k, defence)
    hashes[k] = h
    mask = t_node.shape[0] - 1
    slot = np.int64(h & np.uint64(mask))
    while t_stamp[slot] == stamp[0]:
        other = t_node[slot]
        if hashes[other] == h and _same(pool, other, k, defence):
            return slot
        slot = (slot + 1) & mask
    return -slot - 1


@numba.njit(cache=True, inline="always")
def _scores(team, change):
    """The attacker's goal: a move that scored for its team (the course's `scoreChange` test)."""
    return change >= 1 if team == 0 else change <= -1


@numba.njit(cache=True)
def _targets(g, team, walls, width, height, food, cells):
    """The attacker's food cells (on the opponents' half) of game g's `food`, then the open cells of its
    border column, into `cells`; returns (count of food cells, count of both)."""
    w = walls.shape[2]
    gw, gh = width[g], height[g]
    first_blue = (gw + 1) // 2
    x0, x1 = (first_blue, gw) if team == 0 else (0, first_blue)
    k = 0
    for y in range(gh):
        for x in range(x0, x1):
            if food[g, y, x]:
                cells[k] = y * w + x
                k += 1
    n_food = k
    mid = gw // 2 - 1 if team == 0 else gw // 2  # its border column, as the course computes it
    for y in range(gh):
        if not walls[g, y, mid]:
            cells[k] = y * w + mid
            k += 1
    return n_food, k


@numba.njit(cache=True, inline="always")
def offence_heuristic(me, astar, safe, ints, food, w, width, height, dist, cells, n_food, n_cells):
    """The course's `offensiveHeuristic` of a state (its integers, its food flat): the maze distance to
    the nearest food while it carries none, else to the nearest cell of its border column. `cells`
    lists the food of the search's start (`n_food`), then the border cells (up to `n_cells`)."""
    team = me % 2
    if _scores(team, ints[I_CHANGE]):
        return 0
    if astar and not safe:
        return INF
    me_cell = ints[I_POS + 2 * me + 1] * w + ints[I_POS + 2 * me]
    best = NO_FOOD
    if ints[I_CARRY + me] < 1:
        present = 0
        for k in range(n_food):
            if food[cells[k]]:
                present += 1
                best = min(best, maze_distance(dist, me_cell, cells[k]))
        if present < ints[I_LEFT + 1 - team]:  # food dropped where there was none at the start: look everywhere
            first_blue = (width + 1) // 2
            x0, x1 = (first_blue, width) if team == 0 else (0, first_blue)
            for y in range(height):
                for x in range(x0, x1):
                    if food[y * w + x]:
                        best = min(best, maze_distance(dist, me_cell, y * w + x))
        return best
    for k in range(n_food, n_cells):  # (a column all wall: the course's min() raises; here NO_FOOD)
        best = min(best, maze_distance(dist, me_cell, cells[k]))
    return best


@numba.njit(cache=True)
def _ghosts_step_in(me, dist, walls, width, height, starts, food, capsules, pos, pac, carry, ret, scared, head, left,
                    score):
    """Visible ghosts next to agent `me` (not scared) each step onto it, in index order, as the course's
    attacker expects within its plan's first two moves (one game's arrays). Returns (score change of the
    last move, or None for none, and whether any ghost stepped in)."""
    team = me % 2
    w = walls.shape[2]
    mx, my = pos[0, me, 0], pos[0, me, 1]
    ghost_a, step_a, ghost_b, step_b = -1, -1, -1, -1  # found before any of them moves, as the course finds them
    for j in range(1 - team, NUM_AGENTS, 2):
        jx, jy = pos[0, j, 0], pos[0, j, 1]
        if jx < 0 or maze_distance(dist, my * w + mx, jy * w + jx) > 1 or pac[0, j] or scared[0, j] > 0:
            continue
        for k in range(5):
            a = CONTEST_ORDER[k]
            if jx + _DX[a] == mx and jy + _DY[a] == my:
                if ghost_a < 0:
                    ghost_a, step_a = j, a
                else:
                    ghost_b, step_b = j, a
                break
    change = np.int64(0)
    for j, a in ((ghost_a, step_a), (ghost_b, step_b)):
        if j >= 0:
            change = _move(j, a, walls, width, height, starts, food, capsules, pos, pac, carry, ret, scared, head,
                           left, score)
    return change, ghost_a >= 0


@numba.njit(cache=True)
def plan(g, me, defence, astar, goal_x, goal_y, boundary, walls, width, height, starts, dist, pool, heap, table,
         scratch, cells):
    """Agent `me`'s plan from the state in `scratch[0]` (game g): the attacker's A* (`defence` False;
    `astar`: AstarTeam's, which drops unsafe plans) or the defender's search for cell (goal_x, goal_y)
    never past column `boundary` (`defence` True). Returns (status, the plan's first action or RANDOM)."""
    team = me % 2
    wb, wdb, htb, stb = walls[g:g + 1], width[g:g + 1], height[g:g + 1], starts[g:g + 1]
    w = walls.shape[2]
    parent, child = scratch
    pf, pc, p_pos, p_pac, p_car, p_ret, p_sc, p_hd, p_left, p_score, p_ints, p_food, p_caps = parent
    cf, cc, c_pos, c_pac, c_car, c_ret, c_sc, c_hd, c_left, c_score, c_ints, c_food, c_caps = child
    ints = pool[0]
    capacity = ints.shape[0]
    t_node, t_cost, t_stamp, stamp = table
    stamp[0] += 1
    goal = goal_y * w + goal_x
    n_food, n_cells, start_priority = 0, 0, INF  # the defender's start has an infinite estimate (it is pushed anyway)
    if defence:
        p_ints[I_PDIST] = maze_distance(dist, goal, p_pos[0, me, 1] * w + p_pos[0, me, 0])
    else:
        n_food, n_cells = _targets(0, team, wb, wdb, htb, pf, cells)
        start_priority = 0
    p_ints[I_COST], p_ints[I_FIRST], p_ints[I_CHANGE] = 0, RANDOM, 0
    _store(pool, 0, parent)
    size = _push(heap, 0, start_priority, 0, 0)
    count, nodes = 1, 1
    while size > 0:
        node, size = _pop(heap, size)
        cost = ints[node, I_COST]
        if node > 0:  # the start is a state of its own kind: it never meets another
            slot = _closed_slot(pool, table, node, defence)
            if slot >= 0:
                if defence or cost >= t_cost[slot]:  # the attacker opens a state again when it costs less now
                    continue
                t_cost[slot] = cost
            else:
                slot = -slot - 1
                t_node[slot], t_cost[slot], t_stamp[slot] = node, cost, stamp[0]
        x, y = ints[node, I_POS + 2 * me], ints[node, I_POS + 2 * me + 1]
        if (x == goal_x and y == goal_y) if defence else _scores(team, ints[node, I_CHANGE]):
            return OK, ints[node, I_FIRST]
        if node > 0:
            _load(pool, node, parent)
        parent_d = maze_distance(dist, goal, y * w + x) if defence else 0
        for k in range(5 if defence else 4):  # the attacker leaves Stop out
            a = CONTEST_ORDER[k]
            if a != STOP and walls[g, y + _DY[a], x + _DX[a]]:
                continue
            _copy(p_food, p_caps, p_ints, p_pac[0], c_food, c_caps, c_ints, c_pac[0])
            c_ints[I_CHANGE] = _move(me, a, wb, wdb, htb, stb, cf, cc, c_pos, c_pac, c_car, c_ret, c_sc, c_hd, c_left,
                                     c_score)
            cx, cy = c_pos[0, me, 0], c_pos[0, me, 1]
            if defence:  # on its own side, strictly nearer the goal (else the estimate is infinite)
                if ((cx > boundary) if team == 0 else (cx < boundary)) or not maze_distance(dist, goal, cy * w + cx) < parent_d:
                    continue
                est = 0
            else:
                safe = True
                if cost <= 1 and p_pac[0, me]:
                    change, stepped = _ghosts_step_in(me, dist, wb, wdb, htb, stb, cf, cc, c_pos, c_pac, c_car, c_ret,
                                                      c_sc, c_hd, c_left, c_score)
                    if stepped:
                        c_ints[I_CHANGE], safe = change, False
                est = offence_heuristic(me, astar, safe, c_ints, c_food, w, width[g], height[g], dist, cells, n_food,
                                        n_cells)
                if est >= INF:
                    continue
            if nodes == capacity:
                return OVERFLOW, RANDOM
            c_ints[I_COST], c_ints[I_PDIST] = cost + 1, parent_d
            c_ints[I_FIRST] = a if node == 0 else p_ints[I_FIRST]
            _store(pool, nodes, child)
            size = _push(heap, size, cost + 1 + est, count, nodes)
            count += 1
            nodes += 1
    return OK, RANDOM
