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
    convolution's output zeroed beyond the board (`mask`, see `CellFeatures`; None: no cell is beyond it)."""

    def __init__(self, width: int, dilation: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=dilation, dilation=dilation)
        self.conv2 = nn.Conv2d(width, width, 3, padding=dilation, dilation=dilation)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        return x + on_board(self.conv2(F.silu(on_board(self.conv1(F.silu(x)), mask))), mask)


def on_board(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """`x` zeroed where `mask` is 0; `x` itself when there is no mask (an egocentric window, all board)."""
    return x if mask is None else x * mask


class CellFeatures(nn.Module):
    """A 3x3 convolution to `width` features, then one residual block per entry of `dilations`:
    `(B, C, H, W), mask (B, 1, H, W) or None -> (B, F, H, W)`, the same size as the input (no stride, no
    flatten). Features beyond the board are zeroed after every layer, so the next one sees there what a
    convolution pads with: the board's features do not depend on how much padding surrounds it."""

    def __init__(self, in_channels: int, width: int = 32, dilations: Sequence[int] = (1,)):
        super().__init__()
        self.stem = nn.Conv2d(in_channels, width, 3, padding=1)
        self.blocks = nn.ModuleList(ResidualBlock(width, d) for d in dilations)
        self.width = width

    def forward(self, obs: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        x = obs.contiguous(memory_format=torch.channels_last)  # about twice as fast for convolutions on a CPU
        x = on_board(self.stem(x), mask)
        for block in self.blocks:
            x = block(x, mask)
        return F.silu(x)


def pooled(features: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean and max of `features` `(B, F, H, W)` (SiLU outputs, never below -0.28) over the cells where
    `mask` `(B, 1, H, W)` is 1 (None: every cell): `(B, 2F)`; an empty board (all padding) pools to 0 and -1."""
    if mask is None or bool(mask.min() > 0):  # every cell is board: plain reductions, no masked copies
        return torch.cat([features.mean(dim=(-2, -1)), features.amax(dim=(-2, -1))], dim=-1)
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
    everything beyond the map (its padding, and beyond the grid) a wall. Only the window's cells are read
    (one gather), not the whole board copied into a frame."""
    b, c, h, w = obs.shape
    y, x = agent_cell(obs)  # (B,) each
    side = 2 * radius + 1
    offsets = torch.arange(-radius, radius + 1, device=obs.device)
    rows, cols = y[:, None] + offsets, x[:, None] + offsets  # (B, side) each: the window's rows and columns
    inside = (((rows >= 0) & (rows < h))[:, :, None] & ((cols >= 0) & (cols < w))[:, None, :]).flatten(1)  # (B, side*side) on the grid
    index = (rows.clamp(0, h - 1)[:, :, None] * w + cols.clamp(0, w - 1)[:, None, :]).flatten(1)  # (B, side*side)
    inside = inside[:, None].to(obs.dtype)  # (B, 1, side*side)
    window = obs.flatten(2).gather(2, index[:, None, :].expand(-1, c, -1)) * inside  # (B, C, side*side): 0 off the grid
    board = mask.flatten(2).gather(2, index[:, None, :]) * inside  # (B, 1, side*side): 1 on the map's own cells
    walls = torch.maximum(window[:, :1], 1 - board)  # off the map is wall
    return torch.cat([walls, window[:, 1:]], dim=1).view(b, c, side, side)


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
        padding = None if bool(mask.min() > 0) else mask  # None: no padding in the batch, nothing to mask
        summary = pooled(obs, padding)  # (B, 2C)
        if self.view_radius is None:
            grid, grid_mask = obs, padding  # the whole board
        else:
            grid, grid_mask = egocentric(obs, mask, self.view_radius), None  # (B, C, K, K), all of it board
        if ids is not None:
            grid = torch.cat([grid, ids[:, :, None, None].expand(-1, -1, *grid.shape[-2:])
                              * (1 if grid_mask is None else grid_mask)], dim=1)  # ids on the board only
        f = features(grid, grid_mask)  # (B, F, K, K)
        if self.view_radius is None:
            at = torch.einsum("bfhw,buhw->buf", f, move_masks(obs))  # (B, U, F): the features of the cell each move leads to
        else:
            r = self.view_radius  # from the window's middle: North (y + 1), East, South, West, Stop
            at = f[:, :, [r + 1, r, r - 1, r, r], [r, r + 1, r, r - 1, r]].transpose(1, 2)  # (B, U, F)
        here = at[:, -1:].expand(-1, NUM_ACTIONS, -1)  # (B, U, F): the agent's own cell (Stop's)
        board = torch.cat([pooled(f, grid_mask), summary], dim=-1)[:, None].expand(-1, NUM_ACTIONS, -1)  # (B, U, 2F + 2C)
        moves_one_hot = self.actions.expand(f.shape[0], -1, -1)  # (B, U, U)
        return head(torch.cat([here, at, board, moves_one_hot], dim=-1)).squeeze(-1)  # (B, U)
