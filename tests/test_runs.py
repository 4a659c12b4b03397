"""Runs that know who they are: names from their config files and opponent, safe in a folder name and
distinct per recipe; a resume that continues its own run (its checkpoint, its wandb run) and refuses a
checkpoint it cannot continue; `best.ckpt` beside `last.ckpt`, and a run folder wherever a checkpoint
goes; the seed given once; `marl plot` drawing a recipe's seeds as a mean with a band."""

from __future__ import annotations

import csv
import io

import pytest
import torch
import yaml

from marl_lightning import CaptureDataModule, ValueDecompositionModule, load_policy
from marl_lightning.cli import MARLCLI
from marl_lightning.run_folders import BEST, run_checkpoint
from marl_lightning.runs import changed_settings, opponent_name, recipe_name, run_name, safe_name

FIXED = {"model": ValueDecompositionModule.spec.resume_fixed, "data": CaptureDataModule.FIXED_SETTINGS}

from helpers import ROOT


def configured(*args: str) -> MARLCLI:
    """The CLI's model and data for a command line, nothing trained (loggers named `auto`, as shipped)."""
    return MARLCLI(ValueDecompositionModule, CaptureDataModule, run=False, save_config_callback=None,
                   args=[*args, "--trainer.logger=[{class_path: lightning.pytorch.loggers.CSVLogger, "
                         "init_args: {save_dir: runs, name: auto}}]"])


def checkpoint_settings(node: object) -> list[dict]:
    """Every mapping under `node` (a parsed config) that names a metric to `monitor`."""
    if isinstance(node, dict):
        return ([node] if "monitor" in node else []) + [s for value in node.values() for s in checkpoint_settings(value)]
    if isinstance(node, list):
        return [s for value in node for s in checkpoint_settings(value)]
    return []


def test_every_shipped_config_keeps_the_checkpoint_of_the_highest_win_rate():
    """A win rate is better high: `mode: max` wherever a config monitors one (ModelCheckpoint's default is min)."""
    checked = 0
    for path in sorted((ROOT / "configs").glob("**/*.yaml")):
        for settings in checkpoint_settings(yaml.safe_load(path.read_text())):
            if "win_rate" in str(settings["monitor"]):
                assert settings.get("mode") == "max", f"{path.name}: {settings}"
                checked += 1
    assert checked >= 6  # base.yaml's, the environments' and the recipes' own


def test_run_names_come_from_the_config_files_and_are_distinct_per_recipe():
    names = {
        configured("--config", "recipe/qmix_blox").trainer.logger.name,
        configured("--config", "qmix_blox_curriculum").trainer.logger.name,
        configured("--config", "algo/qmix", "--config", "qmix_blox_selfplay").trainer.logger.name,  # named by the recipe
        configured("--config", "vdn", "--config", "env/ladder").trainer.logger.name,
        configured("--config", "env/ladder").trainer.logger.name,  # no learner named: the default's file names it too
        configured("--model.class_path", "marl_lightning.learners.ValueDecompositionModule",
                   "--model.init_args.mixer", "{class_path: marl_lightning.mixers.QMixer}").trainer.logger.name,  # by the model
    }
    assert names == {"qmix_blox__bloxCapture__random__0", "qmix_blox_curriculum__bloxCapture__curriculum__0",
                     "qmix_blox_selfplay__bloxCapture__random-0.5+baseline-0.5+league__0",
                     "vdn+ladder__tinyMaze__random-0.5+baseline-0.5__0", "qmix+ladder__tinyMaze__random-0.5+baseline-0.5__0",
                     "qmix__tinyMaze__random__0"}
    assert recipe_name(["configs/recipe/qmix_blox.yaml", "my_changes.yaml"]) == "qmix_blox+my_changes"
    assert recipe_name(["configs/recipe/qmix_blox.yaml", "configs/recipe/qmix_blox_fast.yaml"]) == "qmix_blox+fast"


@pytest.mark.parametrize("opponent, expected", [
    ("contest:teams/contest/reflexTeam.py?observation=course&workers=2", "contest-reflexTeam"),
    ("runs/qmix__tinyMaze__random__0/version_1/checkpoints/step250-win0.98.ckpt",
     "qmix__tinyMaze__random__0-version_1-step250-win0.98"),
    ({"random": 0.5, "my/teams/myTeam.py": 0.5}, "random-0.5+myTeam-0.5"),
    ("heuristicTeam", "heuristicTeam"),
])
def test_opponents_get_readable_names_safe_in_a_folder_name(opponent, expected):
    assert opponent_name(opponent) == expected
    name = run_name("qmix", ["layouts/smallMaze.lay", "contest_random"], opponent_name(opponent), 3)
    assert name == f"qmix__smallMaze+contest_random__{expected}__3"
    assert not set("/:?\\ ") & set(name)
    long = safe_name("x" * 300)
    assert len(long) == 80 and long != safe_name("x" * 299)  # cut, but still distinct


def test_the_seed_is_given_once():
    config = str(ROOT / "configs" / "algo" / "qmix.yaml")
    cli = configured("--config", config, "--seed_everything=7")
    assert cli.datamodule.seed == 7 and cli.trainer.logger.name.endswith("__7")
    assert configured("--config", config, "--seed_everything=7", "--data.seed=3").datamodule.seed == 3


def test_a_shipped_config_is_found_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for given in ("qmix", "qmix.yaml", "algo/qmix", "configs/algo/qmix.yaml", "configs/qmix.yaml"):
        assert configured("--config", given).model.hparams.mixer["class_path"] == "marl_lightning.mixers.QMixer"


def short_fit(tmp_path, config: str, *extra: str, steps: int = 4) -> MARLCLI:
    """A few steps of a shipped config, logged as shipped (CSV and offline wandb, named `auto`) under tmp_path."""
    logger = (f"[{{class_path: lightning.pytorch.loggers.CSVLogger, init_args: {{save_dir: '{tmp_path}', name: auto}}}}, "
              f"{{class_path: lightning.pytorch.loggers.WandbLogger, init_args: {{project: p, name: auto, save_dir: '{tmp_path}', "
              "offline: true}}]")
    return MARLCLI(datamodule_class=CaptureDataModule, save_config_kwargs={"overwrite": True}, args=[
        "fit", "--config", config,
        f"--trainer.max_steps={steps}", "--trainer.enable_progress_bar=false",
        f"--trainer.logger={logger}", f"--trainer.default_root_dir={tmp_path}",
        "--trainer.callbacks=[{class_path: marl_lightning.checkpointing.RunCheckpoint, init_args: {save_last: true}}]",
        "--data.num_envs=4", "--data.replay.warmup=16", "--data.batch_size=8", *extra])


def test_a_resume_continues_its_own_run_and_its_wandb_run(tmp_path):
    qmix = short_fit(tmp_path, "qmix", "--model.lr=0.002", "--trainer.log_every_n_steps=1")
    vdn = short_fit(tmp_path, "vdn")  # newer, under the same save_dir: `last` must not take it for the QMIX run
    first = tmp_path / "qmix__tinyMaze__random__0"
    started = {name: (first / "version_0" / name).read_text() for name in ("config.yaml", "hparams.yaml", "metrics.csv")}
    resumed = short_fit(tmp_path, "qmix", "--model.lr=0.002", "--ckpt_path=last", "--trainer.log_every_n_steps=1", steps=6)
    assert resumed.trainer.ckpt_path == str(first / "version_0" / "checkpoints" / "last.ckpt")
    assert resumed.trainer.global_step == 6 and not (first / "version_1").exists()  # the run goes on in its own folder
    for name in ("config.yaml", "hparams.yaml"):  # the settings the run started with, kept; the resume's beside them
        assert (first / "version_0" / name).read_text() == started[name]
    assert "max_steps: 6" in (first / "version_0" / "config.resume1.yaml").read_text()
    before, after = ([int(row["step"]) for row in csv.DictReader(io.StringIO(text))]
                     for text in (started["metrics.csv"], (first / "version_0" / "metrics.csv").read_text()))
    assert before and after[:len(before)] == before and max(after) >= 4  # the run's log, continued
    assert (first / "version_0" / "wandb_id").read_text() == f"{qmix.trainer.loggers[1].version}\n"  # the same wandb run goes on
    assert vdn.trainer.loggers[1].version != qmix.trainer.loggers[1].version
    init = resumed.trainer.loggers[1]._wandb_init
    assert init["group"] == "qmix__tinyMaze__random data.batch_size=8 data.num_envs=4 data.replay.warmup=16 model.lr=0.002"
    assert init["resume"] == "allow"
    assert "model.lr=0.002" in init["tags"] and "trainer.max_steps=6" in init["tags"]
    assert {"recipe:qmix", "learner:qmix", "map:tinyMaze", "opponent:random"} <= set(init["tags"])
    hparams = (first / "version_0" / "hparams.yaml").read_text()
    assert hparams.startswith("config:") and "num_envs: 4" in hparams  # the whole config, logged once


def test_a_resume_refuses_a_checkpoint_it_cannot_continue_and_says_why(tmp_path):
    short_fit(tmp_path, "qmix")
    ckpt = tmp_path / "qmix__tinyMaze__random__0" / "version_0" / "checkpoints" / "last.ckpt"
    with pytest.raises(ValueError, match=r"cannot resume .*model\.mixer .*vdn.*; data\.num_envs \(checkpoint: 4, now: 8\)"):
        short_fit(tmp_path, "qmix", f"--ckpt_path={ckpt}", "--model.mixer=vdn", "--data.num_envs=8")
    with pytest.raises(ValueError, match=r"cannot resume .*data\.league \(checkpoint: None, now: \{'every_n_steps': 2000, "
                                         r"'pool_size': 8, 'share': 0.3"):
        short_fit(tmp_path, "qmix", f"--ckpt_path={ckpt}", "--data.league.share=0.3")
    saved = {"model": {"obs_shape": (8, 6, 12), "lr": 0.001}, "data": {"layouts": "tinyMaze", "seed": 0}}
    assert changed_settings(saved, {"model": {"obs_shape": [8, 6, 12], "lr": 0.01},
                                    "data": {"layouts": ["tinyMaze"], "seed": 0}}, FIXED) == []  # the learning rate may change


def test_a_resume_compares_the_curriculum_and_the_league_field_by_field():
    """The typed settings as a checkpoint keeps them (plain dicts, every field), or as an older one kept them
    (the mapping given, defaults left out): the same settings pass, a changed one is named."""
    from dataclasses import asdict

    from marl_lightning.data.curriculum import CurriculumConfig
    from marl_lightning.data.league import LeagueConfig

    stages = [{"opponents": {"random": 1.0}, "until_win_rate": 0.9}, {"opponents": {"baseline": 1.0}}]
    curriculum, league = asdict(CurriculumConfig(stages)), asdict(LeagueConfig(share=0.3))
    now = {"data": {"curriculum": curriculum, "league": league}}
    assert changed_settings({"data": {"curriculum": curriculum, "league": league}}, now, FIXED) == []
    assert changed_settings({"data": {"curriculum": {"stages": stages}, "league": {"share": 0.3}}}, now, FIXED) == []  # older
    assert changed_settings({"data": {"curriculum": curriculum, "league": league}},
                            {"data": {"curriculum": CurriculumConfig(stages), "league": LeagueConfig(share=0.3)}}, FIXED) == []
    changed = changed_settings({"data": {"curriculum": {"stages": stages[:1] + [{"opponents": {"heuristic": 1.0}}]},
                                         "league": {"share": 0.5}}}, now, FIXED)
    assert [c.split(" (")[0] for c in changed] == ["data.curriculum", "data.league"]
    assert "'heuristic': 1.0" in changed[0] and "'share': 0.5" in changed[1] and "'share': 0.3" in changed[1]


def test_a_run_keeps_its_best_checkpoint_and_a_run_folder_plays_it(tmp_path, monkeypatch, capsys):
    from marl_lightning.play.evaluation import main as evaluate_main
    from marl_lightning.play.export import main as export_main

    cli = MARLCLI(ValueDecompositionModule, CaptureDataModule, save_config_callback=None, args=[
        "fit", "--config", str(ROOT / "configs" / "algo" / "qmix.yaml"), "--trainer.max_steps=20", "--trainer.enable_progress_bar=false",
        f"--trainer.logger=[{{class_path: lightning.pytorch.loggers.CSVLogger, init_args: {{save_dir: '{tmp_path}', name: auto}}}}]",
        "--trainer.callbacks=[{class_path: marl_lightning.EvaluationCallback, init_args: {games: 4, every_n_steps: 10, final_games: 0}},"
        " {class_path: marl_lightning.checkpointing.RunCheckpoint, init_args: {monitor: eval/win_rate, mode: max, save_last: true,"
        " every_n_train_steps: 10}}]",
        "--data.num_envs=4", "--data.replay.warmup=16", "--data.batch_size=8",
    ])
    run = tmp_path / "qmix__tinyMaze__random__0"
    best = run / "version_0" / "checkpoints" / BEST
    assert best.resolve() == (run / "version_0" / "checkpoints" / cli.trainer.checkpoint_callback.best_model_path).resolve()
    assert run_checkpoint(run) == best and run_checkpoint(run / "version_0") == best
    torch.testing.assert_close(load_policy(run).network.state_dict(), load_policy(best).network.state_dict())
    rows = evaluate_main([str(run), "random", "--layouts", "tinyMaze", "--games", "4"])
    assert rows[0]["a"] == "qmix__tinyMaze__random__0/version_0/best" and rows[0]["games"] == 4
    monkeypatch.chdir(tmp_path)
    assert export_main([str(run)]).parent.name == "qmix__tinyMaze__random__0"  # exports/<run name>/
    best.unlink()  # a run that never evaluated plays its last checkpoint, and says so
    assert run_checkpoint(run) == run / "version_0" / "checkpoints" / "last.ckpt"
    assert "no best.ckpt" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no checkpoint in the run folder"):
        run_checkpoint(tmp_path / "empty")


def test_a_run_that_ends_between_two_saves_writes_its_last_checkpoint(tmp_path):
    """`trainer.max_time` (or `max_steps`) ending a run 5 steps after a save: last.ckpt holds the step it ended on."""
    MARLCLI(ValueDecompositionModule, CaptureDataModule, save_config_callback=None, args=[
        "fit", "--config", str(ROOT / "configs" / "algo" / "qmix.yaml"), "--trainer.max_steps=15", "--trainer.enable_progress_bar=false",
        "--trainer.logger=false", f"--trainer.default_root_dir={tmp_path}",
        "--trainer.callbacks=[{class_path: marl_lightning.checkpointing.RunCheckpoint, init_args: {save_last: true, "
        "every_n_train_steps: 10}}]", "--data.num_envs=4", "--data.replay.warmup=16", "--data.batch_size=8",
    ])
    last = next(tmp_path.glob("**/last.ckpt"))
    assert torch.load(last, weights_only=True, map_location="cpu")["global_step"] == 15


def test_plot_draws_a_recipes_seeds_as_a_mean_with_a_band(tmp_path):
    import numpy as np

    from marl_lightning.play.plot import main as plot_main
    from marl_lightning.play.plot import mean_and_band, seed_groups
    from test_new_user import write_log

    for seed, rates in ((0, (0.2, 0.6)), (1, (0.4, 0.8))):
        write_log(tmp_path / f"qmix__tinyMaze__random__{seed}" / "version_0", [
            {"step": 9, "rollout/env_steps": 100, "rollout/minutes": 1.0, "eval/win_rate": rates[0], "eval/at_step": 9},
            {"step": 19, "rollout/env_steps": 200, "rollout/minutes": 2.0, "eval/win_rate": rates[1], "eval/at_step": 19}])
    write_log(tmp_path / "vdn__tinyMaze__random__0" / "version_0", [
        {"step": 9, "rollout/env_steps": 100, "rollout/minutes": 1.0, "eval/win_rate": 0.5, "eval/at_step": 9}])
    runs = sorted(tmp_path.glob("*__*"))
    groups = seed_groups(runs)
    assert {name: len(members) for name, members in groups.items()} == {"qmix__tinyMaze__random": 2, "vdn__tinyMaze__random": 1}
    x, mean, low, high = mean_and_band([([100, 200], [0.2, 0.6]), ([100, 150, 200], [0.4, 0.5, 0.8])])
    np.testing.assert_allclose(x, [100, 150, 200])
    np.testing.assert_allclose(mean, [0.3, 0.45, 0.7])
    np.testing.assert_allclose(low, [0.2, 0.4, 0.6])
    np.testing.assert_allclose(high, [0.4, 0.5, 0.8])
    assert plot_main([*map(str, runs), "--out", str(tmp_path / "c.png")]).is_file()
    with pytest.raises(SystemExit):  # one label per curve: two recipes here
        plot_main([*map(str, runs), "--labels", "a", "b", "c", "--out", str(tmp_path / "d.png")])


def test_data_settings_come_in_groups_and_an_older_flat_name_is_refused_naming_its_new_place(tmp_path):
    """`data.replay.n_step`, not `data.n_step`: a command line or config file with an older flat name is told where the
    setting went; an older checkpoint's flat settings are read into their groups (a resume still compares them)."""
    from marl_lightning.data.settings import grouped

    with pytest.raises(ValueError, match=r"data\.n_step -> data\.replay\.n_step; data\.demo_flip -> data\.demonstrations\.flip"):
        MARLCLI(datamodule_class=CaptureDataModule, run=False, save_config_callback=None,
                args=["--data.n_step=3", "--data.demo_flip=0.5", "--trainer.logger=false"])
    config = tmp_path / "old.yaml"
    config.write_text("data:\n  demonstrations: demos/search.pt\n  zero_sum: true\n")
    with pytest.raises(ValueError, match=r"data\.demonstrations -> data\.demonstrations\.file; data\.zero_sum -> data\.rewards\.zero_sum"):
        MARLCLI(datamodule_class=CaptureDataModule, run=False, save_config_callback=None,
                args=["--config", str(config), "--trainer.logger=false"])
    old = {"layouts": "tinyMaze", "n_step": 3, "buffer_size": 1000, "demonstrations": "d.pt", "demo_share": 0.25,
           "rollout_length": 8, "zero_sum": True}
    assert grouped(old) == {"layouts": "tinyMaze", "replay": {"n_step": 3, "buffer_size": 1000}, "rollout": {"length": 8},
                            "demonstrations": {"file": "d.pt", "share": 0.25}, "rewards": {"zero_sum": True}}
    now = {"layouts": ["tinyMaze"], "replay": {"n_step": 5, "buffer_size": 1000, "warmup": 10}}
    assert changed_settings({"data": old}, {"data": now}, FIXED) == ["data.replay.n_step (checkpoint: 3, now: 5)"]


def test_a_run_folder_with_two_versions_plays_the_newest_best_checkpoint(tmp_path):
    """A resumed run logs into `version_1`: the run folder plays that version's `best.ckpt`, the newest, not the first."""
    import os

    run = tmp_path / "qmix__tinyMaze__random__0"
    for version, mtime in (("version_0", 1_000_000), ("version_1", 2_000_000)):
        best = run / version / "checkpoints" / BEST
        best.parent.mkdir(parents=True)
        best.write_bytes(b"")
        os.utime(best, (mtime, mtime))
    assert run_checkpoint(run) == run / "version_1" / "checkpoints" / BEST
    os.utime(run / "version_0" / "checkpoints" / BEST, (3_000_000, 3_000_000))  # newer by time, whatever its name
    assert run_checkpoint(run) == run / "version_0" / "checkpoints" / BEST


def test_a_runs_tags_name_its_recipe_learner_maps_and_opponents():
    """wandb's filters find a run by what it trained: each map, each opponent (a mixture's and a curriculum's
    members apart), its recipe and learner, then the command line's changes; at most 64 characters each."""
    from marl_lightning.runs import run_tags

    tags = run_tags("qmix_blox", "qmix", ["bloxCapture", "layouts/my.lay"], {"random": 0.5, "baseline": 0.5},
                    changed=["model.lr=0.001", "data.note=" + "x" * 80])
    assert tags[:6] == ["recipe:qmix_blox", "learner:qmix", "map:bloxCapture", "map:my", "opponent:random", "opponent:baseline"]
    assert tags[6] == "model.lr=0.001" and len(tags[7]) == 64
    stages = {"stages": [{"opponents": {"random": 1.0}}, {"opponents": {"heuristic": 1.0}, "layouts": ["contest_3"]}]}
    staged = run_tags("ladder", "vdn", "tinyMaze", "random", curriculum=stages, league={"snapshot_every": 10})
    assert staged == ["recipe:ladder", "learner:vdn", "map:tinyMaze", "map:contest_3", "opponent:random", "opponent:heuristic", "league"]
