"""The batched game engine: the state of N games in arrays, stepped by one compiled call.

Every rule of SPEC.md lives here and nowhere else: the vectorised env, the PettingZoo env and the
course-compatible class all call `step`. The rules are sequential (agent 0 moves completely, then
1, 2, 3) and the food dump is a breadth-first search, which array operations cannot express
without losing exactness, so the per-game work is a numba kernel looping over the N games in
compiled code; no Python runs per game or per agent.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Sequence

import numba
import numpy as np

from .layout import Layout
from .rules import ACTION_DX, ACTION_DY, REVERSE, NUM_ACTIONS, NUM_AGENTS, NUM_CHANNELS, SCARED_TIME, STOP, RewardConfig

DX = np.array(ACTION_DX, dtype=np.int64)  # per action, for compiled code (teams use them too)
DY = np.array(ACTION_DY, dtype=np.int64)
REVERSE_ACTION = np.array(REVERSE, dtype=np.int64)
_DX, _DY = DX, DY

# Positions in the packed reward array the kernel reads (`reward_params` builds it).
R_LEGAL_ON, R_DEFENCE_ON, R_OWN_FOOD_BACK, R_ATE_FOOD, R_DEFENCE, R_LEGAL, R_WIN_BONUS, R_WIN_DIVISOR = range(8)


@dataclass
class GameState:
    """The state of N games; every field has a leading N. Layouts are padded to `(H, W)`.

    Fields:
        walls, food, capsules: `(N, H, W)` bool, indexed `[game, y, x]`, `y = 0` the bottom row.
        width, height: `(N,)` int64, each game's own layout size (cells beyond are padding walls).
        starts: `(N, 4, 2)` int64, start cell `(x, y)` of each agent.
        pos: `(N, 4, 2)` int64, current cell `(x, y)` of each agent.
        is_pacman: `(N, 4)` bool, on the opponents' half.
        carrying, returned: `(N, 4)` int64, food carried now / returned so far.
        scared: `(N, 4)` int64, scared timer.
        heading: `(N, 4)` int64, last action that was not Stop (Stop at the start and after death).
        food_left: `(N, 2)` int64, food on the red half and on the blue half.
        score: `(N,)` int64, red-positive.
        t: `(N,)` int64, steps played.
        layout_id: `(N,)` int64, index of each game's layout in the env's layout list.
    """

    walls: np.ndarray
    food: np.ndarray
    capsules: np.ndarray
    width: np.ndarray
    height: np.ndarray
    starts: np.ndarray
    pos: np.ndarray
    is_pacman: np.ndarray
    carrying: np.ndarray
    returned: np.ndarray
    scared: np.ndarray
    heading: np.ndarray
    food_left: np.ndarray
    score: np.ndarray
    t: np.ndarray
    layout_id: np.ndarray

    @property
    def num_games(self) -> int:
        return int(self.score.shape[0])

    @property
    def grid_shape(self) -> tuple[int, int]:
        """The padded `(H, W)`."""
        return int(self.walls.shape[1]), int(self.walls.shape[2])

    def copy(self) -> "GameState":
        """A deep copy (search and tests step copies without touching the live games)."""
        return GameState(*[getattr(self, name).copy() for name in _STATE_FIELDS])

    def select(self, games: np.ndarray | slice | int) -> "GameState":
        """A copy holding only the chosen games (a leading N kept for an int)."""
        if isinstance(games, (int, np.integer)):
            games = slice(int(games), int(games) + 1)
        return GameState(*[getattr(self, name)[games].copy() for name in _STATE_FIELDS])


_STATE_FIELDS = tuple(f.name for f in fields(GameState))  # in declaration order


def padded_shape(layouts: Sequence[Layout]) -> tuple[int, int]:
    """The `(H, W)` a batch of these layouts is padded to."""
    return max(l.height for l in layouts), max(l.width for l in layouts)


def empty_state(num_games: int, grid_shape: tuple[int, int]) -> GameState:
    """N all-wall boards of the padded `(H, W)`; `reset_games` lays the layouts in."""
    n, (h, w) = num_games, grid_shape
    return GameState(
        walls=np.ones((n, h, w), dtype=np.bool_),
        food=np.zeros((n, h, w), dtype=np.bool_),
        capsules=np.zeros((n, h, w), dtype=np.bool_),
        width=np.zeros(n, dtype=np.int64),
        height=np.zeros(n, dtype=np.int64),
        starts=np.zeros((n, NUM_AGENTS, 2), dtype=np.int64),
        pos=np.zeros((n, NUM_AGENTS, 2), dtype=np.int64),
        is_pacman=np.zeros((n, NUM_AGENTS), dtype=np.bool_),
        carrying=np.zeros((n, NUM_AGENTS), dtype=np.int64),
        returned=np.zeros((n, NUM_AGENTS), dtype=np.int64),
        scared=np.zeros((n, NUM_AGENTS), dtype=np.int64),
        heading=np.full((n, NUM_AGENTS), STOP, dtype=np.int64),
        food_left=np.zeros((n, 2), dtype=np.int64),
        score=np.zeros(n, dtype=np.int64),
        t=np.zeros(n, dtype=np.int64),
        layout_id=np.zeros(n, dtype=np.int64),
    )


def reset_games(state: GameState, games: np.ndarray | Sequence[int], layouts: Sequence[Layout]) -> None:
    """Start new games in place: game `games[k]` starts on `layouts[k]` (its `layout_id` is the caller's)."""
    h, w = state.grid_shape
    games = np.asarray(games, dtype=np.int64)
    for g, layout in zip(games, layouts):
        if layout.height > h or layout.width > w:
            raise ValueError(f"layout {layout.name} ({layout.width} x {layout.height}) does not fit the batch grid {w} x {h}")
        lh, lw = layout.height, layout.width
        state.walls[g] = True
        state.walls[g, :lh, :lw] = layout.walls
        state.food[g] = False
        state.food[g, :lh, :lw] = layout.food
        state.capsules[g] = False
        state.capsules[g, :lh, :lw] = layout.capsules
        state.width[g], state.height[g] = lw, lh
        state.starts[g] = layout.starts
        state.pos[g] = layout.starts
        red_half = layout.is_red(np.arange(lw))
        state.food_left[g] = layout.food[:, red_half].sum(), layout.food[:, ~red_half].sum()
    state.is_pacman[games] = False
    state.carrying[games] = 0
    state.returned[games] = 0
    state.scared[games] = 0
    state.heading[games] = STOP
    state.score[games] = 0
    state.t[games] = 0


def recount_food(state: GameState) -> None:
    """Recompute `food_left` from the food grids (after editing `food` by hand, as tests and search do)."""
    h, w = state.grid_shape
    red_half = 2 * np.arange(w)[None, None, :] < state.width[:, None, None]  # (N, 1, W)
    inside = np.arange(h)[None, :, None] < state.height[:, None, None]  # (N, H, 1)
    food = state.food & inside
    state.food_left[:, 0] = (food & red_half).sum(axis=(1, 2))
    state.food_left[:, 1] = (food & ~red_half).sum(axis=(1, 2))


def new_state(layouts: Sequence[Layout], layout_ids: Sequence[int], grid_shape: tuple[int, int] | None = None) -> GameState:
    """A batch of fresh games, game `k` on `layouts[layout_ids[k]]`, padded to `grid_shape`."""
    state = empty_state(len(layout_ids), grid_shape or padded_shape(layouts))
    reset_games(state, np.arange(len(layout_ids)), [layouts[i] for i in layout_ids])
    state.layout_id[:] = layout_ids
    return state


# ----------------------------------------------------------------------------------------------
# Compiled rules. Arrays are passed one by one because numba kernels take no dataclasses.
# ----------------------------------------------------------------------------------------------


@numba.njit(cache=True, inline="always")
def _is_legal(walls, g, x, y, action):
    if action == STOP:
        return True
    if action < 0 or action > STOP:
        return False
    return not walls[g, y + _DY[action], x + _DX[action]]


@numba.njit(cache=True)
def _legal_mask(walls, pos, out):
    """out: (N, 4, 5) bool."""
    for g in range(pos.shape[0]):
        for i in range(NUM_AGENTS):
            x, y = pos[g, i, 0], pos[g, i, 1]
            for a in range(NUM_ACTIONS):
                out[g, i, a] = _is_legal(walls, g, x, y, a)


@numba.njit(cache=True)
def _dump_food(g, k, walls, food, capsules, width, height, pos, carrying, food_left):
    """Put agent k's carried food back around its death cell, breadth-first (SPEC rule 6).

    Cells are popped in the order the course engine pops them: the queue holds each cell once
    (the first time it is generated), neighbours are generated `dx` outer, `dy` inner, and
    cells outside the board are searched through, not filled.
    """
    n = carrying[g, k]
    if n == 0:
        return
    w, h = width[g], height[g]
    x0, y0 = pos[g, k, 0], pos[g, k, 1]
    red_side = 2 * x0 < w
    margin = max(w, h) + 1  # the search never needs to leave the board by more than this
    bw, bh = w + 2 * margin, h + 2 * margin
    seen = np.zeros((bh, bw), dtype=np.bool_)
    queue_x = np.empty(bw * bh, dtype=np.int64)
    queue_y = np.empty(bw * bh, dtype=np.int64)
    head, tail = 0, 1
    queue_x[0], queue_y[0] = x0, y0
    seen[y0 + margin, x0 + margin] = True
    placed = 0
    while placed < n and head < tail:
        x, y = queue_x[head], queue_y[head]
        head += 1
        if 0 < x < w and 0 < y < h and not walls[g, y, x] and not food[g, y, x] and not capsules[g, y, x]:
            free = (2 * x < w) == red_side
            for j in range(NUM_AGENTS):
                if pos[g, j, 0] == x and pos[g, j, 1] == y:
                    free = False
            if free:
                food[g, y, x] = True
                placed += 1
        for dx in range(-1, 2):
            for dy in range(-1, 2):
                nx, ny = x + dx, y + dy
                bx, by = nx + margin, ny + margin
                if 0 <= bx < bw and 0 <= by < bh and not seen[by, bx]:
                    seen[by, bx] = True
                    queue_x[tail], queue_y[tail] = nx, ny
                    tail += 1
    food_left[g, 0 if red_side else 1] += placed
    carrying[g, k] = 0


@numba.njit(cache=True, inline="always")
def _send_home(g, k, starts, pos, is_pacman, scared, heading):
    pos[g, k, 0], pos[g, k, 1] = starts[g, k, 0], starts[g, k, 1]
    is_pacman[g, k] = False
    scared[g, k] = 0
    heading[g, k] = STOP


@numba.njit(cache=True, inline="always")
def _sent_home(g, k, starts, pos, is_pacman):
    return not is_pacman[g, k] and pos[g, k, 0] == starts[g, k, 0] and pos[g, k, 1] == starts[g, k, 1]


@numba.njit(cache=True, inline="always")
def _check_death(g, i, walls, food, capsules, width, height, starts, pos, is_pacman, carrying, scared, heading, food_left):
    """Collisions of agent i with each opponent on its cell, in opponent index order (SPEC rule 5)."""
    mover_is_pacman = is_pacman[g, i]  # read once, as the course engine does
    for j in range(1 - (i % 2), NUM_AGENTS, 2):
        if is_pacman[g, j] == mover_is_pacman or pos[g, j, 0] != pos[g, i, 0] or pos[g, j, 1] != pos[g, i, 1]:
            continue
        pacman, ghost = (i, j) if mover_is_pacman else (j, i)
        if scared[g, ghost] <= 0:
            _dump_food(g, pacman, walls, food, capsules, width, height, pos, carrying, food_left)
            _send_home(g, pacman, starts, pos, is_pacman, scared, heading)
        else:
            _send_home(g, ghost, starts, pos, is_pacman, scared, heading)


@numba.njit(cache=True, inline="always")
def _game_won(g, food_left, carrying):
    """A team has eaten all the opponents' food and none of it is still carried (SPEC end (a), (b))."""
    red_done = food_left[g, 1] == 0 and carrying[g, 0] == 0 and carrying[g, 2] == 0
    blue_done = food_left[g, 0] == 0 and carrying[g, 1] == 0 and carrying[g, 3] == 0
    return red_done or blue_done


@numba.njit(cache=True, inline="always")
def _move_agent(g, i, action, walls, food, capsules, width, height, starts, pos, is_pacman, carrying, returned,
                scared, heading, food_left, score):
    """One agent's move in game g, SPEC "One agent's move" 1-7; `action` must be legal. Returns the food it
    returned home (0 if none). The step kernel and the contest's `generateSuccessor` both call this."""
    team = i % 2
    opponent_team = 1 - team
    # 1-2. Move, and become a Pacman on the opponents' half.
    x, y = pos[g, i, 0] + _DX[action], pos[g, i, 1] + _DY[action]
    pos[g, i, 0], pos[g, i, 1] = x, y
    if action != STOP:
        heading[g, i] = action
    on_red_half = 2 * x < width[g]
    pacman = on_red_half if team == 1 else not on_red_half
    is_pacman[g, i] = pacman
    # 3. Returning food.
    n = 0
    if not pacman and carrying[g, i] > 0:
        n = carrying[g, i]
        score[g] += n if team == 0 else -n
        returned[g, i] += n
        carrying[g, i] = 0
    # 4. Eating, only as a Pacman (so only the opponents' food and capsules).
    if pacman:
        if food[g, y, x]:
            food[g, y, x] = False
            carrying[g, i] += 1
            food_left[g, opponent_team] -= 1
        if capsules[g, y, x]:
            capsules[g, y, x] = False
            scared[g, opponent_team] = SCARED_TIME
            scared[g, opponent_team + 2] = SCARED_TIME
    # 5-6. Collisions, food dump.
    _check_death(g, i, walls, food, capsules, width, height, starts, pos, is_pacman, carrying, scared, heading, food_left)
    # 7. The mover's own scared timer.
    if scared[g, i] > 0:
        scared[g, i] -= 1
    return n


@numba.njit(cache=True, inline="always")
def _play_move(
    g, i, action, walls, food, capsules, width, height, starts, pos, is_pacman, carrying, returned, scared, heading,
    food_left, score, reward_params, illegal,
):
    """Agent i of game g plays `action` (an illegal one as Stop, flagged in `illegal`), and its team's
    reward for this move (SPEC "Rewards": all but the returned food, which counts per step).
    Returns (team reward of the move, food it returned home, its score change, red-positive)."""
    legal_on, defence_on = reward_params[R_LEGAL_ON] > 0, reward_params[R_DEFENCE_ON] > 0
    team = i % 2
    opponent_team = 1 - team
    legal = _is_legal(walls, g, pos[g, i, 0], pos[g, i, 1], action)
    if not legal:
        action = STOP
    illegal[g, i] = not legal
    own_food_before = food_left[g, team]
    opponent_food_before = food_left[g, opponent_team]
    opp_a, opp_b = opponent_team, opponent_team + 2
    pacman_a_before, pacman_b_before = is_pacman[g, opp_a], is_pacman[g, opp_b]
    n = _move_agent(g, i, action, walls, food, capsules, width, height, starts, pos,
                    is_pacman, carrying, returned, scared, heading, food_left, score)
    r = 0.0
    if food_left[g, team] > own_food_before:
        r += reward_params[R_OWN_FOOD_BACK]
    if food_left[g, opponent_team] < opponent_food_before:
        r += reward_params[R_ATE_FOOD]
    if defence_on:
        if pacman_a_before and _sent_home(g, opp_a, starts, pos, is_pacman):
            r += reward_params[R_DEFENCE]
        if pacman_b_before and _sent_home(g, opp_b, starts, pos, is_pacman):
            r += reward_params[R_DEFENCE]
    if legal_on and legal:
        r += reward_params[R_LEGAL]
    return r, n, n if team == 0 else -n


@numba.njit(cache=True, inline="always")
def _end_step(g, food_left, carrying, score, t, length, reward_params, returned_red, returned_blue, rewards,
              terminated, truncated):
    """After a step's moves (`rewards` holding their sum): the food returned, the clock, the end checks and the
    winner's bonus (SPEC "End of a game")."""
    rewards[g, 0] += max(0, returned_red)
    rewards[g, 1] += max(0, returned_blue)
    t[g] += 1
    terminated[g] = _game_won(g, food_left, carrying)
    truncated[g] = (not terminated[g]) and t[g] >= length
    if terminated[g] or truncated[g]:
        bonus = reward_params[R_WIN_BONUS] + abs(score[g]) / reward_params[R_WIN_DIVISOR]
        if score[g] > 0:
            rewards[g, 0] += bonus
        elif score[g] < 0:
            rewards[g, 1] += bonus


@numba.njit(cache=True)
def _step_game(
    g, walls, food, capsules, width, height, starts, pos, is_pacman, carrying, returned, scared, heading,
    food_left, score, t, actions, length, reward_params, rewards, terminated, truncated, score_change, illegal,
):
    """One environment step of game g: four moves in index order, then the end checks.

    Search agents call this on scratch copies of one game; `_step_kernel` calls it for every game.
    reward_params: the packed `RewardConfig` (see `R_*`). Outputs written at g: rewards (N, 2) per
    team, terminated, truncated (N,), score_change (N,), illegal (N, 4) moves played as Stop.
    """
    returned_red = 0
    returned_blue = 0
    rewards[g, 0] = 0.0
    rewards[g, 1] = 0.0
    change = 0
    for i in range(NUM_AGENTS):
        r, n, c = _play_move(g, i, actions[g, i], walls, food, capsules, width, height, starts, pos, is_pacman,
                             carrying, returned, scared, heading, food_left, score, reward_params, illegal)
        rewards[g, i % 2] += r
        change += c
        if i % 2 == 0:
            returned_red += n
        else:
            returned_blue += n
    _end_step(g, food_left, carrying, score, t, length, reward_params, returned_red, returned_blue, rewards,
              terminated, truncated)
    score_change[g] = change


@numba.njit(cache=True)
def _moves_kernel(
    walls, food, capsules, width, height, starts, pos, is_pacman, carrying, returned, scared, heading,
    food_left, score, movers, actions, active, reward_params, rewards, returned_by_team, score_change, illegal, won,
):
    """One move in every active game: agent movers[g] plays actions[g] (the contest's turn-by-turn game).
    Sums the move's reward into rewards (N, 2), its food returned into returned_by_team (N, 2) and its score
    change; won[g]: the game is over right after this move (the contest stops a game at the winning move)."""
    for g in range(movers.shape[0]):
        if active[g]:
            i = movers[g]
            r, n, c = _play_move(g, i, actions[g], walls, food, capsules, width, height, starts, pos, is_pacman,
                                 carrying, returned, scared, heading, food_left, score, reward_params, illegal)
            rewards[g, i % 2] += r
            returned_by_team[g, i % 2] += n
            score_change[g] += c
            won[g] = _game_won(g, food_left, carrying)


@numba.njit(cache=True)
def _end_kernel(food_left, carrying, score, t, active, length, reward_params, returned_by_team, rewards, terminated,
                truncated):
    """The end of a turn-by-turn step in every active game (`_end_step`)."""
    for g in range(active.shape[0]):
        if active[g]:
            _end_step(g, food_left, carrying, score, t, length, reward_params, returned_by_team[g, 0],
                      returned_by_team[g, 1], rewards, terminated, truncated)


@numba.njit(cache=True)
def _step_kernel(
    walls, food, capsules, width, height, starts, pos, is_pacman, carrying, returned, scared, heading,
    food_left, score, t, actions, active, length, reward_params, rewards, terminated, truncated, score_change,
    illegal,
):
    """One environment step of every active game (see `_step_game`)."""
    for g in range(actions.shape[0]):
        if active[g]:
            _step_game(
                g, walls, food, capsules, width, height, starts, pos, is_pacman, carrying, returned, scared, heading,
                food_left, score, t, actions, length, reward_params, rewards, terminated, truncated, score_change,
                illegal,
            )


@numba.njit(cache=True, parallel=True)
def _step_kernel_parallel(
    walls, food, capsules, width, height, starts, pos, is_pacman, carrying, returned, scared, heading,
    food_left, score, t, actions, active, length, reward_params, rewards, terminated, truncated, score_change,
    illegal,
):
    """`_step_kernel` with the games spread over numba's threads: a game reads and writes only its own rows."""
    for g in numba.prange(actions.shape[0]):
        if active[g]:
            _step_game(
                g, walls, food, capsules, width, height, starts, pos, is_pacman, carrying, returned, scared, heading,
                food_left, score, t, actions, length, reward_params, rewards, terminated, truncated, score_change,
                illegal,
            )


@numba.njit(cache=True, inline="always")
def _observe_game(g, walls, food, capsules, width, height, pos, carrying, agents, out):
    """out[g]: `(len(agents), 8, H, W)`, zero on entry; channels as in SPEC.md."""
    w, h = width[g], height[g]
    for k in range(agents.shape[0]):
        i = agents[k]
        for y in range(h):
            for x in range(w):
                if walls[g, y, x]:
                    out[g, k, 0, y, x] = 1
                blue_half = 2 * x >= w
                if capsules[g, y, x]:
                    out[g, k, 2 if blue_half else 3, y, x] = 1
                if food[g, y, x]:
                    out[g, k, 6 if blue_half else 7, y, x] = 1
        out[g, k, 1, pos[g, i, 1], pos[g, i, 0]] = 1 + carrying[g, i]
        for j in range(NUM_AGENTS):
            if j == i:
                continue
            channel = 4 if j % 2 == i % 2 else 5
            out[g, k, channel, pos[g, j, 1], pos[g, j, 0]] = 1


@numba.njit(cache=True)
def _observe_kernel(walls, food, capsules, width, height, pos, carrying, agents, out):
    """out: (N, len(agents), C >= 8, H, W) float32 or uint8, zero on entry; writes channels 0-7."""
    for g in range(pos.shape[0]):
        _observe_game(g, walls, food, capsules, width, height, pos, carrying, agents, out)


@numba.njit(cache=True, parallel=True)
def _observe_kernel_parallel(walls, food, capsules, width, height, pos, carrying, agents, out):
    """`_observe_kernel` with the games spread over numba's threads."""
    for g in numba.prange(pos.shape[0]):
        _observe_game(g, walls, food, capsules, width, height, pos, carrying, agents, out)


PARALLEL_MIN_GAMES = 64
PARALLEL_MIN_THREADS = 4
"""Batches of at least `PARALLEL_MIN_GAMES` games spread their games over numba's threads when it is
configured for at least `PARALLEL_MIN_THREADS` (`NUMBA_NUM_THREADS`, by default the cores); smaller batches, such as
the PettingZoo and course environments' single game, and machines with fewer threads run on the
calling thread. On a 2-core machine the engine alone gains 40% from two threads, but a training loop
loses more: the kernels' threads and torch's contend for the two cores between calls (docs/performance.md).
Results are identical either way: each game is independent."""


def parallel(num_games: int) -> bool:
    """Whether a batch of `num_games` runs its games on numba's threads. Reads numba's configured thread
    count without asking its threading layer: asking starts the layer's worker threads, which then
    compete with torch's for the cores even if no kernel ever runs on them."""
    return num_games >= PARALLEL_MIN_GAMES and numba.config.NUMBA_NUM_THREADS >= PARALLEL_MIN_THREADS


# ----------------------------------------------------------------------------------------------
# Python entry points.
# ----------------------------------------------------------------------------------------------


@dataclass
class StepResult:
    """What one engine step returns, per game.

    rewards: `(N, 2)` float64, team rewards `[red, blue]`.
    terminated, truncated: `(N,)` bool (the time limit is a truncation).
    score_change: `(N,)` int64, this step's score change (red-positive).
    illegal: `(N, 4)` bool, moves that were illegal and played as Stop.
    """

    rewards: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    score_change: np.ndarray
    illegal: np.ndarray

    @classmethod
    def zeros(cls, n: int) -> "StepResult":
        return cls(rewards=np.zeros((n, 2), dtype=np.float64), terminated=np.zeros(n, dtype=np.bool_),
                   truncated=np.zeros(n, dtype=np.bool_), score_change=np.zeros(n, dtype=np.int64),
                   illegal=np.zeros((n, NUM_AGENTS), dtype=np.bool_))


def reward_params(config: RewardConfig) -> np.ndarray:
    """Pack the reward settings into the float array the kernel reads at the `R_*` positions."""
    return np.array(
        [
            float(config.legal_action),
            float(config.defence),
            config.own_food_back,
            config.ate_food,
            config.defence_value,
            config.legal_value,
            config.win_bonus,
            config.win_score_divisor,
        ],
        dtype=np.float64,
    )


def step(
    state: GameState,
    actions: np.ndarray,
    length: int,
    rewards: RewardConfig | np.ndarray = RewardConfig(),
    active: np.ndarray | None = None,
) -> StepResult:
    """Advance every active game by one environment step, in place.

    Args:
        state: the batch, changed in place.
        actions: `(N, 4)` integer actions of agents 0-3; an illegal action (a wall, or a value
            outside 0-4) is played as Stop. Callers that take user input check the range first.
        length: the time limit in steps (reaching it truncates the game).
        rewards: reward settings, or their packed `reward_params` array.
        active: `(N,)` bool, games to step (default all); the others are left untouched.
    """
    n = state.num_games
    actions = np.ascontiguousarray(actions, dtype=np.int64)
    if actions.shape != (n, NUM_AGENTS):
        raise ValueError(f"actions must have shape ({n}, {NUM_AGENTS}), got {actions.shape}")
    if active is None:
        active = np.ones(n, dtype=np.bool_)
    params = rewards if isinstance(rewards, np.ndarray) else reward_params(rewards)
    result = StepResult.zeros(n)
    s = state
    kernel = _step_kernel_parallel if parallel(n) else _step_kernel
    kernel(
        s.walls, s.food, s.capsules, s.width, s.height, s.starts, s.pos, s.is_pacman, s.carrying, s.returned,
        s.scared, s.heading, s.food_left, s.score, s.t, actions, active, int(length), params,
        result.rewards, result.terminated, result.truncated, result.score_change, result.illegal,
    )
    return result


class TurnByTurnStep:
    """One environment step played one move at a time, as the contest plays it: each agent chooses after the
    previous agent's move, in index order from each game's first mover, and a game ends at the move that
    wins it (the rest of that step is not played). The caller asks for each move's action between the
    moves; the rules, rewards and end checks are the fused `step`'s (the same compiled functions).

        turn = TurnByTurnStep(state, first, length, rewards, active)
        for k in range(4):
            movers = turn.movers(k)                   # (N,) the agent to move in each game (-1: none)
            turn.move(actions_for(movers))            # (N,) one action per game
        result = turn.finish()

    Args:
        first: `(N,)` the first mover of each game's step (the contest's starting agent, 0 or 1): agents
            first, first+1, first+2, first+3 (mod 4) move in that order.
        active: `(N,)` games to play (default all).
    """

    def __init__(self, state: GameState, first: np.ndarray, length: int, rewards: RewardConfig | np.ndarray = RewardConfig(),
                 active: np.ndarray | None = None):
        n = state.num_games
        self.state, self.length = state, int(length)
        self.first = np.asarray(first, dtype=np.int64).reshape(n)
        self.params = rewards if isinstance(rewards, np.ndarray) else reward_params(rewards)
        self.active = np.ones(n, dtype=np.bool_) if active is None else np.asarray(active, dtype=np.bool_).copy()
        self.playing = self.active.copy()  # (N,) games still moving in this step (not won at an earlier move)
        self.result = StepResult.zeros(n)
        self._returned = np.zeros((n, 2), dtype=np.int64)  # (N, 2) food returned by red, by blue in this step
        self._won = np.zeros(n, dtype=np.bool_)
        self._moved = 0

    def movers(self, k: int | None = None) -> np.ndarray:
        """`(N,)` the agent whose turn is move k of this step (the next move by default), -1 in games not playing."""
        k = self._moved if k is None else k
        return np.where(self.playing, (self.first + k) % NUM_AGENTS, -1)

    def move(self, actions: np.ndarray) -> np.ndarray:
        """Play the next move of every playing game: `actions` `(N,)` for the agent `movers()` names (an illegal
        one as Stop). Returns `(N,)` bool: games won by this move (they move no more in this step)."""
        if self._moved >= NUM_AGENTS:
            raise RuntimeError("all four moves of this step are played; call finish()")
        s, r = self.state, self.result
        movers = np.ascontiguousarray(self.movers(), dtype=np.int64)
        actions = np.ascontiguousarray(actions, dtype=np.int64).reshape(s.num_games)
        self._won[:] = False
        _moves_kernel(
            s.walls, s.food, s.capsules, s.width, s.height, s.starts, s.pos, s.is_pacman, s.carrying, s.returned,
            s.scared, s.heading, s.food_left, s.score, movers, actions, self.playing, self.params, r.rewards,
            self._returned, r.score_change, r.illegal, self._won,
        )
        self._moved += 1
        won = self._won & self.playing
        self.playing &= ~won
        return won

    def finish(self) -> StepResult:
        """The clock, the end checks and the rewards of the step (as `step` returns them)."""
        s, r = self.state, self.result
        _end_kernel(s.food_left, s.carrying, s.score, s.t, self.active, self.length, self.params, self._returned,
                    r.rewards, r.terminated, r.truncated)
        return r


def move_agent(state: GameState, game: int, agent: int, action: int) -> int:
    """Move one agent of one game, in place, by the rules of a step (SPEC "One agent's move"); the
    contest's `generateSuccessor` is this on a copy. Returns the food the agent returned home.

    Raises:
        ValueError: an action outside 0-4 or into a wall (the contest rejects illegal actions).
    """
    s = state
    if not _is_legal(s.walls, game, s.pos[game, agent, 0], s.pos[game, agent, 1], action):
        raise ValueError(f"illegal action {action!r} for agent {agent} at {tuple(int(v) for v in s.pos[game, agent])}")
    return int(_move_agent(int(game), int(agent), int(action), s.walls, s.food, s.capsules, s.width, s.height, s.starts,
                           s.pos, s.is_pacman, s.carrying, s.returned, s.scared, s.heading, s.food_left, s.score))


def forfeit(state: GameState, games: np.ndarray, team: int) -> None:
    """`team` loses `games` by forfeit, as the contest scores a crash or a time-out: the score becomes
    1 for the other team (red-positive: -1 when red forfeits)."""
    state.score[games] = 1 if team == 1 else -1


def legal_actions(state: GameState) -> np.ndarray:
    """`(N, 4, 5)` bool: Stop, and every direction whose neighbour is not a wall."""
    out = np.empty((state.num_games, NUM_AGENTS, NUM_ACTIONS), dtype=np.bool_)
    _legal_mask(state.walls, state.pos, out)
    return out


def observe(state: GameState, agents: Sequence[int] | np.ndarray = (1, 3), channels: int = NUM_CHANNELS,
            dtype: type = np.float32) -> np.ndarray:
    """Observations `(N, len(agents), channels, H, W)` of the chosen agents, zero-padded: the 8 channels
    of SPEC.md, then `channels - 8` zero ones for the caller to fill (`planes`). With `dtype=np.uint8`
    the same values as bytes (channel 1, 1 + food carried, is exact up to 254 carried)."""
    agents = np.asarray(agents, dtype=np.int64)
    h, w = state.grid_shape
    out = np.zeros((state.num_games, len(agents), channels, h, w), dtype=dtype)
    kernel = _observe_kernel_parallel if parallel(state.num_games) else _observe_kernel
    kernel(state.walls, state.food, state.capsules, state.width, state.height, state.pos, state.carrying, agents, out)
    return out


def game_won(state: GameState) -> np.ndarray:
    """`(N,)` bool: games over because a team has eaten and returned all the opponents' food."""
    red_done = (state.food_left[:, 1] == 0) & (state.carrying[:, 0] == 0) & (state.carrying[:, 2] == 0)
    blue_done = (state.food_left[:, 0] == 0) & (state.carrying[:, 1] == 0) & (state.carrying[:, 3] == 0)
    return red_done | blue_done


def winner(score: np.ndarray) -> np.ndarray:
    """+1 red won, -1 blue won, 0 tie, per game."""
    return np.sign(score).astype(np.int64)
