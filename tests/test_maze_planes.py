"""The maze planes (`gymPacMan.planes`: distance fields, nearest food / capsule / home border, safe
cells, dead-end depth) against a plain breadth-first search written here, cell by cell, in both
colours, on odd-sized maps and on random play."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from gymPacMan import VecCaptureEnv, engine
from gymPacMan.layout import parse_layout
from gymPacMan.planes import DISTANCE_SCALE, MAZE_PLANES, num_channels, observe_with_planes, plane_scales
from gymPacMan.rules import NUM_CHANNELS, RED

from helpers import place

# 11 x 7 (odd width: the centre column x = 5 is red's, x < 11 / 2), a dead end, a capsule on each half.
ODD = """
%%%%%%%%%%%
%1  % o  2%
% %   %% .%
% %.%   % %
%.%%    % %
%3   o  %4%
%%%%%%%%%%%
"""


def bfs(walls: np.ndarray, w: int, h: int, sources) -> np.ndarray:
    """Steps to the nearest source `(x, y)`, -1 where no path leads (walls included): the plain version."""
    dist = np.full((h, w), -1)
    queue = deque()
    for x, y in sources:
        if not walls[y, x] and dist[y, x] < 0:
            dist[y, x] = 0
            queue.append((x, y))
    while queue:
        x, y = queue.popleft()
        for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            if 0 <= nx < w and 0 <= ny < h and not walls[ny, nx] and dist[ny, nx] < 0:
                dist[ny, nx] = dist[y, x] + 1
                queue.append((nx, ny))
    return dist


def as_plane(dist: np.ndarray) -> np.ndarray:
    """A distance field as the planes encode it: (d + 1) / 32, 0 where unreached."""
    return np.where(dist >= 0, (np.minimum(dist, 254) + 1) * DISTANCE_SCALE, 0).astype(np.float32)


def expected_planes(s: engine.GameState, g: int, agent: int) -> dict[str, np.ndarray]:
    """Every maze plane of `agent` in game g, computed here from the rules of the module docstring."""
    w, h = int(s.width[g]), int(s.height[g])
    walls = s.walls[g, :h, :w]
    team, mate = agent % 2, (agent + 2) % 4
    opponents = [o for o in range(4) if o % 2 != team]
    cell = lambda i: [tuple(int(v) for v in s.pos[g, i])]  # noqa: E731
    attacked = lambda x: (2 * x < w) != (team == RED)  # noqa: E731 - the opponents' half
    food = [(x, y) for y in range(h) for x in range(w) if s.food[g, y, x] and attacked(x)]
    capsules = [(x, y) for y in range(h) for x in range(w) if s.capsules[g, y, x] and attacked(x)]
    border_x = (w + 1) // 2 - 1 if team == RED else (w + 1) // 2
    open_ = lambda x, y: 0 <= x < w and 0 <= y < h and not walls[y, x]  # noqa: E731
    junctions = [(x, y) for y in range(h) for x in range(w) if open_(x, y)
                 and sum(open_(x + dx, y + dy) for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))) >= 3]
    own = bfs(walls, w, h, cell(agent))
    ghosts = [bfs(walls, w, h, cell(o)) for o in opponents if not s.is_pacman[g, o] and s.scared[g, o] == 0]
    safe = np.zeros((h, w), dtype=np.float32)
    for y in range(h):
        for x in range(w):
            if own[y, x] >= 0 and (not attacked(x) or all(d[y, x] < 0 or own[y, x] < d[y, x] for d in ghosts)):
                safe[y, x] = 1
    return {
        "dist_self": as_plane(own), "dist_mate": as_plane(bfs(walls, w, h, cell(mate))),
        "dist_opponents": np.stack([as_plane(bfs(walls, w, h, cell(o))) for o in opponents]),
        "dist_food": as_plane(bfs(walls, w, h, food)), "dist_capsule": as_plane(bfs(walls, w, h, capsules)),
        "dist_home": as_plane(bfs(walls, w, h, [(border_x, y) for y in range(h)])), "safe": safe,
        "dead_end": as_plane(bfs(walls, w, h, junctions)),
    }


def check_game(s: engine.GameState, g: int, agents=(0, 1, 2, 3)) -> None:
    planes = list(MAZE_PLANES)
    obs = observe_with_planes(s, agents, planes)
    codes = observe_with_planes(s, agents, planes, dtype=np.uint8)
    scales = plane_scales(planes)
    assert np.array_equal(codes.astype(np.float32) * scales[:, None, None], obs)  # the bytes are the floats
    w, h = int(s.width[g]), int(s.height[g])
    for k, agent in enumerate(agents):
        want = expected_planes(s, g, agent)
        c = NUM_CHANNELS
        for name in planes:
            got = obs[g, k, c: c + (2 if name == "dist_opponents" else 1), :h, :w]
            np.testing.assert_array_equal(got.reshape(want[name].shape), want[name], err_msg=f"{name} of agent {agent}")
            c += got.shape[0]
        assert not obs[g, k, NUM_CHANNELS:, h:, :].any() and not obs[g, k, NUM_CHANNELS:, :, w:].any()  # padding


def test_maze_planes_by_hand_on_an_odd_map():
    s = engine.new_state([parse_layout(ODD, "odd")], [0])
    assert num_channels(MAZE_PLANES) == NUM_CHANNELS + 9
    obs = observe_with_planes(s, (1,), ["dist_self", "dist_home", "dist_capsule", "dead_end", "safe"])[0, 0]
    x, y = s.pos[0, 1]  # blue agent 1 starts top right at (9, 5)
    assert (x, y) == (9, 5) and obs[8, y, x] == DISTANCE_SCALE and obs[8, y, x - 1] == 2 * DISTANCE_SCALE
    assert obs[9, 2, 6] == DISTANCE_SCALE and obs[9, 2, 5] == 2 * DISTANCE_SCALE  # blue's border column is x = 6
    assert obs[10, 1, 5] == DISTANCE_SCALE  # red's capsule at (5, 1) is blue's to eat (x = 5 is red's half)
    assert obs[11, 1, 9] == 4 * DISTANCE_SCALE  # the corridor down from (9, 4) ends in a dead end 3 steps deep
    assert obs[12, 5, 9] == 1 and obs[12, 1, 1] == 0  # its own half is safe; red's ghost 2 sits at (1, 1)
    for agents in ((0, 1, 2, 3), (1, 3), (2,)):
        check_game(s, 0, agents)


def test_safe_cells_follow_the_ghosts_and_their_scared_time():
    s = engine.new_state([parse_layout(ODD, "odd")], [0])
    place(s, 1, 3, 5)  # a blue Pacman on red's half, top left
    place(s, 0, 1, 2)  # red ghost 0 below it
    check_game(s, 0)
    safe = observe_with_planes(s, (1,), ["safe"])[0, 0, NUM_CHANNELS]
    s.scared[0, [0, 2]] = 5  # both red ghosts scared: nothing of red's half is dangerous
    scared = observe_with_planes(s, (1,), ["safe"])[0, 0, NUM_CHANNELS]
    assert scared.sum() > safe.sum() and (scared[:6, :11] == (~s.walls[0, :6, :11]).astype(np.float32)).all()
    check_game(s, 0)


@pytest.mark.parametrize("layouts", [["tinyMaze", "smallCapture"], ["bloxCapture", "largeArena", "contest_random"]])
def test_maze_planes_equal_plain_searches_in_random_play(layouts):
    env = VecCaptureEnv(layouts, num_envs=6, opponent="baseline", self_play=False, seed=3)
    env.reset()
    rng = np.random.default_rng(0)
    for step in range(40):
        env.step(rng.integers(0, 5, (6, 2)))
        if step % 8 == 7:
            for g in range(6):
                check_game(env.state, g)
