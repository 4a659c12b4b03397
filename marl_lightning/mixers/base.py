"""What every mixer shares: the global state it conditions on, and its encoder."""

from __future__ import annotations

import torch
from torch import nn


def global_state(obs: torch.Tensor) -> torch.Tensor:
    """The mixer's global state: the team's observations stacked, `(B, A, C, H, W) -> (B, A*C, H, W)`.

    Observations are fully observed, so both agents' views together hold the whole board plus who is
    who; this is the course's choice, defined here once.
    """
    b, a, c, h, w = obs.shape
    return obs.reshape(b, a * c, h, w)


class StateEncoder(nn.Module):
    """Global state `(B, A*C, H, W)` -> features `(B, E)`: two convolutions (the first with `stride`),
    pooled to 4 x 4."""

    def __init__(self, in_channels: int, embed: int = 64, stride: int = 1):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3, stride=stride, padding=1), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(4), nn.Flatten(),
            nn.Linear(32 * 16, embed), nn.ReLU(),
        )

    def forward(self, state: torch.Tensor) -> torch.Tensor:
        return self.net(state)


class Mixer(nn.Module):
    """Mixes the agents' Q-values into the team's: `forward(agent_qs (B, A), state (B, A*C, H, W)) -> q_tot (B,)`,
    monotonic in every agent's Q (so each agent's greedy action is the team's).

    A mixer of your own subclasses this and takes `n_agents` and `state_shape` `(A*C, H, W)` as its first
    two arguments (the learner gives them); the rest are its own settings, given in YAML:
    `model.mixer: {class_path: mypackage.MyMixer, init_args: {...}}`.
    """

    def __init__(self, n_agents: int, state_shape: tuple[int, int, int]):
        super().__init__()
        self.n_agents, self.state_shape = n_agents, tuple(state_shape)

    def forward(self, agent_qs: torch.Tensor, state: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError
