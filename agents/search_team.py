"""The search team: look-ahead over the real game rules, the strongest rung of the ladder.

For each of its agents and each legal action, the team simulates the game `depth` steps ahead with
the engine's own rules (`engine._step_game` on a copy of the game): the agent plays the action
first, then every agent, opponents included, follows the heuristic policy. The action whose
simulated future scores best is played. This is rollout-based policy improvement (a one-ply search
with a heuristic default policy, the deterministic case of Monte-Carlo search); `depth` is the
per-move budget: `2 * 5 * depth` simulated steps at most per game and move.

Evaluation of a state, from the team's side: the score, plus half of the food its agents carry,
minus half of what the opponents carry, and +100 (-100) for a won (lost) game; a death costs 0.3 and
a kill earns 0.3. A simulated future is worth the sum of the evaluation's changes step by step,
discounted by `gamma` per step, so that a gain now beats the same gain later.
"""

from __future__ import annotations

import numba
import numpy as np

from gymPacMan import engine
from gymPacMan.engine import DX, DY, GameState
from gymPacMan.rules import NUM_ACTIONS, NUM_AGENTS, STOP, RewardConfig

from .heuristic_team import HeuristicTeam, heuristic_actions

_DX, _DY = DX, DY
_REWARDS = engine.reward_params(RewardConfig())
_NO_NOISE = np.zeros((2, NUM_ACTIONS))  # rollouts break ties deterministically
CARRY_VALUE = 0.5
DEATH_VALUE = 0.3
WIN_VALUE = 100.0


@numba.njit(cache=True)
def _evaluate(team, score, carrying, terminated):
    sign = 1.0 if team == 0 else -1.0
    value = sign * score[0]
    for i in range(NUM_AGENTS):
        value += (CARRY_VALUE if i % 2 == team else -CARRY_VALUE) * carrying[0, i]
    if terminated and score[0] != 0:
        value += WIN_VALUE if sign * score[0] > 0 else -WIN_VALUE
    return value


@numba.njit(cache=True)
def _rollout(g, team, agent_k, first_action, depth, gamma, time_limit, walls, food, capsules, width, height, starts, pos,
             is_pacman, carrying, returned, scared, heading, food_left, score, t, dist, my_prev_food, my_last_eaten,
             s_food, s_caps, s_pos, s_pac, s_carry, s_ret, s_scared, s_head, s_left, s_score, s_t,
             prev_food_a, last_eaten_a, prev_food_b, last_eaten_b, blocked, field, queue,
             actions, rewards, terminated, truncated, score_change, illegal):
    """Value of game g after `agent_k` of `team` plays `first_action` and everyone then follows the heuristic."""
    wall1 = walls[g:g + 1]
    w1 = width[g:g + 1]
    h1 = height[g:g + 1]
    st1 = starts[g:g + 1]
    s_food[0] = food[g]
    s_caps[0] = capsules[g]
    s_pos[0] = pos[g]
    s_pac[0] = is_pacman[g]
    s_carry[0] = carrying[g]
    s_ret[0] = returned[g]
    s_scared[0] = scared[g]
    s_head[0] = heading[g]
    s_left[0] = food_left[g]
    s_score[0] = score[g]
    s_t[0] = t[g]
    prev_food_a[0] = my_prev_food[g]  # our defender's memory, as it is now
    last_eaten_a[0] = my_last_eaten[g]
    prev_food_b[0] = food[g]  # the opponents' memory is unknown: start it empty
    last_eaten_b[0, 0] = -1
    # The value is the discounted sum of the evaluation's changes, so a gain now beats the same gain
    # later (otherwise delaying a kill looks as good, and it leaves the opponents less time to strike
    # back before the horizon).
    value = 0.0
    discount = 1.0
    previous = _evaluate(team, s_score, s_carry, False)
    for step in range(depth):
        m0, m1 = heuristic_actions(0, team, wall1, s_food, s_caps, w1, st1, s_pos, s_pac, s_carry, s_scared, s_t,
                                   time_limit, dist, prev_food_a, last_eaten_a, blocked, field, queue, _NO_NOISE)
        o0, o1 = heuristic_actions(0, 1 - team, wall1, s_food, s_caps, w1, st1, s_pos, s_pac, s_carry, s_scared, s_t,
                                   time_limit, dist, prev_food_b, last_eaten_b, blocked, field, queue, _NO_NOISE)
        if step == 0:
            if agent_k == 0:
                m0 = first_action
            else:
                m1 = first_action
        actions[0, team], actions[0, team + 2] = m0, m1
        actions[0, 1 - team], actions[0, 3 - team] = o0, o1
        before_x = s_pos[0, :, 0].copy()
        before_y = s_pos[0, :, 1].copy()
        engine._step_game(0, wall1, s_food, s_caps, w1, h1, st1, s_pos, s_pac, s_carry, s_ret, s_scared, s_head,
                          s_left, s_score, s_t, actions, time_limit, _REWARDS, rewards, terminated, truncated,
                          score_change, illegal)
        current = _evaluate(team, s_score, s_carry, terminated[0])
        change = current - previous
        for i in range(NUM_AGENTS):  # sent home from more than a step away: a death
            moved = abs(s_pos[0, i, 0] - before_x[i]) + abs(s_pos[0, i, 1] - before_y[i])
            if moved > 1:
                change += -DEATH_VALUE if i % 2 == team else DEATH_VALUE
        value += discount * change
        discount *= gamma
        previous = current
        if terminated[0] or truncated[0]:
            break
    return value


@numba.njit(cache=True)
def _search_kernel(team, depth, gamma, time_limit, walls, food, capsules, width, height, starts, pos, is_pacman, carrying,
                   returned, scared, heading, food_left, score, t, tables, table_index, prev_food, last_eaten, noise,
                   active, out):
    n, h, w = walls.shape
    s_food = np.empty((1, h, w), dtype=np.bool_)
    s_caps = np.empty((1, h, w), dtype=np.bool_)
    s_pos = np.empty((1, NUM_AGENTS, 2), dtype=np.int64)
    s_pac = np.empty((1, NUM_AGENTS), dtype=np.bool_)
    s_carry = np.empty((1, NUM_AGENTS), dtype=np.int64)
    s_ret = np.empty((1, NUM_AGENTS), dtype=np.int64)
    s_scared = np.empty((1, NUM_AGENTS), dtype=np.int64)
    s_head = np.empty((1, NUM_AGENTS), dtype=np.int64)
    s_left = np.empty((1, 2), dtype=np.int64)
    s_score = np.empty(1, dtype=np.int64)
    s_t = np.empty(1, dtype=np.int64)
    prev_a = np.empty((1, h, w), dtype=np.bool_)
    prev_b = np.empty((1, h, w), dtype=np.bool_)
    last_a = np.empty((1, 2), dtype=np.int64)
    last_b = np.empty((1, 2), dtype=np.int64)
    blocked = np.zeros(h * w, dtype=np.bool_)
    field = np.empty(h * w, dtype=np.int64)
    queue = np.empty(h * w, dtype=np.int64)
    actions = np.empty((1, NUM_AGENTS), dtype=np.int64)
    rewards = np.empty((1, 2), dtype=np.float64)
    terminated = np.empty(1, dtype=np.bool_)
    truncated = np.empty(1, dtype=np.bool_)
    score_change = np.empty(1, dtype=np.int64)
    illegal = np.empty((1, NUM_AGENTS), dtype=np.bool_)
    for g in range(n):
        if not active[g]:  # another member of a mixture plays this game
            out[g, 0], out[g, 1] = STOP, STOP
            continue
        dist = tables[table_index[g]]
        # the heuristic's own choice (which also brings our defender's memory up to date)
        default0, default1 = heuristic_actions(g, team, walls, food, capsules, width, starts, pos, is_pacman, carrying,
                                               scared, t, time_limit, dist, prev_food, last_eaten, blocked, field, queue,
                                               noise[g])
        for k in range(2):
            i = team + 2 * k
            x, y = pos[g, i, 0], pos[g, i, 1]
            best_action = default0 if k == 0 else default1
            best_value = -1e18
            for a in range(NUM_ACTIONS):
                if a != STOP and walls[g, y + _DY[a], x + _DX[a]]:
                    continue
                value = _rollout(g, team, k, a, depth, gamma, time_limit, walls, food, capsules, width, height, starts, pos,
                                 is_pacman, carrying, returned, scared, heading, food_left, score, t, dist, prev_food,
                                 last_eaten, s_food, s_caps, s_pos, s_pac, s_carry, s_ret, s_scared, s_head, s_left,
                                 s_score, s_t, prev_a, last_a, prev_b, last_b, blocked, field, queue, actions, rewards,
                                 terminated, truncated, score_change, illegal)
                is_default = a == (default0 if k == 0 else default1)
                if value > best_value + 1e-9 or (abs(value - best_value) <= 1e-9 and is_default):
                    best_value, best_action = value, a
            out[g, k] = best_action


class SearchTeam(HeuristicTeam):
    """Look-ahead over the real rules with heuristic rollouts (the course's `MCTSTeam` rung).

    It keeps the heuristic team's per-game memory (where its food last disappeared) and plays the
    heuristic's action wherever the look-ahead finds nothing better.

    Args:
        team: the colour.
        depth: steps simulated after each candidate action (the per-move budget).
        gamma: discount of later changes in the evaluation (earlier gains count more).
    """

    name = "search"

    def __init__(self, team: int = 0, depth: int = 12, gamma: float = 0.8):
        super().__init__(team)
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        if not 0.0 < gamma <= 1.0:
            raise ValueError(f"gamma must be in (0, 1], got {gamma}")
        self.depth, self.gamma = depth, gamma

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The look-ahead's actions in the games this team plays (`in_play`: in a mixture, only its own games
        are searched; the others get Stop, which the mixture discards)."""
        out, noise = self._begin_move(state, rng)
        active = np.ones(state.num_games, dtype=np.bool_) if self.in_play is None else np.asarray(self.in_play, dtype=np.bool_)
        s = state
        _search_kernel(self.team, self.depth, self.gamma, self.time_limit, s.walls, s.food, s.capsules, s.width,
                       s.height, s.starts, s.pos, s.is_pacman, s.carrying, s.returned, s.scared, s.heading, s.food_left, s.score,
                       s.t, self.distances.tables, self.distances.index, self.prev_food, self.last_eaten, noise, active, out)
        return out
