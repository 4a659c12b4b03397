"""What the collector stores is exactly what the environment did, each observation once: every frame
of every game is checked against a recording of the environment's own steps, and sampled windows
against the frames they come from."""

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
            "final_obs": info["final_observation"].copy(), "final_legal": info["final_legal"].copy(),
        })
        self.last_obs, self.last_legal = obs.copy(), info["legal"].copy()
        return obs, reward, terminated, truncated, info


class RandomPolicy:
    """Uniform legal actions drawn from `generator`; the state counts the steps since a game began (a
    stand-in for a recurrent network's memory)."""

    def __init__(self, generator: torch.Generator):
        self.generator = generator

    def initial_state(self, num_games: int) -> torch.Tensor:
        return torch.zeros(num_games, 2, 1)

    def act(self, obs, legal, state):
        return torch.rand(legal.shape, generator=self.generator).masked_fill(~legal, -1.0).argmax(-1), state + 1


@pytest.fixture
def env():
    return RecordingEnv(parse_layout(CLOSE_FOOD, "close food"), num_envs=6, length=12, seed=0)


def expected_frames(env: RecordingEnv, game: int) -> list[dict]:
    """The frames game `game` should have written: a decision frame per step, then a final frame after
    each step that ended a game."""
    frames, since_start = [], 0
    for step in env.steps:
        frames.append({k: step[k][game] for k in ("obs", "legal", "action", "reward", "terminated", "truncated")}
                      | {"decision": True, "state": since_start})
        since_start += 1
        if step["done"][game]:
            frames.append({"obs": step["final_obs"][game], "legal": step["final_legal"][game], "decision": False})
            since_start = 0
    return frames


def test_frames_are_the_environments_steps_each_observation_once(env):
    buffer = ReplayBuffer(10_000, env.num_envs)
    Collector(env, buffer).collect(RandomPolicy(torch.Generator().manual_seed(0)), 60)
    terminated, truncated = (np.stack([s[k] for s in env.steps]) for k in ("terminated", "truncated"))
    assert terminated.any() and truncated.any() and not (terminated & truncated).any()  # both kinds of ending happen
    for game in range(env.num_envs):
        expected = expected_frames(env, game)
        assert int(buffer.written[game]) == len(expected) == 60 + int(np.stack([s["done"] for s in env.steps])[:, game].sum())
        stored = buffer.frames[game, :len(expected)]
        for k, frame in enumerate(expected):
            np.testing.assert_array_equal(stored["obs"][k].numpy(), frame["obs"].astype(np.uint8))
            np.testing.assert_array_equal(stored["legal"][k].numpy(), frame["legal"])
            assert bool(stored["decision"][k]) == frame["decision"]
            if frame["decision"]:
                np.testing.assert_array_equal(stored["action"][k].numpy(), frame["action"])
                assert float(stored["reward"][k]) == pytest.approx(float(frame["reward"]))
                assert bool(stored["terminated"][k]) == bool(frame["terminated"])
                assert bool(stored["truncated"][k]) == bool(frame["truncated"])
                assert stored["state"][k].tolist() == [[frame["state"]]] * 2  # the policy's state before acting
    assert len(buffer) == 60 * env.num_envs  # decision frames: the transitions
    assert buffer.frames["obs"].dtype == torch.uint8


def test_a_time_limit_is_a_truncation_unless_the_clock_is_observed(env):
    buffer = ReplayBuffer(10_000, env.num_envs)
    Collector(env, buffer).collect(RandomPolicy(torch.Generator().manual_seed(1)), 40)
    frames = buffer.frames[:, :40]
    assert frames["truncated"].any() and not (frames["terminated"] & frames["truncated"]).any()
    clocked = ReplayBuffer(10_000, env.num_envs)
    Collector(RecordingEnv(parse_layout(CLOSE_FOOD, "close food"), num_envs=6, length=12, seed=0), clocked,
              limit_is_terminal=True).collect(RandomPolicy(torch.Generator().manual_seed(1)), 40)
    cut = clocked.frames["truncated"]
    assert cut.any() and clocked.frames["terminated"][cut].all()  # the limit ends the game for the learner


def test_windows_are_consecutive_frames_of_one_game(env):
    buffer = ReplayBuffer(10_000, env.num_envs, generator=torch.Generator().manual_seed(3))
    Collector(env, buffer).collect(RandomPolicy(torch.Generator().manual_seed(2)), 50)
    sample = buffer.sample(256, steps=4)
    assert sample.batch_size == (256,) and sample["obs"].shape == (256, 5, 2, 8, 4, 8) and sample["mask"].shape == (256, 4)
    ended_somewhere = False
    for b in range(256):
        game, slot = sample["index"][b].tolist()
        expected = expected_frames(env, game)
        assert expected[slot]["decision"]  # windows start where the agents acted
        for k in range(5):
            np.testing.assert_array_equal(sample["obs"][b, k].numpy(), expected[slot + k]["obs"].astype(np.uint8))
        ends = [bool(expected[slot + k].get("terminated") or expected[slot + k].get("truncated")) for k in range(4)]
        first_end = ends.index(True) if True in ends else 4
        assert sample["mask"][b].tolist() == [k <= first_end for k in range(4)]  # up to and with the game's last step
        ended_somewhere |= first_end < 4
        assert sample["state"][b].tolist() == [[expected[slot]["state"]]] * 2  # stored state before the first step
    assert ended_somewhere


def test_a_window_never_starts_on_a_final_frame_nor_runs_past_the_newest_frame(env):
    buffer = ReplayBuffer(10_000, env.num_envs)
    Collector(env, buffer).collect(RandomPolicy(torch.Generator().manual_seed(4)), 30)
    valid = buffer.starts(3)
    for game in range(env.num_envs):
        expected = expected_frames(env, game)
        assert valid[game, :len(expected)].tolist() == [f["decision"] and k + 3 < len(expected) for k, f in enumerate(expected)]


def test_the_ring_overwrites_the_oldest_frames():
    env = VecCaptureEnv("tinyMaze", num_envs=2, length=300, seed=0)
    buffer = ReplayBuffer(20, 2)  # 10 frames a game
    collector = Collector(env, buffer)
    collector.collect(RandomPolicy(torch.Generator().manual_seed(5)), 25)
    assert buffer.written.tolist() == [25, 25] and len(buffer) == 20
    assert buffer.frames["state"][:, :, 0, 0].tolist() == [[20, 21, 22, 23, 24, 15, 16, 17, 18, 19]] * 2
    assert buffer.starts(2).sum(1).tolist() == [8, 8]  # the newest two frames have no successors yet


def test_prioritized_windows_follow_their_priorities_with_importance_weights():
    env = VecCaptureEnv("tinyMaze", num_envs=2, length=300, seed=0)
    buffer = ReplayBuffer(100, 2, prioritized=True, alpha=1.0, beta=1.0, generator=torch.Generator().manual_seed(6))
    Collector(env, buffer).collect(RandomPolicy(torch.Generator().manual_seed(7)), 10)
    index = torch.tensor([[0, 3]] * 1 + [[1, k] for k in range(8)])
    buffer.update_priority(index, torch.tensor([97.0] + [0.0] * 8))  # one window worth 97, eight worth ~0
    buffer.priority[0, [0, 1, 2, 4, 5, 6, 7]] = 1.0
    sample = buffer.sample(4000, steps=1)
    share = (sample["index"] == torch.tensor([0, 3])).all(1).float().mean().item()
    assert share == pytest.approx(97 / (97 + 7), abs=0.02)
    w = sample["priority_weight"]
    assert w.max() == pytest.approx(1.0) and w[(sample["index"] == torch.tensor([0, 3])).all(1)].max() < w.min() + 1e-6


def test_importance_weights_follow_beta():
    """beta 0.5: priorities 4 and 1 (of 18 starts, total 21) weigh (18 * 4/21) ** -0.5 and (18 * 1/21) ** -0.5,
    1/2 and 1 once divided by the larger."""
    env = VecCaptureEnv("tinyMaze", num_envs=2, length=300, seed=0)
    buffer = ReplayBuffer(100, 2, prioritized=True, alpha=1.0, beta=0.5, generator=torch.Generator().manual_seed(6))
    Collector(env, buffer).collect(RandomPolicy(torch.Generator().manual_seed(7)), 10)
    assert buffer.starts(1).sum() == 18  # slots 0-8 of each game
    buffer.priority[:, :10] = 1.0
    buffer.priority[0, 0] = 4.0
    sample = buffer.sample(400, steps=1)
    high = (sample["index"] == torch.tensor([0, 0])).all(1)
    assert 0 < high.sum() < 400
    expected = torch.where(high, (18 * 4 / 21) ** -0.5 / (18 * 1 / 21) ** -0.5, 1.0)
    torch.testing.assert_close(sample["priority_weight"], expected)
    assert expected[high][0].item() == pytest.approx(0.5)


def test_new_frames_enter_at_the_highest_priority_yet():
    env = VecCaptureEnv("tinyMaze", num_envs=2, length=300, seed=0)
    buffer = ReplayBuffer(100, 2, prioritized=True, alpha=1.0)
    collector, policy = Collector(env, buffer), RandomPolicy(torch.Generator().manual_seed(7))
    collector.collect(policy, 3)
    buffer.update_priority(torch.tensor([[0, 0], [1, 1]]), torch.tensor([5.0, 2.0]))  # priorities 5 + 1e-6, 2 + 1e-6
    collector.collect(policy, 1)  # slot 3 of each game
    assert buffer.priority[:, 3].tolist() == pytest.approx([5.0 + 1e-6] * 2)


def test_the_buffer_round_trips_through_its_state(env):
    buffer = ReplayBuffer(10_000, env.num_envs, prioritized=True, generator=torch.Generator().manual_seed(8))
    Collector(env, buffer).collect(RandomPolicy(torch.Generator().manual_seed(9)), 20)
    other = ReplayBuffer(10_000, env.num_envs, prioritized=True)
    other.load_state_dict(buffer.state_dict())
    a, b = buffer.sample(64, 2), other.sample(64, 2)
    assert (a == b).all()
