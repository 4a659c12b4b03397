"""The TD loss against numbers worked out by hand, for VDN (a mixer) and IQL (no mixer)."""

from __future__ import annotations

import pytest
import torch
from tensordict import TensorDict

from marl_lightning import ValueDecompositionModule
from marl_lightning.networks import TeamNetwork


class FixedQ(TeamNetwork):
    """Q-values read straight from the observation: channel `channel`, row 0, columns 0-4; no state."""

    n_agents = 2

    def __init__(self, channel: int):
        super().__init__()
        self.channel = channel

    def forward(self, obs: torch.Tensor, state: torch.Tensor):  # (B, A, C, H, W) -> (B, A, U)
        return obs[:, :, self.channel, 0, :5], state


def batch(weights=(1.0, 1.0)) -> TensorDict:
    obs = torch.zeros(2, 2, 8, 1, 5)
    next_obs = torch.zeros(2, 2, 8, 1, 5)
    obs[0, 0, 0, 0] = torch.tensor([1.0, 2, 3, 4, 5])  # sample 0, agent 0 plays 1: Q = 2
    obs[0, 1, 0, 0] = torch.tensor([0.0, 0, 1, 0, 0])  # agent 1 plays 2: Q = 1
    obs[1, 0, 0, 0] = torch.tensor([0.0, 0, 0, 0, 3])  # sample 1, agent 0 plays 4: Q = 3
    obs[1, 1, 0, 0] = torch.tensor([2.0, 0, 0, 0, 0])  # agent 1 plays 0: Q = 2
    # next state, online Q (channel 0) picks the action, target Q (channel 1) values it
    next_obs[0, 0, 0, 0] = torch.tensor([9.0, 1, 1, 1, 1])  # 9 is illegal: argmax over legal = 1
    next_obs[0, 0, 1, 0] = torch.tensor([0.0, 4, 5, 6, 7])  # -> 4
    next_obs[0, 1, 0, 0] = torch.tensor([0.0, 0, 0, 3, 0])  # -> action 3
    next_obs[0, 1, 1, 0] = torch.tensor([1.0, 1, 1, 2, 1])  # -> 2
    next_legal = torch.ones(2, 2, 5, dtype=torch.bool)
    next_legal[0, 0, 0] = False
    return TensorDict({
        "obs": obs, "next_obs": next_obs, "next_legal": next_legal,
        "action": torch.tensor([[1, 2], [4, 0]]),
        "reward": torch.tensor([1.0, 2.0]),
        "terminated": torch.tensor([False, True]),
        "priority_weight": torch.tensor(weights),
    }, batch_size=[2])


def module(mixer):
    m = ValueDecompositionModule(obs_shape=(8, 1, 5), mixer=mixer, gamma=0.5, huber_delta=1.0)
    m.agents, m.target_agents = FixedQ(0), FixedQ(1)
    return m


def test_vdn_loss_by_hand():
    # sample 0: Q_tot = 2 + 1 = 3, target = 1 + 0.5 * (4 + 2) = 4, error 1 -> Huber 0.5
    # sample 1: Q_tot = 3 + 2 = 5, terminated: target = 2, error 3 -> Huber 3 - 0.5 = 2.5
    loss, td_error, diagnostics = module("vdn").td_loss(batch())
    assert loss.item() == pytest.approx((0.5 + 2.5) / 2)
    assert td_error.tolist() == pytest.approx([1.0, 3.0])
    assert diagnostics["target_mean"].item() == pytest.approx(3.0)


def test_importance_weights_scale_each_sample():
    loss, _, _ = module("vdn").td_loss(batch(weights=(1.0, 0.5)))
    assert loss.item() == pytest.approx((0.5 * 1.0 + 2.5 * 0.5) / 2)


def test_iql_loss_by_hand():
    # each agent against the team reward: sample 0 targets 1 + 0.5 * 4 = 3 and 1 + 0.5 * 2 = 2,
    # predictions 2 and 1 (errors 1, 1 -> 0.5, 0.5); sample 1 targets 2, 2, predictions 3, 2 (0.5, 0)
    loss, td_error, _ = module(None).td_loss(batch())
    assert loss.item() == pytest.approx((0.5 + 0.25) / 2)
    assert td_error.tolist() == pytest.approx([1.0, 0.5])


def test_a_time_limit_bootstraps_and_a_terminal_state_does_not():
    b = batch()
    b["next_obs"][1, :, 1, 0] = 2.0  # sample 1's next state is worth 2 + 2 to the target network
    _, terminal, _ = module("vdn").td_loss(b)
    assert terminal[1].item() == pytest.approx(3.0)  # target 2, Q_tot 5
    b["terminated"] = torch.tensor([False, False])  # the same transition, ended by the time limit
    _, truncated, _ = module("vdn").td_loss(b)
    assert truncated[1].item() == pytest.approx(1.0)  # target 2 + 0.5 * 4 = 4


def test_the_target_is_mixed_by_the_target_mixer():
    torch.manual_seed(0)
    m = ValueDecompositionModule(obs_shape=(8, 1, 5), mixer="qmix", gamma=0.5)
    m.agents, m.target_agents = FixedQ(0), FixedQ(1)
    b = batch()
    target_before = m.td_loss(b)[2]["target_mean"].item()
    with torch.no_grad():
        for p in m.mixer.parameters():
            p.add_(0.5)
    assert m.td_loss(b)[2]["target_mean"].item() == pytest.approx(target_before)  # online mixer: no effect
    with torch.no_grad():
        for p in m.target_mixer.parameters():
            p.add_(0.5)
    assert m.td_loss(b)[2]["target_mean"].item() != pytest.approx(target_before)


class CountingRecurrentQ(TeamNetwork):
    """A 'GRU' whose Q-values are channel `channel` (row 0, columns 0-4) plus its hidden state, a step
    counter `(B, A, 1)`; `unroll` is the real one, so resets at episode starts are the code under test."""

    n_agents, state_size = 2, 1

    def __init__(self, channel: int):
        super().__init__()
        self.channel = channel

    def forward(self, obs: torch.Tensor, h: torch.Tensor):  # (B, A, C, H, W), (B, A, 1)
        return obs[:, :, self.channel, 0, :5] + h, h + 1


def test_recurrent_loss_by_hand():
    """One sequence of 3 steps, burn-in 1, VDN, gamma 0.5; the game ends at step 1, a new one starts at 2.

    Stored state before step 0: agent 0 counts 1, agent 1 counts 0. Burn-in (step 0) adds one.
    Step 1: Q = obs + (h0 + 1): agent 0 plays 1 -> 2 + 2 = 4, agent 1 plays 2 -> 1 + 1 = 2; Q_tot 6.
      Terminated, reward 1: target 1, error 5 -> Huber 4.5.
    Step 2: a new episode, the counters restart at 0: agent 0 plays 4 -> 3, agent 1 plays 0 -> 2; Q_tot 5.
      After it both count 1. Next values: agent 0 online [9,1,1,1,1] + 1 with action 0 illegal -> action 1,
      target [0,4,5,6,7] + 1 -> 5; agent 1 online [0,0,0,3,0] + 1 -> action 3, target [1,1,1,2,1] + 1 -> 3.
      Reward 2: target 2 + 0.5 * 8 = 6, error 1 -> Huber 0.5.
    Loss (4.5 + 0.5) / 2 = 2.5; the sequence's |TD error| is (5 + 1) / 2 = 3.
    """
    m = ValueDecompositionModule(obs_shape=(8, 1, 5), mixer="vdn", gamma=0.5, huber_delta=1.0, recurrent=True, burn_in=1)
    m.agents, m.target_agents = CountingRecurrentQ(0), CountingRecurrentQ(1)
    obs = torch.zeros(1, 3, 2, 8, 1, 5)
    next_obs = torch.zeros(1, 3, 2, 8, 1, 5)
    obs[0, 0] = 7.0  # burn-in: only warms the state up
    obs[0, 1, 0, 0, 0] = torch.tensor([1.0, 2, 3, 4, 5])
    obs[0, 1, 1, 0, 0] = torch.tensor([0.0, 0, 1, 0, 0])
    obs[0, 2, 0, 0, 0] = torch.tensor([0.0, 0, 0, 0, 3])
    obs[0, 2, 1, 0, 0] = torch.tensor([2.0, 0, 0, 0, 0])
    next_obs[0, 1] = 100.0  # the game ended: never looked at
    next_obs[0, 2, 0, 0, 0] = torch.tensor([9.0, 1, 1, 1, 1])
    next_obs[0, 2, 0, 1, 0] = torch.tensor([0.0, 4, 5, 6, 7])
    next_obs[0, 2, 1, 0, 0] = torch.tensor([0.0, 0, 0, 3, 0])
    next_obs[0, 2, 1, 1, 0] = torch.tensor([1.0, 1, 1, 2, 1])
    next_legal = torch.ones(1, 3, 2, 5, dtype=torch.bool)
    next_legal[0, 2, 0, 0] = False
    batch = TensorDict({
        "obs": obs, "next_obs": next_obs, "next_legal": next_legal,
        "action": torch.tensor([[[0, 0], [1, 2], [4, 0]]]),
        "reward": torch.tensor([[0.0, 1.0, 2.0]]),
        "terminated": torch.tensor([[False, True, False]]),
        "done": torch.tensor([[False, True, False]]),
        "hidden": torch.tensor([[[1.0], [0.0]]]),
        "priority_weight": torch.tensor([1.0]),
    }, batch_size=[1])
    loss, td_error, diagnostics = m.td_loss(batch)
    assert loss.item() == pytest.approx(2.5)
    assert td_error.tolist() == pytest.approx([3.0])
    assert diagnostics["q_taken_mean"].item() == pytest.approx((4 + 2 + 3 + 2) / 4)
    assert diagnostics["target_mean"].item() == pytest.approx((1 + 6) / 2)
