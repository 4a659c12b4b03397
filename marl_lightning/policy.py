"""Trained policies out of checkpoints: `load_policy(path).act(obs, legal)`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .exploration import masked_argmax
from .networks import AgentQNetworks


class CheckpointError(ValueError):
    """A file that is not a checkpoint this project wrote; the message names the file and the problem."""


class GreedyPolicy:
    """The learning team's greedy policy.

    `act(obs, legal)`: obs float `(A, 8, H, W)` in the SPEC layout (zero-padded up to the trained
    grid when smaller), legal bool `(A, 5)` -> actions `(A,)` int64, the best legal action of each agent.
    Recurrent agents keep their hidden state from call to call; call `reset()` when a game starts.
    """

    def __init__(self, agents: AgentQNetworks, grid_shape: tuple[int, int]):
        self.agents = agents.eval()
        self.grid_shape = tuple(grid_shape)
        self.hidden = agents.initial_state(1)  # (1, A, hidden); empty for feed-forward agents
        self._batch_hidden = None

    def reset(self) -> None:
        """Forget the game so far (recurrent agents); feed-forward agents keep no state."""
        self.hidden = self.agents.initial_state(1)
        self._batch_hidden = None

    def reset_games(self, games: np.ndarray, num_games: int) -> None:
        """Forget games of a batch (`agents.PolicyTeam` calls this when they start)."""
        if self._batch_hidden is not None and self._batch_hidden.shape[0] == num_games:
            self._batch_hidden[torch.as_tensor(games, dtype=torch.long)] = 0.0
        else:
            self._batch_hidden = None

    @torch.no_grad()
    def __call__(self, obs, legal) -> np.ndarray:
        """Batched play, for `agents.PolicyTeam`: obs `(N, A, 8, H, W)`, legal `(N, A, 5)` -> `(N, A)`."""
        obs = self._padded(torch.as_tensor(np.asarray(obs), dtype=torch.float32))
        legal = torch.as_tensor(np.asarray(legal), dtype=torch.bool)
        if self.agents.recurrent:
            hidden = self._batch_hidden
            if hidden is None or hidden.shape[0] != obs.shape[0]:
                hidden = self.agents.initial_state(obs.shape[0])
            q, self._batch_hidden = self.agents(obs, hidden)
        else:
            q = self.agents(obs)
        return masked_argmax(q, legal).numpy()

    def _padded(self, obs: torch.Tensor) -> torch.Tensor:
        """`(..., C, h, w)` zero-padded to the trained grid `(..., C, H, W)`."""
        h, w = obs.shape[-2:]
        gh, gw = self.grid_shape
        if h > gh or w > gw:
            raise ValueError(f"observations of {h} x {w} are larger than the trained grid {gh} x {gw}")
        padded = obs.new_zeros((*obs.shape[:-2], gh, gw))
        padded[..., :h, :w] = obs
        return padded

    @torch.no_grad()
    def act(self, obs, legal) -> np.ndarray:
        obs = torch.as_tensor(np.asarray(obs), dtype=torch.float32)
        legal = torch.as_tensor(np.asarray(legal), dtype=torch.bool)
        if obs.dim() != 4 or legal.shape != (obs.shape[0], 5):
            raise ValueError(f"act expects obs (agents, 8, H, W) and legal (agents, 5), got {tuple(obs.shape)} and {tuple(legal.shape)}")
        padded = self._padded(obs)[None]  # (1, A, C, H, W)
        if self.agents.recurrent:
            q, self.hidden = self.agents(padded, self.hidden)
        else:
            q = self.agents(padded)
        return masked_argmax(q[0], legal).numpy()


def load_policy(path: str | Path, map_location: str = "cpu") -> GreedyPolicy:
    """The greedy policy of any checkpoint `train.py` wrote (loaded with `weights_only=True`)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # corrupt, truncated, or holding objects a weights-only load refuses
        raise CheckpointError(f"{str(path)!r} is not a readable checkpoint: {exc}") from None
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint or "hyper_parameters" not in checkpoint:
        raise CheckpointError(f"{str(path)!r} is not a Lightning checkpoint of this project (no state_dict/hyper_parameters)")
    h = checkpoint["hyper_parameters"]
    try:
        agents = AgentQNetworks(h["n_agents"], tuple(h["grid_shape"]), shared=h["shared"],
                                recurrent=h.get("recurrent", False), channels=tuple(h["channels"]), hidden=h["hidden"],
                                batch_norm=h["batch_norm"], pooling=h["pooling"])
        weights = {k[len("agents."):]: v for k, v in checkpoint["state_dict"].items() if k.startswith("agents.")}
        agents.load_state_dict(weights)
    except (KeyError, RuntimeError) as exc:
        raise CheckpointError(f"{str(path)!r} does not hold this project's agent networks: {exc}") from None
    return GreedyPolicy(agents, tuple(h["grid_shape"]))
