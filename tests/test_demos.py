"""Demonstrations: the recorded frames rebuild exactly what a policy playing that team would have seen,
the stored actions are the teacher's moves in that view, the file round-trips, and DAgger stores the
teacher's labels of the states the player visits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents import PolicyTeam
from gymPacMan import VecCaptureEnv, engine
from gymPacMan.planes import MAZE_PLANES, plane_scales
from gymPacMan.rules import BLUE, RED, TEAM_AGENTS
from gymPacMan.views import RedView
from marl_lightning.data import compact
from marl_lightning.demos import DemoRecorder, demo_buffer, load, record, save

PLANES = ["time", "score", "carrying", "scared", *MAZE_PLANES]


class WithPlanes:
    """A policy trained with every plane (it never acts here: only what `PolicyTeam` shows it matters)."""

    planes = PLANES

    def initial_state(self, n):
        return None

    def act(self, obs, legal, state):
        return np.full(obs.shape[:2], 4), state


def test_compact_frames_rebuild_the_observations_a_policy_sees():
    env = VecCaptureEnv(["bloxCapture", "smallCapture", "contest_random"], num_envs=6, opponent="baseline", seed=2)
    env.reset()
    rng = np.random.default_rng(0)
    for _ in range(30):
        env.step(rng.integers(0, 5, (6, 2)))
    state = env.state
    for team in (BLUE, RED):
        shown = PolicyTeam(WithPlanes(), team=team)
        shown.time_limit = 300
        expected, legal = shown.observe(state, engine.legal_actions(state))
        frames = compact.pack(state, team)
        rebuilt = compact.observe(frames, state.grid_shape, PLANES, 300)
        scales = torch.from_numpy(plane_scales(PLANES))[:, None, None]
        np.testing.assert_array_equal((rebuilt.float() * scales).numpy(), expected)
        again = compact.unpack(frames, state.grid_shape)
        for name in ("walls", "food", "capsules", "pos", "carrying", "scared", "score", "t", "food_left", "is_pacman"):
            np.testing.assert_array_equal(getattr(again, name), getattr(state, name), err_msg=name)


@pytest.mark.parametrize("teacher", ["heuristic", "baseline/heuristic"])
def test_recorded_actions_are_the_teachers_moves_in_the_view(tmp_path, teacher):
    """Replaying the stored view actions through `RedView` gives back the real moves the teacher made."""
    buffer, meta = record(teacher, ["random", "baseline"], ["bloxCapture", "smallCapture"], steps=8 * 40, num_envs=8,
                          seed=1, progress=False)
    assert meta.steps == 320 and len(buffer) == 320
    frames = buffer.frames  # (N, T)
    n = frames.batch_size[0]
    first = frames[:, 0]
    state = compact.unpack(first["game"], meta.grid_shape)
    colour = first["game", "team"].numpy()
    assert (colour[: n // 2] == BLUE).all() and (colour[n // 2:] == RED).all()
    legal = engine.legal_actions(state)
    for side in (BLUE, RED):
        games = np.flatnonzero(colour == side)
        part = state.select(games)
        stored = first["action"].numpy()[games].astype(np.int64)
        real = stored if side == BLUE else RedView.of(part).real_actions(stored)
        own_legal = legal[games][:, list(TEAM_AGENTS[side])]
        assert own_legal[np.arange(len(games))[:, None], np.arange(2)[None, :], real].all()  # legal real moves
        seen_legal = first["legal"].numpy()[games]
        assert seen_legal[np.arange(len(games))[:, None], np.arange(2)[None, :], stored].all()
    path = save(buffer, meta, tmp_path / "demos.pt")
    loaded, again = load(path)
    assert again == meta and len(loaded) == len(buffer)
    with pytest.raises(FileExistsError):
        save(buffer, meta, path)
    (tmp_path / "junk.pt").write_bytes(b"not a file")
    with pytest.raises(ValueError, match="not a readable demonstrations file"):
        load(tmp_path / "junk.pt")


def test_dagger_stores_the_teachers_labels_of_the_players_states():
    """With a player that always stands still, the games go where standing still leads, and the stored
    actions are still the teacher's choices there."""
    recorder = DemoRecorder("baseline", ["random"], ["smallCapture"], num_envs=4, seed=3)
    buffer = demo_buffer(4 * 20, 4)
    stop = lambda side: PolicyTeam(lambda obs, legal: np.full(obs.shape[:2], 4), team=side)  # noqa: E731
    recorder.record(buffer, 4 * 20, player=stop, beta=0.0)
    frames = buffer.frames[:, :20]
    state = compact.unpack(frames["game"], recorder.env.grid_shape)
    colour = frames["game", "team"].reshape(-1).numpy()
    own = np.where((colour == BLUE)[:, None, None], state.pos[:, [1, 3]], state.pos[:, [0, 2]])
    own_starts = np.where((colour == BLUE)[:, None, None], state.starts[:, [1, 3]], state.starts[:, [0, 2]])
    assert (own == own_starts).all()  # the player never moved
    assert (frames["action"] != 4).any()  # yet the labels are the teacher's moves
