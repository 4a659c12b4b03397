"""Optional observation planes beyond the course's 8 channels: what the board alone does not show.

The course's observation has no clock, no score and no food carried by anyone but the agent itself,
so a learner cannot predict when a game ends or who is ahead, and the end-of-game bonus looks like
noise. Nor does it show what every scripted team plans with: maze distances. A convolution sees a
few cells around it; how far food, home or a ghost is along the maze's corridors it would have to
learn from pixels, on every map anew. These planes add both, appended after channel 7 in the order
asked for, each seen from the observing team's side (red's view is then turned through the map's
symmetry like every channel, `gymPacMan.views`).

Game planes, the same for both agents of a team:

| plane | planes | value (float32) |
|---|---|---|
| `time` | 1 | the fraction of the game left, `(length - t) / length`, everywhere (quantised to 1/255) |
| `score` | 2 | the team's lead, then its deficit, in points / 10, everywhere (0-25.5) |
| `carrying` | 1 | each agent's food carried / 10, on its cell (all four agents) |
| `scared` | 1 | each agent's scared timer / 40, on its cell (all four agents) |

Maze planes, from breadth-first searches over the maze (4-neighbour moves, walls block). A distance
`d` is written as `(min(d, 254) + 1) / 32` on every cell it reaches (so 1/32 on the source itself,
+1/32 a step) and 0 on walls, on cells no path reaches, and everywhere when there is no source (no
capsule left, say):

| plane | planes | the distance from every cell to ... |
|---|---|---|
| `dist_self` | 1 | this agent (its own distance field) |
| `dist_mate` | 1 | its teammate |
| `dist_opponents` | 2 | each opponent, in index order (the opponents' own distance fields) |
| `dist_food` | 1 | the nearest food this team attacks (on the opponents' half) |
| `dist_capsule` | 1 | the nearest capsule this team can eat (on the opponents' half) |
| `dist_home` | 1 | the team's home border: its own half's column next to the centre line |
| `safe` | 1 | 1 where this agent arrives strictly before every dangerous ghost: an opponent that is a ghost (on its own half) with no scared time. Cells of the agent's own half count as safe (a ghost that crosses the line is a Pacman there); with no dangerous ghost every reachable cell is safe |
| `dead_end` | 1 | the nearest junction: a cell with three or more open neighbours (1/32 on a junction, deeper in a dead end the larger) |

Cost: one multi-source search is `O(H * W)`; `dist_self`, `dist_mate`, `dist_opponents` and `safe`
search from each agent they need, the others once per team and game. All of them together on
bloxCapture add about 20 microseconds a game to a step (docs/performance.md).

Every value is an integer (0-255) times a fixed scale (`plane_scales`), so a replay buffer stores the
planes as uint8 exactly. The course class keeps the exact 8 channels; the planes are a setting of the
training environment (`VecCaptureEnv(planes=...)`, `data.planes`) and of every team that plays a
trained policy (`agents.PolicyTeam`, the exported contest team).
"""

from __future__ import annotations

from typing import Sequence

import numba
import numpy as np

from .engine import GameState, observe, parallel
from .rules import NUM_AGENTS, NUM_CHANNELS, RED

DISTANCE_SCALE = 1 / 32
PLANES: dict[str, tuple[float, ...]] = {  # name -> the scale of each of its planes
    "time": (1 / 255,),
    "score": (1 / 10, 1 / 10),
    "carrying": (1 / 10,),
    "scared": (1 / 40,),
    "dist_self": (DISTANCE_SCALE,),
    "dist_mate": (DISTANCE_SCALE,),
    "dist_opponents": (DISTANCE_SCALE, DISTANCE_SCALE),
    "dist_food": (DISTANCE_SCALE,),
    "dist_capsule": (DISTANCE_SCALE,),
    "dist_home": (DISTANCE_SCALE,),
    "safe": (1.0,),
    "dead_end": (DISTANCE_SCALE,),
}
# The maze planes' kinds, one per output plane, as the compiled kernel knows them.
SELF, MATE, OPPONENT_0, OPPONENT_1, FOOD, CAPSULE, HOME, SAFE, DEAD_END = range(9)
MAZE_KINDS: dict[str, tuple[int, ...]] = {
    "dist_self": (SELF,), "dist_mate": (MATE,), "dist_opponents": (OPPONENT_0, OPPONENT_1), "dist_food": (FOOD,),
    "dist_capsule": (CAPSULE,), "dist_home": (HOME,), "safe": (SAFE,), "dead_end": (DEAD_END,),
}
MAZE_PLANES = tuple(MAZE_KINDS)
ALL_MAZE_PLANES = list(MAZE_PLANES)  # every maze plane, in the table's order (configs name them so)


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
    """`(N, k, H, W)` float32: the planes of `team`'s first agent, in the order of `planes`."""
    return observe_with_planes(state, [team], planes, length)[:, 0, NUM_CHANNELS:]


def observe_with_planes(state: GameState, agents: Sequence[int], planes: Sequence[str] = (), length: int = 300,
                        dtype: type = np.float32) -> np.ndarray:
    """`(N, A, C, H, W)`: `engine.observe` of `agents` with each agent's planes appended. With
    `dtype=np.uint8`, every channel's integer code (its value over its scale, `plane_scales`): what a
    replay buffer stores, without a float array in between."""
    planes = check_planes(planes)
    obs = observe(state, agents, num_channels(planes), dtype)
    if not planes:
        return obs
    agents = np.asarray(agents, dtype=np.int64)
    scales = plane_scales(planes) if dtype != np.uint8 else np.ones(num_channels(planes), np.float32)
    uniform, cells, channel = _game_plane_codes(state, agents, planes, length)
    if len(channel):
        kernel = _planes_kernel_parallel if parallel(state.num_games) else _planes_kernel
        kernel(state.width, state.height, state.pos, uniform, cells, scales, channel, obs)
    kinds, maze_channel = _maze_plane_kinds(planes)
    if len(kinds):
        kernel = _maze_kernel_parallel if parallel(state.num_games) else _maze_kernel
        kernel(state.walls, state.food, state.capsules, state.width, state.height, state.pos, state.is_pacman,
               state.scared, agents, kinds, maze_channel, scales, obs)
    return obs


def _channels(planes: tuple[str, ...]) -> dict[str, int]:
    """Each plane's first output channel."""
    first, k = {}, NUM_CHANNELS
    for name in planes:
        first[name] = k
        k += len(PLANES[name])
    return first


def _game_plane_codes(state: GameState, agents: np.ndarray, planes: tuple[str, ...],
                      length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The game planes' integer codes: `uniform` `(N, A, P)` the value a plane holds on every cell of the
    board (-1 for a plane drawn on the agents' cells), `cells` `(N, P, 4)` what each of the four agents
    puts on its cell (agents sharing a cell add up, at most 255), `channel` `(P,)` their output channels."""
    first = _channels(planes)
    names = [p for p in planes if p not in MAZE_KINDS]
    channel = np.array([first[p] + j for p in names for j in range(len(PLANES[p]))], dtype=np.int64)
    n = state.num_games
    uniform = np.full((n, len(agents), len(channel)), -1, dtype=np.int64)
    cells = np.zeros((n, len(channel), NUM_AGENTS), dtype=np.int64)
    k = 0
    for name in names:
        if name == "time":
            uniform[:, :, k] = np.round(255 * np.clip(length - state.t, 0, length) / max(length, 1))[:, None]
        elif name == "score":
            own = np.where((agents % 2 == RED)[None, :], state.score[:, None], -state.score[:, None])  # (N, A) the team's side
            uniform[:, :, k] = np.minimum(np.maximum(own, 0), 255)
            uniform[:, :, k + 1] = np.minimum(np.maximum(-own, 0), 255)
        else:
            cells[:, k] = np.minimum(state.carrying if name == "carrying" else state.scared, 255)
        k += len(PLANES[name])
    return uniform, cells, channel


def _maze_plane_kinds(planes: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """`(M,)` kinds and `(M,)` output channels of the maze planes asked for."""
    first = _channels(planes)
    pairs = [(kind, first[p] + j) for p in planes if p in MAZE_KINDS for j, kind in enumerate(MAZE_KINDS[p])]
    return np.array([k for k, _ in pairs], dtype=np.int64), np.array([c for _, c in pairs], dtype=np.int64)


# ----------------------------------------------------------------------------------------------
# Compiled kernels.
# ----------------------------------------------------------------------------------------------
@numba.njit(cache=True, inline="always")
def _planes_game(g, width, height, pos, uniform, cells, scales, channel, out):
    """Channels `channel[p]` of `out[g]` (zero on entry), each code times its channel's scale."""
    w, h = width[g], height[g]
    for k in range(uniform.shape[1]):
        for p in range(uniform.shape[2]):
            c = channel[p]
            if uniform[g, k, p] >= 0:
                value = uniform[g, k, p] * scales[c]
                for y in range(h):
                    for x in range(w):
                        out[g, k, c, y, x] = value
            else:
                for j in range(NUM_AGENTS):
                    total = 0
                    for m in range(NUM_AGENTS):
                        if pos[g, m, 0] == pos[g, j, 0] and pos[g, m, 1] == pos[g, j, 1]:
                            total += cells[g, p, m]
                    out[g, k, c, pos[g, j, 1], pos[g, j, 0]] = min(total, 255) * scales[c]


@numba.njit(cache=True)
def _planes_kernel(width, height, pos, uniform, cells, scales, channel, out):
    for g in range(pos.shape[0]):
        _planes_game(g, width, height, pos, uniform, cells, scales, channel, out)


@numba.njit(cache=True, parallel=True)
def _planes_kernel_parallel(width, height, pos, uniform, cells, scales, channel, out):
    for g in numba.prange(pos.shape[0]):
        _planes_game(g, width, height, pos, uniform, cells, scales, channel, out)


UNREACHED = 1 << 30
JUNCTION_FIELD = 6  # in the kernels' scratch of fields: 3 per team (food, capsule, home), then the junctions


@numba.njit(cache=True)
def bfs(walls: np.ndarray, w: int, h: int, sources: np.ndarray, count: int, dist: np.ndarray, queue: np.ndarray) -> None:
    """Multi-source breadth-first search over the open cells of one `w x h` board.

    walls: `(H, W)` bool (padded; only `[:h, :w]` is read). sources: `(k, 2)` cells `(x, y)`, the first
    `count` used (walls among them are skipped). dist: `(H, W)` int64, written on `[:h, :w]`:
    steps to the nearest source, `UNREACHED` where no path leads. queue: scratch of at least `h * w`.
    """
    for y in range(h):
        for x in range(w):
            dist[y, x] = UNREACHED
    head, tail = 0, 0
    for s in range(count):
        x, y = sources[s, 0], sources[s, 1]
        if 0 <= x < w and 0 <= y < h and not walls[y, x] and dist[y, x] == UNREACHED:
            dist[y, x] = 0
            queue[tail] = y * w + x
            tail += 1
    while head < tail:
        cell = queue[head]
        head += 1
        y, x = cell // w, cell % w
        d = dist[y, x] + 1
        for k in range(4):
            nx = x + (1 if k == 0 else -1 if k == 1 else 0)
            ny = y + (1 if k == 2 else -1 if k == 3 else 0)
            if 0 <= nx < w and 0 <= ny < h and not walls[ny, nx] and dist[ny, nx] > d:
                dist[ny, nx] = d
                queue[tail] = ny * w + nx
                tail += 1


@numba.njit(cache=True, inline="always")
def _write_distance(dist, w, h, scale, out_plane):
    for y in range(h):
        for x in range(w):
            if dist[y, x] < UNREACHED:
                out_plane[y, x] = (min(dist[y, x], 254) + 1) * scale


@numba.njit(cache=True)
def _maze_game(g, walls, food, capsules, width, height, pos, is_pacman, scared, agents, kinds, channel, scales, out,
               from_agent, team_field, sources, queue):
    """The maze planes of game g for every observing agent. Scratch: from_agent `(4, H, W)` (each agent's
    distance field, computed when first needed), team_field `(7, H, W)` (food, capsule, home of red, of blue;
    the junctions)."""
    w, h = width[g], height[g]
    wall = walls[g]
    have_agent = np.zeros(NUM_AGENTS, dtype=np.bool_)
    have_field = np.zeros(team_field.shape[0], dtype=np.bool_)
    for k in range(agents.shape[0]):
        i = agents[k]
        team = i % 2
        mate = (i + 2) % NUM_AGENTS
        for p in range(kinds.shape[0]):
            kind, c = kinds[p], channel[p]
            plane = out[g, k, c]
            if kind <= OPPONENT_1 or kind == SAFE:
                j = i if kind == SELF or kind == SAFE else mate if kind == MATE else 2 * (kind - OPPONENT_0) + 1 - team
                if not have_agent[j]:
                    sources[0, 0], sources[0, 1] = pos[g, j, 0], pos[g, j, 1]
                    bfs(wall, w, h, sources, 1, from_agent[j], queue)
                    have_agent[j] = True
                if kind != SAFE:
                    _write_distance(from_agent[j], w, h, scales[c], plane)
                    continue
                for o in range(NUM_AGENTS):  # the dangerous ghosts' fields
                    if o % 2 != team and not is_pacman[g, o] and scared[g, o] == 0 and not have_agent[o]:
                        sources[0, 0], sources[0, 1] = pos[g, o, 0], pos[g, o, 1]
                        bfs(wall, w, h, sources, 1, from_agent[o], queue)
                        have_agent[o] = True
                own = from_agent[i]
                for y in range(h):
                    for x in range(w):
                        if own[y, x] >= UNREACHED:
                            continue
                        safe = (2 * x < w) == (team == RED)  # the agent's own half
                        if not safe:
                            safe = True
                            for o in range(NUM_AGENTS):
                                if o % 2 != team and not is_pacman[g, o] and scared[g, o] == 0 and from_agent[o, y, x] <= own[y, x]:
                                    safe = False
                        if safe:
                            plane[y, x] = scales[c]
            elif kind == DEAD_END:
                junction = team_field[JUNCTION_FIELD]
                if not have_field[JUNCTION_FIELD]:
                    count = 0
                    for y in range(h):
                        for x in range(w):
                            if wall[y, x]:
                                continue
                            exits = 0
                            for d in range(4):
                                nx = x + (1 if d == 0 else -1 if d == 1 else 0)
                                ny = y + (1 if d == 2 else -1 if d == 3 else 0)
                                if 0 <= nx < w and 0 <= ny < h and not wall[ny, nx]:
                                    exits += 1
                            if exits >= 3:
                                sources[count, 0], sources[count, 1] = x, y
                                count += 1
                    bfs(wall, w, h, sources, count, junction, queue)
                    have_field[JUNCTION_FIELD] = True
                _write_distance(junction, w, h, scales[c], plane)
            else:
                which = kind - FOOD  # 0 food, 1 capsule, 2 home
                field = team_field[3 * team + which]
                if not have_field[3 * team + which]:
                    count = 0
                    border = (w + 1) // 2 - 1 if team == RED else (w + 1) // 2  # own column next to the centre line
                    for y in range(h):
                        for x in range(w):
                            attacked = (2 * x < w) != (team == RED)
                            if (which == 0 and food[g, y, x] and attacked) or (which == 1 and capsules[g, y, x] and attacked) \
                                    or (which == 2 and x == border):
                                sources[count, 0], sources[count, 1] = x, y
                                count += 1
                    bfs(wall, w, h, sources, count, field, queue)
                    have_field[3 * team + which] = True
                _write_distance(field, w, h, scales[c], plane)


@numba.njit(cache=True)
def _maze_kernel(walls, food, capsules, width, height, pos, is_pacman, scared, agents, kinds, channel, scales, out):
    """out: `(N, A, C, H, W)`; writes the maze planes' channels (zero on entry)."""
    hh, ww = walls.shape[1], walls.shape[2]
    from_agent = np.empty((NUM_AGENTS, hh, ww), dtype=np.int64)
    team_field = np.empty((JUNCTION_FIELD + 1, hh, ww), dtype=np.int64)
    sources = np.empty((hh * ww, 2), dtype=np.int64)
    queue = np.empty(hh * ww, dtype=np.int64)
    for g in range(pos.shape[0]):
        _maze_game(g, walls, food, capsules, width, height, pos, is_pacman, scared, agents, kinds, channel, scales, out,
                   from_agent, team_field, sources, queue)


@numba.njit(cache=True, parallel=True)
def _maze_kernel_parallel(walls, food, capsules, width, height, pos, is_pacman, scared, agents, kinds, channel, scales, out):
    """`_maze_kernel` with the games spread over numba's threads (scratch per game)."""
    hh, ww = walls.shape[1], walls.shape[2]
    for g in numba.prange(pos.shape[0]):
        from_agent = np.empty((NUM_AGENTS, hh, ww), dtype=np.int64)
        team_field = np.empty((JUNCTION_FIELD + 1, hh, ww), dtype=np.int64)
        sources = np.empty((hh * ww, 2), dtype=np.int64)
        queue = np.empty(hh * ww, dtype=np.int64)
        _maze_game(g, walls, food, capsules, width, height, pos, is_pacman, scared, agents, kinds, channel, scales, out,
                   from_agent, team_field, sources, queue)
