"""Agent Q-networks: the course-style CNN, with parameters shared across agents or one per agent.

Shapes: `B` batch, `A` agents of the learning team, `C = 8` observation channels, `H, W` the padded
grid, `U = 5` actions.
"""

from __future__ import annotations

import torch
from torch import nn

from gymPacMan.rules import NUM_ACTIONS, NUM_CHANNELS


class ConvEncoder(nn.Module):
    """3x3 "same" convolutions (with batch norm if asked) and SiLU, then pooling: `(B, C, H, W) -> (B, F)`."""

    def __init__(self, in_channels: int, grid_shape: tuple[int, int], channels: tuple[int, ...] = (16, 32, 64),
                 batch_norm: bool = True, pooling: str = "avg"):
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
        if pooling == "avg":
            layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
            self.features = previous
        else:
            layers.append(nn.Flatten())
            self.features = previous * grid_shape[0] * grid_shape[1]
        self.net = nn.Sequential(*layers)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(obs)


class AgentCNN(nn.Module):
    """The course's network B by default: 3x3 "same" convolutions (16, 32, 64) with batch norm and
    SiLU, global average pooling, a hidden layer of 32 and one Q-value per action.

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
        self.encoder = ConvEncoder(in_channels, grid_shape, channels, batch_norm, pooling)
        self.head = nn.Sequential(nn.Linear(self.encoder.features, hidden), nn.SiLU(), nn.Linear(hidden, NUM_ACTIONS))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """obs: `(B, C, H, W)` -> Q-values `(B, U)`."""
        return self.head(self.encoder(obs))


class AgentGRU(nn.Module):
    """The same convolutions feeding a GRU cell, so an agent remembers what it saw.

    `forward(obs (B, C, H, W), h (B, hidden)) -> (Q-values (B, U), h' (B, hidden))`.
    """

    def __init__(self, in_channels: int, grid_shape: tuple[int, int], channels: tuple[int, ...] = (16, 32, 64),
                 hidden: int = 64, batch_norm: bool = False, pooling: str = "flatten"):
        super().__init__()
        self.encoder = ConvEncoder(in_channels, grid_shape, channels, batch_norm, pooling)
        self.embed = nn.Sequential(nn.Linear(self.encoder.features, hidden), nn.SiLU())
        self.gru = nn.GRUCell(hidden, hidden)
        self.head = nn.Linear(hidden, NUM_ACTIONS)

    def forward(self, obs: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.gru(self.embed(self.encoder(obs)), h)
        return self.head(h), h


class AgentQNetworks(nn.Module):
    """The learning team's Q-networks: one shared network fed an agent-id, or one network per agent.

    Args:
        n_agents: A, agents in the learning team.
        grid_shape: `(H, W)` of the padded observations.
        shared: share parameters across agents (an agent's one-hot id is appended as A constant
            input channels), or train a separate network per agent (the course's choice).
        recurrent: `AgentGRU` agents (then `forward` takes and returns the hidden state) instead of `AgentCNN`.
        network: keyword arguments of the agent network.
    """

    def __init__(self, n_agents: int, grid_shape: tuple[int, int], shared: bool = True, recurrent: bool = False,
                 **network):
        super().__init__()
        self.n_agents, self.shared, self.recurrent = n_agents, shared, recurrent
        self.hidden_size = network.get("hidden", 64) if recurrent else 0
        agent = AgentGRU if recurrent else AgentCNN
        in_channels = NUM_CHANNELS + (n_agents if shared else 0)
        self.nets = nn.ModuleList(agent(in_channels, tuple(grid_shape), **network) for _ in range(1 if shared else n_agents))

    def initial_state(self, batch: int, device: torch.device | str = "cpu") -> torch.Tensor:
        """Zero hidden states `(B, A, hidden)` (empty for feed-forward agents)."""
        return torch.zeros(batch, self.n_agents, self.hidden_size, device=device)

    def forward(self, obs: torch.Tensor, h: torch.Tensor | None = None):
        """obs: `(B, A, C, H, W)` -> Q-values `(B, A, U)`; recurrent: also takes and returns `h` `(B, A, hidden)`."""
        b, a, c, hh, ww = obs.shape
        if self.shared:
            ids = torch.eye(a, device=obs.device, dtype=obs.dtype)[None, :, :, None, None].expand(b, a, a, hh, ww)
            x = torch.cat([obs, ids], dim=2).reshape(b * a, c + a, hh, ww)  # (B*A, C+A, H, W)
            if not self.recurrent:
                return self.nets[0](x).reshape(b, a, NUM_ACTIONS)
            q, h_next = self.nets[0](x, h.reshape(b * a, -1))
            return q.reshape(b, a, NUM_ACTIONS), h_next.reshape(b, a, -1)
        if not self.recurrent:
            return torch.stack([net(obs[:, i]) for i, net in enumerate(self.nets)], dim=1)
        outputs = [net(obs[:, i], h[:, i]) for i, net in enumerate(self.nets)]
        return torch.stack([q for q, _ in outputs], dim=1), torch.stack([hn for _, hn in outputs], dim=1)

    def unroll(self, obs: torch.Tensor, h: torch.Tensor, starts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Run a recurrent team over sequences.

        Args:
            obs: `(B, T, A, C, H, W)`; h: `(B, A, hidden)` before step 0; starts: `(B, T)` bool, an
                episode starts at t (the hidden state is reset before it).

        Returns:
            Q-values `(B, T, A, U)` and the hidden states after each step `(B, T, A, hidden)`.
        """
        qs, hs = [], []
        for t in range(obs.shape[1]):
            h = h * (~starts[:, t]).to(h.dtype)[:, None, None]
            q, h = self(obs[:, t], h)
            qs.append(q)
            hs.append(h)
        return torch.stack(qs, dim=1), torch.stack(hs, dim=1)
