"""Networks not tied to one map: convolutions all the way, Q-values read where the agent stands.

The course-style networks flatten the grid into a linear layer, so each weight belongs to one absolute
cell of one map: a team trained on bloxCapture has nothing to say about a maze it never saw. Here
the convolutions compute features for every cell, and an agent's Q-value for a move is read from the
features of the cell it would move to and of the cell it stands on, with the board's pooled features
for the game as a whole (the clock, the score, where everyone is):

    Q(a) = head([f(agent's cell), f(cell after move a), mean_board(f), max_board(f), one_hot(a)])

one small head shared by the five moves. The same weights play any map, of any size, and the
padding a batch adds around a smaller map changes nothing (pooling covers the board only, and
zeros beyond it are what the convolutions pad with anyway). Maze-distance planes
(`gymPacMan.planes`: `dist_food`, `dist_home`, `safe`, ...) give each cell what a corridor-following
search would find, so a few convolutions suffice; dilated convolutions widen the view cheaply.

Shapes: `B` batch, `A` agents, `C` channels, `H, W` the (padded) grid, `F` features per cell, `U = 5`.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from gymPacMan.rules import NUM_ACTIONS

from .networks import TeamNetwork

WALLS, SELF = 0, 1  # observation channels: the walls, the agent's own cell (1 + food carried)


def board_mask(obs: torch.Tensor) -> torch.Tensor:
    """`(B, C, H, W) -> (B, 1, H, W)` float: 1 on the map's own cells, 0 on the padding around it.

    A map is walled in, so its last column and row are the last ones holding a wall; the padding a
    batch adds beyond them holds nothing.
    """
    walls = obs[:, WALLS] > 0  # (B, H, W)
    in_x = torch.flip(torch.cummax(torch.flip(walls.any(dim=1).to(torch.uint8), [-1]), dim=-1).values, [-1])  # (B, W)
    in_y = torch.flip(torch.cummax(torch.flip(walls.any(dim=2).to(torch.uint8), [-1]), dim=-1).values, [-1])  # (B, H)
    return (in_y[:, :, None] * in_x[:, None, :]).unsqueeze(1).to(obs.dtype)


def move_masks(obs: torch.Tensor) -> torch.Tensor:
    """`(B, C, H, W) -> (B, U, H, W)`: one-hot masks of the cell each action leads to from the agent's cell
    (channel 1), in action order North (y + 1), East (x + 1), South (y - 1), West (x - 1), Stop. A move
    off the grid gives an empty mask (such a move is a wall, and illegal)."""
    here = (obs[:, SELF] > 0).to(obs.dtype)  # (B, H, W)
    north = F.pad(here[:, :-1, :], (0, 0, 1, 0))  # north[y] = here[y - 1]: the cell above the agent
    south = F.pad(here[:, 1:, :], (0, 0, 0, 1))
    east = F.pad(here[:, :, :-1], (1, 0, 0, 0))
    west = F.pad(here[:, :, 1:], (0, 1, 0, 0))
    return torch.stack([north, east, south, west, here], dim=1)


class ResidualBlock(nn.Module):
    """`x + conv(SiLU(conv(SiLU(x))))` with 3x3 convolutions of the given dilation ("same" padding), each
    convolution's output zeroed beyond the board (`mask`, see `CellFeatures`)."""

    def __init__(self, width: int, dilation: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=dilation, dilation=dilation)
        self.conv2 = nn.Conv2d(width, width, 3, padding=dilation, dilation=dilation)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = self.conv1(F.silu(x)) * mask
        return x + self.conv2(F.silu(hidden)) * mask


class CellFeatures(nn.Module):
    """A 3x3 convolution to `width` features, then one residual block per entry of `dilations`:
    `(B, C, H, W), mask (B, 1, H, W) -> (B, F, H, W)`, the same size as the input (no stride, no flatten).
    Features beyond the board are zeroed after every layer, so the next one sees there what a
    convolution pads with: the board's features do not depend on how much padding surrounds it."""

    def __init__(self, in_channels: int, width: int = 32, dilations: Sequence[int] = (1,)):
        super().__init__()
        self.stem = nn.Conv2d(in_channels, width, 3, padding=1)
        self.blocks = nn.ModuleList(ResidualBlock(width, d) for d in dilations)
        self.width = width

    def forward(self, obs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = obs.contiguous(memory_format=torch.channels_last)  # about twice as fast for convolutions on a CPU
        x = self.stem(x) * mask
        for block in self.blocks:
            x = block(x, mask)
        return F.silu(x)


def pooled(features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean and max of `features` `(B, F, H, W)` (SiLU outputs, never below -0.28) over the cells where
    `mask` `(B, 1, H, W)` is 1: `(B, 2F)`; an empty board (all padding) pools to 0 and -1."""
    cells = mask.sum(dim=(-2, -1)).clamp(min=1)  # (B, 1)
    mean = (features * mask).sum(dim=(-2, -1)) / cells
    peak = features.masked_fill(mask == 0, float("-inf")).amax(dim=(-2, -1)).clamp(min=-1.0)
    return torch.cat([mean, peak], dim=-1)


def agent_cell(obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """`(B, C, H, W) ->` the agent's row `y` and column `x`, `(B,)` each (channel 1 marks its cell)."""
    index = (obs[:, SELF] > 0).flatten(1).to(torch.uint8).argmax(dim=1)  # (B,) y * W + x
    w = obs.shape[-1]
    return torch.div(index, w, rounding_mode="floor"), index % w


def egocentric(obs: torch.Tensor, mask: torch.Tensor, radius: int) -> torch.Tensor:
    """The board re-centred on the agent: `(B, C, H, W) -> (B, C, 2r+1, 2r+1)`, the agent's cell in the middle,
    everything beyond the map (its padding, and beyond the grid) a wall."""
    walled = torch.cat([torch.maximum(obs[:, :1], 1 - mask), obs[:, 1:]], dim=1)  # (B, C, H, W): off the map is wall
    framed = F.pad(walled, (radius, radius, radius, radius))  # (B, C, H+2r, W+2r)
    framed = torch.cat([F.pad(walled[:, :1], (radius, radius, radius, radius), value=1.0), framed[:, 1:]], dim=1)
    y, x = agent_cell(obs)  # (B,) each, in the frame the window's bottom-left corner
    side = 2 * radius + 1
    offsets = torch.arange(side, device=obs.device)
    rows = (y[:, None] + offsets) * framed.shape[-1]  # (B, side): each window row's first cell, flat
    index = (rows[:, :, None] + x[:, None, None] + offsets).flatten(1)  # (B, side*side)
    window = framed.flatten(2).gather(2, index[:, None, :].expand(-1, obs.shape[1], -1))  # (B, C, side*side)
    return window.view(obs.shape[0], obs.shape[1], side, side)


class FullyConvQNetworks(TeamNetwork):
    """Agent Q-networks that play any map: per-cell convolutional features, read at the agent's cell and
    at the cell each move leads to (module docstring).

    Args:
        n_agents: A (from the learner).
        obs_shape: `(C, H, W)` (from the learner); only C matters, any H and W play.
        width: features per cell (F).
        dilations: one residual block of two 3x3 convolutions per entry, with that dilation (`[1, 2]`
            sees 11 x 11 cells around each; more blocks, or larger dilations, see further).
        hidden: the Q head's hidden layer.
        shared: one network for all agents, each agent's one-hot id appended as constant channels (the
            default), or one network per agent.
        view_radius: `None` (the default): convolve the whole board. A number r: convolve only an
            egocentric window of `(2r+1)^2` cells, the board re-centred on the agent and walled beyond the
            map, read at its middle; the maze planes carry what lies further. On 20 x 20 boards r = 4
            costs a fifth of the whole board.

    Besides the cells' features the head sees a summary of the whole board: the mean and the maximum of
    every input channel over the map (food left, the clock and score, the distances' spread), so a
    small window does not lose the state of the game.

    >>> net = FullyConvQNetworks(2, (8, 20, 20))
    >>> q, _ = net(torch.zeros(3, 2, 8, 7, 12), net.initial_state(3))  # any board size
    >>> tuple(q.shape)
    (3, 2, 5)
    """

    size_free = True

    def __init__(self, n_agents: int, obs_shape: tuple[int, int, int], width: int = 32,
                 dilations: Sequence[int] = (1, 2), hidden: int = 64, shared: bool = True, view_radius: int | None = None):
        super().__init__()
        if view_radius is not None and view_radius < 1:
            raise ValueError(f"view_radius must be at least 1 (or null: the whole board), got {view_radius}")
        self.n_agents, self.shared, self.view_radius = n_agents, shared, view_radius
        channels = obs_shape[0]
        copies = 1 if shared else n_agents
        self.features = nn.ModuleList(CellFeatures(channels + (n_agents if shared else 0), width, tuple(dilations))
                                      for _ in range(copies))
        head_in = 4 * width + 2 * channels + NUM_ACTIONS  # here, there, pooled features, board summary, the move
        self.heads = nn.ModuleList(nn.Sequential(nn.Linear(head_in, hidden), nn.SiLU(), nn.Linear(hidden, 1))
                                   for _ in range(copies))
        self.register_buffer("actions", torch.eye(NUM_ACTIONS), persistent=False)
        if view_radius is not None:  # where each move leads from the window's middle: (1, U, K, K)
            middle = F.pad(torch.ones(1, 2, 1, 1), (view_radius,) * 4)  # channel 1 marks the agent's cell
            self.register_buffer("window_moves", move_masks(middle), persistent=False)

    def forward(self, obs: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """obs `(B, A, C, H, W)`, state `(B, A, 0)` -> Q-values `(B, A, U)`, state."""
        b, a = obs.shape[:2]
        if self.shared:
            ids = torch.eye(a, device=obs.device, dtype=obs.dtype).repeat(b, 1)  # (B*A, A): each row's agent
            q = self._q(self.features[0], self.heads[0], obs.flatten(0, 1), ids)  # (B*A, U)
            return q.view(b, a, NUM_ACTIONS), state
        qs = [self._q(features, head, obs[:, i], None) for i, (features, head) in enumerate(zip(self.features, self.heads))]
        return torch.stack(qs, dim=1), state

    def _q(self, features: CellFeatures, head: nn.Module, obs: torch.Tensor, ids: torch.Tensor | None) -> torch.Tensor:
        """Q-values `(B, U)` of one agent per row of `obs` `(B, C, H, W)`; `ids` `(B, A)` its one-hot id (shared)."""
        mask = board_mask(obs)  # (B, 1, H, W)
        summary = pooled(obs, mask)  # (B, 2C)
        if self.view_radius is None:
            grid, grid_mask, moves = obs, mask, move_masks(obs)  # the whole board; (B, U, H, W) where each move leads
        else:
            grid = egocentric(obs, mask, self.view_radius)  # (B, C, K, K)
            grid_mask = torch.ones_like(grid[:, :1])
            moves = self.window_moves.expand(grid.shape[0], -1, -1, -1)  # (B, U, K, K) from the middle
        if ids is not None:
            grid = torch.cat([grid, ids[:, :, None, None] * grid_mask], dim=1)  # ids on the board only
        f = features(grid, grid_mask)  # (B, F, K, K)
        at = torch.einsum("bfhw,buhw->buf", f, moves)  # (B, U, F): the features of the cell each move leads to
        here = at[:, -1:].expand(-1, NUM_ACTIONS, -1)  # (B, U, F): the agent's own cell (Stop's)
        board = torch.cat([pooled(f, grid_mask), summary], dim=-1)[:, None].expand(-1, NUM_ACTIONS, -1)  # (B, U, 2F + 2C)
        moves_one_hot = self.actions.expand(f.shape[0], -1, -1)  # (B, U, U)
        return head(torch.cat([here, at, board, moves_one_hot], dim=-1)).squeeze(-1)  # (B, U)
