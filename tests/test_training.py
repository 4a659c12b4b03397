"""Training through the command line: a short fit, checkpoints, exact resume, loading a policy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from marl_lightning import CaptureDataModule, CheckpointError, EvaluationCallback, ValueDecompositionModule, load_policy
from marl_lightning.loading import slim_checkpoint
from marl_lightning.cli import MARLCLI
from marl_lightning.data import RolloutBuffer

from helpers import config_args, run_to_the_end

ROOT = Path(__file__).resolve().parents[1]


def fit(tmp_path: Path, *extra: str, config: str = "qmix.yaml", steps: int = 30) -> MARLCLI:
    """A few gradient steps of a config, small and fast, logging and checkpointing under tmp_path."""
    args = [
        "fit", *config_args(config),
        f"--trainer.max_steps={steps}", "--trainer.enable_progress_bar=false", "--trainer.log_every_n_steps=5",
        f"--trainer.default_root_dir={tmp_path}",
        f"--trainer.logger=[{{class_path: lightning.pytorch.loggers.CSVLogger, init_args: {{save_dir: '{tmp_path}', name: run}}}}]",
        "--trainer.callbacks=[{class_path: marl_lightning.EvaluationCallback, init_args: {games: 4, every_n_steps: 10, final_games: 4}},"
        f" {{class_path: lightning.pytorch.callbacks.ModelCheckpoint, init_args: {{dirpath: '{tmp_path / 'ckpt'}',"
        " monitor: eval/win_rate, mode: max, save_last: true, every_n_train_steps: 10}}]",
        "--data.num_envs=8", "--data.replay.warmup=64", "--data.batch_size=16", "--data.length=50",
        *extra,
    ]
    return MARLCLI(datamodule_class=CaptureDataModule, args=args, save_config_kwargs={"overwrite": True})  # the config's learner


def logged_metrics(tmp_path: Path) -> dict[str, np.ndarray]:
    """The CSV log of a `fit` run: each metric's logged values, in order."""
    import csv

    rows = list(csv.DictReader((next((tmp_path / "run").glob("version_*")) / "metrics.csv").open()))
    names = rows[0].keys() if rows else []
    return {name: np.array([float(r[name]) for r in rows if r[name] != ""]) for name in names}


@pytest.mark.parametrize("config", ["qmix.yaml", "iql.yaml", "vdn.yaml", "qmix_attention.yaml", "qmix_rnn.yaml"])
def test_every_config_trains_and_checkpoints(tmp_path, config):
    cli = fit(tmp_path, config=config, steps=20)
    assert cli.trainer.global_step == 20
    assert int(cli.model.env_steps) >= 20 * 2 * 8  # steps_per_update vector steps of 8 games each
    assert (tmp_path / "ckpt" / "last.ckpt").is_file()
    metrics = logged_metrics(tmp_path)
    for name in ("train/td_loss", "train/q_taken_mean", "train/epsilon", "rollout/sps", "eval/win_rate/random"):
        assert name in metrics
    for name in ("train/td_loss", "train/q_taken_mean", "train/target_mean", "train/grad_norm"):
        assert np.isfinite(metrics[name]).all() and len(metrics[name]) >= 3, name  # a NaN loss fails here
    logged = (next((tmp_path / "run").glob("version_*")) / "hparams.yaml").read_text()
    assert "max_steps: 20" in logged and "num_envs: 8" in logged  # the whole config reaches the loggers


def test_the_selected_team_is_evaluated_on_held_out_games_at_the_end(tmp_path, capsys):
    cli = fit(tmp_path, steps=20)
    best = cli.trainer.checkpoint_callback.best_model_path
    assert best and Path(best).is_file()
    out = capsys.readouterr().out
    assert f"held-out evaluation of the best checkpoint {best} (4 games per opponent and map set, half in each colour, seed 2026)" in out
    saved = json.loads((next((tmp_path / "run").glob("version_*")) / "final_evaluation.json").read_text())
    assert saved["team"] == best and saved["step"] == 20
    assert saved["results"]["random"]["games"] == 4 and {"blue", "red"} <= saved["results"]["random"]["by_colour"].keys()
    with pytest.raises(ValueError, match="final_seed 12345 must differ"):
        EvaluationCallback(final_seed=12345)


def test_checkpoint_holds_everything_a_resume_needs(tmp_path):
    fit(tmp_path, "--data.replay.save_buffer=true", steps=20)
    ckpt = torch.load(tmp_path / "ckpt" / "last.ckpt", weights_only=True)
    keys = ckpt["state_dict"].keys()
    assert any(k.startswith("target_agents.") for k in keys) and any(k.startswith("target_mixer.") for k in keys)
    assert int(ckpt["state_dict"]["env_steps"]) > 0
    assert ckpt["optimizer_states"] and ckpt["global_step"] == 20
    data = ckpt["CaptureDataModule"]["ranks"][0]
    assert "buffer" in data and {"env", "generator", "hidden"} <= data["collector"].keys()


def test_resume_without_the_buffer_continues_counters_and_games(tmp_path):
    fit(tmp_path, steps=20)
    saved = torch.load(tmp_path / "ckpt" / "last.ckpt", weights_only=True)
    resumed = fit(tmp_path, f"--ckpt_path={tmp_path / 'ckpt' / 'last.ckpt'}", steps=30)
    assert resumed.trainer.global_step == 30
    collected = int(resumed.model.env_steps) - int(saved["state_dict"]["env_steps"])
    warmup = 64 // 8 + 1  # the empty buffer is warmed up again: 8 vector steps of 8 games, one more for a window
    assert collected == (10 * 2 + warmup) * 8  # 2 vector steps per update; no batch collected ahead and thrown away
    games = saved["CaptureDataModule"]["ranks"][0]["collector"]["env"]["games"]
    assert int(games["t"].sum()) > 0  # the games in progress were saved...
    assert "buffer" not in saved["CaptureDataModule"]["ranks"][0]  # ...but not the buffer, unless asked


def state_of(cli: MARLCLI) -> dict[str, torch.Tensor]:
    """Everything a run's future depends on, flattened: weights, targets, counters, optimizer, data."""
    out = {f"model.{k}": v for k, v in cli.model.state_dict().items()}
    for i, state in cli.trainer.optimizers[0].state_dict()["state"].items():
        out.update({f"adam.{i}.{k}": v for k, v in state.items()})
    data = cli.datamodule
    if isinstance(data.buffer, RolloutBuffer):  # on-policy: the samples of the update in progress, and how far it is
        out.update({f"rollout.{k}": v for k, v in data.buffer.samples.items()})
        out["rollout.order"], out["rollout.served"] = data.buffer.order, torch.tensor(data.buffer.served)
    else:
        out.update({f"buffer.{k}": v for k, v in data.buffer.frames.items()})
        out["buffer.written"] = data.buffer.written
    out.update({f"game.{k}": v for k, v in data.collector.env.state_dict()["games"].items()})
    out["exploration"] = data.collector.generator.get_state()
    out["replay"] = data.buffer.generator.get_state()
    if data.curriculum is not None:  # the stage and when it began
        state = data.curriculum.state_dict()
        out["curriculum"] = torch.tensor([state["stage"], state["stage_started_env_steps"], state["stage_started_step"]])
    if data.league is not None:  # the pool's snapshots, their results and ratings
        state = data.league.state_dict()
        out["league.games"], out["league.lost"] = state["games"], state["lost"]
        out["league.elo"] = torch.tensor([state["elo"], *(s["elo"] for s in state["snapshots"])], dtype=torch.float64)
        out["league.steps"] = torch.tensor([state["next_snapshot"], *(s["step"] for s in state["snapshots"])])
        out.update({f"league.{i}.{k}": v for i, weights in enumerate(state["weights"]) for k, v in weights.items()})
    return out


@pytest.mark.parametrize("config, extra", [
    ("qmix.yaml", ()),
    # priorities; a mixture of opponents, one with memory; observation planes, 3-step targets and shaping
    ("qmix.yaml", ("--data.replay.prioritized=true", "--data.opponent={random: 0.5, heuristic: 0.5}", "--data.planes=[time, score]",
                   "--data.replay.n_step=3", "--data.rewards.potential_shaping=1.0")),
    ("qmix_rnn.yaml", ()),
    ("mappo.yaml", ("--data.rollout.length=8", "--data.rollout.minibatches=4", "--data.rollout.epochs=2")),  # 8 steps a rollout: resumed mid-update
    # a curriculum whose stages end before and after the checkpoint (about 400 environment steps at step 20), the
    # first on its own layout, with a self-play league whose pool plays from step 5 on (the resume checks that both
    # settings are the checkpoint's)
    pytest.param("qmix.yaml", ("--data.layouts=[tinyMaze, tinyCapture]", "--data.curriculum={stages: [{opponents: {random: 1}, "
                 "layouts: [tinyMaze], until_env_steps: 250}, {opponents: {baseline: 1}, until_env_steps: 200}, "
                 "{opponents: {random: 0.5, heuristic: 0.5}}], keep_earlier: 0.25}",
                 "--data.league={every_n_steps: 5, pool_size: 2, share: 0.5}"), id="curriculum+league"),
])
def test_resume_is_bit_exact(tmp_path, config, extra):
    """20 steps, then a resume to 30, ends where 30 steps in one go end, to the bit."""
    fit(tmp_path / "first", "--data.replay.save_buffer=true", *extra, config=config, steps=20)
    resumed = fit(tmp_path / "resumed", "--data.replay.save_buffer=true", *extra,
                  f"--ckpt_path={tmp_path / 'first' / 'ckpt' / 'last.ckpt'}", config=config, steps=30)
    straight = fit(tmp_path / "straight", "--data.replay.save_buffer=true", *extra, config=config, steps=30)
    a, b = state_of(resumed), state_of(straight)
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, f"differ after the resume: {different[:8]}"
    assert resumed.trainer.global_step == straight.trainer.global_step == 30
    if resumed.datamodule.curriculum is not None:  # the resume continued a curriculum between its stages' ends
        ended = [h["ended_at_step"] for h in resumed.datamodule.curriculum.history]
        assert len(ended) == 2 and ended[0] <= 20 < ended[1], resumed.datamodule.curriculum.history
    if resumed.datamodule.league is not None:  # ...and a league whose pool, [10, 15] at the checkpoint, moved on
        assert [s["step"] for s in resumed.datamodule.league.snapshots] == [20, 25]


def test_load_policy_plays_greedy_legal_actions(tmp_path):
    fit(tmp_path, steps=10)
    policy = load_policy(tmp_path / "ckpt" / "last.ckpt")
    obs = np.zeros((1, 2, 8, 6, 12), dtype=np.float32)
    legal = np.array([[[False, False, False, True, True], [True, False, False, False, False]]])
    actions, state = policy.act(obs, legal, policy.initial_state(1))
    assert actions.shape == (1, 2) and legal[0, np.arange(2), actions[0]].all() and state.shape == (1, 2, 0)
    with pytest.raises(ValueError, match="larger than the trained grid"):
        policy.act(np.zeros((1, 2, 8, 20, 20), dtype=np.float32), legal)
    old = torch.load(tmp_path / "ckpt" / "last.ckpt", weights_only=True)
    assert old["learner"] == "marl_lightning.learners.value_decomposition.ValueDecompositionModule"
    old["learner"] = "value_decomposition"  # an older checkpoint names its learner by the `learner:` key of its config
    torch.save(old, tmp_path / "old.ckpt")
    assert load_policy(tmp_path / "old.ckpt").act(obs, legal, policy.initial_state(1))[0].tolist() == actions.tolist()


def test_load_policy_is_the_greedy_policy_of_the_trained_networks(tmp_path):
    cli = fit(tmp_path, steps=10)
    policy = load_policy(tmp_path / "ckpt" / "last.ckpt")
    generator = torch.Generator().manual_seed(0)
    obs = torch.randint(0, 3, (64, 2, 8, 6, 12), generator=generator).float()
    legal = torch.rand(64, 2, 5, generator=generator) < 0.6
    legal[..., 4] = True
    with torch.no_grad():
        q, _ = cli.model.agents.eval()(obs, cli.model.agents.initial_state(64))  # (64, 2, 5): the trained networks
    best = q.masked_fill(~legal, float("-inf")).argmax(-1)
    assert (best != q.argmax(-1)).any()  # some masks hide the overall best action
    np.testing.assert_array_equal(policy.act(obs.numpy(), legal.numpy())[0].numpy(), best.numpy())
    for k in range(8):  # one game at a time, and from torch tensors
        np.testing.assert_array_equal(policy.act(obs[k:k + 1], legal[k:k + 1])[0].numpy(), best[k:k + 1].numpy())
        actions, state = policy.act(obs[k], legal[k].numpy())  # unbatched: (2, 8, H, W) and (2, 5) -> (2,)
        assert actions.shape == (2,) and state.shape == (2, 0)
        np.testing.assert_array_equal(actions.numpy(), best[k].numpy())


def test_a_slim_checkpoint_plays_like_the_full_one_at_a_fraction_of_the_size(tmp_path):
    fit(tmp_path, steps=10)
    full = tmp_path / "ckpt" / "last.ckpt"
    slim = slim_checkpoint(full, tmp_path / "team" / "slim.ckpt")
    assert slim.stat().st_size < full.stat().st_size / 2
    saved = torch.load(slim, weights_only=True)
    assert not any(key.startswith("target_") for key in saved["state_dict"]) and "optimizer_states" not in saved
    generator = torch.Generator().manual_seed(1)
    obs = torch.randint(0, 3, (32, 2, 8, 6, 12), generator=generator).float()
    legal = torch.rand(32, 2, 5, generator=generator) < 0.6
    legal[..., 4] = True
    np.testing.assert_array_equal(load_policy(slim).act(obs, legal)[0].numpy(), load_policy(full).act(obs, legal)[0].numpy())
    with pytest.raises(ValueError, match="would overwrite its input"):
        slim_checkpoint(full, full)
    broken = torch.load(slim, weights_only=True)
    del broken["state_dict"][next(iter(broken["state_dict"]))]  # an online weight missing is an error, not a default
    torch.save(broken, tmp_path / "broken.ckpt")
    with pytest.raises(CheckpointError, match="missing weights"):
        load_policy(tmp_path / "broken.ckpt")


def test_bad_checkpoints_get_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_policy(tmp_path / "missing.ckpt")
    corrupt = tmp_path / "corrupt.ckpt"
    corrupt.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="corrupt.ckpt.*not a readable checkpoint"):
        load_policy(corrupt)
    foreign = tmp_path / "foreign.ckpt"
    torch.save({"model": {"weight": torch.zeros(2)}}, foreign)
    with pytest.raises(CheckpointError, match="not a Lightning checkpoint of this project"):
        load_policy(foreign)


def test_wrong_config_key_is_named(tmp_path, capsys):
    with pytest.raises(SystemExit):
        fit(tmp_path, "--model.mixr=qmix")
    assert "mixr" in capsys.readouterr().err


def test_unknown_mixer_is_named():
    with pytest.raises(ValueError, match="unknown mixer 'qmax'"):
        ValueDecompositionModule(mixer="qmax")
    with pytest.raises(ValueError, match="cannot import 'nowhere.Mixer'"):
        ValueDecompositionModule(mixer={"class_path": "nowhere.Mixer"})
    with pytest.raises(TypeError, match="not a marl_lightning.mixers.base.Mixer"):
        ValueDecompositionModule(mixer={"class_path": "torch.nn.Identity"})


def ddp_fit(tmp_path: Path, steps: int, *extra: str) -> subprocess.CompletedProcess:
    """`train.py fit` in two CPU processes; `tests/ddp_probe.py` saves what each rank ends with."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")])}
    return run_to_the_end(
        [sys.executable, str(ROOT / "train.py"), "fit", "--config", str(ROOT / "configs" / "algo" / "qmix.yaml"),
         "--trainer.strategy=ddp", "--trainer.devices=2", "--trainer.accelerator=cpu", f"--trainer.max_steps={steps}",
         "--trainer.enable_progress_bar=false", "--data.replay.warmup=64", "--data.num_envs=4", "--data.length=20",
         f"--trainer.logger=[{{class_path: lightning.pytorch.loggers.CSVLogger, init_args: {{save_dir: '{tmp_path}'}}}}]",
         f"--trainer.callbacks=[{{class_path: lightning.pytorch.callbacks.ModelCheckpoint, init_args: {{dirpath: '{tmp_path / 'ck'}', save_last: true}}}},"
         f" {{class_path: ddp_probe.RankSnapshot, init_args: {{out: '{tmp_path}'}}}}]", *extra],
        cwd=tmp_path, env=env, timeout=300)  # (stdout holds stderr too)


@pytest.mark.slow
def test_ddp_on_two_cpu_processes(tmp_path):
    """`--trainer.strategy ddp --trainer.devices 2`: each process plays its own games into its own buffer,
    and gradients are averaged, so both hold the same weights after every step; a resume restores each
    rank's own games."""
    run = ddp_fit(tmp_path, 40)
    assert run.returncode == 0, run.stdout[-2000:]
    assert "Starting with 2 processes" in run.stdout
    ckpt = torch.load(tmp_path / "ck" / "last.ckpt", weights_only=True)
    assert ckpt["global_step"] == 40  # games of 20 steps end on both ranks: episode metrics do not hang
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert ranks[0]["batch"] != ranks[1]["batch"]  # different data...
    for k, v in ranks[0]["weights"].items():
        assert torch.equal(v, ranks[1]["weights"][k]), k  # ...the same weights
    saved = ckpt["CaptureDataModule"]["ranks"]
    assert len(saved) == 2 and not torch.equal(saved[0]["collector"]["env"]["games"]["pos"], saved[1]["collector"]["env"]["games"]["pos"])
    resumed = ddp_fit(tmp_path, 50, f"--ckpt_path={tmp_path / 'ck' / 'last.ckpt'}")
    assert resumed.returncode == 0, resumed.stdout[-2000:]
    after = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert after[0]["restored_games"] == saved[0]["collector"]["env"]["games"]["t"].tolist()
    assert after[1]["restored_games"] == saved[1]["collector"]["env"]["games"]["t"].tolist()


@pytest.mark.slow
def test_ddp_with_the_shipped_loggers_and_callbacks_ends(tmp_path):
    """The shipped config as a user runs it under DDP: its evaluation callback's final evaluation runs on
    rank 0 alone, and must not call a collective the other rank never reaches (it once read
    `trainer.log_dir`, which broadcasts, and the run never ended)."""
    out = run_to_the_end([sys.executable, str(ROOT / "train.py"), "fit", "--config", str(ROOT / "configs" / "algo" / "qmix.yaml"),
                          "--trainer.strategy=ddp", "--trainer.devices=2", "--trainer.accelerator=cpu", "--trainer.max_steps=20",
                          "--trainer.enable_progress_bar=false", "--data.num_envs=8", "--data.replay.warmup=64", "--data.batch_size=16"],
                         cwd=tmp_path, timeout=600)  # base.yaml's CSV and wandb loggers, evaluation and checkpoints
    assert out.returncode == 0, out.stdout[-3000:]
    assert "Starting with 2 processes" in out.stdout and "held-out evaluation" in out.stdout
    folder = tmp_path / "runs" / "qmix__tinyMaze__random__0" / "version_0"
    assert (folder / "final_evaluation.json").is_file() and (folder / "checkpoints" / "last.ckpt").is_file()
    assert f"run folder: {Path('runs') / 'qmix__tinyMaze__random__0' / 'version_0'}" in out.stdout


@pytest.mark.slow
def test_a_short_seeded_run_learns_to_beat_random_in_both_colours(tmp_path):
    """The README's main job: QMIX on tinyMaze against random, as `configs/algo/qmix.yaml` trains it. Random
    play wins about 26% as blue and 48% as red there (red moves first). Its greedy team swings from
    one evaluation to the next (docs/results.md), so the run keeps the checkpoint its in-training
    evaluation rates best, and that team plays 200 held-out games at the end: it must win at least
    85% in each colour (the main job's target is 90%; measured 94-100% over two seeds)."""
    untrained = win_rates_by_colour(ValueDecompositionModule(obs_shape=(8, 6, 12)), "tinyMaze")
    cli = MARLCLI(ValueDecompositionModule, CaptureDataModule, run=False, save_config_callback=None, args=[
        "--config", str(ROOT / "configs" / "algo" / "qmix.yaml"), f"--trainer.max_steps={LEARNING_STEPS}",
        f"--trainer.logger=[{{class_path: lightning.pytorch.loggers.CSVLogger, init_args: {{save_dir: '{tmp_path}', name: run}}}}]",
        "--trainer.enable_progress_bar=false", f"--trainer.default_root_dir={tmp_path}",
    ])  # base.yaml's callbacks: evaluation every 250 steps, the best checkpoint kept, held-out games at the end
    cli.trainer.fit(cli.model, cli.datamodule)
    final = json.loads(next((tmp_path / "run").glob("version_*/final_evaluation.json")).read_text())
    assert final["team"] and final["team"] != str(tmp_path / "run" / "version_0" / "checkpoints" / "last.ckpt")
    colours = final["results"]["random"]["by_colour"]
    after = colours["blue"]["win_rate"], colours["red"]["win_rate"]
    print(f"win rates against random (blue, red): {untrained} untrained, {after} for {final['team']}")
    assert final["results"]["random"]["games"] == 200 and min(after) >= 0.85


LEARNING_STEPS = 3000  # the README's main job


def win_rates_by_colour(module: ValueDecompositionModule, layout: str, games: int = 100) -> tuple[float, float]:
    from agents import PolicyTeam
    from agents.match import play_match
    from gymPacMan.rules import BLUE, RED

    as_blue = play_match(PolicyTeam(module.policy(), BLUE), "random", [layout], games, num_envs=games, seed=100)
    as_red = play_match("random", PolicyTeam(module.policy(), RED), [layout], games, num_envs=games, seed=101)
    return as_blue["blue_wins"] / games, as_red["red_wins"] / games


def test_ckpt_path_last_continues_the_previous_run_and_keeps_what_it_resumed_from(tmp_path):
    args = lambda steps: [  # noqa: E731 - CSV logs under tmp_path/run/version_*, checkpoints beside them
        "fit", "--config", str(ROOT / "configs" / "algo" / "qmix.yaml"), f"--trainer.max_steps={steps}",
        "--trainer.enable_progress_bar=false",
        f"--trainer.logger=[{{class_path: lightning.pytorch.loggers.CSVLogger, init_args: {{save_dir: '{tmp_path}', name: run}}}}]",
        "--trainer.callbacks=[{class_path: lightning.pytorch.callbacks.ModelCheckpoint, init_args: {save_last: true}}]",
        "--data.num_envs=4", "--data.replay.warmup=16", "--data.batch_size=8",
    ]
    MARLCLI(ValueDecompositionModule, CaptureDataModule, args=args(6))
    first = tmp_path / "run" / "version_0" / "checkpoints" / "last.ckpt"
    saved = first.read_bytes()
    resumed = MARLCLI(ValueDecompositionModule, CaptureDataModule, args=[*args(9), "--ckpt_path=last"])
    assert resumed.trainer.global_step == 9 and resumed.trainer.ckpt_path == str(first)
    assert first.with_name("last.resume1.ckpt").read_bytes() == saved  # the checkpoint resumed from, kept
    assert torch.load(first, weights_only=True)["global_step"] == 9  # the run's last one, continued in its folder
    assert not (tmp_path / "run" / "version_1").exists()


def test_print_config_shows_every_setting(capsys):
    with pytest.raises(SystemExit):
        MARLCLI(ValueDecompositionModule, CaptureDataModule, args=["fit", "--config", str(ROOT / "configs" / "algo" / "qmix.yaml"), "--print_config"])
    out = capsys.readouterr().out
    assert "class_path: marl_lightning.mixers.QMixer" in out and "num_envs: 64" in out
    assert "class_path: marl_lightning.exploration.EpsilonGreedy" in out and "schedule: linear" in out


@pytest.mark.parametrize("override", [
    "--data.replay.prioritized=true",
    "--data.layouts=[tinyMaze, smallMaze]",  # padded to 9 x 16
    "--model.network.init_args.shared=false",
    "--model.target_update=hard",
    "--model.exploration.init_args.schedule=exponential",
    "--model.exploration=boltzmann",
])
def test_config_switches_train(tmp_path, override):
    cli = fit(tmp_path, override, steps=12)
    assert cli.trainer.global_step == 12
    if "layouts" in override:
        assert cli.model.hparams.obs_shape == (8, 9, 16)
        assert {cli.datamodule.collector.env.layout_name(g) for g in range(8)} == {"tinyMaze.lay", "smallMaze.lay"}
    if "prioritized" in override:
        priorities = cli.datamodule.buffer.priority
        assert priorities.unique().numel() > 10  # the TD errors of sampled windows were written back


def test_shared_false_trains_one_network_per_agent(tmp_path):
    shared = fit(tmp_path / "a", steps=2).model.agents
    separate = fit(tmp_path / "b", "--model.network.init_args.shared=false", steps=2).model.agents
    count = lambda net: sum(p.numel() for p in net.parameters())  # noqa: E731
    assert len(shared.nets) == 1 and len(separate.nets) == 2
    assert count(separate) > 1.9 * count(shared)
    obs = torch.rand(1, 1, 8, 6, 12).expand(1, 2, 8, 6, 12)  # the same observation for both agents
    q, _ = separate(obs, separate.initial_state(1))
    assert not torch.allclose(q[0, 0], q[0, 1])


@pytest.mark.parametrize("schedule", ["linear", "exponential"])
def test_the_epsilon_schedule_is_the_one_configured(tmp_path, schedule):
    from marl_lightning.schedules import decay_at

    cli = fit(tmp_path, f"--model.init_args.exploration.init_args.schedule={schedule}",
              "--model.init_args.exploration.init_args.decay_steps", "400", steps=12)
    steps = int(cli.model.env_steps)
    assert cli.model.exploration_rate == pytest.approx(decay_at(steps, 1.0, 0.05, 400, schedule))
    other = "linear" if schedule == "exponential" else "exponential"
    assert cli.model.exploration_rate != pytest.approx(decay_at(steps, 1.0, 0.05, 400, other), abs=0.01)
    logged = logged_metrics(tmp_path)  # what the log shows, at each logged step
    expected = [decay_at(int(n), 1.0, 0.05, 400, schedule) for n in logged["rollout/env_steps"]]
    assert len(expected) >= 2 and logged["train/epsilon"] == pytest.approx(expected, abs=1e-6)


def test_boltzmann_is_chosen_by_class_path_and_its_checkpoint_keeps_it(tmp_path):
    """`--model.exploration.class_path ...Boltzmann` keeps qmix.yaml's settings but for the one given; the
    temperature is what is logged, and the checkpoint keeps the part as a plain class_path dict."""
    from marl_lightning.checkpoint_files import read_checkpoint
    from marl_lightning.loading import rebuild
    from marl_lightning.exploration import Boltzmann
    from marl_lightning.policy import BoltzmannPolicy

    cli = fit(tmp_path, "--model.exploration.class_path", "marl_lightning.exploration.Boltzmann",
              "--model.init_args.exploration.init_args.decay_steps", "1000", "--model.exploration.init_args.end=0.5", steps=10)
    exploration = cli.model.exploration
    assert type(exploration) is Boltzmann and (exploration.start, exploration.end, exploration.decay_steps) == (1.0, 0.5, 1000)
    assert type(cli.model.exploration_policy(torch.Generator())) is BoltzmannPolicy
    logged = logged_metrics(tmp_path)
    assert "train/temperature" in logged and "train/epsilon" not in logged
    expected = [1.0 - 0.5 * min(n / 1000, 1.0) for n in logged["rollout/env_steps"]]
    assert logged["train/temperature"] == pytest.approx(expected, abs=1e-6)
    path = tmp_path / "ckpt" / "last.ckpt"
    saved = torch.load(path, weights_only=True)["hyper_parameters"]
    assert saved["exploration"] == {"class_path": "marl_lightning.exploration.Boltzmann",
                                    "init_args": {"start": 1.0, "end": 0.5, "decay_steps": 1000, "schedule": "linear", "decay_fraction": None}}
    assert not any(key.startswith(("epsilon", "temperature")) for key in saved)
    assert rebuild(read_checkpoint(path), path).exploration.config() == exploration.config()


@pytest.mark.parametrize("kind, expected", [
    ("boltzmann", {"class_path": "marl_lightning.exploration.Boltzmann",
                   "init_args": {"start": 2.0, "end": 0.5, "decay_steps": 300, "schedule": "exponential", "decay_fraction": None}}),
    ("epsilon", {"class_path": "marl_lightning.exploration.EpsilonGreedy",
                 "init_args": {"start": 0.5, "end": 0.01, "decay_steps": 100, "schedule": "linear", "decay_fraction": None}}),
    (None, {"class_path": "marl_lightning.exploration.EpsilonGreedy",  # before Boltzmann: no `exploration` at all
            "init_args": {"start": 0.5, "end": 0.01, "decay_steps": 100, "schedule": "linear", "decay_fraction": None}}),
])
def test_a_checkpoint_with_the_old_exploration_settings_still_loads(tmp_path, kind, expected):
    """Checkpoints written before the exploration was a part kept `exploration: epsilon|boltzmann` and
    `epsilon_*` / `temperature_*`: they load, as the part those settings describe."""
    from marl_lightning.checkpoint_files import read_checkpoint
    from marl_lightning.loading import rebuild

    module = ValueDecompositionModule(obs_shape=(8, 6, 12), network={"class_path": "marl_lightning.networks.AgentQNetworks",
                                                                     "init_args": {"channels": [4], "hidden": 8}})
    old = {"state_dict": module.state_dict(), "hyper_parameters": dict(module.hparams),
           "learner": "marl_lightning.learners.value_decomposition.ValueDecompositionModule"}
    del old["hyper_parameters"]["exploration"]
    old["hyper_parameters"].update({"epsilon_start": 0.5, "epsilon_end": 0.01, "epsilon_decay_steps": 100, "epsilon_schedule": "linear",
                                    "temperature_start": 2.0, "temperature_end": 0.5, "temperature_decay_steps": 300,
                                    "temperature_schedule": "exponential"})
    if kind is not None:
        old["hyper_parameters"]["exploration"] = kind
    torch.save(old, tmp_path / "old.ckpt")
    learner = rebuild(read_checkpoint(tmp_path / "old.ckpt"), tmp_path / "old.ckpt")
    assert learner.exploration.config() == expected and learner.hparams.exploration == expected
    assert isinstance(load_policy(tmp_path / "old.ckpt"), type(learner.policy()))


def test_soft_targets_follow_the_online_networks_by_tau(tmp_path):
    cli = fit(tmp_path, "--model.target_update=soft", "--model.tau=0.2", steps=3)
    module = cli.model
    target_before = {k: v.clone() for k, v in module.target_agents.state_dict().items()}
    module._sync_targets(module.hparams.tau)  # what optimizer_step does after each gradient step
    online = module.agents.state_dict()
    for k, v in module.target_agents.state_dict().items():
        torch.testing.assert_close(v, target_before[k] + 0.2 * (online[k] - target_before[k]))
    assert any(not torch.equal(online[k], target_before[k]) for k in online)  # three soft steps: not a copy
    hard = fit(tmp_path / "hard", "--model.target_update=hard", "--model.target_update_interval=100", steps=3).model
    initial = MARLCLI(ValueDecompositionModule, CaptureDataModule, run=False, save_config_callback=None,
                      args=["--config", str(ROOT / "configs" / "algo" / "qmix.yaml"), "--data.num_envs=8"]).model  # seed 0, untrained
    for k, v in hard.target_agents.state_dict().items():
        assert torch.equal(v, initial.target_agents.state_dict()[k])  # no sync within 100 steps: untouched


@pytest.mark.parametrize("steps, synced", [(10, True), (11, False)])
def test_hard_target_update_every_n_gradient_steps(tmp_path, steps, synced):
    cli = fit(tmp_path, "--model.target_update=hard", "--model.target_update_interval=5", steps=steps)
    online, target = cli.model.agents.state_dict(), cli.model.target_agents.state_dict()
    same = all(torch.equal(online[k], target[k]) for k in online)
    assert same == synced
    saved = torch.load(tmp_path / "ckpt" / "last.ckpt", weights_only=True)["state_dict"]
    assert all(torch.equal(saved[f"target_agents.{k}"], v) for k, v in target.items())  # saved after the sync


def test_logger_named_auto_gets_the_run_name(tmp_path):
    cli = MARLCLI(ValueDecompositionModule, CaptureDataModule, run=False, save_config_callback=None, args=[
        *config_args("vdn.yaml"), "--data.layouts=[tinyMaze, smallMaze]", "--data.opponent=baseline",
        "--data.seed=3", f"--trainer.logger=[{{class_path: lightning.pytorch.loggers.CSVLogger, init_args: {{save_dir: '{tmp_path}', name: auto}}}}]",
    ])
    assert cli.trainer.logger.name == "vdn__tinyMaze+smallMaze__baseline__3"
