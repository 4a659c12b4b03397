"""QMIX (Rashid et al., 2018, eq. 5-6): a mixing network whose weights come from hypernetworks
conditioned on the global state; absolute values keep the weights non-negative, so `Q_tot` is
monotonic in every agent's Q."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .base import Mixer, StateEncoder


class QMixer(Mixer):
    """Args: n_agents: A. state_shape: `(A*C, H, W)`. embed: mixing width. state_embed: width of the state
    features. state_stride: stride of the state encoder's first convolution (2 quarters its cost).
    state_pooling: how the state encoder pools (`StateEncoder`: 4, a 4 x 4 grid of regions; "board", the
    whole map, for maps of any size)."""

    def __init__(self, n_agents: int, state_shape: tuple[int, int, int], embed: int = 32, state_embed: int = 64,
                 state_stride: int = 1, state_pooling: int | str = 4):
        super().__init__(n_agents, state_shape)
        self.embed = embed
        self.encoder = StateEncoder(state_shape[0], state_embed, state_stride, state_pooling)
        self.hyper_w1 = nn.Sequential(nn.Linear(state_embed, embed), nn.ReLU(), nn.Linear(embed, n_agents * embed))
        self.hyper_b1 = nn.Linear(state_embed, embed)
        self.hyper_w2 = nn.Sequential(nn.Linear(state_embed, embed), nn.ReLU(), nn.Linear(embed, embed))
        self.hyper_b2 = nn.Sequential(nn.Linear(state_embed, embed), nn.ReLU(), nn.Linear(embed, 1))

    def forward(self, agent_qs: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """agent_qs `(B, A)`, state `(B, A*C, H, W)` -> q_tot `(B,)`."""
        b = agent_qs.shape[0]
        s = self.encoder(state)  # (B, E)
        w1 = self.hyper_w1(s).abs().view(b, self.n_agents, self.embed)  # (B, A, embed) >= 0
        b1 = self.hyper_b1(s).view(b, 1, self.embed)
        hidden = F.elu(torch.bmm(agent_qs.reshape(b, 1, self.n_agents), w1) + b1)  # (B, 1, embed)
        w2 = self.hyper_w2(s).abs().view(b, self.embed, 1)  # (B, embed, 1) >= 0
        b2 = self.hyper_b2(s).view(b, 1, 1)
        return (torch.bmm(hidden, w2) + b2).view(b)
