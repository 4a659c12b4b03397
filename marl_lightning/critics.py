"""State-value critics for the policy-gradient learners: a centralised one on the global state (MAPPO),
or one per agent on its own observation (IPPO).

`forward(obs (B, A, C, H, W)) -> values (B, V)`: `V = 1` for the centralised critic (the team's value
of the global state, `mixers.global_state`: both agents' observations, their planes included), `V = A`
for independent critics (each agent's value of what it sees, with its one-hot id when shared).
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from .mixers import global_state
from .networks import ConvEncoder, with_agent_ids


# What a learner's `critic` setting builds: `(n_agents, obs_shape (C, H, W), centralised) -> nn.Module`.
CriticFactory = Callable[[int, tuple[int, int, int], bool], nn.Module]


class ValueCritic(nn.Module):
    """Convolutions (as the agents' networks), a hidden layer and one value.

    Args:
        n_agents, obs_shape: from the learner: A and each agent's `(C, H, W)`.
        centralised: one value of the global state `(A*C, H, W)` (MAPPO), or one value per agent of its
            own observation and id (IPPO).
        channels, strides, hidden, pooling: the encoder and head, as in `networks.AgentQNetworks`.
    """

    def __init__(self, n_agents: int, obs_shape: tuple[int, int, int], centralised: bool = True,
                 channels: tuple[int, ...] = (16, 32, 32), strides: tuple[int, ...] | None = None, hidden: int = 64,
                 pooling: str = "flatten"):
        super().__init__()
        c, h, w = obs_shape
        self.n_agents, self.centralised = n_agents, centralised
        in_channels = n_agents * c if centralised else c + n_agents
        self.encoder = ConvEncoder(in_channels, (h, w), tuple(channels), batch_norm=False, pooling=pooling, strides=strides)
        self.head = nn.Sequential(nn.Linear(self.encoder.features, hidden), nn.SiLU(), nn.Linear(hidden, 1))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """obs `(B, A, C, H, W)` -> values `(B, V)`."""
        if self.centralised:
            return self.head(self.encoder(global_state(obs)))  # (B, 1)
        return self.head(self.encoder(with_agent_ids(obs))).view(obs.shape[0], obs.shape[1])  # (B, A)
