"""An attention mixer that stays monotonic: the agents' observation embeddings attend to each other
(multi-head attention), and the attended embeddings feed hypernetworks whose weights are made
non-negative, as in QMIX. The course's attention mixer ends in an unconstrained linear layer with
SiLU, which can break monotonicity; here every path from an agent's Q to `Q_tot` has non-negative
weights and monotonic activations."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .base import Mixer, StateEncoder


class AttentionMixer(Mixer):
    """Args: n_agents: A. state_shape: `(A*C, H, W)`. embed: width of agent embeddings and mixing. heads: attention
    heads. pooling: how each agent's encoder pools (`StateEncoder`: 4 regions a side, or "board")."""

    def __init__(self, n_agents: int, state_shape: tuple[int, int, int], embed: int = 32, heads: int = 4,
                 pooling: int | str = 4):
        super().__init__(n_agents, state_shape)
        self.embed = embed
        self.channels = state_shape[0] // n_agents  # C, each agent's own observation
        self.agent_encoder = StateEncoder(self.channels, embed, pooling=pooling)  # one, shared, for each agent's observation
        self.attention = nn.MultiheadAttention(embed, heads, batch_first=True)
        self.hyper_w1 = nn.Linear(embed, embed)  # per agent: its row of the first mixing matrix
        self.hyper_b1 = nn.Linear(embed, embed)
        self.hyper_w2 = nn.Linear(embed, embed)
        self.hyper_b2 = nn.Sequential(nn.Linear(embed, embed), nn.ReLU(), nn.Linear(embed, 1))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        """Checkpoints from before the encoder was a `StateEncoder` name its layers `agent_encoder.N`."""
        for key in [k for k in state_dict if k.startswith(prefix + "agent_encoder.") and k[len(prefix) + 14].isdigit()]:
            state_dict[key.replace("agent_encoder.", "agent_encoder.net.", 1)] = state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, agent_qs: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """agent_qs `(B, A)`, state `(B, A*C, H, W)` -> q_tot `(B,)`."""
        b, a = agent_qs.shape
        h, w = state.shape[-2:]
        per_agent = state.reshape(b * a, self.channels, h, w)
        e = self.agent_encoder(per_agent).view(b, a, self.embed)  # (B, A, E)
        attended, _ = self.attention(e, e, e)  # (B, A, E): each agent's view of the others
        pooled = attended.mean(dim=1)  # (B, E)
        w1 = self.hyper_w1(attended).abs()  # (B, A, E) >= 0
        b1 = self.hyper_b1(pooled).view(b, 1, self.embed)
        hidden = F.elu(torch.bmm(agent_qs.reshape(b, 1, a), w1) + b1)  # (B, 1, E)
        w2 = self.hyper_w2(pooled).abs().view(b, self.embed, 1)
        b2 = self.hyper_b2(pooled).view(b, 1, 1)
        return (torch.bmm(hidden, w2) + b2).view(b)
