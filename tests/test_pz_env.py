"""The PettingZoo parallel environment passes the official API test and plays full games."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from gymPacMan import CaptureParallelEnv


@pytest.mark.parametrize("self_play", [False, True])
def test_parallel_api(self_play):
    parallel_api_test(CaptureParallelEnv("tinyMaze", self_play=self_play, length=60), num_cycles=200)


def test_agents_masks_and_game_end():
    env = CaptureParallelEnv("smallMaze", length=20)
    observations, infos = env.reset(seed=3)
    assert env.agents == ["blue_0", "blue_1"]
    assert observations["blue_0"].shape == env.observation_space("blue_0").shape
    rng = np.random.default_rng(0)
    steps = 0
    while env.agents:
        actions = {a: env.action_space(a).sample(infos[a]["action_mask"]) for a in env.agents}
        observations, rewards, terminations, truncations, infos = env.step(actions)
        steps += 1
        assert rewards["blue_0"] == rewards["blue_1"]
    assert steps == 20 and all(truncations.values()) and env.agents == []
    with pytest.raises(RuntimeError, match="reset"):
        env.step({"blue_0": 4, "blue_1": 4})


def test_self_play_names_and_state():
    env = CaptureParallelEnv("tinyMaze", self_play=True)
    env.reset(seed=0)
    assert env.agents == ["red_0", "blue_0", "red_1", "blue_1"]
    assert env.state().shape == (4, 8, 6, 12)


@pytest.mark.parametrize("mode", ["ansi", "rgb_array"])
def test_render_modes(mode):
    env = CaptureParallelEnv("tinyMaze", render_mode=mode)
    env.reset(seed=0)
    frame = env.render()
    assert isinstance(frame, str) if mode == "ansi" else frame.ndim == 3


def test_missing_action_is_named():
    env = CaptureParallelEnv("tinyMaze")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="blue_1"):
        env.step({"blue_0": 4})
