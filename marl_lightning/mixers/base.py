"""What every mixer shares: the global state it conditions on, and its encoder."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..fully_conv import board_mask, pooled


def global_state(obs: torch.Tensor) -> torch.Tensor:
    """The mixer's global state: the team's observations stacked, `(B, A, C, H, W) -> (B, A*C, H, W)`.

    Observations are fully observed, so both agents' views together hold the whole board plus who is
    who; this is the course's choice, defined here once.
    """
    b, a, c, h, w = obs.shape
    return obs.reshape(b, a * c, h, w)


class StateEncoder(nn.Module):
    """Global state `(B, A*C, H, W)` -> features `(B, E)`: two convolutions (the first with `stride`), then
    `pooling`: `4` (the default) averages over a 4 x 4 grid of regions, so each feature still belongs to a
    part of the map; `"board"` takes the mean and the max over the map's own cells (not its padding), so
    nothing is tied to where on which map a thing is, as in the agents' `FullyConvQNetworks`."""

    def __init__(self, in_channels: int, embed: int = 64, stride: int = 1, pooling: int | str = 4):
        super().__init__()
        if pooling != "board" and not (isinstance(pooling, int) and pooling > 0):
            raise ValueError(f"pooling must be a positive grid size or 'board', got {pooling!r}")
        self.stride, self.board = stride, pooling == "board"
        convs = [nn.Conv2d(in_channels, 32, 3, stride=stride, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU()]
        if self.board:
            self.net = nn.Sequential(*convs)
            self.head = nn.Sequential(nn.Linear(2 * 32, embed), nn.ReLU())
        else:
            self.net = nn.Sequential(*convs, nn.AdaptiveAvgPool2d(pooling), nn.Flatten(),
                                     nn.Linear(32 * pooling * pooling, embed), nn.ReLU())

    def forward(self, state: torch.Tensor) -> torch.Tensor:
        if not self.board:
            return self.net(state)
        mask = F.max_pool2d(board_mask(state), self.stride, ceil_mode=True)  # (B, 1, H', W'): the board at the features' stride
        first, second = self.net[0], self.net[2]
        features = F.relu(first(state)) * mask  # zero beyond the board after each layer: padding changes nothing
        features = F.relu(second(features)) * mask  # (B, 32, H', W')
        return self.head(pooled(features, mask))


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
