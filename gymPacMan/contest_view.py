"""What one team sees of N games in the contest: opponents within sight, the others where a Bayes filter
finds them most likely.

In the contest's `capture.py` an opponent farther than 5 (Manhattan) from both agents of a team is hidden
from it, and each agent gets a noisy distance to every opponent. A `ContestViewer` plays that view for one
colour over a batch: it draws the noisy readings from a generator, keeps a `gymPacMan.belief.BeliefFilter`
over each hidden opponent's cell, and gives a copy of the state in which every hidden opponent stands at its
most likely cell: what the exported team file shows its network, for batched teams and learners.

The filter is updated once a call (`update`), from what moved since the previous call: in the course's game
(a call a step) both opponents moved once; in the contest's turn-by-turn game (a call at each of the team's
agents' turns) the one opponent that moved just before the mover. Collisions are checked where our agents
stand at the call; a death in the middle of a step is caught by the filter's restart (`belief.py`).
"""

from __future__ import annotations

import numpy as np

from .belief import NOISE, SIGHT_RANGE, BeliefFilter
from .engine import GameState
from .rules import BLUE, NUM_AGENTS, TEAM_AGENTS


class ContestViewer:
    """The contest's view of one colour (`team`: 0 red, 1 blue) in a batch of games.

    >>> viewer = ContestViewer(team=1)   # then, per call: viewer.update(state, rng, moved); seen = viewer.view(state)
    """

    def __init__(self, team: int):
        self.team = team
        self.ours = np.array(TEAM_AGENTS[team], dtype=np.int64)  # (2,) our agents, in index order
        self.theirs = np.array(TEAM_AGENTS[1 - team], dtype=np.int64)  # (2,) the opponents, in index order
        self.filter: BeliefFilter | None = None
        self.visible = np.zeros((0, 2), dtype=np.bool_)  # (N, 2) opponents shown at the last update
        self._food = np.zeros((0, 0, 0), dtype=np.bool_)  # (N, H, W) our food and capsules at the last update
        self._seen: GameState | None = None  # the view, one object per batch (teams bind to their state object)

    def reset(self, state: GameState, games: np.ndarray) -> None:
        """Games `games` start: their opponents are at their start cells (a new batch: every game)."""
        games = np.asarray(games, dtype=np.int64)
        f = self.filter
        if f is None or f.num_games != state.num_games or f.open.shape[1:] != state.grid_shape:
            self._seen = state.copy()
            self.visible = np.zeros((state.num_games, 2), dtype=np.bool_)
            self._food = self._our_food(state)
            f, games = None, np.arange(state.num_games)
        starts = state.starts[:, self.theirs]
        if f is None or not (np.array_equal(f.open, ~state.walls) and np.array_equal(f.starts, starts)):
            beliefs = None if f is None else f.belief  # a new map in some game: the other games keep their beliefs
            self.filter = BeliefFilter(state.walls, starts, np.full(state.num_games, self.team == BLUE), widths=state.width)
            if beliefs is not None:
                self.filter.belief[:] = beliefs
        self.filter.reset(games)
        self.visible[games] = False
        self._food[games] = self._our_food(state)[games]

    def update(self, state: GameState, rng: np.random.Generator, moved: np.ndarray, readers: np.ndarray | None = None) -> None:
        """Everything since the last call: the opponents marked in `moved` `(N, 2)` took a move each, collisions
        where our agents stand, then the reading of each of our agents marked in `readers` `(N, 2)` (default
        both: the course's game, where both agents choose at once; in the turn-by-turn game the agent whose
        turn it is, as the contest gives each agent its own reading). Noisy distances are drawn from `rng`.
        Games with no reader are left as they were."""
        f = self.filter
        readers = np.ones((state.num_games, 2), dtype=np.bool_) if readers is None else np.asarray(readers, dtype=np.bool_)
        asked = readers.any(axis=1)
        if not asked.all():
            kept = ~asked
            belief, visible, food = f.belief[kept].copy(), self.visible[kept].copy(), self._food[kept].copy()
            self.update(state, rng, moved, np.where(asked[:, None], readers, True))
            f.belief[kept], self.visible[kept], self._food[kept] = belief, visible, food
            return
        food = self._our_food(state)
        f.elapse(moved, arrived=self._food & ~food)
        f.collide(state.pos[:, self.ours], state.scared[:, self.ours] > 0, state.scared[:, self.theirs] > 0)
        ours, theirs = state.pos[:, self.ours], state.pos[:, self.theirs]  # (N, 2, 2) cells (x, y)
        # (N, 2 ours, 2 theirs) true Manhattan distances
        true = np.abs(ours[:, :, None, :] - theirs[:, None, :, :]).sum(-1)
        self.visible = (true <= SIGHT_RANGE).any(axis=1)  # (N, 2): within sight of either of our agents
        noisy = (true + rng.integers(-NOISE, NOISE + 1, size=true.shape)).astype(np.float64)  # (N, 2 ours, 2 theirs)
        noisy[~readers] = np.nan  # no reading: an agent whose turn it is not
        for k in range(2):
            f.observe(ours[:, k], ours[:, 1 - k], noisy[:, k], self.visible, theirs, state.is_pacman[:, self.theirs],
                      blocked=food)
        self._food = food

    def view(self, state: GameState) -> GameState:
        """The state as this team sees it: hidden opponents at their most likely cells (one object per batch,
        written in place at each call)."""
        seen = self._seen
        for name, value in vars(state).items():
            np.copyto(getattr(seen, name), value)
        cells = self.filter.most_likely()  # (N, 2, 2)
        hidden = ~self.visible
        for j, agent in enumerate(self.theirs):
            seen.pos[hidden[:, j], agent] = cells[hidden[:, j], j]
        return seen

    def _our_food(self, state: GameState) -> np.ndarray:
        """`(N, H, W)` our food and capsules on the board (on our half)."""
        x = np.arange(state.grid_shape[1])
        red_half = 2 * x[None, None, :] < state.width[:, None, None]
        ours = red_half if self.team == 0 else ~red_half
        return (state.food | state.capsules) & ours


def moved_since_last_call(state: GameState, movers: np.ndarray | None, first_mover: np.ndarray | None,
                          team: int) -> np.ndarray:
    """`(N, 2)` bool: the opponents of `team` that moved since the team's previous call. Course game (`movers`
    None, a call a step): both, except in a game's first step. Turn-by-turn game: the agent before the mover,
    except at the game's very first move."""
    started = state.t > 0
    if movers is None:
        return np.repeat(started[:, None], 2, axis=1)
    mover = np.where(movers[:, 0], TEAM_AGENTS[team][0], TEAM_AGENTS[team][1])  # (N,) our agent to move
    last = (mover - 1) % NUM_AGENTS  # the opponent that moved just before it
    moved = np.stack([last == agent for agent in TEAM_AGENTS[1 - team]], axis=1)
    first_move = ~started & (mover == first_mover)
    return moved & ~first_move[:, None] & movers.any(axis=1)[:, None]
