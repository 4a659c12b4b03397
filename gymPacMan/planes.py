"""Optional observation planes beyond the course's 8 channels: what the board alone does not show.

The course's observation has no clock, no score and no food carried by anyone but the agent itself,
so a learner cannot predict when a game ends or who is ahead, and the end-of-game bonus looks like
noise. These planes add it, appended after channel 7 in the order asked for, each the same for both
agents of a team and seen from that team's side:

| plane | planes | value (float32) |
|---|---|---|
| `time` | 1 | the fraction of the game left, `(length - t) / length`, everywhere (quantised to 1/255) |
| `score` | 2 | the team's lead, then its deficit, in points / 10, everywhere (0-25.5) |
| `carrying` | 1 | each agent's food carried / 10, on its cell (all four agents) |
| `scared` | 1 | each agent's scared timer / 40, on its cell (all four agents) |

Every value is an integer (0-255) times a fixed scale (`plane_scales`), so a replay buffer stores the
planes as uint8 exactly. The course class keeps the exact 8 channels; the planes are a setting of the
training environment (`VecCaptureEnv(planes=...)`, `data.planes`).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .engine import GameState, observe
from .rules import NUM_AGENTS, NUM_CHANNELS, RED

PLANES: dict[str, tuple[float, ...]] = {  # name -> the scale of each of its planes
    "time": (1 / 255,),
    "score": (1 / 10, 1 / 10),
    "carrying": (1 / 10,),
    "scared": (1 / 40,),
}


def check_planes(planes: Sequence[str]) -> tuple[str, ...]:
    planes = tuple(planes)
    unknown = [p for p in planes if p not in PLANES]
    if unknown or len(set(planes)) != len(planes):
        raise ValueError(f"observation planes must be distinct names from {list(PLANES)}, got {list(planes)}")
    return planes


def num_channels(planes: Sequence[str] = ()) -> int:
    """C: the course's 8 channels and the planes asked for."""
    return NUM_CHANNELS + sum(len(PLANES[p]) for p in check_planes(planes))


def plane_scales(planes: Sequence[str] = ()) -> np.ndarray:
    """`(C,)` float32: a channel's value is an integer 0-255 times its scale (1 for the course's channels)."""
    scales = [1.0] * NUM_CHANNELS + [s for p in check_planes(planes) for s in PLANES[p]]
    return np.array(scales, dtype=np.float32)


def team_planes(state: GameState, team: int, planes: Sequence[str], length: int) -> np.ndarray:
    """`(N, k, H, W)` float32: the planes of `team`'s agents, in the order of `planes`."""
    planes = check_planes(planes)
    n, (h, w) = state.num_games, state.grid_shape
    out = np.zeros((n, num_channels(planes) - NUM_CHANNELS, h, w), dtype=np.float32)
    inside = (np.arange(h)[None, :, None] < state.height[:, None, None]) & (np.arange(w)[None, None, :] < state.width[:, None, None])
    k = 0
    for name in planes:
        if name == "time":
            left = np.round(255 * np.clip(length - state.t, 0, length) / max(length, 1))  # (N,) integers 0-255
            out[:, k] = left[:, None, None] * inside
        elif name == "score":
            own = state.score if team == RED else -state.score  # (N,) the team's side
            out[:, k] = np.minimum(np.maximum(own, 0), 255)[:, None, None] * inside
            out[:, k + 1] = np.minimum(np.maximum(-own, 0), 255)[:, None, None] * inside
        else:
            values = np.minimum(state.carrying if name == "carrying" else state.scared, 255)  # (N, 4)
            games = np.repeat(np.arange(n), NUM_AGENTS)
            np.add.at(out[:, k], (games, state.pos[..., 1].ravel(), state.pos[..., 0].ravel()), values.ravel())
            np.minimum(out[:, k], 255, out=out[:, k])  # agents sharing a cell add up, still one byte
        k += len(PLANES[name])
    return out * plane_scales(planes)[NUM_CHANNELS:, None, None]


def observe_with_planes(state: GameState, agents: Sequence[int], planes: Sequence[str] = (), length: int = 300) -> np.ndarray:
    """`(N, A, C, H, W)`: `engine.observe` of `agents` with each agent's team planes appended."""
    obs = observe(state, agents)
    if not planes:
        return obs
    extra = {team: team_planes(state, team, planes, length) for team in {a % 2 for a in agents}}
    return np.concatenate([obs, np.stack([extra[a % 2] for a in agents], axis=1)], axis=2)
