"""Any trained policy as a team, for either colour: the adapter evaluation, tournaments and self-play use.

A policy acts on the game as the **blue** team sees it, as `VecCaptureEnv` gives it to the caller:

- `obs`: `(N, 2, 8, H, W)` float32 observations of the team's two agents (SPEC.md channels);
- `legal`: `(N, 2, 5)` bool legal-action masks;
- it returns `(N, 2)` integer actions (numpy, a list, or a torch tensor on any device).

Two kinds of policy play: a `Policy` (`act(obs, legal, state) -> (actions, state)` and
`initial_state(num_games)`, as `marl_lightning.load_policy` gives, feed-forward or recurrent alike),
whose per-game state the team keeps and clears when a game starts; or a plain function
`policy(obs, legal) -> actions`.

For the blue team the observations and masks go to the policy as they are. For the red team the
board is seen through the map's own symmetry (`gymPacMan.views`): mirrored left to right on the
course's maps, rotated 180 degrees on point-symmetric ones, with the red/blue channels swapped and
red's agents in the slots of the blue agents whose starts they mirror; the masks are turned the same
way and the policy's actions turned back. A policy trained as blue therefore plays red unchanged.

>>> import numpy as np
>>> from agents import PolicyTeam
>>> from gymPacMan import VecCaptureEnv
>>> stop = lambda obs, legal: np.full(obs.shape[:2], 4)
>>> env = VecCaptureEnv("tinyMaze", num_envs=2, opponent=PolicyTeam(stop), seed=0)
>>> _ = env.reset()
"""

from __future__ import annotations

from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np

from gymPacMan.engine import GameState
from gymPacMan.planes import observe_with_planes
from gymPacMan.rules import BLUE, NUM_ACTIONS, RED, STOP
from gymPacMan.views import CHANNEL_SWAP, ROTATE, RedView, to_blue_view, view_actions, view_legal

from .base import Team

@runtime_checkable
class Policy(Protocol):
    """A policy with per-game state: `act(obs (N, 2, 8, H, W), legal (N, 2, 5), state) -> (actions (N, 2), state)`."""

    def initial_state(self, num_games: int) -> Any: ...

    def act(self, obs: Any, legal: Any, state: Any) -> tuple[Any, Any]: ...


class StatelessPolicy:
    """A plain function `fn(obs, legal) -> actions` as a `Policy` (its state is `None`)."""

    def __init__(self, fn: Callable[[np.ndarray, np.ndarray], Any]):
        self.fn = fn

    def initial_state(self, num_games: int) -> None:
        return None

    def act(self, obs, legal, state=None):
        return self.fn(obs, legal), None

    def __repr__(self) -> str:
        return f"StatelessPolicy({self.fn!r})"


def rotate_actions(actions) -> np.ndarray:
    """Actions on the real board <-> on the board rotated 180 degrees (North <-> South, East <-> West)."""
    return view_actions(actions, ROTATE)


def rotate_legal(legal) -> np.ndarray:
    """Legal-action masks on the real board <-> on the board rotated 180 degrees: `(..., 5)` bool."""
    return view_legal(legal, ROTATE)


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
        policy: a `Policy` (`act` and `initial_state`), or a function `policy(obs, legal) -> actions`;
            `obs` `(N, 2, 8, H, W)` float32 and `legal` `(N, 2, 5)` bool numpy arrays from the blue
            point of view, actions `(N, 2)` integers (numpy or torch). An illegal action is played as
            Stop by the engine.
        team: `RED` (0, the default, as for every opponent) or `BLUE` (1).
        name: shown in logs (default `"policy"`).
    """

    name = "policy"

    def __init__(self, policy: Policy | Callable[[np.ndarray, np.ndarray], Any], team: int = RED, name: str | None = None):
        super().__init__(team)
        if isinstance(policy, Policy):
            self.policy = policy
        elif callable(policy):
            self.policy = StatelessPolicy(policy)
        else:
            raise TypeError(f"policy must have act(obs, legal, state) or be callable as policy(obs, legal), got {policy!r}")
        self.memory: Any = None  # the policy's state of each game: (N, 2, S), or None
        if name is not None:
            self.name = name

    @classmethod
    def from_callable(cls, fn: Callable[[np.ndarray, np.ndarray], Any], team: int = RED, name: str | None = None) -> "PolicyTeam":
        """`PolicyTeam(fn, team)`: the policy `fn(obs, legal) -> actions` playing colour `team`."""
        return cls(fn, team=team, name=name)

    def observe(self, state: GameState, legal: np.ndarray, view: RedView | None = None) -> tuple[np.ndarray, np.ndarray]:
        """What the policy sees: `(N, 2, C, H, W)` float32 observations and `(N, 2, 5)` masks, blue view.

        `legal` is the `(N, 4, 5)` mask of all four agents (as `act` gets it); `view` is red's
        `RedView.of(state)` when the caller has it already. A policy trained with extra observation
        planes names them in its `planes` attribute (`gymPacMan.planes`); they are added, from this
        team's side, over a game of `time_limit` steps.
        """
        agents = list(self.agents)
        obs = observe_with_planes(state, agents, getattr(self.policy, "planes", ()), self.time_limit)
        own_legal = np.asarray(legal)[:, agents]
        if self.team == BLUE:
            return obs, own_legal
        return (view or RedView.of(state)).observe(obs, own_legal, state.width, state.height)

    def reset(self, state: GameState, games: np.ndarray) -> None:
        """Games that start forget what the policy remembered of the games before."""
        if self.bind(state) or self.memory is None or len(self.memory) != state.num_games:
            self.memory = self.policy.initial_state(state.num_games)
        elif len(games):
            self.memory[_index(games, self.memory)] = self.policy.initial_state(len(games))

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if self.bind(state) or (self.memory is not None and len(self.memory) != state.num_games):
            self.memory = self.policy.initial_state(state.num_games)
        if self.in_play is not None and not np.all(self.in_play):  # in a mixture: only this team's own games
            games = np.flatnonzero(self.in_play)
            out = np.full((state.num_games, 2), STOP, dtype=np.int64)
            if len(games):
                memory = None if self.memory is None else self.memory[_index(games, self.memory)]
                actions, memory = self._act(state.select(games), np.asarray(legal)[games], memory)
                out[games] = actions
                if memory is not None:
                    self.memory[_index(games, self.memory)] = memory
            return out
        actions, self.memory = self._act(state, legal, self.memory)
        return actions

    def _act(self, state: GameState, legal: np.ndarray, memory: Any) -> tuple[np.ndarray, Any]:
        view = RedView.of(state) if self.team == RED else None
        obs, own_legal = self.observe(state, legal, view)
        actions, memory = self.policy.act(obs, own_legal, memory)
        actions = _as_numpy_actions(actions, state.num_games)
        return (actions if view is None else view.real_actions(actions)), memory

    def state_dict(self) -> dict:
        return {} if self.memory is None else {"memory": self.memory}

    def load_state_dict(self, state_dict: dict) -> None:
        if "memory" in state_dict:
            self.memory = state_dict["memory"]

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, policy={self.policy!r})"


def _index(games: np.ndarray, memory: Any):
    """Game indices fit to index `memory` (a torch tensor wants a tensor of indices)."""
    if hasattr(memory, "detach"):
        import torch

        return torch.as_tensor(np.asarray(games), dtype=torch.long, device=memory.device)
    return np.asarray(games)


__all__ = ["Policy", "PolicyTeam", "StatelessPolicy", "to_blue_view", "rotate_actions", "rotate_legal", "CHANNEL_SWAP"]
