"""What the collector stores is exactly what the environment did: every field of every transition and
sequence is checked against a recording of the environment's own steps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gymPacMan import VecCaptureEnv
from gymPacMan.layout import parse_layout
from marl_lightning.data import Collector, ReplayBuffer

# 8 x 4, one food a side next to the centre line: random games often end by a win (a termination)
# within the time limit, and the others are cut by it (a truncation).
CLOSE_FOOD = """
%%%%%%%%
%1 .. 2%
%3    4%
%%%%%%%%
"""


class RecordingEnv(VecCaptureEnv):
    """A `VecCaptureEnv` that keeps a copy of everything each `step` was given and returned."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps: list[dict] = []

    def reset(self, seed=None):
        obs, info = super().reset(seed)
        self.last_obs, self.last_legal = obs.copy(), info["legal"].copy()
        return obs, info

    def step(self, actions):
        obs, reward, terminated, truncated, info = super().step(actions)
        self.steps.append({
            "obs": self.last_obs, "legal": self.last_legal, "action": np.array(actions), "reward": reward.copy(),
            "terminated": terminated.copy(), "truncated": truncated.copy(), "done": info["done"].copy(),
            "next_obs": info["final_observation"].copy(), "next_legal": info["final_legal"].copy(),
        })
        self.last_obs, self.last_legal = obs.copy(), info["legal"].copy()
        return obs, reward, terminated, truncated, info


class RandomPolicy:
    """Uniform legal actions drawn from `generator`; with `counting`, the state counts the steps since a
    game began (a stand-in for a recurrent network's memory)."""

    def __init__(self, generator: torch.Generator, counting: bool = False):
        self.generator, self.size = generator, 1 if counting else 0

    def initial_state(self, num_games: int) -> torch.Tensor:
        return torch.zeros(num_games, 2, self.size)

    def act(self, obs, legal, state):
        return torch.rand(legal.shape, generator=self.generator).masked_fill(~legal, -1.0).argmax(-1), state + 1


def stored(buffer: ReplayBuffer):
    return buffer.buffer.storage.get(torch.arange(len(buffer)))


def recorded(env: RecordingEnv, field: str) -> np.ndarray:
    return np.stack([step[field] for step in env.steps])  # (T, N, ...)


@pytest.fixture
def env():
    return RecordingEnv(parse_layout(CLOSE_FOOD, "close food"), num_envs=6, length=12, seed=0)


def test_transitions_are_the_environments_steps(env):
    buffer = ReplayBuffer(10_000)
    collector = Collector(env, buffer)
    collector.collect(RandomPolicy(torch.Generator().manual_seed(0)), 60)
    terminated, truncated = recorded(env, "terminated"), recorded(env, "truncated")
    assert terminated.any() and truncated.any() and not (terminated & truncated).any()  # both kinds of ending happen
    data = stored(buffer)  # (T * N, ...): step-major, as the collector writes them
    t, n = terminated.shape
    for field, dtype in [("obs", np.uint8), ("legal", bool), ("action", np.int64), ("reward", np.float32),
                         ("terminated", bool), ("next_obs", np.uint8), ("next_legal", bool)]:
        expected = recorded(env, field).reshape(t * n, *recorded(env, field).shape[2:]).astype(dtype)
        np.testing.assert_array_equal(data[field].numpy(), expected, err_msg=field)
    # The next observation of a game's last step is where it ended, not the new game's start...
    ended = recorded(env, "done").reshape(-1)
    fresh = recorded(env, "obs")[1:].reshape((t - 1) * n, *data["obs"].shape[1:])
    assert (data["next_obs"][:-n][ended[:-n]].numpy() != fresh[ended[:-n]]).any(axis=(1, 2, 3, 4)).all()
    # ...and inside a game it is the following step's observation.
    np.testing.assert_array_equal(data["next_obs"][:-n][~ended[:-n]].numpy(), fresh[~ended[:-n]])


def test_a_time_limit_is_stored_as_a_truncation_not_a_termination(env):
    buffer = ReplayBuffer(10_000)
    Collector(env, buffer).collect(RandomPolicy(torch.Generator().manual_seed(1)), 40)
    data = stored(buffer)
    cut = recorded(env, "truncated").reshape(-1)
    assert cut.any() and not data["terminated"][torch.from_numpy(cut)].any()


def test_sequences_are_the_environments_steps(env):
    buffer = ReplayBuffer(10_000)
    length, burn_in = 5, 2
    collector = Collector(env, buffer, sequence_length=length, burn_in=burn_in)
    collector.collect(RandomPolicy(torch.Generator().manual_seed(2), counting=True), 5 + 3 * 10)  # the first window after 5 steps, then one every 3
    data = stored(buffer)  # (windows * N, L, ...)
    n = env.num_envs
    assert len(buffer) == 11 * n
    for w in range(11):
        steps = slice(3 * w, 3 * w + length)
        for field in ("obs", "legal", "action", "reward", "terminated", "done", "next_obs", "next_legal"):
            expected = np.swapaxes(recorded(env, field)[steps], 0, 1)  # (N, L, ...)
            np.testing.assert_array_equal(data[field][w * n:(w + 1) * n].numpy(), expected.astype(data[field].numpy().dtype),
                                          err_msg=f"{field} of window {w}")
        # the stored state is the acting network's before the window's first step: steps since the game began
        done = recorded(env, "done")[: 3 * w]  # (3w, N)
        since_start = np.array([3 * w - (np.flatnonzero(done[:, g]).max() + 1) if done[:, g].any() else 3 * w
                                for g in range(n)])
        np.testing.assert_array_equal(data["hidden"][w * n:(w + 1) * n, :, 0].numpy(), np.repeat(since_start[:, None], 2, 1))
