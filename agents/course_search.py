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
OK, OVERFLOW = 0, 1  # a search's status: done, or out of room (grow the space and search again)

# A stored node's integers: its game's state (x, y of each agent; then per agent: Pacman flag, food
# carried, returned, scared timer, heading), food left per half, score; then the node's cost so far
# (= plan length), the first action of its plan, the score change of the move(s) that made it and
# (defender) its parent's distance to the goal.
I_POS, I_PAC, I_CARRY, I_RET, I_SCARED, I_HEAD, I_LEFT, I_SCORE = 0, 8, 12, 16, 20, 24, 28, 30
I_COST, I_FIRST, I_CHANGE, I_PDIST = 31, 32, 33, 34
NUM_INTS = 35


class SearchSpace:
    """The nodes, frontier and closed set of one search at a time, reused from search to search.

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
                     np.zeros(m, dtype=np.uint64))  # (M,) its key's hash (set when it is popped)
        self.heap = (np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64),
                     np.empty(m, dtype=np.int64))  # priority, push count, node
        slots = 1 << int(2 * m - 1).bit_length()
        self.table = (np.zeros(slots, dtype=np.int64), np.zeros(slots, dtype=np.int64),
                      np.full(slots, -1, dtype=np.int64), self.stamp)  # node, best cost, stamp

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
    """Game g into scratch state `s`, opponents out of sight at (-1, -1), as the contest's observations keep them."""
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


@numba.njit(cache=True, inline="always")
def _flat(s):
    """Scratch state `s`'s food and capsules as flat (H*W,) views (made once per search: views cost)."""
    n = s[0].shape[1] * s[0].shape[2]
    return s[0].reshape(n), s[1].reshape(n)


# (Copies go element by element, from arrays bound to local names first: numba's slice assignment
# checks for overlap and may copy through a temporary, and reading a tuple's array inside a loop costs a
# reference count each time; either costs more than the copy.)
@numba.njit(cache=True)
def _copy(a, b, a_cells, b_cells):
    """Scratch state `a` into `b` (`*_cells`: their `_flat` views)."""
    af, ac, bf, bc = a_cells[0], a_cells[1], b_cells[0], b_cells[1]
    for c in range(af.shape[0]):
        bf[c] = af[c]
        bc[c] = ac[c]
    apos, bpos, apac, bpac = a[2], b[2], a[3], b[3]
    acar, bcar, aret, bret, asc, bsc, ahd, bhd = a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7]
    for i in range(NUM_AGENTS):
        bpos[0, i, 0] = apos[0, i, 0]
        bpos[0, i, 1] = apos[0, i, 1]
        bpac[0, i] = apac[0, i]
        bcar[0, i] = acar[0, i]
        bret[0, i] = aret[0, i]
        bsc[0, i] = asc[0, i]
        bhd[0, i] = ahd[0, i]
    aleft, bleft, ascore, bscore = a[8], b[8], a[9], b[9]
    bleft[0, 0], bleft[0, 1], bscore[0] = aleft[0, 0], aleft[0, 1], ascore[0]


@numba.njit(cache=True)
def _store(pool, k, s, s_cells):
    """Scratch state `s` as node k's state."""
    ints, cells = pool[0], pool[1]
    sf, sc = s_cells[0], s_cells[1]
    n, stride = sf.shape[0], cells.shape[1] // 2
    rf, rc = cells[k, :n], cells[k, stride:stride + n]
    for c in range(n):
        rf[c] = sf[c]
        rc[c] = sc[c]
    pos, pac, carry, ret, scared, head, left, score = s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9]
    for i in range(NUM_AGENTS):
        ints[k, I_POS + 2 * i] = pos[0, i, 0]
        ints[k, I_POS + 2 * i + 1] = pos[0, i, 1]
        ints[k, I_PAC + i] = pac[0, i]
        ints[k, I_CARRY + i] = carry[0, i]
        ints[k, I_RET + i] = ret[0, i]
        ints[k, I_SCARED + i] = scared[0, i]
        ints[k, I_HEAD + i] = head[0, i]
    ints[k, I_LEFT], ints[k, I_LEFT + 1], ints[k, I_SCORE] = left[0, 0], left[0, 1], score[0]


@numba.njit(cache=True)
def _load(pool, k, s, s_cells):
    """Node k's state into scratch state `s`."""
    ints, cells = pool[0], pool[1]
    sf, sc = s_cells[0], s_cells[1]
    n, stride = sf.shape[0], cells.shape[1] // 2
    rf, rc = cells[k, :n], cells[k, stride:stride + n]
    for c in range(n):
        sf[c] = rf[c]
        sc[c] = rc[c]
    pos, pac, carry, ret, scared, head, left, score = s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9]
    for i in range(NUM_AGENTS):
        pos[0, i, 0] = ints[k, I_POS + 2 * i]
        pos[0, i, 1] = ints[k, I_POS + 2 * i + 1]
        pac[0, i] = ints[k, I_PAC + i] != 0
        carry[0, i] = ints[k, I_CARRY + i]
        ret[0, i] = ints[k, I_RET + i]
        scared[0, i] = ints[k, I_SCARED + i]
        head[0, i] = ints[k, I_HEAD + i]
    left[0, 0], left[0, 1], score[0] = ints[k, I_LEFT], ints[k, I_LEFT + 1], ints[k, I_SCORE]


@numba.njit(cache=True, inline="always")
def _move(i, action, board, s):
    """Agent i plays `action` in scratch state `s` on `board` (the game's walls, width, height and starts,
    each with a leading N = 1) by the engine's rule; returns the score change."""
    walls, width, height, starts = board
    sf, sc, sp, spac, scar, sret, ssc, shead, sleft, sscore = s
    before = sscore[0]
    engine._move_agent(0, i, action, walls, sf, sc, width, height, starts, sp, spac, scar, sret, ssc, shead, sleft, sscore)
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
    words = cells[k].view(np.uint64)
    a, b = np.uint64(0), np.uint64(0)  # two independent chains over the cells' words
    for j in range(0, words.shape[0] - 1, 2):
        a = (a ^ words[j]) * prime
        b = (b ^ words[j + 1]) * prime
    if words.shape[0] % 2:
        a = (a ^ words[words.shape[0] - 1]) * prime
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
def offence_heuristic(team, astar, safe, change, me_cell, carried, food_on_their_half, food, w, width, height, dist,
                      cells, n_food, n_cells):
    """The course's `offensiveHeuristic` of a state reached with score change `change`: the maze distance
    from `me_cell` to the nearest food while it carries none, else to the nearest cell of its border
    column. `food` is the state's food, flat; `cells` lists the food of the search's start (`n_food`),
    then the border cells (up to `n_cells`)."""
    if _scores(team, change):
        return 0
    if astar and not safe:
        return INF
    best = NO_FOOD
    if carried < 1:
        present = 0
        for k in range(n_food):
            if food[cells[k]]:
                present += 1
                best = min(best, maze_distance(dist, me_cell, cells[k]))
        if present < food_on_their_half:  # food dropped where there was none at the start: look at every cell
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
def _ghosts_step_in(me, board, dist, s, change):
    """Visible ghosts next to agent `me` (not scared) each step onto it, in index order, as the course's
    attacker expects within its plan's first two moves. Returns (score change of the last move, whether
    any ghost stepped in)."""
    team = me % 2
    sp, spac, ssc = s[2], s[3], s[6]
    w = board[0].shape[2]
    mx, my = sp[0, me, 0], sp[0, me, 1]
    movers = (-1, -1)  # (ghost, action) of each, found before any moves, as the course finds them
    actions = (-1, -1)
    for slot in range(2):
        j = 1 - team + 2 * slot
        jx, jy = sp[0, j, 0], sp[0, j, 1]
        if jx < 0 or maze_distance(dist, my * w + mx, jy * w + jx) > 1 or spac[0, j] or ssc[0, j] > 0:
            continue
        for k in range(5):
            a = CONTEST_ORDER[k]
            if jx + _DX[a] == mx and jy + _DY[a] == my:
                if slot == 0:
                    movers, actions = (j, movers[1]), (a, actions[1])
                else:
                    movers, actions = (movers[0], j), (actions[0], a)
                break
    stepped = False
    for slot in range(2):
        if movers[slot] >= 0:
            change = _move(movers[slot], actions[slot], board, s)
            stepped = True
    return change, stepped


@numba.njit(cache=True)
def offence_search(g, me, astar, walls, width, height, starts, dist, pool, heap, table, scratch, cells):
    """The attacker's plan from the state in `scratch[0]` (game g); returns (status, first action or RANDOM)."""
    team = me % 2
    board = (walls[g:g + 1], width[g:g + 1], height[g:g + 1], starts[g:g + 1])
    parent, child = scratch
    p_cells, c_cells = _flat(parent), _flat(child)
    c_food, c_pos, c_carry, c_left = c_cells[0], child[2], child[4], child[8]
    w = walls.shape[2]
    ints = pool[0]
    capacity = ints.shape[0]
    t_node, t_cost, t_stamp, stamp = table
    stamp[0] += 1
    n_food, n_cells = _targets(0, team, board[0], board[1], board[2], parent[0], cells)
    _store(pool, 0, parent, p_cells)
    ints[0, I_COST], ints[0, I_FIRST], ints[0, I_CHANGE] = 0, RANDOM, 0
    size = _push(heap, 0, 0, 0, 0)
    count, nodes = 1, 1
    while size > 0:
        node, size = _pop(heap, size)
        cost = ints[node, I_COST]
        if node > 0:  # the start is a state of its own kind: it never meets another
            slot = _closed_slot(pool, table, node, False)
            if slot >= 0:
                if cost >= t_cost[slot]:
                    continue
                t_cost[slot] = cost
            else:
                slot = -slot - 1
                t_node[slot], t_cost[slot], t_stamp[slot] = node, cost, stamp[0]
            if _scores(team, ints[node, I_CHANGE]):
                return OK, ints[node, I_FIRST]
            _load(pool, node, parent, p_cells)
        parent_pacman = parent[3][0, me]
        x, y = parent[2][0, me, 0], parent[2][0, me, 1]
        for k in range(4):  # Stop is left out
            a = CONTEST_ORDER[k]
            if walls[g, y + _DY[a], x + _DX[a]]:
                continue
            _copy(parent, child, p_cells, c_cells)
            change = _move(me, a, board, child)
            safe = True
            if cost <= 1 and parent_pacman:
                change, stepped = _ghosts_step_in(me, board, dist, child, change)
                safe = not stepped
            est = offence_heuristic(team, astar, safe, change, c_pos[0, me, 1] * w + c_pos[0, me, 0], c_carry[0, me],
                                    c_left[0, 1 - team], c_food, w, width[g], height[g], dist, cells, n_food, n_cells)
            if est >= INF:
                continue
            if nodes == capacity:
                return OVERFLOW, RANDOM
            _store(pool, nodes, child, c_cells)
            ints[nodes, I_COST], ints[nodes, I_CHANGE] = cost + 1, change
            ints[nodes, I_FIRST] = a if node == 0 else ints[node, I_FIRST]
            size = _push(heap, size, cost + 1 + est, count, nodes)
            count += 1
            nodes += 1
    return OK, RANDOM


@numba.njit(cache=True)
def defence_search(g, me, goal_x, goal_y, boundary, walls, width, height, starts, dist, pool, heap, table, scratch):
    """The defender's plan to cell (goal_x, goal_y) from the state in `scratch[0]` (game g), never past
    column `boundary`; returns (status, first action or RANDOM)."""
    team = me % 2
    board = (walls[g:g + 1], width[g:g + 1], height[g:g + 1], starts[g:g + 1])
    parent, child = scratch
    p_cells, c_cells = _flat(parent), _flat(child)
    ints = pool[0]
    capacity = ints.shape[0]
    t_node, t_cost, t_stamp, stamp = table
    w = walls.shape[2]
    goal = goal_y * w + goal_x
    stamp[0] += 1
    _store(pool, 0, parent, p_cells)
    ints[0, I_COST], ints[0, I_FIRST] = 0, RANDOM
    ints[0, I_PDIST] = maze_distance(dist, goal, parent[2][0, me, 1] * w + parent[2][0, me, 0])
    size = _push(heap, 0, INF, 0, 0)
    count, nodes = 1, 1
    while size > 0:
        node, size = _pop(heap, size)
        cost = ints[node, I_COST]
        if node > 0:
            slot = _closed_slot(pool, table, node, True)
            if slot >= 0:
                continue
            slot = -slot - 1
            t_node[slot], t_cost[slot], t_stamp[slot] = node, cost, stamp[0]
        x, y = ints[node, I_POS + 2 * me], ints[node, I_POS + 2 * me + 1]
        if x == goal_x and y == goal_y:
            return OK, ints[node, I_FIRST]
        if node > 0:
            _load(pool, node, parent, p_cells)
        parent_d = maze_distance(dist, goal, y * w + x)
        for k in range(5):
            a = CONTEST_ORDER[k]
            if a != STOP and walls[g, y + _DY[a], x + _DX[a]]:
                continue
            _copy(parent, child, p_cells, c_cells)
            _move(me, a, board, child)
            cx, cy = child[2][0, me, 0], child[2][0, me, 1]
            if (cx > boundary) if team == 0 else (cx < boundary):
                continue
            if not maze_distance(dist, goal, cy * w + cx) < parent_d:  # the heuristic is infinite
                continue
            if nodes == capacity:
                return OVERFLOW, RANDOM
            _store(pool, nodes, child, c_cells)
            ints[nodes, I_COST], ints[nodes, I_PDIST] = cost + 1, parent_d
            ints[nodes, I_FIRST] = a if node == 0 else ints[node, I_FIRST]
            size = _push(heap, size, cost + 1, count, nodes)
            count += 1
            nodes += 1
    return OK, RANDOM
