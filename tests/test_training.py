"""Training through the command line: a short fit, checkpoints, exact resume, loading a policy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from marl_lightning import CaptureDataModule, CheckpointError, ValueDecompositionModule, load_policy
from marl_lightning.cli import MARLCLI

ROOT = Path(__file__).resolve().parents[1]


def fit(tmp_path: Path, *extra: str, config: str = "qmix.yaml", steps: int = 30) -> MARLCLI:
    """A few gradient steps of a config, small and fast, logging and checkpointing under tmp_path."""
    args = [
        "fit", "--config", str(ROOT / "configs" / config),
        f"--trainer.max_steps={steps}", "--trainer.enable_progress_bar=false", "--trainer.log_every_n_steps=5",
        f"--trainer.default_root_dir={tmp_path}",
        f"--trainer.logger=[{{class_path: lightning.pytorch.loggers.CSVLogger, init_args: {{save_dir: '{tmp_path}', name: run}}}}]",
        "--trainer.callbacks=[{class_path: marl_lightning.EvaluationCallback, init_args: {games: 4, every_n_steps: 10}},"
        f" {{class_path: lightning.pytorch.callbacks.ModelCheckpoint, init_args: {{dirpath: '{tmp_path / 'ckpt'}',"
        " monitor: eval/win_rate, mode: max, save_last: true, every_n_train_steps: 10}}]",
        "--data.num_envs=8", "--data.warmup=64", "--data.batch_size=16", "--data.length=50",
        *extra,
    ]
    return MARLCLI(ValueDecompositionModule, CaptureDataModule, args=args, save_config_kwargs={"overwrite": True})


@pytest.mark.parametrize("config", ["qmix.yaml", "iql.yaml", "vdn.yaml", "qmix_attention.yaml", "qmix_rnn.yaml"])
def test_every_config_trains_and_checkpoints(tmp_path, config):
    cli = fit(tmp_path, config=config, steps=20)
    assert cli.trainer.global_step == 20
    assert int(cli.model.env_steps) >= 20 * 2 * 8  # steps_per_update vector steps of 8 games each
    assert (tmp_path / "ckpt" / "last.ckpt").is_file()
    metrics = (next((tmp_path / "run").glob("version_*")) / "metrics.csv").read_text()
    for name in ("train/td_loss", "train/q_taken_mean", "train/epsilon", "rollout/sps", "eval/win_rate/random"):
        assert name in metrics
    logged = (next((tmp_path / "run").glob("version_*")) / "hparams.yaml").read_text()
    assert "max_steps: 20" in logged and "num_envs: 8" in logged  # the whole config reaches the loggers


def test_checkpoint_holds_everything_a_resume_needs(tmp_path):
    fit(tmp_path, "--data.save_buffer=true", steps=20)
    ckpt = torch.load(tmp_path / "ckpt" / "last.ckpt", weights_only=True)
    keys = ckpt["state_dict"].keys()
    assert any(k.startswith("target_agents.") for k in keys) and any(k.startswith("target_mixer.") for k in keys)
    assert int(ckpt["state_dict"]["env_steps"]) > 0
    assert ckpt["optimizer_states"] and ckpt["global_step"] == 20
    assert "buffer" in ckpt["CaptureDataModule"]


def test_resume_continues_counters_weights_and_buffer(tmp_path):
    first = fit(tmp_path, "--data.save_buffer=true", steps=20)
    saved = torch.load(tmp_path / "ckpt" / "last.ckpt", weights_only=True)
    resumed = fit(tmp_path, "--data.save_buffer=true", f"--ckpt_path={tmp_path / 'ckpt' / 'last.ckpt'}", steps=30)
    assert resumed.trainer.global_step == 30
    steps_per_gradient_step = 2 * 8
    collected = int(resumed.model.env_steps) - int(saved["state_dict"]["env_steps"])
    # ten more gradient steps, and Lightning's one batch of look-ahead at the end
    assert 10 * steps_per_gradient_step <= collected <= 11 * steps_per_gradient_step
    assert len(resumed.datamodule.buffer) >= len(first.datamodule.buffer)


def test_load_policy_plays_greedy_legal_actions(tmp_path):
    fit(tmp_path, steps=10)
    policy = load_policy(tmp_path / "ckpt" / "last.ckpt")
    obs = np.zeros((2, 8, 6, 12), dtype=np.float32)
    legal = np.array([[False, False, False, True, True], [True, False, False, False, False]])
    actions = policy.act(obs, legal)
    assert actions.shape == (2,) and legal[np.arange(2), actions].all()
    policy.reset()
    with pytest.raises(ValueError, match="larger than the trained grid"):
        policy.act(np.zeros((2, 8, 20, 20), dtype=np.float32), legal)


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


def test_ddp_on_two_cpu_processes(tmp_path):
    """`--trainer.strategy ddp --trainer.devices 2`: each process with its own environments and buffer."""
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, str(ROOT / "train.py"), "fit", "--config", str(ROOT / "configs" / "qmix.yaml"),
         "--trainer.strategy=ddp", "--trainer.devices=2", "--trainer.accelerator=cpu", "--trainer.max_steps=40",
         "--trainer.enable_progress_bar=false", "--data.warmup=64", "--data.num_envs=4", "--data.length=20",
         f"--trainer.logger=[{{class_path: lightning.pytorch.loggers.CSVLogger, init_args: {{save_dir: '{tmp_path}'}}}}]",
         f"--trainer.callbacks=[{{class_path: lightning.pytorch.callbacks.ModelCheckpoint, init_args: {{dirpath: '{tmp_path / 'ck'}', save_last: true}}}}]"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Starting with 2 processes" in run.stdout + run.stderr
    ckpt = torch.load(tmp_path / "ck" / "last.ckpt", weights_only=True)
    assert ckpt["global_step"] == 40  # games of 20 steps end on both ranks: episode metrics do not hang


def test_a_short_seeded_run_learns_to_beat_random(tmp_path):
    """QMIX on tinyMaze: greedy win rate against random, before training and after 1,500 steps."""
    from marl_lightning import EvaluationCallback

    cli = MARLCLI(ValueDecompositionModule, CaptureDataModule, run=False, save_config_callback=None, args=[
        "--config", str(ROOT / "configs" / "qmix.yaml"), "--trainer.max_steps=1500", "--trainer.logger=false",
        "--trainer.callbacks=[]", "--trainer.enable_checkpointing=false", "--trainer.enable_progress_bar=false",
        f"--trainer.default_root_dir={tmp_path}",
    ])
    evaluate = EvaluationCallback(opponents=["random"], games=64)
    cli.trainer.datamodule = cli.datamodule  # evaluation reads the training layouts from here
    before = evaluate.evaluate_policy(cli.model, cli.datamodule.layouts)["random"]
    cli.trainer.fit(cli.model, cli.datamodule)
    after = evaluate.evaluate_policy(cli.model, cli.datamodule.layouts)["random"]
    print(f"win rate against random: {before:.2f} untrained, {after:.2f} after 1500 steps")
    assert after >= before + 0.25 and after >= 0.5


def test_ckpt_path_last_finds_the_previous_run_and_overwrites_nothing(tmp_path):
    args = lambda steps: [  # noqa: E731 - CSV logs under tmp_path/run/version_*, checkpoints beside them
        "fit", "--config", str(ROOT / "configs" / "qmix.yaml"), f"--trainer.max_steps={steps}",
        "--trainer.enable_progress_bar=false",
        f"--trainer.logger=[{{class_path: lightning.pytorch.loggers.CSVLogger, init_args: {{save_dir: '{tmp_path}', name: run}}}}]",
        "--trainer.callbacks=[{class_path: lightning.pytorch.callbacks.ModelCheckpoint, init_args: {save_last: true}}]",
        "--data.num_envs=4", "--data.warmup=16", "--data.batch_size=8",
    ]
    MARLCLI(ValueDecompositionModule, CaptureDataModule, args=args(6))
    first = tmp_path / "run" / "version_0" / "checkpoints" / "last.ckpt"
    saved = first.read_bytes()
    resumed = MARLCLI(ValueDecompositionModule, CaptureDataModule, args=[*args(9), "--ckpt_path=last"])
    assert resumed.trainer.global_step == 9
    assert first.read_bytes() == saved  # the first run's checkpoint is untouched
    assert (tmp_path / "run" / "version_1" / "checkpoints" / "last.ckpt").is_file()


def test_print_config_shows_every_setting(capsys):
    with pytest.raises(SystemExit):
        MARLCLI(ValueDecompositionModule, CaptureDataModule, args=["fit", "--config", str(ROOT / "configs" / "qmix.yaml"), "--print_config"])
    out = capsys.readouterr().out
    assert "mixer: qmix" in out and "num_envs: 64" in out and "epsilon_schedule: linear" in out


@pytest.mark.parametrize("override", [
    "--data.prioritized=true",
    "--data.layouts=[tinyMaze, smallMaze]",  # padded to 9 x 16
    "--model.shared=false",
    "--model.target_update=hard",
    "--model.epsilon_schedule=exponential",
])
def test_config_switches_train(tmp_path, override):
    cli = fit(tmp_path, override, steps=12)
    assert cli.trainer.global_step == 12
    if "layouts" in override:
        assert cli.model.hparams.grid_shape == (9, 16)
    if "prioritized" in override:
        assert cli.datamodule.buffer.prioritized


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
        "--config", str(ROOT / "configs" / "vdn.yaml"), "--data.layouts=[tinyMaze, smallMaze]", "--data.opponent=baseline",
        "--data.seed=3", f"--trainer.logger=[{{class_path: lightning.pytorch.loggers.CSVLogger, init_args: {{save_dir: '{tmp_path}', name: auto}}}}]",
    ])
    assert cli.trainer.logger.name == "vdn__tinyMaze+smallMaze__baseline__3"
