"""The pure pieces of learning: targets, exploration, replay, agent networks."""

from __future__ import annotations

import math
import re

import pytest
import torch

from marl_lightning.acting import boltzmann, epsilon_greedy, masked_argmax
from marl_lightning.exploration import Boltzmann, EpsilonGreedy, Exploration, make_exploration
from marl_lightning.schedules import decay_at
from marl_lightning.networks import AgentQNetworks
from marl_lightning.learners.targets import double_q_values


def test_double_q_picks_the_online_legal_argmax_and_values_it_with_the_target():
    online = torch.tensor([[[1.0, 9.0, 2.0, 0.0, 0.0]]])  # action 1 is best, but illegal
    target = torch.tensor([[[5.0, 7.0, 3.0, 4.0, 6.0]]])
    legal = torch.tensor([[[True, False, True, True, True]]])
    assert double_q_values(online, target, legal).tolist() == [[3.0]]  # online argmax (legal) = 2


def test_decay_schedules():
    assert decay_at(0, 1.0, 0.1, 100) == 1.0
    assert decay_at(50, 1.0, 0.1, 100) == pytest.approx(0.55)
    assert decay_at(1000, 1.0, 0.1, 100) == pytest.approx(0.1)
    assert decay_at(100, 1.0, 0.1, 100, "exponential") == pytest.approx(0.1 + 0.9 * 0.00673795, rel=1e-4)
    with pytest.raises(ValueError, match="schedule"):
        decay_at(0, 1.0, 0.1, 100, "cosine")


@pytest.mark.parametrize("kind", [EpsilonGreedy, Boltzmann])
def test_an_exploration_decays_its_rate_on_its_schedule(kind):
    linear = kind(start=1.0, end=0.1, decay_steps=100)
    assert [linear.rate(n) for n in (0, 50, 100, 1000)] == pytest.approx([1.0, 0.55, 0.1, 0.1])
    exponential = kind(start=1.0, end=0.1, decay_steps=100, schedule="exponential")  # 0.1 + 0.9 exp(-5 n / 100)
    assert [exponential.rate(n) for n in (0, 50, 100)] == pytest.approx([1.0, 0.1738765, 0.1060642], abs=1e-6)
    assert kind().config()["init_args"] == {"start": 1.0, "end": 0.05, "decay_steps": 50_000, "schedule": "linear",
                                            "decay_fraction": None}


@pytest.mark.parametrize("kind", [EpsilonGreedy, Boltzmann])
def test_an_exploration_decays_over_a_share_of_the_run(kind):
    """`decay_fraction`: the schedule follows the share of the run's budget used, not environment steps."""
    share = kind(start=1.0, end=0.1, decay_steps=100, decay_fraction=0.5)
    assert [share.rate(10**9, p) for p in (0.0, 0.25, 0.5, 0.9)] == pytest.approx([1.0, 0.55, 0.1, 0.1])
    assert kind(start=1.0, end=0.1, decay_fraction=0.5, schedule="exponential").rate(0, 0.25) == pytest.approx(
        0.1 + 0.9 * math.exp(-2.5))
    with pytest.raises(ValueError, match="give the run's progress"):
        share.rate(0)
    with pytest.raises(ValueError, match=re.escape("decay_fraction must be a share of the run in (0, 1] (or null), got 1.5")):
        kind(decay_fraction=1.5)


def test_a_learner_decays_its_exploration_over_its_budget(tmp_path):
    """From scratch, the exploration fits the run: a decay over the first half of `max_steps` is half done a quarter
    of the way in and done at the end; a run without a budget is refused before any game."""
    from lightning.pytorch import Callback

    from marl_lightning import CaptureDataModule
    from marl_lightning.cli import MARLCLI

    from helpers import config_args

    class Rates(Callback):  # the rate the games are played at before each gradient step
        def __init__(self):
            self.seen = {}

        def on_train_batch_start(self, trainer, learner, batch, batch_idx):
            self.seen[learner.global_step] = learner.exploration_rate

    def run(*budget: str) -> dict[int, float]:
        cli = MARLCLI(datamodule_class=CaptureDataModule, save_config_callback=None, run=False, args=[
            *config_args("qmix"), *budget, "--trainer.logger=false", "--trainer.callbacks=[]",
            "--trainer.enable_progress_bar=false", f"--trainer.default_root_dir={tmp_path}", "--data.num_envs=8",
            "--data.replay.warmup=64", "--data.batch_size=16", "--model.exploration={class_path: "
            "marl_lightning.exploration.EpsilonGreedy, init_args: {start: 1.0, end: 0.0, decay_fraction: 0.5}}"])
        rates = Rates()
        cli.trainer.callbacks.append(rates)
        cli.trainer.fit(cli.model, datamodule=cli.datamodule)
        return rates.seen

    assert run("--trainer.max_steps=8") == pytest.approx({step: max(0.0, 1.0 - step / 4) for step in range(8)})
    with pytest.raises(ValueError, match="give the run a budget, trainer.max_steps or trainer.max_time"):
        run("--trainer.max_steps=-1", "--trainer.max_epochs=1")


def test_each_exploration_logs_its_own_rate_and_plays_its_own_policy():
    from marl_lightning.policy import BoltzmannPolicy, EpsilonGreedyPolicy

    net, steps = AgentQNetworks(2, (8, 5, 5), channels=(4,), hidden=8), [0]
    for kind, policy_class, metric in ((EpsilonGreedy, EpsilonGreedyPolicy, "train/epsilon"),
                                       (Boltzmann, BoltzmannPolicy, "train/temperature")):
        exploration = kind(start=0.8, end=0.2, decay_steps=10)
        policy = exploration.policy(net, (8, 5, 5), (), lambda: exploration.rate(steps[0]), torch.Generator())
        assert type(policy) is policy_class and exploration.metric == metric
        steps[0] = 5
        assert policy.rate() == pytest.approx(0.5)  # the rate at the steps collected when it acts
        steps[0] = 0


@pytest.mark.parametrize("settings, named", [
    ({"start": 1.5}, "start must be a number in [0, 1], got 1.5"),
    ({"end": -0.1}, "end must be a number in [0, 1], got -0.1"),
    ({"end": "low"}, "end must be a number in [0, 1], got 'low'"),
    ({"decay_steps": 0}, "decay_steps must be a whole number of environment steps >= 1, got 0"),
    ({"decay_steps": 1000.5}, "decay_steps must be a whole number of environment steps >= 1, got 1000.5"),
    ({"schedule": "cosine"}, "schedule must be one of ['linear', 'exponential'], got 'cosine'"),
])
def test_a_bad_exploration_setting_is_refused_and_named(settings, named):
    with pytest.raises(ValueError, match=re.escape(f"EpsilonGreedy: {named}")):
        EpsilonGreedy(**settings)


def test_a_temperature_is_not_a_probability():
    assert Boltzmann(start=5.0).rate(0) == 5.0
    with pytest.raises(ValueError, match=re.escape("Boltzmann: end must be a number >= 0, got -0.1")):
        Boltzmann(end=-0.1)


def test_an_exploration_is_named_as_a_mixer_is():
    default = EpsilonGreedy().config()
    assert make_exploration("epsilon").config() == default and make_exploration(EpsilonGreedy).config() == default
    assert type(make_exploration("boltzmann")) is Boltzmann
    assert make_exploration("marl_lightning.exploration.Boltzmann").config() == Boltzmann().config()
    given = {"class_path": "marl_lightning.exploration.Boltzmann", "init_args": {"decay_steps": 7}}
    assert make_exploration(given).config() == {**given, "init_args": {"start": 1.0, "end": 0.05, "decay_steps": 7,
                                                                       "schedule": "linear", "decay_fraction": None}}
    mine = EpsilonGreedy(end=0.0)
    assert make_exploration(mine) is mine
    with pytest.raises(ValueError, match="unknown exploration 'softmax'"):
        make_exploration("softmax")
    with pytest.raises(TypeError, match="not a marl_lightning.exploration.Exploration"):
        make_exploration({"class_path": "torch.nn.Identity"})


def test_an_exploration_that_does_not_keep_its_settings_is_told_so():
    class Forgetful(Exploration):
        def __init__(self, epsilon: float = 0.1):
            super().__init__(start=epsilon, end=epsilon)

    with pytest.raises(TypeError, match=r"does not keep its argument 'epsilon' as self.epsilon"):
        Forgetful().config()


def test_exploration_only_plays_legal_actions():
    torch.manual_seed(0)
    q = torch.randn(1000, 2, 5)
    legal = torch.rand(1000, 2, 5) > 0.5
    legal[..., 4] = True
    for eps in (0.0, 0.5, 1.0):
        actions = epsilon_greedy(q, legal, eps)
        assert legal.gather(-1, actions.unsqueeze(-1)).all()
    assert torch.equal(epsilon_greedy(q, legal, 0.0), masked_argmax(q, legal))


def legal_patterns(n: int) -> torch.Tensor:
    """`(n, 2, 5)` masks cycling through 1 to 5 legal actions, Stop always legal."""
    patterns = torch.tensor([[0, 0, 0, 0, 1], [1, 0, 0, 0, 1], [0, 1, 1, 0, 1], [1, 1, 0, 1, 1], [1, 1, 1, 1, 1]], dtype=torch.bool)
    return patterns[torch.arange(2 * n) % 5].view(n, 2, 5)


def test_epsilon_one_is_uniform_over_the_legal_actions():
    generator = torch.Generator().manual_seed(0)
    n = 50_000
    legal = legal_patterns(n)
    q = torch.randn(n, 2, 5, generator=generator)
    actions = epsilon_greedy(q, legal, 1.0, generator)
    assert legal.gather(-1, actions.unsqueeze(-1)).all()
    for pattern in legal.view(-1, 5).unique(dim=0):
        rows = (legal.view(-1, 5) == pattern).all(-1)
        counts = torch.bincount(actions.view(-1)[rows], minlength=5).float()
        share = counts / rows.sum()
        expected = pattern.float() / pattern.sum()
        assert torch.allclose(share, expected, atol=0.02), (pattern, share)


@pytest.mark.parametrize("epsilon", [0.0, 0.5, 0.9])
def test_epsilon_explores_that_share_of_the_time(epsilon):
    generator = torch.Generator().manual_seed(1)
    n = 50_000
    legal = torch.ones(n, 2, 5, dtype=torch.bool)
    q = torch.randn(n, 2, 5, generator=generator)
    actions = epsilon_greedy(q, legal, epsilon, generator)
    off_greedy = (actions != q.argmax(-1)).float().mean().item()
    assert off_greedy == pytest.approx(epsilon * 4 / 5, abs=0.01)  # a random action is the greedy one 1 time in 5


def test_exploration_draws_come_from_the_generator():
    q, legal = torch.randn(64, 2, 5), legal_patterns(64)
    draw = lambda seed: epsilon_greedy(q, legal, 0.5, torch.Generator().manual_seed(seed))  # noqa: E731
    assert torch.equal(draw(3), draw(3)) and not torch.equal(draw(3), draw(4))


@pytest.mark.parametrize("shared", [True, False])
def test_agent_networks_shapes(shared):
    for pooling in ("avg", "flatten"):
        for recurrent in (False, True):
            net = AgentQNetworks(2, (8, 6, 12), recurrent, shared=shared, pooling=pooling, channels=(8, 8), hidden=16)
            q, state = net(torch.rand(3, 2, 8, 6, 12), net.initial_state(3))
            assert q.shape == (3, 2, 5) and state.shape == (3, 2, 16 if recurrent else 0)


def test_shared_network_tells_agents_apart():
    torch.manual_seed(0)
    net = AgentQNetworks(2, (8, 5, 5), shared=True, channels=(8,), hidden=16, pooling="flatten")
    obs = torch.rand(1, 1, 8, 5, 5).expand(1, 2, 8, 5, 5)  # the same observation for both agents
    q, _ = net(obs, net.initial_state(1))
    assert not torch.allclose(q[0, 0], q[0, 1])  # the agent-id channels differ


def test_boltzmann_draws_legal_actions_in_proportion_to_exp_q_over_t():
    generator = torch.Generator().manual_seed(2)
    q = torch.tensor([[0.0, 1.0, 2.0, 5.0, 0.5]]).expand(40_000, 5)
    legal = torch.tensor([[True, True, True, False, True]]).expand(40_000, 5)
    actions = boltzmann(q, legal, temperature=1.0, generator=generator)
    share = torch.bincount(actions, minlength=5).float() / 40_000
    expected = torch.softmax(torch.tensor([0.0, 1.0, 2.0, float("-inf"), 0.5]), dim=0)
    assert torch.allclose(share, expected, atol=0.01)  # action 3 (the best Q) is illegal: never drawn
    cold = boltzmann(q, legal, temperature=1e-3, generator=generator)
    assert (cold == 2).all()  # at a low temperature: the greedy legal action
