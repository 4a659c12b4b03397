"""Recurrent agents: the collector keeps each game's state and clears it at a game's start; unrolls reset it."""

from __future__ import annotations

import torch

from gymPacMan import VecCaptureEnv
from marl_lightning.data import Collector, ReplayBuffer
from marl_lightning.networks import AgentQNetworks


class CountingPolicy:
    """Stop always; the state counts the steps each game has played since its start."""

    def initial_state(self, num_games: int) -> torch.Tensor:
        return torch.zeros(num_games, 2, 1)

    def act(self, obs, legal, state):
        return torch.full(obs.shape[:2], 4), state + 1


counting_policy = CountingPolicy()


def test_the_state_is_cleared_when_a_game_ends():
    env = VecCaptureEnv("tinyMaze", num_envs=2, length=5, seed=0)
    collector = Collector(env, ReplayBuffer(100, 2))
    collector.collect(counting_policy, 5)  # every game ends at step 5
    assert torch.equal(collector.state, torch.zeros(2, 2, 1))
    collector.collect(counting_policy, 2)
    assert torch.equal(collector.state, torch.full((2, 2, 1), 2.0))  # two steps into the new games
    states = collector.buffer.frames["state"][0, :8, 0, 0].tolist()
    assert states == [0, 1, 2, 3, 4, 0, 0, 1]  # five steps, the final frame, then the next game from zero


def test_unroll_resets_the_hidden_state_where_an_episode_starts():
    torch.manual_seed(0)
    net = AgentQNetworks(2, (8, 6, 12), recurrent=True, channels=(4,), hidden=8)
    obs = torch.rand(1, 3, 2, 8, 6, 12)
    h0 = torch.randn(1, 2, 8)
    starts = torch.tensor([[False, False, True]])
    q, _ = net.unroll(obs, h0, starts)
    fresh, _ = net.unroll(obs[:, 2:], net.initial_state(1), torch.zeros(1, 1, dtype=torch.bool))
    torch.testing.assert_close(q[:, 2], fresh[:, 0])  # step 2 ignores what came before
    carried, _ = net.unroll(obs, h0, torch.zeros(1, 3, dtype=torch.bool))
    assert not torch.allclose(carried[:, 2], fresh[:, 0])
