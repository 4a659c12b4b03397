"""The course's MCTS team (`MCTSTeam.py`, its `mctsTeamWorkAgent` pair), ported: the same search and the
same decisions, for all games at once, in compiled code.

Each agent, each move, grows a fresh tree of its own moves from the current state (`ITERATIONS` = 120
iterations, the original's cap) and plays from it only when an opponent is within 5 cells (Manhattan) of
it; otherwise it plays a random legal move other than Stop (the tree still shapes its teammate's plans).

- **A move in the tree** (Stop is never tried) is the agent's own move by the real rules; then, if it is a
  Pacman, each opponent ghost that is not scared and is within 5 cells steps towards it (the step that
  brings it nearest, ties to the first direction name in alphabetical order); then the teammate plays the
  move its own last search expected at this depth, if it stands where that search expected it and less
  than 7 steps (maze distance) from where our agent was. Other agents stand still.
- **Reward of a node** (the move that led to it): the score change, if any, clipped at 0 from our side;
  else -0.1 - the food carried if the agent was eaten; else 0.1 + the food carried by the opponents it
  sent home; else 1 if it ate food; else 0.
- **Search**: from the root, descend by UCT (`v + sqrt(2 ln n / n_child) / sqrt(2)`, an unvisited child
  counting 0.00001 visits, ties to the first child) while a node has all its children; expand a node
  with all its children at once; a child whose state (food, capsules, score, and every agent's position
  and scared timer but the teammate's) repeats one on its path is dead; one living child, drawn at
  random, is the simulated leaf: its value is its reward (a roll-out of depth 0). Values back up as
  `v(parent) = reward(parent) + 0.9 * max v(living child)`. A node whose children are all dead dies,
  and selection starts again from the root.
- **The move**: the root's living child of highest value (ties to the first, North, South, East, West);
  the teammate is told the best path below the child played (its moves and the cells it makes them from).

**Differences from the original, and why.** The original stops its search at 120 iterations or 0.8
seconds, whichever comes first; this port has only the iteration cap, so it plays the same on any
machine (the original searches less on a slow one). It sees the whole state, as the course environment
shows it (the original tracks hidden opponents with a belief filter under the contest's partial view;
with every opponent in view that filter is exact and changes nothing). The original keeps each agent's
plan in class attributes shared by every game in its Python process; here each game keeps its own, empty
at its start. Where the original would stop with an error (its search runs out of living nodes, which
needs a tiny region of states; or, through our contest adapter only, a search reaches a state where the
game is won), this port plays a random legal move other than Stop, and expands won states like any
other. Random draws come from the generator passed to `act`, one uniform draw per `random.choice`,
in the original's order; `play` takes them explicitly, so a move can be replayed (the fidelity test
replays the original's with the same draws).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from gymPacMan import engine
from gymPacMan.engine import DX, DY, GameState
from gymPacMan.rules import NUM_AGENTS, STOP

from .base import DistanceTeam
from .contest_port import CONTEST_ORDER, copy_game, game_slots, maze_distance, pick

_DX, _DY, _ORDER = DX, DY, CONTEST_ORDER

ITERATIONS = 120  # the original's iteration cap (`number_of_itr`)
DISCOUNT = 0.9
SIGHT = 5  # Manhattan distance within which opponents chase, and within which the tree is used
TEAMMATE_REACH = 7  # the teammate's expected move is played in the tree only when it is nearer than this
CP = 1.0 / math.sqrt(2.0)  # UCT's exploration constant
UNVISITED = 0.00001  # the visit count UCT gives a child never visited
# The rank of each engine action's contest name in alphabetical order (East < North < South < Stop < West): a
# chasing ghost's ties go to the first name, as the original's `min` over (distance, name) pairs has it.
_NAME_RANK = np.array([1, 0, 2, 4, 3], dtype=np.int64)

# Columns of the tree's integer table, one row a node (KEY: a digest of the state `_same_state` compares).
PARENT, ACTION, DEPTH, VISITS, DEAD, EXPANDED, N_MOVES, KEY = range(8)
MOVE0 = 8  # MOVE0 + m: the node's m-th move (North, South, East, West, as legal)
CHILD0 = 12  # CHILD0 + m: the child that move leads to
NODE_FIELDS = 16
VALUE, REWARD = 0, 1  # columns of the tree's float table


@numba.njit(cache=True)
def node_capacity(iterations: int) -> int:
    """Nodes a search can create: an iteration ends with one successful expansion, and a failed one (all
    children dead) happens at most once at each living node, so expansions are at most
    `iterations + 1 + 4 * iterations`, each making at most 4 children."""
    return 1 + 4 * (5 * iterations + 1)


@numba.njit(cache=True)
def path_capacity(iterations: int) -> int:
    """The longest plan a search can leave: one move per expanded node on a path."""
    return 5 * iterations + 2


@numba.njit(cache=True)
def _enemy_chase(c, i, wall1, w1, h1, st1, t_food, t_caps, t_pos, t_pac, t_carry, t_ret, t_scared, t_head, t_left,
                 t_score, dist):
    """`simulateEnemyChase` on node c: if agent i is a Pacman, each opponent ghost that can eat it and is within
    SIGHT steps towards it (all chosen first, then played in index order)."""
    if not t_pac[c, i]:
        return
    w = wall1.shape[2]
    mx, my = t_pos[c, i, 0], t_pos[c, i, 1]
    first = 1 - i % 2  # the opponents are first and first + 2
    moves = (_chase_step(c, first, wall1, t_pos, t_pac, t_scared, dist, w, mx, my),
             _chase_step(c, first + 2, wall1, t_pos, t_pac, t_scared, dist, w, mx, my))
    for slot in range(2):
        if moves[slot] >= 0:
            engine._move_agent(0, first + 2 * slot, moves[slot], wall1, t_food[c:c + 1], t_caps[c:c + 1], w1, h1, st1,
                               t_pos[c:c + 1], t_pac[c:c + 1], t_carry[c:c + 1], t_ret[c:c + 1], t_scared[c:c + 1],
                               t_head[c:c + 1], t_left[c:c + 1], t_score[c:c + 1])


@numba.njit(cache=True)
def _chase_step(c, j, wall1, t_pos, t_pac, t_scared, dist, w, mx, my):
    """Opponent j's chasing step towards `(mx, my)` in node c, or -1 if it does not chase (a Pacman, scared, or
    farther than SIGHT)."""
    jx, jy = t_pos[c, j, 0], t_pos[c, j, 1]
    if t_pac[c, j] or t_scared[c, j] != 0 or abs(jx - mx) + abs(jy - my) > SIGHT:
        return -1
    best_d, best_rank, best = 1 << 30, 99, -1
    for a in _ORDER:
        if a != STOP and wall1[0, jy + _DY[a], jx + _DX[a]]:
            continue
        d = maze_distance(dist, w, jx + _DX[a], jy + _DY[a], mx, my)
        if d < best_d or (d == best_d and _NAME_RANK[a] < best_rank):
            best_d, best_rank, best = d, _NAME_RANK[a], a
    return best


@numba.njit(cache=True)
def _teammate_move(p, c, depth, i, wall1, w1, h1, st1, t_food, t_caps, t_pos, t_pac, t_carry, t_ret, t_scared, t_head,
                   t_left, t_score, dist, mate_len, mate_action, mate_pos):
    """The teammate plays the move its plan holds at `depth` (node p's depth) in node c, if its plan is that long,
    it stands where the plan said and that cell is within TEAMMATE_REACH of where agent i was in node p."""
    if depth >= mate_len:
        return
    mate = (i + 2) % NUM_AGENTS
    mx, my = mate_pos[depth, 0], mate_pos[depth, 1]
    if t_pos[c, mate, 0] != mx or t_pos[c, mate, 1] != my:
        return
    if maze_distance(dist, wall1.shape[2], mx, my, t_pos[p, i, 0], t_pos[p, i, 1]) >= TEAMMATE_REACH:
        return
    engine._move_agent(0, mate, mate_action[depth], wall1, t_food[c:c + 1], t_caps[c:c + 1], w1, h1, st1,
                       t_pos[c:c + 1], t_pac[c:c + 1], t_carry[c:c + 1], t_ret[c:c + 1], t_scared[c:c + 1],
                       t_head[c:c + 1], t_left[c:c + 1], t_score[c:c + 1])


@numba.njit(cache=True)
def _make_child(p, c, action, depth, i, wall1, w1, h1, st1, t_food, t_caps, t_pos, t_pac, t_carry, t_ret, t_scared,
                t_head, t_left, t_score, dist, mate_len, mate_action, mate_pos):
    """`MctsProblem.generateSuccessor`: node c is node p (at `depth`) after agent i's `action`, the opponents'
    chase and the teammate's expected move. Returns node c's reward (`rewardLogic`)."""
    team = i % 2
    copy_game(p, t_food, t_caps, t_pos, t_pac, t_carry, t_ret, t_scared, t_head, t_left, t_score,
              c, t_food, t_caps, t_pos, t_pac, t_carry, t_ret, t_scared, t_head, t_left, t_score)
    engine._move_agent(0, i, action, wall1, t_food[c:c + 1], t_caps[c:c + 1], w1, h1, st1, t_pos[c:c + 1],
                       t_pac[c:c + 1], t_carry[c:c + 1], t_ret[c:c + 1], t_scared[c:c + 1], t_head[c:c + 1],
                       t_left[c:c + 1], t_score[c:c + 1])
    # opponent Pacmen this move sent home (none while agent i is scared: it cannot eat them)
    eaten, dropped = False, 0
    if t_scared[p, i] == 0:
        for j in range(1 - team, NUM_AGENTS, 2):
            still = t_pac[c, j] and t_pos[c, j, 0] == t_pos[p, j, 0] and t_pos[c, j, 1] == t_pos[p, j, 1]
            if t_pac[p, j] and not still:
                eaten = True
                dropped += t_carry[p, j]
    _enemy_chase(c, i, wall1, w1, h1, st1, t_food, t_caps, t_pos, t_pac, t_carry, t_ret, t_scared, t_head, t_left,
                 t_score, dist)
    change = t_score[c] - t_score[p]
    if change != 0:
        reward = float(max(change, 0) if team == 0 else max(-change, 0))
    elif maze_distance(dist, wall1.shape[2], t_pos[c, i, 0], t_pos[c, i, 1], t_pos[p, i, 0], t_pos[p, i, 1]) > 1:
        reward = -0.1 + float(-t_carry[p, i])  # eaten: back at its start, its food dropped
    elif eaten:
        reward = 0.1 + float(dropped)
    elif t_carry[c, i] > t_carry[p, i]:
        reward = 1.0
    else:
        reward = 0.0
    _teammate_move(p, c, depth, i, wall1, w1, h1, st1, t_food, t_caps, t_pos, t_pac, t_carry, t_ret, t_scared, t_head,
                   t_left, t_score, dist, mate_len, mate_action, mate_pos)
    return reward


@numba.njit(cache=True)
def _state_key(node, mate, t_pos, t_scared, t_left, t_score):
    """A digest of what `_same_state` compares (the food counts stand for the food): equal states have equal keys."""
    key = t_score[node] * 1_000_003 + t_left[node, 0] * 1_009 + t_left[node, 1]
    for j in range(NUM_AGENTS):
        if j != mate:
            key = key * 1_000_003 + (t_pos[node, j, 0] * 256 + t_pos[node, j, 1]) * 64 + t_scared[node, j]
    return key


@numba.njit(cache=True)
def _same_state(a, b, mate, t_food, t_caps, t_pos, t_scared, t_score):
    """`compareStatesEq`: the same food, capsules and score, and every agent but the teammate on the same cell
    with the same scared timer."""
    if t_score[a] != t_score[b]:
        return False
    for j in range(NUM_AGENTS):
        if j != mate and (t_pos[a, j, 0] != t_pos[b, j, 0] or t_pos[a, j, 1] != t_pos[b, j, 1]
                          or t_scared[a, j] != t_scared[b, j]):
            return False
    for y in range(t_food.shape[1]):
        for x in range(t_food.shape[2]):
            if t_food[a, y, x] != t_food[b, y, x] or t_caps[a, y, x] != t_caps[b, y, x]:
                return False
    return True


@numba.njit(cache=True)
def _living(node, ints):
    for m in range(ints[node, N_MOVES] if ints[node, EXPANDED] else 0):
        if not ints[ints[node, CHILD0 + m], DEAD]:
            return True
    return False


@numba.njit(cache=True)
def _best_child(node, ints, floats):
    """`childWithBestReward`: the living child of highest value, the first among equals; -1 if none lives."""
    best, best_value = -1, -np.inf
    for m in range(ints[node, N_MOVES] if ints[node, EXPANDED] else 0):
        c = ints[node, CHILD0 + m]
        if not ints[c, DEAD] and (best < 0 or floats[c, VALUE] > best_value):
            best, best_value = c, floats[c, VALUE]
    return best


@numba.njit(cache=True)
def _uct_child(node, ints, floats):
    """`UctTreePolicy.choose_child`: the living child of highest UCT value, the first among equals."""
    log_visits = math.log(ints[node, VISITS])
    best, best_value = -1, -np.inf
    for m in range(ints[node, N_MOVES]):
        c = ints[node, CHILD0 + m]
        if ints[c, DEAD]:
            continue
        visits = float(ints[c, VISITS]) if ints[c, VISITS] else UNVISITED
        value = floats[c, VALUE] + CP * math.sqrt((2 * log_visits) / visits)
        if best < 0 or value > best_value:
            best, best_value = c, value
    return best


@numba.njit(cache=True)
def _set_moves(node, i, wall1, t_pos, ints):
    """The node's moves: agent i's legal actions but Stop, in the contest's order."""
    x, y = t_pos[node, i, 0], t_pos[node, i, 1]
    count = 0
    for a in _ORDER:
        if a != STOP and not wall1[0, y + _DY[a], x + _DX[a]]:
            ints[node, MOVE0 + count] = a
            count += 1
    ints[node, N_MOVES] = count


@numba.njit(cache=True)
def _search(i, iterations, draws, wall1, w1, h1, st1, t_food, t_caps, t_pos, t_pac, t_carry, t_ret, t_scared, t_head,
            t_left, t_score, ints, floats, dist, mate_len, mate_action, mate_pos):
    """`Mcts.iterate` from the root (node 0, already holding the state) for `iterations` iterations, the
    leaves drawn with `draws[it]`. Returns False if the tree ran out of living nodes (the original raises)."""
    mate = (i + 2) % NUM_AGENTS
    candidates = np.empty(4, dtype=np.int64)
    ints[0, :] = 0
    ints[0, PARENT] = -1
    floats[0, :] = 0.0
    _set_moves(0, i, wall1, t_pos, ints)
    ints[0, KEY] = _state_key(0, mate, t_pos, t_scared, t_left, t_score)
    nodes = 1
    for it in range(iterations):
        chosen = -1
        while chosen < 0:  # `select_node_prune`
            node = 0
            ints[0, VISITS] += 1
            while ints[node, EXPANDED] or ints[node, N_MOVES] == 0:
                if not _living(node, ints):
                    if node == 0:
                        return False
                    ints[node, DEAD] = 1
                    node = 0
                else:
                    node = _uct_child(node, ints, floats)
                    ints[node, VISITS] += 1
            count = 0
            for m in range(ints[node, N_MOVES]):  # expand: every child at once
                c = nodes
                nodes += 1
                ints[c, :] = 0
                ints[c, PARENT], ints[c, ACTION], ints[c, DEPTH] = node, ints[node, MOVE0 + m], ints[node, DEPTH] + 1
                floats[c, VALUE] = 0.0
                floats[c, REWARD] = _make_child(node, c, ints[c, ACTION], ints[node, DEPTH], i, wall1, w1, h1, st1,
                                                t_food, t_caps, t_pos, t_pac, t_carry, t_ret, t_scared, t_head, t_left,
                                                t_score, dist, mate_len, mate_action, mate_pos)
                _set_moves(c, i, wall1, t_pos, ints)
                ints[node, CHILD0 + m] = c
                key = ints[c, KEY] = _state_key(c, mate, t_pos, t_scared, t_left, t_score)
                ancestor = node
                while ancestor >= 0 and not (ints[ancestor, KEY] == key and _same_state(
                        ancestor, c, mate, t_food, t_caps, t_pos, t_scared, t_score)):
                    ancestor = ints[ancestor, PARENT]
                if ancestor >= 0:  # a state already on its path: a loop
                    ints[c, DEAD] = 1
                else:
                    candidates[count] = c
                    count += 1
            ints[node, EXPANDED] = 1
            if count > 0:
                chosen = candidates[pick(draws[it], count)]
                ints[chosen, VISITS] += 1
            else:
                ints[node, DEAD] = 1
        floats[chosen, VALUE] = floats[chosen, REWARD]  # a roll-out of depth 0: the leaf's own reward
        node = chosen
        while node != 0:  # back up: v(parent) = reward(parent) + discount * max v(living child)
            parent = ints[node, PARENT]
            best = _best_child(parent, ints, floats)  # node lives, so there is one
            floats[parent, VALUE] = floats[parent, REWARD] + DISCOUNT * floats[best, VALUE]
            node = parent
    return True


@numba.njit(cache=True)
def _mcts_kernel(team, iterations, walls, food, capsules, width, height, starts, pos, is_pacman, carrying, returned,
                 scared, heading, food_left, score, tables, table_index, draws, plan_len, plan_action, plan_pos, out,
                 exhausted):
    """out: (N, 2) actions; draws: (N, 2, iterations + 1) uniforms; plan_*: each agent's plan, read by its
    teammate and rewritten by its own move (agent `team` first, as the contest asks its agents);
    exhausted: (N, 2) bool, searches that ran out of living nodes."""
    n, h, w = walls.shape
    cap = node_capacity(iterations)
    t_food, t_caps, t_pos, t_pac, t_carry, t_ret, t_scared, t_head, t_left, t_score = game_slots(cap, h, w)  # the nodes
    ints = np.empty((cap, NODE_FIELDS), dtype=np.int64)
    floats = np.empty((cap, 2), dtype=np.float64)
    for g in range(n):
        dist = tables[table_index[g]]
        wall1, w1, h1, st1 = walls[g:g + 1], width[g:g + 1], height[g:g + 1], starts[g:g + 1]
        for k in range(2):
            i = team + 2 * k
            copy_game(g, food, capsules, pos, is_pacman, carrying, returned, scared, heading, food_left, score,
                      0, t_food, t_caps, t_pos, t_pac, t_carry, t_ret, t_scared, t_head, t_left, t_score)
            m = 1 - k
            complete = _search(i, iterations, draws[g, k], wall1, w1, h1, st1, t_food, t_caps, t_pos, t_pac, t_carry,
                               t_ret, t_scared, t_head, t_left, t_score, ints, floats, dist, plan_len[g, m],
                               plan_action[g, m], plan_pos[g, m])
            exhausted[g, k] = not complete
            near = False  # `_useful_tree`: an opponent within SIGHT
            for j in range(1 - team, NUM_AGENTS, 2):
                near |= abs(pos[g, j, 0] - pos[g, i, 0]) + abs(pos[g, j, 1] - pos[g, i, 1]) <= SIGHT
            if complete and near:
                child = _best_child(0, ints, floats)
            else:  # `_alternate_action`: a random legal move but Stop
                child = ints[0, CHILD0 + pick(draws[g, k, iterations], ints[0, N_MOVES])]
            out[g, k] = ints[child, ACTION]
            length = 0  # the plan the teammate reads: the best path below the child played
            node = child
            while complete and ints[node, EXPANDED] and ints[node, N_MOVES] > 0 and not ints[node, DEAD]:
                best = _best_child(node, ints, floats)
                if best < 0:
                    break
                plan_action[g, k, length] = ints[best, ACTION]
                plan_pos[g, k, length] = t_pos[node, i]
                length += 1
                node = best
            plan_len[g, k] = length


class CourseMCTSTeam(DistanceTeam):
    """The course's MCTS team, ported (see the module docstring): two Monte-Carlo tree searchers that share
    their plans.

    Args:
        team: the colour.
        iterations: the search's iterations per move (the original's cap, 120).
    """

    name = "course_mcts"
    memory_arrays = ("plan_len", "plan_action", "plan_pos")  # the shared plans (`state_dict`)

    def __init__(self, team: int = 0, iterations: int = ITERATIONS):
        super().__init__(team)
        if int(iterations) < 1:
            raise ValueError(f"iterations must be at least 1, got {iterations!r}")
        self.iterations = int(iterations)
        self.plan_len = np.zeros((0, 2), dtype=np.int64)  # (N, 2) moves in each agent's plan
        self.plan_action = np.zeros((0, 2, 0), dtype=np.int64)  # (N, 2, P) its moves
        self.plan_pos = np.zeros((0, 2, 0, 2), dtype=np.int64)  # (N, 2, P, 2) the cells it makes them from
        self.exhausted = 0  # searches so far that ran out of living nodes (where the original raises)

    def reset(self, state: GameState, games: np.ndarray) -> None:
        self._start(state, np.arange(state.num_games) if self.bind(state) else np.asarray(games, dtype=np.int64))

    def _start(self, state: GameState, games: np.ndarray) -> None:
        """Distance tables and empty plans for `games` (all of them for a new batch)."""
        n = state.num_games
        if self.plan_len.shape[0] != n:
            p = path_capacity(self.iterations)
            self.plan_len = np.zeros((n, 2), dtype=np.int64)
            self.plan_action = np.zeros((n, 2, p), dtype=np.int64)
            self.plan_pos = np.zeros((n, 2, p, 2), dtype=np.int64)
        self.distances.update(state, games)
        self.plan_len[games] = 0

    def draw(self, rng: np.random.Generator, num_games: int) -> np.ndarray:
        """The uniform draws of one move: `(N, 2, iterations + 1)`, one per search iteration and one for a random move."""
        return rng.random((num_games, 2, self.iterations + 1))

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.play(state, self.draw(rng, state.num_games))

    def play(self, state: GameState, draws: np.ndarray) -> np.ndarray:
        """The `(N, 2)` actions of one move made with the given `draws` (`draw`'s shape)."""
        if self.bind(state) or self.plan_len.shape[0] != state.num_games:
            self._start(state, np.arange(state.num_games))
        n = state.num_games
        if draws.shape != (n, 2, self.iterations + 1):
            raise ValueError(f"draws must have shape {(n, 2, self.iterations + 1)}, got {draws.shape}")
        out = np.empty((n, 2), dtype=np.int64)
        exhausted = np.zeros((n, 2), dtype=np.bool_)
        s = state
        _mcts_kernel(self.team, self.iterations, s.walls, s.food, s.capsules, s.width, s.height, s.starts, s.pos,
                     s.is_pacman, s.carrying, s.returned, s.scared, s.heading, s.food_left, s.score,
                     self.distances.tables, self.distances.index, np.ascontiguousarray(draws, dtype=np.float64),
                     self.plan_len, self.plan_action, self.plan_pos, out, exhausted)
        self.exhausted += int(exhausted.sum())
        return out
