"""An exact Bayes filter over the cell of each opponent the contest hides, batched over games.

In the Berkeley contest (`capture.py`, `makeObservation`) an opponent farther than 5 (Manhattan) from
both agents of the observer's team is hidden; every agent gets a noisy Manhattan distance to every
other (true distance plus a uniform draw from -6..6), and every opponent's `isPacman`, `scaredTimer`
and `numCarrying`. Agents move one at a time (0, 1, 2, 3, 0, ...), so between two turns of a team
exactly one opponent has moved. This filter keeps, for N games and the 2 opponents of one team, a
distribution over cells and updates it with the contest's own model:

- `elapse`: an opponent that moved took one of its legal moves (Stop included), each equally likely:
  the uninformed model the contest's own examples use. A real opponent is not uniform, but the
  support (where it *can* be) is exact, and that is what keeps the filter from ruling out the truth.
  Optional food evidence: our food or capsule that vanished during that move is where it arrived.
- `collide`: an opponent on the cell of one of our agents after a move dies, as the rules say, and its
  mass goes to its start cell (a pacman meeting our ghost that is not scared; a scared ghost meeting
  our pacman); mass that survives the collision stays.
- `observe`: one observer's turn: a visible opponent collapses to its cell; a hidden one is farther
  than 5 from both our agents; the noisy distance has likelihood 1/13 within 6 of the true distance
  and 0 beyond; `isPacman` tells the half (a pacman is on the observer's half); no opponent stands on
  a cell that still holds our food or capsule (a pacman eats what it steps on).

Exact: with the transitions applied in the order the moves were played and the evidence above, each
opponent's belief is the exact posterior of the model (transitions uniform over legal moves), so the
true cell never gets probability 0. Not exact: the two opponents are filtered separately (a product
of marginals); the only coupling the rules create is a collision in which both opponents stand on
one cell with our agent, which the filter resolves for each opponent on its own. Fallback: when the
evidence leaves an opponent no mass (the caller gave evidence that contradicts the model, such as a
host that does not play the contest's turn order), the belief restarts from the evidence alone: half
its mass at the start cell if the evidence allows it (an unseen death is the usual cause), the rest
uniform over the cells the evidence allows (dropping the distance reading, then the rest, if even
that leaves nothing); it never divides by zero. `restarts` counts the fallbacks taken.

Use, at each turn of the observer's team: for every move played since the team's last turn, in the
order played, either `collide` at the cell one of our agents moved to (our move), or `elapse` the
opponent that moved (with the food it ate as `arrived`) and `collide` at our agents' cells (its move);
then `observe` this turn's evidence and read `most_likely()` or `belief`. `tests/test_belief.py` does
exactly this on real games; the exported team (`contest_team.py.in`) does it from what the contest shows.

Coordinates are the contest's `(x, y)`, `y` up; arrays are indexed `[..., y, x]`. This module imports
only numpy, so it can be copied beside an exported team file (`marl_lightning/play/export.py`).
"""

from __future__ import annotations

import numpy as np

SIGHT_RANGE = 5  # an opponent within this Manhattan distance of either of our agents is shown
NOISE = 6  # noisy distance = true distance + a uniform integer in -NOISE..NOISE


class BeliefFilter:
    """Beliefs `(N, 2, H, W)` over the cells of the two opponents of one team in N games.

    Args:
        walls: `(N, H, W)` bool, `[game, y, x]`.
        opponent_starts: `(N, 2, 2)` int, each opponent's start cell `(x, y)`.
        opponent_is_red: `(N,)` bool, whether the opponents are the red team (their home half is
            `x < width / 2`); the observer's team defends the other half.
        widths: `(N,)` int, each game's own width when layouts are padded to `W` (default `W`).
    """

    def __init__(self, walls: np.ndarray, opponent_starts: np.ndarray, opponent_is_red: np.ndarray,
                 widths: np.ndarray | None = None):
        walls = np.asarray(walls, dtype=bool)
        if walls.ndim != 3:
            raise ValueError(f"walls must be (N, H, W), got shape {walls.shape}")
        n, h, w = walls.shape
        self.starts = np.asarray(opponent_starts, dtype=np.int64).reshape(n, 2, 2)
        self.open = ~walls  # (N, H, W)
        self._open = self.open[:, None].astype(np.float64)  # (N, 1, H, W)
        widths = np.full(n, w) if widths is None else np.asarray(widths).reshape(n)
        red_half = 2 * np.arange(w)[None, None, :] < widths[:, None, None]  # (N, 1, W)
        opponent_is_red = np.asarray(opponent_is_red, dtype=bool).reshape(n)
        self.their_half = np.broadcast_to(red_half == opponent_is_red[:, None, None], (n, h, w))  # (N, H, W)
        # legal moves of each open cell: Stop plus every open neighbour; 1 / that count (0 on walls)
        degree = self.open.astype(np.int64)
        degree[:, 1:, :] += self.open[:, :-1, :] & self.open[:, 1:, :]
        degree[:, :-1, :] += self.open[:, 1:, :] & self.open[:, :-1, :]
        degree[:, :, 1:] += self.open[:, :, :-1] & self.open[:, :, 1:]
        degree[:, :, :-1] += self.open[:, :, 1:] & self.open[:, :, :-1]
        self._inv_degree = np.where(self.open, 1.0 / np.maximum(degree, 1), 0.0)[:, None]  # (N, 1, H, W)
        self._xs = np.arange(w)
        self._ys = np.arange(h)
        self._games = np.arange(n)
        self.belief = np.zeros((n, 2, h, w))  # (N, 2, H, W) float64: each (game, opponent) sums to 1
        self.restarts = np.zeros((n, 2), dtype=np.int64)  # (N, 2) fallbacks taken (0 when the evidence fits the model)
        self.reset()

    @property
    def num_games(self) -> int:
        return self.belief.shape[0]

    def reset(self, games: np.ndarray | None = None) -> None:
        """Games `games` (default all) start afresh: each opponent at its start cell, where a game begins."""
        games = self._games if games is None else np.asarray(games, dtype=np.int64).reshape(-1)
        self.belief[games] = 0.0
        self.restarts[games] = 0
        for k in range(2):
            self.belief[games, k, self.starts[games, k, 1], self.starts[games, k, 0]] = 1.0

    # -- transitions ----------------------------------------------------------------------------
    def elapse(self, moved: np.ndarray, arrived: np.ndarray | None = None) -> None:
        """The opponents marked in `moved` `(N, 2)` bool took one move: each cell's mass is spread evenly
        over its legal moves (Stop and every open neighbour).

        Args:
            arrived: `(N, H, W)` bool, cells of our food or capsules that vanished during this move: the
                opponent that moved ate it, so it arrived there. Used in the games where exactly one
                opponent moved and some cell is marked (with two movers it could be either).
        """
        moved = np.asarray(moved, dtype=bool).reshape(self.num_games, 2)
        if not moved.any():
            return
        p = self.belief * self._inv_degree  # (N, 2, H, W): the mass of each move out of each cell
        new = p.copy()  # Stop
        new[..., 1:, :] += p[..., :-1, :]  # North: from y - 1 to y
        new[..., :-1, :] += p[..., 1:, :]  # South: from y + 1 to y
        new[..., :, 1:] += p[..., :, :-1]  # East: from x - 1 to x
        new[..., :, :-1] += p[..., :, 1:]  # West: from x + 1 to x
        new *= self._open
        self.belief = np.where(moved[:, :, None, None], new, self.belief)
        if arrived is not None:
            arrived = np.asarray(arrived, dtype=bool)
            use = moved & (moved.sum(1) == 1)[:, None] & arrived.any(axis=(1, 2))[:, None]  # (N, 2)
            if use.any():
                self._condition(np.where(use[:, :, None, None], arrived[:, None], True), use)

    def collide(self, cells: np.ndarray, our_scared: np.ndarray, opponent_scared: np.ndarray,
                opponents: np.ndarray | None = None) -> None:
        """Our agents stand on `cells` right after a move (ours onto them, or theirs onto us): opponent mass
        on those cells that the collision kills goes to the opponent's start cell (the rules send a dead
        agent home). A cell on our half makes the opponent a pacman and our agent a ghost: it dies unless
        our agent is scared. A cell on its own half makes it a ghost and ours a pacman: it dies if it is
        scared. Mass that survives (our agent died instead) stays.

        Args:
            cells: `(N, K, 2)` int cells `(x, y)` of our agents (K of them; `x < 0` for none).
            our_scared: `(N, K)` bool, whether our agent on each cell was scared when they met.
            opponent_scared: `(N, 2)` bool, whether each opponent was scared when they met.
            opponents: `(N, 2)` bool, the opponents this move concerns (default both).
        """
        cells = np.asarray(cells, dtype=np.int64).reshape(self.num_games, -1, 2)
        our_scared = np.asarray(our_scared, dtype=bool).reshape(cells.shape[:2])
        opponent_scared = np.asarray(opponent_scared, dtype=bool).reshape(self.num_games, 2)
        concerned = np.ones((self.num_games, 2), dtype=bool) if opponents is None else np.asarray(opponents, dtype=bool)
        _, h, w = self.open.shape
        x, y = cells[..., 0], cells[..., 1]  # (N, K)
        inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        xc, yc = np.clip(x, 0, w - 1), np.clip(y, 0, h - 1)
        games = self._games[:, None]  # (N, 1)
        theirs = self.their_half[games, yc, xc]  # (N, K): the cell is on the opponents' half
        dies = np.where(theirs[..., None], opponent_scared[:, None, :], ~our_scared[..., None])  # (N, K, 2)
        dies &= concerned[:, None, :] & inside[..., None]
        dies &= self.belief[games[..., None], np.arange(2), yc[..., None], xc[..., None]] > 0  # some mass there
        for g, k, j in zip(*np.nonzero(dies)):  # rare: a collision the belief allows
            cx, cy = xc[g, k], yc[g, k]
            mass, self.belief[g, j, cy, cx] = self.belief[g, j, cy, cx], 0.0
            self.belief[g, j, self.starts[g, j, 1], self.starts[g, j, 0]] += mass

    # -- evidence -------------------------------------------------------------------------------
    def observe(self, observer: np.ndarray, teammate: np.ndarray, distances: np.ndarray | None,
                visible: np.ndarray, cells: np.ndarray, is_pacman: np.ndarray,
                blocked: np.ndarray | None = None) -> None:
        """The evidence of one observer's turn.

        Args:
            observer, teammate: `(N, 2)` int cells `(x, y)` of the observing agent and its teammate.
            distances: `(N, 2)` float noisy distances from the observer to each opponent (NaN: no
                reading), or None.
            visible: `(N, 2)` bool, opponents the observation shows; `cells` `(N, 2, 2)` their cells.
            is_pacman: `(N, 2)` bool, each opponent's `isPacman` (on the observer's half when True).
            blocked: `(N, H, W)` bool, cells no opponent can stand on: our food and capsules still on
                the board (a pacman eats them on arrival, and dropped food never lands under an agent).
        """
        n = self.num_games
        observer = np.asarray(observer, dtype=np.int64).reshape(n, 2)
        teammate = np.asarray(teammate, dtype=np.int64).reshape(n, 2)
        visible = np.asarray(visible, dtype=bool).reshape(n, 2)
        cells = np.asarray(cells, dtype=np.int64).reshape(n, 2, 2)
        is_pacman = np.asarray(is_pacman, dtype=bool).reshape(n, 2)
        from_observer = self._distance(observer)  # (N, H, W)
        unseen = (from_observer > SIGHT_RANGE) & (self._distance(teammate) > SIGHT_RANGE)  # (N, H, W)
        half = self.their_half[:, None] != is_pacman[:, :, None, None]  # (N, 2, H, W)
        allowed = self.open[:, None] & half & unseen[:, None]
        if blocked is not None:
            allowed &= ~np.asarray(blocked, dtype=bool)[:, None]
        reading = np.ones((n, 2, *self.open.shape[1:]), dtype=bool)
        if distances is not None:
            distances = np.asarray(distances, dtype=np.float64).reshape(n, 2)
            known = ~np.isnan(distances)
            reading = ~known[:, :, None, None] | (
                np.abs(from_observer[:, None] - np.nan_to_num(distances)[:, :, None, None]) <= NOISE)
        hidden = ~visible
        self._condition(allowed & reading, hidden, fallbacks=(allowed, self.open[:, None] & half))
        if visible.any():  # a shown opponent is where it is shown
            g, j = np.nonzero(visible)
            self.belief[g, j] = 0.0
            self.belief[g, j, cells[g, j, 1], cells[g, j, 0]] = 1.0

    # -- answers --------------------------------------------------------------------------------
    def most_likely(self) -> np.ndarray:
        """`(N, 2, 2)` cells `(x, y)` of the largest posterior; ties go to the first cell in `[y, x]` order."""
        n, _, h, w = self.belief.shape
        flat = self.belief.reshape(n, 2, h * w).argmax(-1)
        return np.stack([flat % w, flat // w], axis=-1)

    # -- internals ------------------------------------------------------------------------------
    def _distance(self, cell: np.ndarray) -> np.ndarray:
        """`(N, H, W)` Manhattan distance from each game's `cell` `(N, 2)` to every cell."""
        return (np.abs(self._xs[None, None, :] - cell[:, 0, None, None])
                + np.abs(self._ys[None, :, None] - cell[:, 1, None, None]))

    def _condition(self, likelihood: np.ndarray, which: np.ndarray, fallbacks: tuple = ()) -> None:
        """Multiply the beliefs marked by `which` `(N, 2)` by the 0/1 `likelihood` `(N, 2, H, W)` and
        normalise; a belief left with no mass restarts from the evidence alone (module docstring)."""
        posterior = self.belief * likelihood
        total = posterior.sum(axis=(2, 3))  # (N, 2)
        ok = which & (total > 0)
        self.belief[ok] = posterior[ok] / total[ok][:, None, None]
        lost = which & ~ok
        if lost.any():
            self.restarts += lost
            for g, j in zip(*np.nonzero(lost)):
                self.belief[g, j] = self._restart(g, j, [likelihood[g, j]] + [np.broadcast_to(f, likelihood.shape)[g, j]
                                                                              for f in fallbacks] + [self.open[g]])

    def _restart(self, g: int, j: int, evidence: list) -> np.ndarray:
        """A belief from the evidence alone: the first of `evidence` that allows some open cell."""
        for allowed in evidence:
            allowed = np.asarray(allowed, dtype=bool) & self.open[g]
            count = allowed.sum()
            if count == 0:
                continue
            belief = allowed / count
            x, y = self.starts[g, j]
            if allowed[y, x]:  # an unseen death is the usual cause: half the mass at the start
                belief = 0.5 * belief
                belief[y, x] += 0.5
            return belief
        raise ValueError(f"game {g} has no open cell")
