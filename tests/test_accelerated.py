"""The parts that make training fast are exact: the engine's multi-threaded kernels play the same games
as its serial ones, byte observations are the float ones, the replay buffer's host record matches its
frames and its uniform draws are uniform over the valid window starts, and metrics reach the logs
averaged over each logging interval."""

from __future__ import annotations

import numba
import numpy as np
import pytest
import torch

from agents import sample_legal
from gymPacMan import VecCaptureEnv, engine
from gymPacMan.planes import MAZE_PLANES, plane_scales
from marl_lightning.data import Collector, ReplayBuffer

PLANES = ["time", "score", "carrying", "scared", *MAZE_PLANES]


def play(env: VecCaptureEnv, steps: int, seed: int) -> dict[str, list[np.ndarray]]:
    """Observations, rewards, scores and positions of `steps` steps of random blue moves."""
    rng = np.random.default_rng(seed)
    obs, info = env.reset()
    seen = {"obs": [obs], "reward": [], "score": [], "pos": []}
    for _ in range(steps):
        obs, reward, _, _, info = env.step(sample_legal(info["legal"], rng))
        for name, value in (("obs", obs), ("reward", reward), ("score", env.state.score), ("pos", env.state.pos)):
            seen[name].append(value.copy())
    return seen


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="numba has one thread here: every batch runs serially")
def test_threaded_kernels_play_exactly_the_serial_games(monkeypatch):
    monkeypatch.setattr(engine, "PARALLEL_MIN_THREADS", 2)  # threads even where there are only two
    games = 2 * engine.PARALLEL_MIN_GAMES
    assert engine.parallel(games) and not engine.parallel(engine.PARALLEL_MIN_GAMES - 1)
    layouts = ["bloxCapture", "mediumCapsules", "random"]  # padded to a common grid
    threaded = play(VecCaptureEnv(layouts, games, "baseline", seed=4, planes=PLANES), 250, 5)
    monkeypatch.setattr(engine, "PARALLEL_MIN_GAMES", 10**9)
    assert not engine.parallel(games)
    serial = play(VecCaptureEnv(layouts, games, "baseline", seed=4, planes=PLANES), 250, 5)
    assert any(s.any() for s in serial["score"])  # games with points in them
    for name in serial:
        for a, b in zip(threaded[name], serial[name], strict=True):
            np.testing.assert_array_equal(a, b)


def test_encoded_observations_are_the_float_ones_as_bytes():
    plain = VecCaptureEnv("bloxCapture", 70, "random", seed=1, planes=PLANES)
    encoded = VecCaptureEnv("bloxCapture", 70, "random", seed=1, planes=PLANES, encoded=True)
    scales = plane_scales(PLANES)[:, None, None]
    for a, b in zip(play(plain, 120, 2)["obs"], play(encoded, 120, 2)["obs"], strict=True):
        assert b.dtype == np.uint8 and a.dtype == np.float32
        np.testing.assert_array_equal(b * scales, a)
        assert (a[:, :, 8:] > 0).any()  # the planes are there to compare


class UniformPolicy:
    def __init__(self, seed: int):
        self.generator = torch.Generator().manual_seed(seed)

    def initial_state(self, num_games: int) -> torch.Tensor:
        return torch.zeros(num_games, 2, 0)

    def act(self, obs, legal, state):
        return torch.rand(legal.shape, generator=self.generator).masked_fill(~legal.cpu(), -1.0).argmax(-1), state


def test_the_buffers_host_record_is_its_frames():
    env = VecCaptureEnv("tinyMaze", num_envs=5, length=9, seed=0, encoded=True)
    buffer = ReplayBuffer(60, 5)  # 12 frames a game: the rings wrap
    Collector(env, buffer).collect(UniformPolicy(0), 40)
    assert buffer.frames["obs"].dtype == torch.uint8
    assert torch.equal(buffer.decision, buffer.frames["decision"])
    assert len(buffer) == int(buffer.frames["decision"].sum()) < 60
    restored = ReplayBuffer(60, 5)
    restored.load_state_dict(buffer.state_dict())
    assert torch.equal(restored.decision, buffer.decision) and len(restored) == len(buffer)


@pytest.mark.parametrize("steps", [1, 3])
def test_uniform_draws_are_uniform_over_the_valid_starts(steps):
    env = VecCaptureEnv("tinyMaze", num_envs=4, length=7, seed=0, encoded=True)  # short games: many final frames
    buffer = ReplayBuffer(120, 4, generator=torch.Generator().manual_seed(1))
    Collector(env, buffer).collect(UniformPolicy(1), 45)  # 30 slots a game, wrapped
    valid = buffer.starts(steps)
    assert 0 < valid.sum() < valid.numel()
    draws = 40_000
    index = buffer.sample(draws, steps)["index"]
    counts = torch.zeros_like(valid, dtype=torch.long)
    counts.index_put_((index[:, 0], index[:, 1]), torch.ones(draws, dtype=torch.long), accumulate=True)
    assert (counts[~valid] == 0).all()  # never a final frame, an unwritten slot, or a start without `steps` successors
    expected = draws / int(valid.sum())
    chi2 = float((((counts[valid] - expected) ** 2) / expected).sum())
    dof = int(valid.sum()) - 1
    assert chi2 < dof + 5 * (2 * dof) ** 0.5  # uniform: far inside the chi-square tail


def test_a_buffer_without_windows_says_so():
    env = VecCaptureEnv("tinyMaze", num_envs=2, length=50, seed=0, encoded=True)
    buffer = ReplayBuffer(100, 2)
    Collector(env, buffer).collect(UniformPolicy(2), 2)
    with pytest.raises(RuntimeError, match="no window of 3 steps is stored yet"):
        buffer.sample(8, 3)
    for prioritized in (False, True):
        empty = ReplayBuffer(100, 2, prioritized=prioritized)
        with pytest.raises(RuntimeError, match="no window of 1 steps"):
            empty.sample(8, 1)


def test_a_bad_replay_device_is_named():
    from marl_lightning import CaptureDataModule

    with pytest.raises(RuntimeError, match="tpu7"):
        CaptureDataModule(replay_device="tpu7")
