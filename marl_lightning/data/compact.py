"""Game states as compact replay frames, and the observations they stand for, rebuilt exactly.

A replay frame of observations holds `A x C x H x W` bytes: 16.8 kB for both agents of a 20 x 20 map
with every plane, 17 GB a million steps. The state the observations are made from holds everything
in about 220 bytes: the boards as bits, the agents' cells, carried food, timers and the score. So
demonstrations are stored as states (`pack`), and the observations a learner trains on are made from
them when a batch is drawn (`observe`), with whatever planes it uses: one recording serves every
recipe, and the engine's own kernels make the observations, so they are the ones the learner sees
when it plays.

A frame also names the team it was recorded for (`team`); a red team's frames are seen as red sees
the game, through the map's symmetry (`gymPacMan.views`), as `agents.PolicyTeam` shows it to a policy.
"""

from __future__ import annotations

import numpy as np
import torch
from tensordict import TensorDict

from gymPacMan.engine import GameState
from gymPacMan.planes import observe_with_planes
from gymPacMan.rules import BLUE, TEAM_AGENTS
from gymPacMan.views import RedView, flip_north_south

BOARDS = ("walls", "food", "capsules")  # (H, W) bool, stored as bits
SMALL = ("width", "height", "starts", "pos", "is_pacman", "carrying", "returned", "scared", "heading")  # stored as uint8
WIDE = ("score", "t")  # stored as int16


def pack(state: GameState, team: np.ndarray | int) -> TensorDict:
    """`N` games as compact frames: a TensorDict `(N,)` of bit-packed boards, small counters and the `team`
    each frame is for (`(N,)` or one colour for all)."""
    n = state.num_games
    fields = {name: torch.from_numpy(np.packbits(getattr(state, name).reshape(n, -1), axis=1)) for name in BOARDS}
    fields.update({name: torch.from_numpy(np.minimum(getattr(state, name), 255).astype(np.uint8)) for name in SMALL})
    fields.update({name: torch.from_numpy(getattr(state, name).astype(np.int16)) for name in WIDE})
    fields["team"] = torch.from_numpy(np.broadcast_to(np.asarray(team, dtype=np.uint8), (n,)).copy())
    return TensorDict(fields, batch_size=[n])


def unpack(frames: TensorDict, grid_shape: tuple[int, int]) -> GameState:
    """The `GameState` of `frames` (any leading shape, flattened to `N` games) on a `(H, W)` grid."""
    h, w = grid_shape
    flat = frames.reshape(-1).cpu()
    n = flat.batch_size[0]
    board = lambda name: np.unpackbits(flat[name].numpy(), axis=1, count=h * w).reshape(n, h, w).astype(np.bool_)  # noqa: E731
    small = lambda name, dtype=np.int64: flat[name].numpy().astype(dtype)  # noqa: E731
    walls, food = board("walls"), board("food")
    width, height = small("width"), small("height")
    red_half = np.arange(w)[None, None, :] * 2 < width[:, None, None]  # (N, 1, W)
    food_left = np.stack([(food & red_half).sum((1, 2)), (food & ~red_half).sum((1, 2))], axis=1)
    return GameState(walls=walls, food=food, capsules=board("capsules"), width=width, height=height,
                     starts=small("starts"), pos=small("pos"), is_pacman=small("is_pacman", np.bool_),
                     carrying=small("carrying"), returned=small("returned"), scared=small("scared"),
                     heading=small("heading"), food_left=food_left, score=small("score"), t=small("t"),
                     layout_id=np.zeros(n, dtype=np.int64))


def observe(frames: TensorDict, grid_shape: tuple[int, int], planes, length: int,
            flip: np.ndarray | None = None) -> torch.Tensor:
    """The observations `(..., A, C, H, W)` uint8 codes (`gymPacMan.planes`) the frames' teams see of their
    games, each red frame through the map's symmetry (its agents in the slots `RedView` gives them); the frames
    `flip` marks (bool, the frames' shape) seen turned north to south (`gymPacMan.views.flip_north_south`)."""
    state = unpack(frames, grid_shape)
    if flip is not None and np.any(flip):
        games = np.flatnonzero(np.asarray(flip).reshape(-1))
        flipped = flip_north_south(state.select(games))
        for name, value in vars(flipped).items():
            getattr(state, name)[games] = value
    team = frames["team"].reshape(-1).cpu().numpy()
    n = state.num_games
    obs = None
    for colour in (BLUE, 1 - BLUE):
        games = np.flatnonzero(team == colour)
        if not len(games):
            continue
        part = state.select(games)
        seen = observe_with_planes(part, list(TEAM_AGENTS[colour]), planes, length, np.uint8)  # (k, 2, C, H, W)
        if colour != BLUE:
            view = RedView.of(part)
            seen, _ = view.observe(seen, np.zeros((len(games), 2, 5), dtype=np.bool_), part.width, part.height)
        if obs is None:
            obs = np.zeros((n, *seen.shape[1:]), dtype=np.uint8)
        obs[games] = seen
    return torch.from_numpy(obs).reshape(*frames.batch_size, *obs.shape[1:])
