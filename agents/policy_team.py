"""Any trained policy as a team, for either colour: the adapter self-play uses.

A policy is a callable `policy(obs, legal) -> actions` that always sees the game from the **blue**
point of view, as `VecCaptureEnv` gives it to the caller:

- `obs`: `(N, 2, 8, H, W)` float32 numpy observations of the team's two agents (SPEC.md channels);
- `legal`: `(N, 2, 5)` bool numpy legal-action masks;
- returns `(N, 2)` integer actions (numpy, a list, or a torch tensor on any device).

For the blue team the observations and masks go to the policy as they are. For the red team the
board is rotated 180 degrees (within each game's own `width x height`; padding stays at the
top/right) and the red/blue channels are swapped (2 <-> 3 capsules, 6 <-> 7 food), so that red's
own half lies on the right and its own food is in channel 6, exactly as for blue; the masks are
rotated (North <-> South, East <-> West) and the policy's actions are rotated back. A policy trained
as blue therefore plays red unchanged.

>>> import numpy as np
>>> from agents import PolicyTeam
>>> from gymPacMan import VecCaptureEnv
>>> stop = lambda obs, legal: np.full(obs.shape[:2], 4)
>>> env = VecCaptureEnv("tinyMaze", num_envs=2, opponent=PolicyTeam(stop), seed=0)
>>> _ = env.reset()

On layouts of odd width the centre column belongs to red (`x < W / 2`), so after the rotation the
red view's centre column still holds red's cells: the channels keep their meaning (own food in 6,
the food to attack in 7) but the two halves are not exact mirror images there. Every shipped map
has an even width.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from gymPacMan import engine
from gymPacMan.engine import GameState
from gymPacMan.rules import BLUE, NUM_ACTIONS, NUM_CHANNELS, RED, REVERSE

from .base import Team

Policy = Callable[[np.ndarray, np.ndarray], object]

# Channel c of the blue view is channel SWAP[c] of the red agent's own observation.
CHANNEL_SWAP = np.array([0, 1, 3, 2, 4, 5, 7, 6], dtype=np.int64)
# Action a under a 180-degree rotation of the board (North <-> South, East <-> West, Stop stays).
ACTION_ROTATION = np.array(REVERSE, dtype=np.int64)


def to_blue_view(obs: np.ndarray, width, height) -> np.ndarray:
    """Turn red agents' observations into the blue point of view.

    Args:
        obs: `(N, ..., 8, H, W)` observations (e.g. `(N, 2, 8, H, W)` from `engine.observe(state, (0, 2))`),
            indexed `[..., channel, y, x]`, each game possibly padded beyond its own size.
        width, height: `(N,)` each game's own size (`state.width`, `state.height`), or one int for all.

    Returns:
        A new array of `obs`'s shape and dtype: in each game the `[:height, :width]` block is rotated
        180 degrees (cell `(x, y)` goes to `(width - 1 - x, height - 1 - y)`), the padding stays where
        it was (top/right), and the channels 2 <-> 3 (capsules) and 6 <-> 7 (food) are swapped.
        The function is its own inverse.
    """
    obs = np.asarray(obs)
    if obs.ndim < 4 or obs.shape[-3] != NUM_CHANNELS:
        raise ValueError(f"obs must be (N, ..., {NUM_CHANNELS}, H, W), got shape {obs.shape}")
    n, (grid_h, grid_w) = obs.shape[0], obs.shape[-2:]
    width = np.broadcast_to(np.asarray(width, dtype=np.int64), (n,))
    height = np.broadcast_to(np.asarray(height, dtype=np.int64), (n,))
    if n and ((width < 1).any() or (height < 1).any() or (width > grid_w).any() or (height > grid_h).any()):
        raise ValueError(f"game sizes must lie within the observation grid {grid_w} x {grid_h}")
    swapped = obs[..., CHANNEL_SWAP, :, :]  # a copy; keeps the padding as it was
    sizes = np.unique(np.stack([height, width], axis=1), axis=0) if n else np.zeros((0, 2), np.int64)
    if len(sizes) == 1 and (sizes[0, 0], sizes[0, 1]) == (grid_h, grid_w):
        return np.ascontiguousarray(swapped[..., ::-1, ::-1])  # no padding: one flip of everything
    for h, w in sizes:  # one vectorised flip per distinct size
        games = np.flatnonzero((height == h) & (width == w))
        swapped[games, ..., :h, :w] = swapped[games, ..., :h, :w][..., ::-1, ::-1]
    return swapped


def rotate_actions(actions) -> np.ndarray:
    """Actions on the rotated board <-> actions on the real board: `(...)` int in 0-4 -> `(...)` int64.

    North <-> South, East <-> West, Stop stays; its own inverse.
    """
    actions = np.asarray(actions, dtype=np.int64)
    if actions.size and (actions.min() < 0 or actions.max() >= NUM_ACTIONS):
        raise ValueError(f"actions must be in 0-{NUM_ACTIONS - 1}, got values from {actions.min()} to {actions.max()}")
    return ACTION_ROTATION[actions]


def rotate_legal(legal) -> np.ndarray:
    """Legal-action masks on the real board <-> on the rotated board: `(..., 5)` bool -> `(..., 5)` bool.

    Entry `a` of the result is entry `rotate_actions(a)` of the input; its own inverse.
    """
    legal = np.asarray(legal)
    if legal.shape[-1:] != (NUM_ACTIONS,):
        raise ValueError(f"legal masks must end in {NUM_ACTIONS} actions, got shape {legal.shape}")
    return legal[..., ACTION_ROTATION]


def _as_numpy_actions(actions, n: int) -> np.ndarray:
    """The policy's output (numpy, list, torch tensor on any device) as `(N, 2)` int64, checked."""
    if hasattr(actions, "detach"):  # a torch tensor, without importing torch here
        actions = actions.detach().cpu().numpy()
    actions = np.asarray(actions)
    if actions.shape != (n, 2):
        raise ValueError(f"the policy must return actions of shape ({n}, 2) (games, agents), got {actions.shape}")
    if actions.dtype == np.bool_ or not np.issubdtype(actions.dtype, np.number):
        raise ValueError(f"the policy must return integer actions 0-4, got dtype {actions.dtype}")
    if not np.issubdtype(actions.dtype, np.integer):
        if not np.all(np.mod(actions, 1) == 0):
            raise ValueError(f"the policy must return integer actions 0-4, got values such as {actions.flat[0]!r}")
    actions = actions.astype(np.int64)
    if actions.size and (actions.min() < 0 or actions.max() >= NUM_ACTIONS):
        raise ValueError(
            f"the policy returned an action outside 0-{NUM_ACTIONS - 1} (values from {actions.min()} to {actions.max()})"
        )
    return actions


class PolicyTeam(Team):
    """A trained policy playing one colour; it always sees the game as blue.

    Args:
        policy: `policy(obs, legal) -> actions`, `obs` `(N, 2, 8, H, W)` float32 and `legal`
            `(N, 2, 5)` bool numpy arrays from the blue point of view, actions `(N, 2)` integers
            (numpy or torch). An illegal action is played as Stop by the engine.
        team: `RED` (0, the default, as for every opponent) or `BLUE` (1).
        name: shown in logs (default `"policy"`).
    """

    name = "policy"

    def __init__(self, policy: Policy, team: int = RED, name: str | None = None):
        super().__init__(team)
        if not callable(policy):
            raise TypeError(f"policy must be callable as policy(obs, legal) -> actions, got {policy!r}")
        self.policy = policy
        if name is not None:
            self.name = name

    @classmethod
    def from_callable(cls, fn: Policy, team: int = RED, name: str | None = None) -> "PolicyTeam":
        """`PolicyTeam(fn, team)`: the policy `fn(obs, legal) -> actions` playing colour `team`."""
        return cls(fn, team=team, name=name)

    def observe(self, state: GameState, legal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What the policy sees: `(N, 2, 8, H, W)` float32 observations and `(N, 2, 5)` masks, blue view.

        `legal` is the `(N, 4, 5)` mask of all four agents (as `act` gets it).
        """
        agents = list(self.agents)
        obs = engine.observe(state, agents)
        own_legal = np.asarray(legal)[:, agents]
        if self.team == BLUE:
            return obs, own_legal
        return to_blue_view(obs, state.width, state.height), rotate_legal(own_legal)

    def reset(self, state: GameState, games: np.ndarray) -> None:
        """A policy with memory (a recurrent one) that has `reset_games(games, num_games)` forgets those games."""
        if hasattr(self.policy, "reset_games"):
            self.policy.reset_games(np.asarray(games), state.num_games)

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        obs, own_legal = self.observe(state, legal)
        actions = _as_numpy_actions(self.policy(obs, own_legal), state.num_games)
        return actions if self.team == BLUE else rotate_actions(actions)

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, policy={self.policy!r})"


__all__ = ["PolicyTeam", "to_blue_view", "rotate_actions", "rotate_legal", "CHANNEL_SWAP", "ACTION_ROTATION"]
