"""Recurrent agents: sequences with stored hidden states and burn-in, resets at episode starts."""

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


def test_sequences_overlap_by_burn_in_and_store_the_state_before_their_first_step():
    env = VecCaptureEnv("tinyMaze", num_envs=3, length=50, seed=0)
    buffer = ReplayBuffer(100)
    collector = Collector(env, buffer, sequence_length=6, burn_in=2)
    collector.collect(counting_policy, 6 + 4 * 3)  # the first sequence after 6 steps, then one every 4
    assert len(buffer) == 3 * 4
    stored = buffer.buffer.storage.get(torch.arange(len(buffer)))
    assert stored["obs"].shape == (12, 6, 2, 8, 6, 12) and stored["hidden"].shape == (12, 2, 1)
    first_steps = sorted({int(h) for h in stored["hidden"][:, 0, 0]})
    assert first_steps == [0, 4, 8, 12]  # windows start every L - burn_in = 4 steps


def test_hidden_state_is_cleared_when_a_game_ends():
    env = VecCaptureEnv("tinyMaze", num_envs=2, length=5, seed=0)
    collector = Collector(env, ReplayBuffer(100), sequence_length=4, burn_in=1)
    collector.collect(counting_policy, 5)  # every game ends at step 5
    assert torch.equal(collector.state, torch.zeros(2, 2, 1))
    collector.collect(counting_policy, 2)  # the second window holds steps 4-7
    stored = collector.buffer.buffer.storage.get(torch.arange(len(collector.buffer)))
    second = stored[2:]  # (games, L)
    assert second["done"][:, 1].all() and not second["done"][:, [0, 2, 3]].any()
    assert torch.equal(collector.state, torch.full((2, 2, 1), 2.0))  # two steps into the new games


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
