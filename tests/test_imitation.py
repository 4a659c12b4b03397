"""Imitation and learning from demonstrations: the behaviour-cloning loss by hand, a clone that learns
its teacher's moves and wins like it, DAgger rounds in training, DQfD's large-margin loss by hand,
starting QMIX and MAPPO from a clone, and kickstarting's distillation towards it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tensordict import TensorDict

from marl_lightning import CaptureDataModule, load_policy
from marl_lightning.cli import MARLCLI
from marl_lightning.data.demo_files import save
from marl_lightning.recording import record
from marl_lightning.learners import ImitationModule, MAPPOModule, ValueDecompositionModule
from marl_lightning.learners.imitation import bc_loss
from marl_lightning.learners.policy_losses import legal_log_probs
from marl_lightning.learners.targets import large_margin_loss
from marl_lightning.play.evaluation import head_to_head
from marl_lightning.policy_value import PolicyValueQNetworks

from helpers import ROOT

PLANES = "[time, dist_self, dist_food, dist_home, safe]"
NETWORK = "{class_path: marl_lightning.fully_conv.FullyConvQNetworks, init_args: {width: 16, dilations: [1], hidden: 32, view_radius: 3}}"


def test_bc_loss_by_hand():
    logits = torch.tensor([[[1.0, 2.0, 0.0, 5.0, 0.0]]])  # (B=1, A=1, U=5): West is the largest but illegal
    legal = torch.tensor([[[True, True, False, False, True]]])
    loss, correct = bc_loss(logits, legal, torch.tensor([[1]]))
    expected = -(2.0 - torch.logsumexp(torch.tensor([1.0, 2.0, 0.0]), 0))  # softmax over North, East, Stop
    assert loss.item() == pytest.approx(expected.item()) and bool(correct)
    smoothed, _ = bc_loss(logits, legal, torch.tensor([[1]]), label_smoothing=0.3)
    log_p = torch.tensor([1.0, 2.0, 0.0]) - torch.logsumexp(torch.tensor([1.0, 2.0, 0.0]), 0)
    assert smoothed.item() == pytest.approx(0.7 * expected.item() + 0.3 * -log_p.mean().item())


def test_large_margin_loss_by_hand():
    q = torch.tensor([[1.0, 2.0, 0.5, 3.0, 0.0]])
    legal = torch.tensor([[True, True, True, False, True]])  # the 3.0 is illegal: it never counts
    assert large_margin_loss(q, legal, torch.tensor([1]), 0.8).item() == pytest.approx(0.0)  # the best leads anyway
    assert large_margin_loss(q, legal, torch.tensor([0]), 0.8).item() == pytest.approx(2.0 + 0.8 - 1.0)


class FrameValue(torch.nn.Module):
    """A critic that reads each agent's value straight off the observation (channel 0, the top-left cell): `(B, A)`."""

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return obs[:, :, 0, 0, 0]


def test_the_imitation_critics_target_bootstraps_from_the_next_frame_unless_the_game_ended_by_hand():
    """One-step windows, gamma 0.5, every current frame valued 0: a step that goes on bootstraps from the next frame
    (1 + 0.5 * 4 = 3), a terminal one does not (2), one cut by the time limit still does (1 + 0.5 * 6 = 4); the
    Huber loss of 0 against 3, 2, 4 is (2.5 + 1.5 + 3.5) / 3."""
    learner = ImitationModule(obs_shape=(8, 6, 12), critic="marl_lightning.critics.ValueCritic", gamma=0.5, n_step=1)
    learner.critic, learner.target_critic = FrameValue(), FrameValue()
    obs = torch.zeros(3, 2, 2, 8, 1, 1)  # (B, frames, A, C, H, W)
    obs[:, 1, :, 0, 0, 0] = torch.tensor([4.0, 5.0, 6.0])[:, None]  # the next frame's value of each window
    windows = TensorDict({"obs": obs, "reward": torch.tensor([[1.0, 0], [2.0, 0], [1.0, 0]]),
                          "terminated": torch.tensor([[False, False], [True, False], [False, False]]),
                          "truncated": torch.tensor([[False, False], [False, False], [True, False]])}, batch_size=[3])
    loss, mean = learner.value_loss(windows)
    assert loss.item() == pytest.approx((2.5 + 1.5 + 3.5) / 3) and mean.item() == 0.0


@pytest.fixture(scope="module")
def demos(tmp_path_factory) -> Path:
    buffer, meta = record("heuristic", ["random"], ["tinyMaze"], steps=64 * 120, num_envs=64, seed=0, progress=False)
    return save(buffer, meta, tmp_path_factory.mktemp("demos") / "heuristic.pt")


def fit(tmp: Path, *args: str, steps: int, part: str = "network"):
    """A short run on tinyMaze with the small maze network as its agents' (`part`: the model's name for them)."""
    return MARLCLI(datamodule_class=CaptureDataModule, save_config_callback=None, args=["fit", *args, f"--trainer.max_steps={steps}", "--trainer.logger=false", "--trainer.callbacks=[]",
                         "--trainer.enable_progress_bar=false", f"--trainer.default_root_dir={tmp}", "--data.layouts=tinyMaze",
                         "--data.num_envs=8", f"--data.planes={PLANES}", f"--model.{part}={NETWORK}"])


def test_a_clone_learns_its_teachers_moves_and_beats_random(tmp_path, demos):
    cli = fit(tmp_path, "--config", str(ROOT / "configs" / "recipe" / "imitation.yaml"), f"--data.demonstrations.file={demos}",
              "--data.demonstrations.dagger=null", "--data.batch_size=128", "--model.lr=0.003", "--data.opponent=random", steps=250)
    assert isinstance(cli.model, ImitationModule)
    accuracy = cli.model.train_metrics["accuracy"]
    checkpoint = next(tmp_path.glob("**/*.ckpt"))
    clone = load_policy(checkpoint)
    result = head_to_head(clone, "random", ["tinyMaze"], 64, seed=5)
    assert result["by_colour"]["blue"]["win_rate"] >= 0.7 and result["by_colour"]["red"]["win_rate"] >= 0.7, result["by_colour"]
    del accuracy


def test_demo_flip_draws_the_same_windows_turned_north_to_south_with_their_moves_and_masks(demos):
    """data.demonstrations.flip: the windows a batch draws are the same, seen upside down, their moves and masks with
    North <-> South (tinyMaze fills its grid, so the flip is the whole observation's); resumable (one generator)."""
    from gymPacMan.views import FLIP_ACTIONS

    def draws(flip: float):
        data = CaptureDataModule(layouts="tinyMaze", planes=["dist_food", "dist_home"],
                                 demonstrations={"file": str(demos), "flip": flip})
        return data.demo_source(seed=4, uses_rewards=False)

    plain, flipped, half = draws(0.0), draws(1.0), draws(0.5)
    a, b, c = plain.sample(64, 2), flipped.sample(64, 2), half.sample(64, 2)
    torch.testing.assert_close(b["obs"], a["obs"].flip(-2))
    torch.testing.assert_close(b["action"].long(), torch.from_numpy(FLIP_ACTIONS)[a["action"].long()])
    torch.testing.assert_close(b["legal"], a["legal"][..., torch.from_numpy(FLIP_ACTIONS)])
    turned = (c["obs"] != a["obs"]).flatten(1).any(-1)  # (64,) windows drawn flipped
    assert 10 < int(turned.sum()) < 54
    torch.testing.assert_close(c["obs"][turned], b["obs"][turned])
    with pytest.raises(ValueError, match="data.demonstrations.flip must be in"):
        CaptureDataModule(layouts="tinyMaze", demonstrations={"flip": 1.5})


def test_no_dagger_round_is_due_at_the_first_step_when_a_file_gives_demonstrations(demos):
    """DAgger's first round comes before step 0 only when there is nothing to learn from yet."""
    dagger = {"teacher": "heuristic", "every_n_steps": 5, "steps": 64, "num_envs": 8, "capacity": 4096}
    with_file = CaptureDataModule(layouts="tinyMaze", demonstrations={"file": str(demos), "dagger": dagger})
    without = CaptureDataModule(layouts="tinyMaze", demonstrations={"dagger": dagger})
    source, empty = with_file.demo_source(seed=0, uses_rewards=False), without.demo_source(seed=0, uses_rewards=False)
    assert [source.due(step) for step in (0, 1, 5, 10)] == [False, False, True, True]
    assert [empty.due(step) for step in (0, 1, 5)] == [True, False, True]


def test_dagger_rounds_label_the_clones_games(tmp_path):
    cli = fit(tmp_path, "--config", str(ROOT / "configs" / "recipe" / "imitation.yaml"), "--data.opponent=random",
              "--data.demonstrations.dagger={teacher: heuristic, every_n_steps: 5, steps: 256, num_envs: 8, capacity: 4096}",
              "--data.batch_size=32", "--trainer.log_every_n_steps=3", steps=11)
    demos = cli.datamodule.demos
    assert demos.round == 3 and len(demos.buffers[-1]) == 3 * 256  # before steps 0, 5 and 10
    assert cli.model.env_steps_collected == 3 * 256
    assert demos.recorder.agreement[:, 1].sum() == 3 * 256 * 2  # every move of the clone's two agents compared
    # a round's figures reach the logs at the next logging step (rounds at steps 0, 5, 10; logs at 2, 5, 8)
    assert cli.trainer.callback_metrics["dagger/round"] == 2 and "dagger/agreement/all" in cli.trainer.callback_metrics
    stats = demos.dagger_round(cli.model, torch.Generator().manual_seed(0))
    assert stats["dagger/beta"] == pytest.approx(0.5 * 0.5 ** 3)  # round k mixes in the teacher with beta * decay ** k
    assert {"dagger/agreement/all", "dagger/agreement/defending"} <= set(stats)
    assert 0.0 <= stats["dagger/agreement/all"] <= 1.0


def test_agreement_on_the_teachers_states_and_the_copys_own_by_role(tmp_path):
    """`marl agreement`: a team agrees with itself (but for its random tie-breaks) on either states, random with the
    search team rarely; the roles' moves add up; in training (recipe/imitation_faithful), AgreementCallback logs the
    same figures."""
    from marl_lightning import AgreementCallback
    from marl_lightning.play.agreement import main, measure_agreement

    same = measure_agreement("heuristic", "heuristic", ["random"], ["bloxCapture"], "own", steps=2048, seed=1)
    assert same["all"]["agreement"] > 0.95 and same["all"]["moves"] == 2 * 2048
    assert same["attacking"]["moves"] + same["defending"]["moves"] == same["all"]["moves"]
    rows = main(["random", "--teacher", "search", "--opponents", "heuristic", "--layouts", "tinyMaze", "--steps", "1024",
                 "--out", str(tmp_path / "agreement")])
    assert [r["states"] for r in rows] == ["teacher", "own"] and all(r["all"]["agreement"] < 0.6 for r in rows)
    assert (tmp_path / "agreement" / "agreement.md").exists()
    with pytest.raises(ValueError, match="states must be one of"):
        measure_agreement("random", "search", ["random"], ["tinyMaze"], "student", steps=64)
    callback = ("{class_path: marl_lightning.AgreementCallback, init_args: {teacher: heuristic, opponents: [random], "
                "layouts: [tinyMaze, smallCapture], steps: 256, every_n_steps: 4}}")
    cli = MARLCLI(datamodule_class=CaptureDataModule, save_config_callback=None, args=[
        "fit", "--config", str(ROOT / "configs" / "recipe" / "imitation_faithful.yaml"), "--data.opponent=random", "--trainer.max_steps=5",
        "--data.demonstrations.dagger={teacher: heuristic, every_n_steps: 50, steps: 256, num_envs: 8, capacity: 4096}", "--data.batch_size=32",
        "--trainer.logger=false", f"--trainer.callbacks=[{callback}]", "--trainer.enable_progress_bar=false",
        f"--trainer.default_root_dir={tmp_path}", "--data.layouts=tinyMaze", "--data.num_envs=8", f"--data.planes={PLANES}",
        f"--model.network={NETWORK}"])
    assert cli.model.hparams.lr_schedule == "cosine" and cli.datamodule.demo_settings.flip == 0.5  # recipe/imitation_faithful
    assert cli.model.hparams.explore_temperature > 0 and cli.datamodule.demo_settings.dagger.capacity == 4096
    figures = {k: float(v) for k, v in cli.trainer.callback_metrics.items() if k.startswith("agreement/")}
    assert {"agreement/teacher/all", "agreement/own/all", "agreement/own/all/tinyMaze", "agreement/own/all/smallCapture"} <= set(figures)
    assert all(0.0 <= v <= 1.0 for v in figures.values())
    with pytest.raises(ValueError, match="states must be some of"):
        AgreementCallback(states=["student"])


def test_dagger_rounds_in_the_contest_game_on_the_contest_view(tmp_path):
    """recipe/imitation_contest: the clone plays turn by turn on the contest's view (two frames a step), selected
    by an evaluation in the contest's game."""
    from marl_lightning import EvaluationCallback

    cli = fit(tmp_path, "--config", str(ROOT / "configs" / "recipe" / "imitation_contest.yaml"), "--data.opponent=random",
              "--data.demonstrations.dagger={teacher: heuristic, every_n_steps: 5, steps: 256, num_envs: 8, capacity: 4096, view: contest, "
              "turns: contest}", "--data.batch_size=32", steps=6)
    demos = cli.datamodule.demos
    assert demos.recorder.env.turns == "contest" and demos.dagger.view == "contest"
    assert demos.round == 2 and len(demos.buffers[-1]) == 2 * 256  # before steps 0 and 5
    evaluation = EvaluationCallback(opponents=["view:random"], layouts=["tinyMaze"], games=4, length=20, game="contest",
                                    final_games=0)
    overall, _ = evaluation.play(cli.model.policy(), {"tinyMaze": ["tinyMaze"]}, evaluation.games, evaluation.seed)
    assert set(overall) == {"view:random"} and 0.0 <= overall["view:random"]["win_rate"] <= 1.0
    with pytest.raises(ValueError, match="game must be one of"):
        EvaluationCallback(game="capture")
    with pytest.raises(ValueError, match="data.demonstrations.dagger.turns must be one of"):
        fit(tmp_path, "--config", str(ROOT / "configs" / "recipe" / "imitation.yaml"),
            "--data.demonstrations.dagger={teacher: heuristic, turns: alternate}", steps=1)


def test_qmix_and_mappo_start_from_a_clone(tmp_path, demos):
    fit(tmp_path / "bc", "--config", str(ROOT / "configs" / "recipe" / "imitation.yaml"), f"--data.demonstrations.file={demos}",
        "--data.demonstrations.dagger=null", "--data.batch_size=32", steps=3)
    clone = next((tmp_path / "bc").glob("**/*.ckpt"))
    weights = {k: v for k, v in torch.load(clone, weights_only=True)["state_dict"].items() if k.startswith("agents.")}
    qmix = fit(tmp_path / "qmix", "--config", str(ROOT / "configs" / "algo" / "qmix.yaml"), f"--model.init_from={clone}",
               "--model.lr=0", "--data.replay.warmup=64", "--data.batch_size=16", "--model.target_update=soft", steps=2)
    assert isinstance(qmix.model, ValueDecompositionModule)
    for key, value in weights.items():  # a learning rate of 0: the clone's weights, in the online and target agents
        assert torch.equal(qmix.model.state_dict()[key], value)
        assert torch.equal(qmix.model.state_dict()["target_" + key], value)
    mappo = fit(tmp_path / "mappo", "--config", str(ROOT / "configs" / "algo" / "mappo.yaml"), f"--model.init_from={clone}",
                "--model.kickstart=1.0", "--model.kickstart_decay_steps=1000", "--data.rollout.length=4", steps=2, part="actor")
    assert isinstance(mappo.model, MAPPOModule)
    for key, value in weights.items():
        assert torch.equal(mappo.model.state_dict()["clone." + key[len("agents."):]], value)  # kept frozen
    assert 0.0 < mappo.model.kickstart_coef < 1.0  # decaying with the environment steps
    # the clone's log-probabilities are computed once per rollout, and are what the clone says of each frame
    model, samples = mappo.model, mappo.datamodule.buffer.samples
    obs = mappo.datamodule.collector.codec.decode(samples["obs"])
    with torch.no_grad():
        teacher = legal_log_probs(model.clone(obs, model.clone.initial_state(obs.shape[0]))[0], samples["legal"])
        assert torch.allclose(samples["teacher_log_probs"], teacher, atol=1e-5)
        minibatch = samples[:16].clone()
        minibatch["obs"] = obs[:16]
        with_teacher, _ = model.ppo_loss(minibatch)
        computed_here, _ = model.ppo_loss(minibatch.exclude("teacher_log_probs"))  # a checkpoint's older samples
    assert torch.allclose(with_teacher, computed_here, atol=1e-5)


def test_policy_value_q_networks_play_their_policy_and_take_a_clones_weights():
    """`Q = V + temperature * log pi`: the greedy move is the policy's whatever the value says, Q minus V is the
    scaled log-policy, and a clone's agents load into the policy (a fine-tuned run's own weights into both)."""
    from marl_lightning.networks import AgentQNetworks

    torch.manual_seed(0)
    spec = {"class_path": "marl_lightning.networks.AgentQNetworks", "init_args": {"channels": [8], "hidden": 16}}
    net = PolicyValueQNetworks(2, (8, 6, 10), policy=spec, temperature=0.05)
    obs, state = torch.rand(64, 2, 8, 6, 10), net.initial_state(64)
    q, _ = net(obs, state)
    logits, _ = net.policy(obs, state)
    value = net.value(obs, state)[0].mean(-1, keepdim=True)
    assert torch.allclose(q, value + 0.05 * logits.log_softmax(-1), atol=1e-6)
    assert torch.equal(q.argmax(-1), logits.argmax(-1))
    with torch.no_grad():  # however large the value head's outputs, they never change the move
        net.value.nets[0].head[-1].bias.add_(torch.arange(5.0))  # outputs that rank the moves otherwise
    assert torch.equal(net(obs, state)[0].argmax(-1), logits.argmax(-1))
    clone = AgentQNetworks(2, (8, 6, 10), channels=[8], hidden=16)
    net.load_agents_state(clone.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(net.policy.state_dict().values(), clone.state_dict().values()))
    other = PolicyValueQNetworks(2, (8, 6, 10), policy=spec, temperature=0.05)
    other.load_agents_state(net.state_dict())
    assert torch.equal(other(obs, state)[0], net(obs, state)[0])
    with pytest.raises(ValueError, match="temperature must be > 0"):
        PolicyValueQNetworks(2, (8, 6, 10), policy=spec, temperature=0.0)


def test_qmix_from_a_clone_keeps_its_moves_through_policy_evaluation_then_improves_near_it(tmp_path, demos):
    """recipe/qmix_from_clone's switches: the agents start as the clone (its greedy moves), the policy does not move
    during `evaluation_steps` while the value head and the mixer learn, then moves with `policy_lr`, held near the
    frozen clone by `clone_kl`, whose weight decays."""
    fit(tmp_path / "bc", "--config", str(ROOT / "configs" / "recipe" / "imitation.yaml"), f"--data.demonstrations.file={demos}",
        "--data.demonstrations.dagger=null", "--data.batch_size=32", steps=3)
    clone = next((tmp_path / "bc").glob("**/*.ckpt"))
    clone_weights = {k[len("agents."):]: v for k, v in torch.load(clone, weights_only=True)["state_dict"].items()
                     if k.startswith("agents.")}
    common = ("--config", str(ROOT / "configs" / "recipe" / "qmix_from_clone.yaml"), f"--model.init_from={clone}",
              "--data.opponent=random", "--data.replay.warmup=64", "--data.batch_size=16", "--model.clone_kl_decay_steps=10")
    frozen = fit(tmp_path / "frozen", *common, "--model.evaluation_steps=6", steps=6, part="network.init_args.policy")
    model = frozen.model
    assert isinstance(model.agents, PolicyValueQNetworks) and model.agents.temperature == 0.01
    for key, value in clone_weights.items():  # six steps of policy evaluation: the clone's weights, exactly
        assert torch.equal(model.agents.policy.state_dict()[key], value)
        assert torch.equal(model.clone.state_dict()[key], value)
    adam = frozen.trainer.optimizers[0]
    trained = {group["name"]: any(adam.state[p]["exp_avg"].abs().sum() > 0 for p in group["params"]) for group in adam.param_groups}
    assert trained == {"policy": True, "value": True, "mixer": True}  # gradients reach the policy: its rate was 0
    moved = fit(tmp_path / "moved", *common, "--model.evaluation_steps=2", "--model.policy_lr=0.01", "--model.clone_kl=0.02",
                "--model.clone_kl_end=0.005", steps=6,
                part="network.init_args.policy")
    model = moved.model
    assert any(not torch.equal(model.agents.policy.state_dict()[k], v) for k, v in clone_weights.items())
    assert all(torch.equal(model.clone.state_dict()[k], v) for k, v in clone_weights.items())  # the clone stays
    assert model.clone_kl_coef == pytest.approx(0.005 + (0.02 - 0.005) * (1 - 6 / 10))
    with pytest.raises(ValueError, match="give model.init_from too"):
        ValueDecompositionModule(clone_kl=0.1)
    with pytest.raises(ValueError, match="give feed-forward agents"):
        ValueDecompositionModule(clone_kl=0.1, init_from="clone.ckpt", network={
            "class_path": "marl_lightning.networks.AgentQNetworks", "init_args": {"recurrent": True}})


def test_the_clone_kl_by_hand():
    """`KL(clone || softmax(Q / temperature))` over the legal moves; 0 while the agents are the clone."""
    from marl_lightning.learners.policy_losses import kl_divergence

    teacher_logits = torch.tensor([[1.0, 2.0, 0.0, 5.0, 0.0]])
    legal = torch.tensor([[True, True, True, False, True]])
    q = torch.tensor([[0.3, 0.1, 0.2, 9.0, 0.2]])
    teacher = legal_log_probs(teacher_logits, legal)
    student = legal_log_probs(q / 0.1, legal)
    p = torch.softmax(torch.tensor([1.0, 2.0, 0.0, 0.0]), 0)
    log_r = torch.log_softmax(torch.tensor([3.0, 1.0, 2.0, 2.0]), 0)
    assert kl_divergence(teacher, student, legal).item() == pytest.approx((p * (p.log() - log_r)).sum().item(), rel=1e-5)
    assert kl_divergence(teacher, teacher, legal).item() == pytest.approx(0.0, abs=1e-7)


def test_a_clones_critic_learns_the_demonstrations_returns_and_starts_mappos(tmp_path, demos):
    """With `model.critic` the clone also learns a value by n-step TD on the demonstrations (their rewards are
    this run's), which a lookahead scores with and MAPPO's critic starts from."""
    critic = "{class_path: marl_lightning.critics.ValueCritic, init_args: {channels: [8], hidden: 16, pooling: avg}}"
    cli = fit(tmp_path / "bc", "--config", str(ROOT / "configs" / "recipe" / "imitation.yaml"), f"--data.demonstrations.file={demos}",
              "--data.demonstrations.dagger=null", "--data.batch_size=16", "--data.demonstrations.value_batch_size=8", "--data.replay.n_step=3",
              f"--model.critic={critic}", "--data.rewards.reward_for_legal_action=true", "--data.rewards.limit_is_terminal=false", steps=4)
    model = cli.model
    assert model.spec.value_windows and model.train_metrics["value_loss"].update_count == 4
    before = [p.clone() for p in model.target_critic.parameters()]
    assert any(not torch.equal(a, b) for a, b in zip(before, model.critic.parameters()))  # the target follows softly
    obs = torch.zeros(3, 2, *model.hparams.obs_shape)
    assert model.state_value(obs, torch.ones(3, 2, 5, dtype=torch.bool)).shape == (3,)
    clone = next((tmp_path / "bc").glob("**/*.ckpt"))
    mappo = fit(tmp_path / "mappo", "--config", str(ROOT / "configs" / "algo" / "mappo.yaml"), f"--model.init_from={clone}",
                f"--model.critic={critic}", "--data.rollout.length=4", "--model.lr=0", steps=1, part="actor")
    saved = torch.load(clone, weights_only=True)["state_dict"]
    for key, value in mappo.model.critic.state_dict().items():
        assert torch.equal(value, saved["critic." + key])  # learning rate 0: still the clone's critic
    with pytest.raises(ValueError, match="recorded with rewards"):  # the stored rewards must be this run's
        fit(tmp_path / "other", "--config", str(ROOT / "configs" / "recipe" / "imitation.yaml"), f"--data.demonstrations.file={demos}",
            "--data.demonstrations.dagger=null", f"--model.critic={critic}", "--data.rewards.zero_sum=true", steps=1)


def test_windows_are_drawn_from_each_demonstrations_buffer_in_proportion_to_the_steps_it_holds(demos):
    """A recorded file and the DAgger buffer are one set of demonstrations: a window comes from each in proportion to
    the steps it holds (here a quarter as many in the second, marked by its rewards)."""
    small, _ = record("heuristic", ["random"], ["tinyMaze"], steps=64 * 30, num_envs=64, seed=1, progress=False)
    source = CaptureDataModule(layouts="tinyMaze", demonstrations={"file": str(demos)}).demo_source(seed=0, uses_rewards=False)
    small.frames["reward"][:] = 99.0
    small.generator = torch.Generator().manual_seed(5)
    source.buffers.append(small)
    source.grid_shapes.append(source.grid_shapes[0])
    draws = source.sample(2000, 1)
    share = float((draws["reward"][:, 0] == 99.0).float().mean())
    expected = len(small) / (len(small) + len(source.buffers[0]))
    assert 0.15 < expected < 0.25 and abs(share - expected) < 0.03
