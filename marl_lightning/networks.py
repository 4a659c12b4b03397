"""Agent Q-networks: what a team's networks must do (`TeamNetwork`) and the course-style CNN/GRU ones.

Every team network has one calling convention, feed-forward or recurrent alike:
`forward(obs (B, A, C, H, W), state (B, A, S)) -> (Q-values (B, A, U), state (B, A, S))`, where `S`
is `state_size` (0 for feed-forward agents, whose state is an empty tensor carried along). So the
acting, collecting and learning code never asks whether agents are recurrent.

Shapes: `B` batch, `A` agents of the learning team, `C` observation channels, `H, W` the padded grid,
`U = 5` actions, `S` the recurrent state per agent.

A network of your own subclasses `TeamNetwork` and is given to the learner in YAML
(`model.network.class_path: mypackage.MyNetwork`); its first two arguments, `n_agents` and
`obs_shape` `(C, H, W)`, come from the learner.
"""

from __future__ import annotations

from typing import Callable, Mapping

import torch
from torch import nn

from gymPacMan.rules import NUM_ACTIONS


class TeamNetwork(nn.Module):
    """The learning team's Q-networks: `forward(obs, state) -> (q, state)`, as the module docstring says."""

    n_agents: int
    state_size: int = 0
    # True for networks whose weights do not depend on the board's size (`fully_conv`): they play any
    # map as it is; others play maps up to the grid they were built for, zero-padded to it.
    size_free: bool = False

    def load_agents_state(self, weights: Mapping[str, torch.Tensor]) -> None:
        """Weights of another checkpoint's agents (`model.init_from`): by default exactly this network's; a
        network that wraps a clone's (`policy_value.PolicyValueQNetworks`) takes the clone's into its part."""
        self.load_state_dict(weights)

    def initial_state(self, batch: int, device: torch.device | str = "cpu") -> torch.Tensor:
        """The state before a game's first step: zeros `(B, A, S)` (empty for feed-forward agents)."""
        return torch.zeros(batch, self.n_agents, self.state_size, device=device)

    def unroll(self, obs: torch.Tensor, state: torch.Tensor, starts: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the team over sequences.

        Args:
            obs: `(B, T, A, C, H, W)`; state: `(B, A, S)` before step 0; starts: `(B, T)` bool, an
                episode starts at t (the state is reset to zeros before it); `None`: none does.

        Returns:
            Q-values `(B, T, A, U)` and the states after each step `(B, T, A, S)`.
        """
        qs, states = [], []
        for t in range(obs.shape[1]):
            if starts is not None:
                state = state * (~starts[:, t]).to(state.dtype)[:, None, None]
            q, state = self(obs[:, t], state)
            qs.append(q)
            states.append(state)
        if not qs:
            return obs.new_zeros(obs.shape[0], 0, self.n_agents, NUM_ACTIONS), state.new_zeros(state.shape[0], 0, *state.shape[1:])
        return torch.stack(qs, dim=1), torch.stack(states, dim=1)


def with_agent_ids(obs: torch.Tensor) -> torch.Tensor:
    """Each agent's observation with its one-hot id as A constant channels, the agents folded into the
    batch: `(B, A, C, H, W) -> (B*A, C+A, H, W)`, for one network shared by the agents."""
    b, a, c, h, w = obs.shape
    ids = torch.eye(a, device=obs.device, dtype=obs.dtype)[None, :, :, None, None].expand(b, a, a, h, w)
    return torch.cat([obs, ids], dim=2).reshape(b * a, c + a, h, w)


# What a learner's `network` setting builds: `(n_agents, obs_shape (C, H, W)) -> TeamNetwork` (a class, or a
# config's class_path dict that `parts.build` instantiates).
NetworkFactory = Callable[[int, tuple[int, int, int]], TeamNetwork]


class ConvEncoder(nn.Module):
    """3x3 convolutions ("same" at stride 1; a stride of 2 halves the grid), batch norm if asked, SiLU,
    then pooling: `(B, C, H, W) -> (B, F)`."""

    def __init__(self, in_channels: int, grid_shape: tuple[int, int], channels: tuple[int, ...] = (16, 32, 64),
                 batch_norm: bool = True, pooling: str = "avg", strides: tuple[int, ...] | None = None):
        super().__init__()
        if pooling not in ("avg", "flatten"):
            raise ValueError(f"pooling must be 'avg' or 'flatten', got {pooling!r}")
        strides = tuple(strides) if strides else (1,) * len(channels)
        if len(strides) != len(channels):
            raise ValueError(f"give one stride per convolution: {len(channels)} channels, {len(strides)} strides")
        layers: list[nn.Module] = []
        previous, (h, w) = in_channels, grid_shape
        for width, stride in zip(channels, strides):
            layers.append(nn.Conv2d(previous, width, kernel_size=3, stride=stride, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.SiLU())
            previous, h, w = width, (h - 1) // stride + 1, (w - 1) // stride + 1
        if pooling == "avg":
            layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
            self.features = previous
        else:
            layers.append(nn.Flatten())
            self.features = previous * h * w
        self.net = nn.Sequential(*layers)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(obs)


class AgentCNN(nn.Module):
    """The course's network B by default: 3x3 "same" convolutions (16, 32, 64) with batch norm and
    SiLU, global average pooling, a hidden layer and one Q-value per action.

    `forward(obs (B, C, H, W), state (B, 0)) -> (Q-values (B, U), state)`: no memory.
    """

    def __init__(self, in_channels: int, grid_shape: tuple[int, int], channels: tuple[int, ...] = (16, 32, 64),
                 hidden: int = 32, batch_norm: bool = True, pooling: str = "avg", strides: tuple[int, ...] | None = None):
        super().__init__()
        self.encoder = ConvEncoder(in_channels, grid_shape, channels, batch_norm, pooling, strides)
        self.head = nn.Sequential(nn.Linear(self.encoder.features, hidden), nn.SiLU(), nn.Linear(hidden, NUM_ACTIONS))

    def forward(self, obs: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head(self.encoder(obs)), state


class AgentGRU(nn.Module):
    """The same convolutions feeding a GRU cell, so an agent remembers what it saw.

    `forward(obs (B, C, H, W), h (B, hidden)) -> (Q-values (B, U), h' (B, hidden))`.
    """

    def __init__(self, in_channels: int, grid_shape: tuple[int, int], channels: tuple[int, ...] = (16, 32, 64),
                 hidden: int = 64, batch_norm: bool = False, pooling: str = "flatten", strides: tuple[int, ...] | None = None):
        super().__init__()
        self.encoder = ConvEncoder(in_channels, grid_shape, channels, batch_norm, pooling, strides)
        self.embed = nn.Sequential(nn.Linear(self.encoder.features, hidden), nn.SiLU())
        self.gru = nn.GRUCell(hidden, hidden)
        self.head = nn.Linear(hidden, NUM_ACTIONS)

    def forward(self, obs: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.gru(self.embed(self.encoder(obs)), h)
        return self.head(h), h


class AgentQNetworks(TeamNetwork):
    """The course-style agent networks: one shared network fed an agent id, or one network per agent.

    Args:
        n_agents: A, agents in the learning team (from the learner).
        obs_shape: `(C, H, W)` of the padded observations (from the learner).
        recurrent: `AgentGRU` agents with a state of `hidden` units instead of `AgentCNN` (train them on
            windows of several steps: `data.replay.sequence_length`, `data.replay.burn_in`).
        shared: share parameters across agents (an agent's one-hot id is appended as A constant
            input channels), or train a separate network per agent (the course's choice).
        channels, hidden, batch_norm, pooling: the convolutions (`[16, 32, 64]`, batch norm and `avg`
            pooling is the course's network B; our configs use `pooling: flatten`, which keeps
            positions), the hidden layer (and GRU) width.
        strides: one per convolution (default all 1); a stride of 2 halves the grid and the compute
            after it (`[2, 1]` for a 20 x 20 board: five times cheaper than three stride-1 layers).
    """

    def __init__(self, n_agents: int, obs_shape: tuple[int, int, int], recurrent: bool = False, shared: bool = True,
                 channels: tuple[int, ...] = (16, 32, 64), hidden: int = 64, batch_norm: bool = False,
                 pooling: str = "flatten", strides: tuple[int, ...] | None = None):
        super().__init__()
        self.n_agents, self.shared, self.recurrent = n_agents, shared, recurrent
        self.state_size = hidden if recurrent else 0
        agent = AgentGRU if recurrent else AgentCNN
        c, h, w = obs_shape
        in_channels = c + (n_agents if shared else 0)
        self.nets = nn.ModuleList(agent(in_channels, (h, w), tuple(channels), hidden, batch_norm, pooling, strides)
                                  for _ in range(1 if shared else n_agents))

    def unroll(self, obs: torch.Tensor, state: torch.Tensor, starts: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        if self.recurrent:
            return super().unroll(obs, state, starts)
        b, t = obs.shape[:2]  # feed-forward: every step in one batch
        q, _ = self(obs.flatten(0, 1), state.new_zeros(b * t, *state.shape[1:]))
        return q.unflatten(0, (b, t)), state[:, None].expand(b, t, *state.shape[1:])

    def forward(self, obs: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """obs `(B, A, C, H, W)`, state `(B, A, S)` -> Q-values `(B, A, U)`, state `(B, A, S)`."""
        b, a = obs.shape[:2]
        if self.shared:
            q, state = self.nets[0](with_agent_ids(obs), state.reshape(b * a, -1))
            return q.reshape(b, a, NUM_ACTIONS), state.reshape(b, a, -1)
        outputs = [net(obs[:, i], state[:, i]) for i, net in enumerate(self.nets)]
        return torch.stack([q for q, _ in outputs], dim=1), torch.stack([s for _, s in outputs], dim=1)
