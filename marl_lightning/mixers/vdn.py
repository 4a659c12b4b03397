"""VDN (Sunehag et al., 2018): the team's value is the sum of the agents' values."""

from __future__ import annotations

import torch

from .base import Mixer


class VDNMixer(Mixer):
    def __init__(self, n_agents: int = 2, embed: int = 0):
        super().__init__()
        self.n_agents = n_agents  # `embed` is accepted so every mixer builds from the same arguments

    def forward(self, agent_qs: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """agent_qs `(B, A)` -> `(B,)`."""
        return agent_qs.sum(dim=1)
