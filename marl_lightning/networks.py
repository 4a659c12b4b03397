"""Agent Q-networks: the course-style CNN, with parameters shared across agents or one per agent.

Shapes: `B` batch, `A` agents of the learning team, `C = 8` observation channels, `H, W` the padded
grid, `U = 5` actions.
"""

from __future__ import annotations

import torch
from torch import nn

from gymPacMan.rules import NUM_ACTIONS, NUM_CHANNELS


class AgentCNN(nn.Module):
    """The course's network B by default: 3x3 "same" convolutions (16, 32, 64) with batch norm and
    SiLU, then a hidden layer of 32 and one Q-value per action.

    Args:
        in_channels: observation channels (8, plus one per agent when an agent id is appended).
        grid_shape: `(H, W)` of the padded observations.
        channels: convolution widths.
        hidden: units of the hidden layer.
        batch_norm: batch norm after each convolution, as in the course.
        pooling: `"avg"` global average pooling (the course's choice: it forgets where things are),
            or `"flatten"` (keeps positions; the default of our configs).
    """

    def __init__(self, in_channels: int, grid_shape: tuple[int, int], channels: tuple[int, ...] = (16, 32, 64),
                 hidden: int = 32, batch_norm: bool = True, pooling: str = "avg"):
        super().__init__()
        if pooling not in ("avg", "flatten"):
            raise ValueError(f"pooling must be 'avg' or 'flatten', got {pooling!r}")
        layers: list[nn.Module] = []
        previous = in_channels
        for width in channels:
            layers.append(nn.Conv2d(previous, width, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.SiLU())
            previous = width
        self.conv = nn.Sequential(*layers)
        if pooling == "avg":
            self.pool: nn.Module = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
            features = previous
        else:
            self.pool = nn.Flatten()
            features = previous * grid_shape[0] * grid_shape[1]
        self.head = nn.Sequential(nn.Linear(features, hidden), nn.SiLU(), nn.Linear(hidden, NUM_ACTIONS))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """obs: `(B, C, H, W)` -> Q-values `(B, U)`."""
        return self.head(self.pool(self.conv(obs)))


class AgentQNetworks(nn.Module):
    """The learning team's Q-networks: one shared network fed an agent-id, or one network per agent.

    Args:
        n_agents: A, agents in the learning team.
        grid_shape: `(H, W)` of the padded observations.
        shared: share parameters across agents (an agent's one-hot id is appended as A constant
            input channels), or train a separate network per agent (the course's choice).
        network: keyword arguments of `AgentCNN`.
    """

    def __init__(self, n_agents: int, grid_shape: tuple[int, int], shared: bool = True, **network):
        super().__init__()
        self.n_agents, self.shared = n_agents, shared
        if shared:
            self.net = AgentCNN(NUM_CHANNELS + n_agents, tuple(grid_shape), **network)
        else:
            self.nets = nn.ModuleList(AgentCNN(NUM_CHANNELS, tuple(grid_shape), **network) for _ in range(n_agents))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """obs: `(B, A, C, H, W)` -> Q-values `(B, A, U)`."""
        b, a, c, h, w = obs.shape
        if not self.shared:
            return torch.stack([net(obs[:, i]) for i, net in enumerate(self.nets)], dim=1)
        ids = torch.eye(a, device=obs.device, dtype=obs.dtype)[None, :, :, None, None].expand(b, a, a, h, w)
        x = torch.cat([obs, ids], dim=2).reshape(b * a, c + a, h, w)  # (B*A, C+A, H, W)
        return self.net(x).reshape(b, a, NUM_ACTIONS)
