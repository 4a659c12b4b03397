"""VDN (Sunehag et al., 2018): the team's value is the sum of the agents' values."""

from __future__ import annotations

import torch

from .base import Mixer


class VDNMixer(Mixer):
    """No parameters: `Q_tot = sum of the agents' Q`."""

    def forward(self, agent_qs: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """agent_qs `(B, A)` -> `(B,)`."""
        return agent_qs.sum(dim=1)
