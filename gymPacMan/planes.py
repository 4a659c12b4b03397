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

import numba
import numpy as np

from .engine import GameState, observe, parallel
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
    return observe_with_planes(state, [team], planes, length)[:, 0, NUM_CHANNELS:]


def observe_with_planes(state: GameState, agents: Sequence[int], planes: Sequence[str] = (), length: int = 300,
                        dtype: type = np.float32) -> np.ndarray:
    """`(N, A, C, H, W)`: `engine.observe` of `agents` with each agent's team planes appended. With
    `dtype=np.uint8`, every channel's integer code (its value over its scale, `plane_scales`): what a
    replay buffer stores, without a float array in between."""
    planes = check_planes(planes)
    obs = observe(state, agents, num_channels(planes), dtype)
    if not planes:
        return obs
    uniform, cells = _plane_codes(state, np.asarray(agents, dtype=np.int64), planes, length)
    scales = plane_scales(planes)[NUM_CHANNELS:] if dtype != np.uint8 else np.ones(len(uniform[0, 0]), np.float32)
    kernel = _planes_kernel_parallel if parallel(state.num_games) else _planes_kernel
    kernel(state.width, state.height, state.pos, uniform, cells, scales, NUM_CHANNELS, obs)
    return obs


def _plane_codes(state: GameState, agents: np.ndarray, planes: tuple[str, ...], length: int) -> tuple[np.ndarray, np.ndarray]:
    """The planes' integer codes: `uniform` `(N, A, P)` the value a plane holds on every cell of the
    board (-1 for a plane drawn on the agents' cells), `cells` `(N, P, 4)` what each of the four agents
    puts on its cell (agents sharing a cell add up, at most 255)."""
    n, p = state.num_games, num_channels(planes) - NUM_CHANNELS
    uniform = np.full((n, len(agents), p), -1, dtype=np.int64)
    cells = np.zeros((n, p, NUM_AGENTS), dtype=np.int64)
    k = 0
    for name in planes:
        if name == "time":
            uniform[:, :, k] = np.round(255 * np.clip(length - state.t, 0, length) / max(length, 1))[:, None]
        elif name == "score":
            own = np.where((agents % 2 == RED)[None, :], state.score[:, None], -state.score[:, None])  # (N, A) the team's side
            uniform[:, :, k] = np.minimum(np.maximum(own, 0), 255)
            uniform[:, :, k + 1] = np.minimum(np.maximum(-own, 0), 255)
        else:
            cells[:, k] = np.minimum(state.carrying if name == "carrying" else state.scared, 255)
        k += len(PLANES[name])
    return uniform, cells


@numba.njit(cache=True, inline="always")
def _planes_game(g, width, height, pos, uniform, cells, scales, first, out):
    """Channels `first + p` of `out[g]` (zero on entry), each code times `scales[p]`."""
    w, h = width[g], height[g]
    for k in range(uniform.shape[1]):
        for p in range(uniform.shape[2]):
            c = first + p
            if uniform[g, k, p] >= 0:
                value = uniform[g, k, p] * scales[p]
                for y in range(h):
                    for x in range(w):
                        out[g, k, c, y, x] = value
            else:
                for j in range(NUM_AGENTS):
                    total = 0
                    for m in range(NUM_AGENTS):
                        if pos[g, m, 0] == pos[g, j, 0] and pos[g, m, 1] == pos[g, j, 1]:
                            total += cells[g, p, m]
                    out[g, k, c, pos[g, j, 1], pos[g, j, 0]] = min(total, 255) * scales[p]


@numba.njit(cache=True)
def _planes_kernel(width, height, pos, uniform, cells, scales, first, out):
    for g in range(pos.shape[0]):
        _planes_game(g, width, height, pos, uniform, cells, scales, first, out)


@numba.njit(cache=True, parallel=True)
def _planes_kernel_parallel(width, height, pos, uniform, cells, scales, first, out):
    for g in numba.prange(pos.shape[0]):
        _planes_game(g, width, height, pos, uniform, cells, scales, first, out)
