"""MAPPO and IPPO: the equations on hand-computed numbers, legal actions only, the rollout's samples,
and short runs that learn and play through the one policy interface."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from tensordict import TensorDict

from agents import PolicyTeam
from agents.match import play_match
from gymPacMan import VecCaptureEnv
from gymPacMan.rules import BLUE
from marl_lightning import MAPPOModule, load_policy
from marl_lightning.critics import ValueCritic
from marl_lightning.data import Collector, RolloutBuffer
from marl_lightning.data.rollout import ObservationCodec
from marl_lightning.learners.policy_losses import clipped_surrogate, clipped_value_loss, entropy, gae, legal_log_probs
from marl_lightning.loading import slim_checkpoint


def test_gae_by_hand_with_a_cut_game_and_a_terminated_one():
    gamma, lam = 0.9, 0.8
    reward = torch.tensor([[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]])  # (T=3, N=2)
    value = torch.tensor([[0.5, 0.5], [0.4, 0.4], [0.3, 0.3]])[..., None]  # (T, N, 1)
    next_value = torch.tensor([[0.4, 0.4], [0.9, 0.9], [0.6, 0.6]])[..., None]  # step 1 ended: the final state's value
    ended = torch.tensor([[False, False], [True, True], [False, False]])
    terminated = torch.tensor([[False, False], [False, True], [False, False]])  # game 0 was cut, game 1 won/lost
    advantage, returns = gae(reward, value, next_value, terminated, ended, gamma, lam)
    d0, d2 = 1 + 0.9 * 0.4 - 0.5, 2 + 0.9 * 0.6 - 0.3
    cut, final = 0 + 0.9 * 0.9 - 0.4, 0 - 0.4  # game 0 bootstraps from where it stopped; game 1 has no future
    expected = torch.tensor([[d0 + gamma * lam * cut, d0 + gamma * lam * final], [cut, final], [d2, d2]])
    torch.testing.assert_close(advantage[..., 0], expected)
    torch.testing.assert_close(returns, advantage + value)


def test_the_clipped_surrogate_by_hand():
    old = torch.zeros(4)
    log_prob = torch.log(torch.tensor([1.5, 1.5, 0.9, 0.5]))
    advantage = torch.tensor([2.0, -2.0, 1.0, -1.0])
    loss, clipped = clipped_surrogate(log_prob, old, advantage, clip=0.2)
    # r A against clip(r) A: min(3, 2.4), min(-3, -2.4), min(0.9, 0.9), min(-0.5, -0.8)
    torch.testing.assert_close(loss, torch.tensor([-2.4, 3.0, -0.9, 0.8]))
    assert clipped.tolist() == [True, True, False, True]


def test_the_clipped_value_loss_by_hand():
    value, old, returns = torch.tensor([1.0, 0.6]), torch.tensor([0.5, 0.5]), torch.tensor([2.0, 0.0])
    # moved at most 0.2 from 0.5: 0.7 and 0.6; the larger error of each pair
    torch.testing.assert_close(clipped_value_loss(value, old, returns, 0.2), torch.tensor([0.5 * 1.3**2, 0.5 * 0.6**2]))
    torch.testing.assert_close(clipped_value_loss(value, old, returns, None), torch.tensor([0.5, 0.5 * 0.36]))


def test_illegal_actions_have_no_probability_entropy_or_gradient():
    logits = torch.tensor([[1.0, 2.0, 3.0, 0.0, 0.0]], requires_grad=True)
    legal = torch.tensor([[True, True, False, False, True]])
    log_probs = legal_log_probs(logits, legal)
    p = torch.softmax(torch.tensor([1.0, 2.0, 0.0]), 0)
    torch.testing.assert_close(log_probs[0, [0, 1, 4]].exp(), p)
    assert torch.isinf(log_probs[0, [2, 3]]).all()
    torch.testing.assert_close(entropy(log_probs, legal), -(p * p.log()).sum()[None])
    (log_probs[0, 1] + entropy(log_probs, legal)[0]).backward()
    assert logits.grad[0, 2] == 0 and logits.grad[0, 3] == 0 and torch.isfinite(logits.grad).all()


class ConstantCritic(torch.nn.Module):
    """Values every state at `value`: a critic whose loss is worked out by hand."""

    def __init__(self, value: float):
        super().__init__()
        self.value = value

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return torch.full((obs.shape[0], 1), self.value)


def test_the_ppo_loss_by_hand():
    module = MAPPOModule(obs_shape=(8, 6, 12), clip=0.5, value_clip=0.2, value_coef=0.5, entropy_start=0.1, entropy_end=0.1)
    torch.nn.init.zeros_(module.agents.nets[0].head[-1].weight)
    torch.nn.init.zeros_(module.agents.nets[0].head[-1].bias)  # uniform over the legal actions
    module.critic = ConstantCritic(1.0)
    legal = torch.ones(2, 2, 5, dtype=torch.bool)
    legal[:, 1, 1:4] = False  # agent 1 may only go North or stop: 1/2 each; agent 0: 1/5 each
    taken = torch.log(torch.tensor([0.2, 0.5]))
    sample = TensorDict({
        "obs": torch.zeros(2, 2, 8, 6, 12), "legal": legal, "action": torch.tensor([[1, 4], [1, 4]]),
        "log_prob": torch.stack([taken, taken - math.log(1.2)]),  # ratios 1 and 1.2 (inside the clip)
        "value": torch.ones(2, 1), "return": torch.tensor([[2.0], [1.0]]), "advantage": torch.tensor([[1.0], [3.0]]),
    }, batch_size=[2])
    loss, diagnostics = module.ppo_loss(sample)
    a = 1 / math.sqrt(2)  # advantages 1 and 3 standardised: mean 2, standard deviation sqrt(2)
    policy = (2 * a - 2 * 1.2 * a) / 4  # -(r A): sample 0 at -a with ratio 1, sample 1 at +a with ratio 1.2, two agents each
    value = 0.5 * (1.0**2 + 0.0) / 2  # half the squared errors of values 1 against returns 2 and 1
    spread = (math.log(5) + math.log(2)) / 2  # the entropy, averaged over the agents
    assert diagnostics["policy_loss"].item() == pytest.approx(policy)
    assert diagnostics["value_loss"].item() == pytest.approx(value) and diagnostics["entropy"].item() == pytest.approx(spread)
    assert loss.item() == pytest.approx(policy + 0.5 * value - 0.1 * spread)


def test_critics_value_the_global_state_or_each_agent():
    obs = torch.rand(5, 2, 13, 6, 12)
    central, independent = ValueCritic(2, (13, 6, 12), True), ValueCritic(2, (13, 6, 12), False)
    assert central(obs).shape == (5, 1) and independent(obs).shape == (5, 2)
    swapped = obs.flip(1)  # the other agent's view first: a centralised value of the state depends on who is who
    assert not torch.allclose(central(obs), central(swapped))


def test_sampled_actions_are_legal_and_follow_the_actor():
    module = MAPPOModule(obs_shape=(8, 6, 12))
    policy = module.exploration_policy(torch.Generator().manual_seed(0))
    obs = torch.rand(4000, 2, 8, 6, 12)
    legal = torch.rand(4000, 2, 5) < 0.5
    legal[..., 4] = True
    actions, _ = policy.act(obs, legal, policy.initial_state(4000))
    assert legal.gather(-1, actions[..., None]).all()
    uniform_legal = MAPPOModule(obs_shape=(8, 6, 12))
    torch.nn.init.zeros_(uniform_legal.agents.nets[0].head[-1].weight)
    torch.nn.init.zeros_(uniform_legal.agents.nets[0].head[-1].bias)  # equal logits: uniform over the legal actions
    actions, _ = uniform_legal.exploration_policy(torch.Generator().manual_seed(1)).act(obs[:1].expand(4000, -1, -1, -1, -1),
                                                                                        legal[:1].expand(4000, -1, -1))
    counts = torch.bincount(actions[:, 0], minlength=5).float() / 4000
    choices = legal[0, 0]
    torch.testing.assert_close(counts[choices], torch.full((int(choices.sum()),), 1 / int(choices.sum())), atol=0.03, rtol=0)
    assert (counts[~choices] == 0).all()


def test_a_rollout_becomes_samples_with_its_own_log_probs_values_and_advantages():
    env = VecCaptureEnv("tinyMaze", num_envs=4, length=6, seed=0, encoded=True)  # short games: some end in the rollout
    module = MAPPOModule(obs_shape=env.observation_shape, rollout_length=10, gamma=0.9, gae_lambda=0.7)
    rollout = RolloutBuffer(4, epochs=2, minibatches=5, generator=torch.Generator().manual_seed(0))
    collector = Collector(env, rollout, generator=torch.Generator().manual_seed(1))
    collector.collect(module.exploration_policy(collector.generator), 10)
    codec = ObservationCodec(np.ones(8))
    frames = rollout.frames()
    steps, games, final = rollout.final_frames()
    assert frames.batch_size == (10, 4) and len(steps) > 0
    now = torch.from_numpy(collector.obs)
    samples = module.prepare_rollout(rollout, now, codec.decode)
    assert samples.batch_size == (40,) and len(rollout) == 40
    with torch.no_grad():  # recomputed here, one frame at a time
        obs = frames["obs"].float()
        log_probs = legal_log_probs(module.agents(obs.flatten(0, 1), torch.zeros(40, 2, 0))[0], frames["legal"].flatten(0, 1))
        taken = log_probs.gather(-1, frames["action"].flatten(0, 1).long()[..., None]).squeeze(-1)
        torch.testing.assert_close(samples["log_prob"], taken)
        values = module.critic(torch.cat([obs, now[None].float()]).flatten(0, 1)).unflatten(0, (11, 4))
        torch.testing.assert_close(samples["value"], values[:-1].flatten(0, 1))
        next_value = values[1:].clone()
        next_value[steps, games] = module.critic(final["obs"].float())
        advantage, returns = gae(frames["reward"], values[:-1], next_value, frames["terminated"],
                                 frames["terminated"] | frames["truncated"], 0.9, 0.7)
    torch.testing.assert_close(samples["advantage"], advantage.flatten(0, 1))
    torch.testing.assert_close(samples["return"], returns.flatten(0, 1))
    rollout.serve(samples)
    assert len(rollout) == 0  # the collected frames are dropped once their samples are served
    seen = torch.cat([rollout.next_minibatch()["log_prob"] for _ in range(10)])  # 2 epochs of 5 minibatches
    assert rollout.exhausted and seen.shape == (80, 2)
    for half in (seen[:40], seen[40:]):  # every sample once an epoch
        assert sorted(half[:, 0].tolist()) == sorted(samples["log_prob"][:, 0].tolist())


def fit_mappo(tmp_path: Path, *extra: str, steps: int):
    from test_training import fit

    return fit(tmp_path, *extra, config="mappo.yaml", steps=steps)


@pytest.mark.parametrize("critic", ["centralised", "independent"])
def test_mappo_and_ippo_checkpoints_play_through_the_one_policy_interface(tmp_path, critic):
    cli = fit_mappo(tmp_path, "--data.rollout.length=4", f"--model.centralised_critic={critic == 'centralised'}", steps=20)
    assert isinstance(cli.model, MAPPOModule) and cli.trainer.global_step == 20
    assert int(cli.model.env_steps) == 2 * 4 * 8  # two rollouts of 4 steps of 8 games: 16 minibatches each
    checkpoint = tmp_path / "ckpt" / "last.ckpt"
    slim = slim_checkpoint(checkpoint, tmp_path / "slim.ckpt")
    assert not any(k.startswith("critic.") for k in torch.load(slim, weights_only=True)["state_dict"])
    obs = torch.rand(16, 2, 8, 6, 12)
    legal = torch.rand(16, 2, 5) < 0.6
    legal[..., 4] = True
    with torch.no_grad():
        logits, _ = cli.model.agents.eval()(obs, torch.zeros(16, 2, 0))
    best = logits.masked_fill(~legal, float("-inf")).argmax(-1)  # the most probable legal action
    for path in (checkpoint, slim):
        np.testing.assert_array_equal(load_policy(path).act(obs, legal)[0].numpy(), best.numpy())
    result = play_match(PolicyTeam(load_policy(slim), BLUE), "random", "tinyMaze", games=4, seed=0)
    assert result["blue_wins"] + result["ties"] + result["red_wins"] == 4


@pytest.mark.slow
def test_a_short_seeded_mappo_run_learns_to_beat_random_in_both_colours(tmp_path):
    """`configs/mappo.yaml` on tinyMaze for MAPPO_STEPS gradient steps (about two CPU minutes): the greedy
    team of its last checkpoint wins most games against random in both colours, far above an untrained one."""
    from test_training import win_rates_by_colour

    untrained = win_rates_by_colour(MAPPOModule(obs_shape=(8, 6, 12)), "tinyMaze")
    cli = fit_mappo(tmp_path, "--data.num_envs=64", "--data.length=300", steps=MAPPO_STEPS)
    after = win_rates_by_colour(cli.model, "tinyMaze")
    print(f"MAPPO win rates against random (blue, red): {untrained} untrained, {after} after {MAPPO_STEPS} steps")
    assert min(after) >= 0.8 and min(after) > max(untrained) + 0.3


MAPPO_STEPS = 1000


def test_kickstarting_distils_towards_the_clone_by_kl_of_the_clone_to_the_actor_by_hand(monkeypatch):
    """Kickstarting's term is KL(clone || actor) (mode-covering: the actor keeps every move the clone plays), not the
    reverse: the teacher [0.96, 0.01, 0.01, 0.01, 0.01] against a uniform actor, by hand."""
    module = MAPPOModule(obs_shape=(8, 6, 12), kickstart=1.0, kickstart_decay_steps=10**9, init_from="clone.ckpt")
    teacher = torch.tensor([0.96, 0.01, 0.01, 0.01, 0.01])
    uniform = torch.full((5,), 0.2)
    monkeypatch.setattr(module, "_log_probs", lambda obs, legal: uniform.log().expand(1, 2, 5).clone().requires_grad_())
    sample = TensorDict({
        "obs": torch.zeros(1, 2, 8, 6, 12), "legal": torch.ones(1, 2, 5, dtype=torch.bool), "action": torch.zeros(1, 2),
        "log_prob": uniform.log()[:2].expand(1, 2).clone(), "value": torch.zeros(1, 1), "advantage": torch.zeros(1, 1),
        "return": torch.zeros(1, 1), "teacher_log_probs": teacher.log().expand(1, 2, 5).clone(),
    }, batch_size=[1])
    _, diagnostics = module.ppo_loss(sample)
    forward = sum(p * math.log(p / 0.2) for p in teacher.tolist())  # KL(clone || actor)
    backward = sum(0.2 * math.log(0.2 / p) for p in teacher.tolist())
    assert diagnostics["kickstart_kl"].item() == pytest.approx(forward, rel=1e-5)
    assert abs(forward - backward) > 0.1
