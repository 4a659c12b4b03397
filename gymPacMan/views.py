"""The blue point of view for the red team: one policy, trained as blue, plays either colour.

A policy sees the game as the blue team sees it: its own half on the right, its own food in channel
6, the food to attack in channel 7. Red sees the same kind of board through the **map's own
symmetry**, found per game from its walls and start cells:

- `MIRROR`: the map is a mirror image left to right (the course's maps, `bloxCapture`, and every
  maze of the course's generator): red's view is the board flipped left to right, East <-> West.
- `ROTATE`: the map is the same turned 180 degrees (the Berkeley contest's own maps): red's view is
  the board rotated, North <-> South and East <-> West.

A map symmetric both ways takes the symmetry that also carries red's start cells onto blue's
(mirror first). A map with neither symmetry is shown mirrored: the course's maps are all mirrored,
so that is the view nearest to what a policy trained on them knows. Under either view the red/blue
channels swap (2 <-> 3 capsules, 6 <-> 7 food), and red's agents take the slots of the blue agents
whose start cells their own map onto (on `smallCapture` agent 2 starts where the mirror of agent 1's
start is, so agent 2 plays in slot 0); the view is therefore exactly blue's view of the mirrored
(or rotated) game with the colours exchanged.

Everything works per game on padded batches: each game turns within its own `width x height`
block, the padding stays at the top/right. On layouts of odd width the centre column belongs to red
(`x < W / 2`) and maps onto itself, so there the two halves are not exact images of each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .engine import GameState
from .rules import EAST, NORTH, NUM_ACTIONS, NUM_CHANNELS, SOUTH, STOP, WEST

MIRROR, ROTATE = 0, 1
SYMMETRY_NAMES = ("mirror", "rotate")

# Channel c of the blue view is channel CHANNEL_SWAP[c] of the red agent's own observation.
CHANNEL_SWAP = np.array([0, 1, 3, 2, 4, 5, 7, 6], dtype=np.int64)
# ACTION_MAP[symmetry][a]: action a on the real board as seen in the view (each its own inverse).
ACTION_MAP = np.array([
    [NORTH, WEST, SOUTH, EAST, STOP],  # mirror: East <-> West
    [SOUTH, WEST, NORTH, EAST, STOP],  # rotate: North <-> South, East <-> West
], dtype=np.int64)


def _transform_cells(x: np.ndarray, y: np.ndarray, width: np.ndarray, height: np.ndarray, symmetry: int):
    """Cells `(x, y)` under a symmetry of a `width x height` board (arrays broadcast)."""
    return width - 1 - x, (y if symmetry == MIRROR else height - 1 - y)


def board_symmetry(state: GameState) -> tuple[np.ndarray, np.ndarray]:
    """Each game's symmetry and red's slot order.

    Returns:
        symmetry: `(N,)` int, `MIRROR` or `ROTATE` (the rule in the module docstring).
        swap: `(N,)` bool, red's agents take the slots the other way round (agent 2 in slot 0).
    """
    n = state.num_games
    symmetric = np.zeros((n, 2), dtype=np.bool_)  # walls map onto themselves, per symmetry
    for h, w in np.unique(np.stack([state.height, state.width], axis=1), axis=0):
        games = np.flatnonzero((state.height == h) & (state.width == w))
        block = state.walls[games, :h, :w]
        symmetric[games, MIRROR] = (block == block[:, :, ::-1]).all(axis=(1, 2))
        symmetric[games, ROTATE] = (block == block[:, ::-1, ::-1]).all(axis=(1, 2))
    starts = state.starts  # (N, 4, 2)
    direct = np.zeros((n, 2), dtype=np.bool_)  # red agent 0 onto blue 1, 2 onto 3
    crossed = np.zeros((n, 2), dtype=np.bool_)  # red agent 0 onto blue 3, 2 onto 1
    for symmetry in (MIRROR, ROTATE):
        x, y = _transform_cells(starts[..., 0], starts[..., 1], state.width[:, None], state.height[:, None], symmetry)
        image = np.stack([x, y], axis=-1)  # (N, 4, 2)
        direct[:, symmetry] = (image[:, 0] == starts[:, 1]).all(-1) & (image[:, 2] == starts[:, 3]).all(-1)
        crossed[:, symmetry] = (image[:, 0] == starts[:, 3]).all(-1) & (image[:, 2] == starts[:, 1]).all(-1)
    fits = symmetric & (direct | crossed)
    symmetry = np.where(fits[:, MIRROR], MIRROR,
                        np.where(fits[:, ROTATE], ROTATE,
                                 np.where(symmetric[:, MIRROR] | ~symmetric[:, ROTATE], MIRROR, ROTATE)))
    swap = crossed[np.arange(n), symmetry] & ~direct[np.arange(n), symmetry]
    return symmetry.astype(np.int64), swap


def to_blue_view(obs: np.ndarray, width, height, symmetry=ROTATE) -> np.ndarray:
    """Turn red agents' observations into the blue point of view (and back: it is its own inverse).

    Args:
        obs: `(N, ..., 8, H, W)` observations indexed `[..., channel, y, x]`, each game possibly padded.
        width, height: `(N,)` each game's own size (`state.width`, `state.height`), or one int for all.
        symmetry: `(N,)` or one of `MIRROR` (cell `(x, y)` to `(width - 1 - x, y)`) and `ROTATE`
            (to `(width - 1 - x, height - 1 - y)`, the default).

    Returns:
        A new array of `obs`'s shape and dtype: each game's `[:height, :width]` block turned, the
        padding where it was, and the channels 2 <-> 3 (capsules) and 6 <-> 7 (food) swapped; extra
        planes (`gymPacMan.planes`, already from the team's own side) are turned and not swapped.
    """
    obs = np.asarray(obs)
    if obs.ndim < 4 or obs.shape[-3] < NUM_CHANNELS:
        raise ValueError(f"obs must be (N, ..., C, H, W) with C >= {NUM_CHANNELS}, got shape {obs.shape}")
    n, (grid_h, grid_w) = obs.shape[0], obs.shape[-2:]
    width = np.broadcast_to(np.asarray(width, dtype=np.int64), (n,))
    height = np.broadcast_to(np.asarray(height, dtype=np.int64), (n,))
    symmetry = np.broadcast_to(np.asarray(symmetry, dtype=np.int64), (n,))
    if n and ((width < 1).any() or (height < 1).any() or (width > grid_w).any() or (height > grid_h).any()):
        raise ValueError(f"game sizes must lie within the observation grid {grid_w} x {grid_h}")
    swap = np.concatenate([CHANNEL_SWAP, np.arange(NUM_CHANNELS, obs.shape[-3])])  # planes after 7: the team's own
    swapped = obs[..., swap, :, :]  # a copy; keeps the padding as it was
    groups = np.unique(np.stack([height, width, symmetry], axis=1), axis=0) if n else np.zeros((0, 3), np.int64)
    for h, w, s in groups:  # one vectorised flip per distinct size and symmetry
        games = np.flatnonzero((height == h) & (width == w) & (symmetry == s))
        block = swapped[games, ..., :h, :w]
        swapped[games, ..., :h, :w] = block[..., ::-1] if s == MIRROR else block[..., ::-1, ::-1]
    return swapped


def view_actions(actions, symmetry=ROTATE) -> np.ndarray:
    """Actions on the real board <-> in the view: `(N, ...)` ints 0-4, symmetry `(N,)` or one value."""
    actions = np.asarray(actions, dtype=np.int64)
    if actions.size and (actions.min() < 0 or actions.max() >= NUM_ACTIONS):
        raise ValueError(f"actions must be in 0-{NUM_ACTIONS - 1}, got values from {actions.min()} to {actions.max()}")
    symmetry = np.asarray(symmetry, dtype=np.int64)
    symmetry = symmetry.reshape(symmetry.shape + (1,) * (actions.ndim - symmetry.ndim))
    return ACTION_MAP[symmetry, actions]


def view_legal(legal, symmetry=ROTATE) -> np.ndarray:
    """Legal-action masks on the real board <-> in the view: `(N, ..., 5)` bool; entry `a` of the result
    is entry `view_actions(a)` of the input."""
    legal = np.asarray(legal)
    if legal.shape[-1:] != (NUM_ACTIONS,):
        raise ValueError(f"legal masks must end in {NUM_ACTIONS} actions, got shape {legal.shape}")
    symmetry = np.asarray(symmetry, dtype=np.int64)
    index = ACTION_MAP[symmetry.reshape(symmetry.shape + (1,) * (legal.ndim - 1 - symmetry.ndim))]  # (..., 5)
    return np.take_along_axis(legal, np.broadcast_to(index, legal.shape), axis=-1)


# FLIP_ACTIONS[a]: action a on the board flipped north to south (its own inverse).
FLIP_ACTIONS = np.array([SOUTH, EAST, NORTH, WEST, STOP], dtype=np.int64)


def flip_north_south(state: GameState) -> GameState:
    """The games turned upside down, each within its own `width x height` block (the padding stays at the top).

    The rules treat north and south alike, so the flipped game is a game too: stepping it with
    `FLIP_ACTIONS[actions]` gives the flip of the stepped game (`tests/test_views.py` checks it), but for where a
    dying Pacman's food lands (free cells found in a fixed order of neighbours: as much, on the same half). It keeps the
    sides (and so the red view's symmetry and slots): a demonstration flipped with its actions is another true
    one (`data.demonstrations.flip`), on every map, where the left-right mirror already is red's own view of blue's game."""
    flipped = state.copy()
    for h in np.unique(state.height):
        games = np.flatnonzero(state.height == h)
        for name in ("walls", "food", "capsules"):
            getattr(flipped, name)[games, :h] = getattr(state, name)[games, :h][:, ::-1]
    flipped.pos[..., 1] = state.height[:, None] - 1 - state.pos[..., 1]
    flipped.starts[..., 1] = state.height[:, None] - 1 - state.starts[..., 1]
    flipped.heading = FLIP_ACTIONS[state.heading]
    return flipped


@dataclass(frozen=True)
class RedView:
    """How red's agents see a batch: each game's symmetry and slot order (`board_symmetry(state)`).

    >>> from gymPacMan import engine, load_layout
    >>> state = engine.new_state([load_layout("bloxCapture")], [0])
    >>> view = RedView.of(state)
    >>> SYMMETRY_NAMES[view.symmetry[0]], bool(view.swap[0])
    ('mirror', False)
    """

    symmetry: np.ndarray  # (N,) MIRROR or ROTATE
    swap: np.ndarray  # (N,) bool: agent 2 in slot 0

    @classmethod
    def of(cls, state: GameState) -> "RedView":
        return cls(*board_symmetry(state))

    def observe(self, obs: np.ndarray, legal: np.ndarray, width, height) -> tuple[np.ndarray, np.ndarray]:
        """Agents 0 and 2's `obs` `(N, 2, 8, H, W)` and `legal` `(N, 2, 5)` (index order) as the view's slots."""
        return to_blue_view(self._by_slot(obs), width, height, self.symmetry), self.seen_legal(legal)

    def seen_legal(self, legal: np.ndarray) -> np.ndarray:
        """Agents 0 and 2's `(N, 2, 5)` masks (index order) as the view's, by slot."""
        return view_legal(self._by_slot(legal), self.symmetry)

    def _by_slot(self, per_agent: np.ndarray) -> np.ndarray:
        """`(N, 2, ...)` rows of agents 0 and 2 (index order) in the view's slot order: whole rows picked, a
        copy (`take_along_axis` would build an index as large as the observations: 5 times slower)."""
        order = np.where(self.swap[:, None], [1, 0], [0, 1])  # (N, 2): view slot -> position in (agent 0, agent 2)
        return np.asarray(per_agent)[np.arange(len(order))[:, None], order]

    def real_actions(self, actions: np.ndarray) -> np.ndarray:
        """The view's `(N, 2)` actions, by slot, as the real actions of agents 0 and 2 (index order)."""
        real = view_actions(actions, self.symmetry)
        return np.where(self.swap[:, None], real[:, ::-1], real)

    def seen_actions(self, actions: np.ndarray) -> np.ndarray:
        """The real `(N, 2)` actions of agents 0 and 2 (index order) as the view's, by slot: `real_actions` undone."""
        actions = np.asarray(actions)
        return view_actions(np.where(self.swap[:, None], actions[:, ::-1], actions), self.symmetry)
