"""The TD loss against numbers worked out by hand: VDN (a mixer), IQL (no mixer), n-step returns,
lambda-returns, recurrent agents with a stored state and burn-in, the reward scale and the MSE loss."""

from __future__ import annotations

import pytest
import torch
from tensordict import TensorDict

from marl_lightning import ValueDecompositionModule
from marl_lightning.learners.targets import lambda_returns, n_step_returns
from marl_lightning.mixers import Mixer
from marl_lightning.networks import TeamNetwork


class FixedQ(TeamNetwork):
    """Q-values read straight from the observation: channel `channel`, row 0, columns 0-4; no state."""

    n_agents = 2

    def __init__(self, channel: int):
        super().__init__()
        self.channel = channel

    def forward(self, obs: torch.Tensor, state: torch.Tensor):  # (B, A, C, H, W) -> (B, A, U)
        return obs[:, :, self.channel, 0, :5], state


def window(obs, action, reward, terminated, truncated=None, legal=None, weights=None, state=None) -> TensorDict:
    """A batch of windows from per-frame pieces: obs `(B, W+1, A, 8, 1, 5)`, action `(B, W, A)`, reward and
    endings `(B, W)`; the mask follows the endings as the replay buffer makes it."""
    b, frames = obs.shape[:2]
    steps = frames - 1
    pad = lambda x, value=0: torch.cat([x, torch.full_like(x[:, :1], value)], dim=1)  # noqa: E731 - the last frame's
    terminated = torch.as_tensor(terminated)
    truncated = torch.zeros_like(terminated) if truncated is None else torch.as_tensor(truncated)
    ended = terminated | truncated
    mask = torch.cumsum(ended.long(), 1) - ended.long() == 0
    return TensorDict({
        "obs": obs, "action": pad(torch.as_tensor(action)), "reward": pad(torch.as_tensor(reward, dtype=torch.float32)),
        "terminated": pad(terminated, False), "truncated": pad(truncated, False),
        "legal": torch.ones(b, frames, 2, 5, dtype=torch.bool) if legal is None else legal,
        "mask": mask, "state": torch.zeros(b, 2, 0) if state is None else state,
        "priority_weight": torch.ones(b) if weights is None else torch.tensor(weights),
    }, batch_size=[b])


def one_step_batch(weights=None) -> TensorDict:
    obs = torch.zeros(2, 2, 2, 8, 1, 5)  # (B, frames, A, C, H, W)
    obs[0, 0, 0, 0, 0] = torch.tensor([1.0, 2, 3, 4, 5])  # sample 0, agent 0 plays 1: Q = 2
    obs[0, 0, 1, 0, 0] = torch.tensor([0.0, 0, 1, 0, 0])  # agent 1 plays 2: Q = 1
    obs[1, 0, 0, 0, 0] = torch.tensor([0.0, 0, 0, 0, 3])  # sample 1, agent 0 plays 4: Q = 3
    obs[1, 0, 1, 0, 0] = torch.tensor([2.0, 0, 0, 0, 0])  # agent 1 plays 0: Q = 2
    # next frame: the online Q (channel 0) picks the action, the target Q (channel 1) values it
    obs[0, 1, 0, 0, 0] = torch.tensor([9.0, 1, 1, 1, 1])  # 9 is illegal: argmax over legal = 1
    obs[0, 1, 0, 1, 0] = torch.tensor([0.0, 4, 5, 6, 7])  # -> 4
    obs[0, 1, 1, 0, 0] = torch.tensor([0.0, 0, 0, 3, 0])  # -> action 3
    obs[0, 1, 1, 1, 0] = torch.tensor([1.0, 1, 1, 2, 1])  # -> 2
    legal = torch.ones(2, 2, 2, 5, dtype=torch.bool)
    legal[0, 1, 0, 0] = False
    return window(obs, [[[1, 2]], [[4, 0]]], [[1.0], [2.0]], [[False], [True]], legal=legal, weights=weights)


def module(mixer, **kwargs):
    m = ValueDecompositionModule(obs_shape=(8, 1, 5), mixer=mixer, gamma=0.5, huber_delta=1.0, **kwargs)
    m.agents, m.target_agents = FixedQ(0), FixedQ(1)
    return m


def test_vdn_loss_by_hand():
    # sample 0: Q_tot = 2 + 1 = 3, target = 1 + 0.5 * (4 + 2) = 4, error 1 -> Huber 0.5
    # sample 1: Q_tot = 3 + 2 = 5, terminated: target = 2, error 3 -> Huber 3 - 0.5 = 2.5
    loss, td_error, diagnostics = module("vdn").td_loss(one_step_batch())
    assert loss.item() == pytest.approx((0.5 + 2.5) / 2)
    assert td_error.tolist() == pytest.approx([1.0, 3.0])
    assert diagnostics["target_mean"].item() == pytest.approx(3.0)


def test_importance_weights_scale_each_sample():
    loss, _, _ = module("vdn").td_loss(one_step_batch(weights=(1.0, 0.5)))
    assert loss.item() == pytest.approx((0.5 * 1.0 + 2.5 * 0.5) / 2)


def test_mse_and_the_reward_scale():
    # scale 2: sample 0 target 2 + 0.5 * 6 = 5 (error 2), sample 1 target 4 (error 1); MSE: (4 + 1) / 2
    loss, td_error, _ = module("vdn", loss="mse", reward_scale=2.0).td_loss(one_step_batch())
    assert loss.item() == pytest.approx((4.0 + 1.0) / 2)
    assert td_error.tolist() == pytest.approx([2.0, 1.0])


def test_iql_loss_by_hand():
    # each agent against the team reward: sample 0 targets 1 + 0.5 * 4 = 3 and 1 + 0.5 * 2 = 2,
    # predictions 2 and 1 (errors 1, 1 -> 0.5, 0.5); sample 1 targets 2, 2, predictions 3, 2 (0.5, 0)
    loss, td_error, _ = module(None).td_loss(one_step_batch())
    assert loss.item() == pytest.approx((0.5 + 0.5 + 0.5 + 0.0) / 4)
    assert td_error.tolist() == pytest.approx([1.0, 0.5])


def test_a_time_limit_bootstraps_and_a_terminal_state_does_not():
    b = one_step_batch()
    b["obs"][1, 1, :, 1, 0] = 2.0  # sample 1's next frame is worth 2 + 2 to the target network
    _, terminal, _ = module("vdn").td_loss(b)
    assert terminal[1].item() == pytest.approx(3.0)  # target 2, Q_tot 5
    b["terminated"][1, 0], b["truncated"][1, 0] = False, True  # the same step, ended by the time limit
    _, truncated, _ = module("vdn").td_loss(b)
    assert truncated[1].item() == pytest.approx(1.0)  # target 2 + 0.5 * 4 = 4


def test_the_target_is_mixed_by_the_target_mixer():
    torch.manual_seed(0)
    m = module("qmix")
    b = one_step_batch()
    target_before = m.td_loss(b)[2]["target_mean"].item()
    with torch.no_grad():
        for p in m.mixer.parameters():
            p.add_(0.5)
    assert m.td_loss(b)[2]["target_mean"].item() == pytest.approx(target_before)  # online mixer: no effect
    with torch.no_grad():
        for p in m.target_mixer.parameters():
            p.add_(0.5)
    assert m.td_loss(b)[2]["target_mean"].item() != pytest.approx(target_before)


class StateBonus(Mixer):
    """The agents' sum plus channel 2 of agent 0's first cell in the state: a mixer that shows which frame it saw."""

    def forward(self, agent_qs: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        return agent_qs.sum(-1) + state[:, 2, 0, 0]


def test_the_online_mixer_sees_the_state_of_its_own_frame():
    b = one_step_batch()
    b["obs"][:, 0, 0, 2, 0, 0] = torch.tensor([1.0, 0.5])  # this frame's bonus
    b["obs"][:, 1, 0, 2, 0, 0] = 10.0  # the next frame's
    # sample 0: Q_tot = 3 + 1 = 4, target = 1 + 0.5 * (4 + 2 + 10) = 9; sample 1: Q_tot = 5 + 0.5, terminated: target 2
    _, td_error, _ = module(StateBonus).td_loss(b)
    assert td_error.tolist() == pytest.approx([5.0, 3.5])


def test_n_step_returns_by_hand():
    # gamma 0.5, rewards 1, 2, 4, 8; values of the frames after each step 10, 20, 30, 40
    reward = torch.tensor([[1.0, 2, 4, 8]])
    values = torch.tensor([[10.0, 20, 30, 40]])
    never = torch.zeros(1, 4, dtype=torch.bool)
    two = n_step_returns(reward, never, never, values, 0.5, n=2, steps=3)
    assert two[0].tolist() == pytest.approx([1 + 1 + 0.25 * 20, 2 + 2 + 0.25 * 30, 4 + 4 + 0.25 * 40])
    ends = torch.tensor([[False, True, False, False]])  # the game ends with step 1...
    terminal = n_step_returns(reward, ends, ends, values, 0.5, n=3, steps=2)
    assert terminal[0].tolist() == pytest.approx([1 + 1, 2])  # ...terminated: nothing after its reward
    cut = n_step_returns(reward, never, ends, values, 0.5, n=3, steps=2)
    assert cut[0].tolist() == pytest.approx([1 + 1 + 0.25 * 20, 2 + 0.5 * 20])  # cut: bootstrap from its final frame


def test_lambda_returns_by_hand():
    reward = torch.tensor([[1.0, 2, 4]])
    values = torch.tensor([[10.0, 20, 30]])
    never = torch.zeros(1, 3, dtype=torch.bool)
    # lambda 0: one-step targets; lambda 1: the whole discounted sum to the window's end
    assert lambda_returns(reward, never, never, values, 0.5, 0.0)[0].tolist() == pytest.approx([6, 12, 19])
    assert lambda_returns(reward, never, never, values, 0.5, 1.0)[0].tolist() == pytest.approx([1 + 1 + 1 + 0.125 * 30, 2 + 2 + 0.25 * 30, 19])
    # lambda 0.5: G2 = 19, G1 = 2 + 0.5 (0.5 * 20 + 0.5 * 19) = 11.75, G0 = 1 + 0.5 (0.5 * 10 + 0.5 * 11.75) = 6.4375
    assert lambda_returns(reward, never, never, values, 0.5, 0.5)[0].tolist() == pytest.approx([6.4375, 11.75, 19])
    ends = torch.tensor([[False, True, False]])
    assert lambda_returns(reward, ends, ends, values, 0.5, 1.0)[0, :2].tolist() == pytest.approx([1 + 1, 2])


def test_n_step_loss_in_the_module():
    """Two steps of look-ahead on a window of 2 steps (3 frames): VDN, gamma 0.5.

    Frame 0: agents play 1 and 2 (Q 2 and 1, Q_tot 3); rewards 1 then 2; frame 2 is worth 4 + 2 to the
    target network (online argmax legal). Target 1 + 0.5 * 2 + 0.25 * 6 = 3.5, error 0.5 -> Huber 0.125.
    """
    obs = torch.zeros(1, 3, 2, 8, 1, 5)
    obs[0, 0, 0, 0, 0] = torch.tensor([1.0, 2, 3, 4, 5])
    obs[0, 0, 1, 0, 0] = torch.tensor([0.0, 0, 1, 0, 0])
    obs[0, 2, 0, 0, 0] = torch.tensor([0.0, 1, 0, 0, 0])
    obs[0, 2, 0, 1, 0] = torch.tensor([0.0, 4, 0, 0, 0])
    obs[0, 2, 1, 0, 0] = torch.tensor([0.0, 0, 0, 1, 0])
    obs[0, 2, 1, 1, 0] = torch.tensor([0.0, 0, 0, 2, 0])
    m = module("vdn", n_step=2)
    loss, td_error, diagnostics = m.td_loss(window(obs, [[[1, 2], [0, 0]]], [[1.0, 2.0]], [[False, False]]))
    assert diagnostics["target_mean"].item() == pytest.approx(3.5)
    assert loss.item() == pytest.approx(0.125) and td_error.tolist() == pytest.approx([0.5])


class CountingRecurrentQ(TeamNetwork):
    """A 'GRU' whose Q-values are channel `channel` (row 0, columns 0-4) plus its state, a step counter
    `(B, A, 1)`; `unroll` is the real one."""

    n_agents, state_size = 2, 1

    def __init__(self, channel: int):
        super().__init__()
        self.channel = channel

    def forward(self, obs: torch.Tensor, h: torch.Tensor):  # (B, A, C, H, W), (B, A, 1)
        return obs[:, :, self.channel, 0, :5] + h, h + 1


def test_recurrent_loss_by_hand():
    """Windows of 3 steps, burn-in 1, VDN, gamma 0.5, from a stored state: agent 0 has counted 1, agent 1 0.

    The burn-in (step 0) adds one. Step 1: Q = obs + (h0 + 1): agent 0 plays 1 -> 2 + 2 = 4, agent 1
    plays 2 -> 1 + 1 = 2; Q_tot 6. Reward 1; the next frame is frame 2, seen with counts h0 + 2 = (3, 2):
    online [0,0,1,0,0] + 3 -> action 2 for agent 0, target [0,0,5,0,0] + 3 -> 8; agent 1 online
    [0,0,0,0,1] + 2 -> action 4, target [0,0,0,0,2] + 2 -> 4; target 1 + 0.5 * 12 = 7, error 1 -> 0.5.
    Step 2: Q = obs + (h0 + 2): agent 0 plays 2 -> 1 + 3 = 4, agent 1 plays 4 -> 1 + 2 = 3; Q_tot 7.
    Terminated, reward 2: target 2, error 5 -> 4.5.
    Loss (0.5 + 4.5) / 2 = 2.5; |TD error| of the window (1 + 5) / 2 = 3.
    The second window's game ends with its burn-in step: nothing of it is trained on.
    """
    m = ValueDecompositionModule(obs_shape=(8, 1, 5), mixer="vdn", gamma=0.5, huber_delta=1.0, burn_in=1)
    m.agents, m.target_agents = CountingRecurrentQ(0), CountingRecurrentQ(1)
    obs = torch.zeros(2, 4, 2, 8, 1, 5)
    obs[:, 0] = 7.0  # burn-in: only warms the state up
    obs[0, 1, 0, 0, 0] = torch.tensor([1.0, 2, 3, 4, 5])
    obs[0, 1, 1, 0, 0] = torch.tensor([0.0, 0, 1, 0, 0])
    obs[0, 2, 0, 0, 0] = torch.tensor([0.0, 0, 1, 0, 0])
    obs[0, 2, 0, 1, 0] = torch.tensor([0.0, 0, 5, 0, 0])
    obs[0, 2, 1, 0, 0] = torch.tensor([0.0, 0, 0, 0, 1])
    obs[0, 2, 1, 1, 0] = torch.tensor([0.0, 0, 0, 0, 2])
    obs[0, 3] = 100.0  # the game ended: never looked at
    batch = window(obs, [[[0, 0], [1, 2], [2, 4]], [[0, 0], [0, 0], [0, 0]]], [[0.0, 1.0, 2.0], [0.0, 5.0, 5.0]],
                   [[False, False, True], [True, False, False]], state=torch.tensor([[[1.0], [0.0]], [[0.0], [0.0]]]))
    loss, td_error, diagnostics = m.td_loss(batch)
    assert loss.item() == pytest.approx(2.5)
    assert td_error.tolist() == pytest.approx([3.0, 0.0])
    assert diagnostics["target_mean"].item() == pytest.approx((7 + 2) / 2)


def test_dqfd_margin_loss_of_a_mixed_batch_is_that_of_its_demonstration_windows_alone_by_hand():
    """DQfD's large margin (0.8) applies to the windows drawn from demonstrations only, averaged over their steps:
    sample 0's agent 0 plays 1 with Q [1, 2, 3, 4, 5] (max of Q + margin: 5.8, minus 2: 3.8), its agent 1 plays the
    best move by more than the margin (0): 1.9 whether sample 1 (own experience) is in the batch or not."""
    batch = one_step_batch()
    batch["demo"] = torch.tensor([True, False])
    learner = module("vdn", demo_margin=1.0, margin=0.8)
    loss, _, diagnostics = learner.td_loss(batch)
    assert diagnostics["margin_loss"].item() == pytest.approx(1.9)
    plain, _, _ = module("vdn").td_loss(one_step_batch())
    assert loss.item() == pytest.approx(plain.item() + 1.9)
    alone = batch[:1]
    assert learner.td_loss(alone)[2]["margin_loss"].item() == pytest.approx(1.9)
    batch["demo"] = torch.tensor([False, True])  # sample 1's moves lead by the margin already
    assert learner.td_loss(batch)[2]["margin_loss"].item() == pytest.approx(0.0)
