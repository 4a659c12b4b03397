"""What a new user meets: one-line errors, checkpoints that say what is wrong with them, resumed runs
plotted as one curve, where a run's files went, a steady progress-bar win rate, commands that take
their arguments alike, a quiet console, help for every setting, readable GIFs and labelled heat maps."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from docstring_parser import parse

from gymPacMan import VecCaptureEnv
from gymPacMan.render import render_rgb
from marl_lightning import CaptureDataModule, CheckpointError, MAPPOModule, ValueDecompositionModule, load_policy
from marl_lightning.learners import Learner
from marl_lightning.play.export import default_folder
from marl_lightning.play.export import main as export_main
from marl_lightning.play.plot import read_curve
from marl_lightning.play.tournament import heat_map_title

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_a_users_mistake_is_one_line_on_stderr_and_status_2(tmp_path):
    missing = run("-m", "marl_lightning.evaluate", str(tmp_path / "nosuch.ckpt"), "random")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    lines = missing.stderr.strip().splitlines()
    assert lines[-1].startswith("error: no checkpoint at") and "nosuch.ckpt" in lines[-1]
    debug = run("-m", "marl_lightning.evaluate", str(tmp_path / "nosuch.ckpt"), "random", "--debug")
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "FileNotFoundError" in debug.stderr
    layout = run("train.py", "fit", "--config", "configs/algo/qmix.yaml", "--data.layouts", "nosuchmap", "--trainer.logger=false")
    assert layout.returncode == 2 and "Traceback" not in layout.stderr
    assert layout.stderr.strip().splitlines()[-1].startswith("error: no layout file 'nosuchmap'")
    team = run("-m", "agents", "--blue", "nosuchteam", "--games", "2")
    assert team.returncode == 2 and "unknown team 'nosuchteam'" in team.stderr and "Traceback" not in team.stderr


def test_a_bad_checkpoint_says_what_is_wrong_without_advising_an_unsafe_load(tmp_path):
    corrupt = tmp_path / "corrupt.ckpt"
    corrupt.write_bytes(b"not a checkpoint" * 20)
    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes((ROOT / "teams" / "champion.ckpt").read_bytes()[:4000])
    foreign = tmp_path / "foreign.ckpt"
    torch.save({"state_dict": {}, "object": ForeignObject()}, foreign)
    for path, expected in ((corrupt, "corrupt or truncated"), (truncated, "corrupt or truncated"),
                           (foreign, "holds a Python object of type")):
        with pytest.raises(CheckpointError) as caught:
            load_policy(path)
        message = str(caught.value)
        assert expected in message and str(path) in message
        assert "weights_only" not in message and "trusted source" not in message  # no advice to run a file's code


class ForeignObject:
    """Something a checkpoint of this project never holds."""


def write_log(folder: Path, rows: list[dict]) -> None:
    folder.mkdir(parents=True)
    names = sorted({k for row in rows for k in row})
    lines = [",".join(names)] + [",".join(str(row.get(n, "")) for n in names) for row in rows]
    (folder / "metrics.csv").write_text("\n".join(lines) + "\n")


def test_plot_joins_a_resumed_runs_versions_by_step(tmp_path):
    run_folder = tmp_path / "qmix"
    write_log(run_folder / "version_0", [  # evaluations at steps 49 and 99; the checkpoint it is resumed from: step 60
        {"step": 49, "rollout/env_steps": 490, "rollout/minutes": 1.0, "eval/win_rate": 0.2, "eval/at_step": 49},
        {"step": 99, "rollout/env_steps": 990, "rollout/minutes": 2.0, "eval/win_rate": 0.3, "eval/at_step": 99},
    ])
    write_log(run_folder / "version_1", [  # resumed at step 60: its minutes start again from 0
        {"step": 60, "rollout/env_steps": 600, "rollout/minutes": 0.1},
        {"step": 99, "rollout/env_steps": 990, "rollout/minutes": 0.5, "eval/win_rate": 0.4, "eval/at_step": 99},
        {"step": 149, "rollout/env_steps": 1490, "rollout/minutes": 1.5, "eval/win_rate": 0.6, "eval/at_step": 149},
    ])
    from marl_lightning.play.plot import metrics_files

    steps, minutes, values = read_curve(metrics_files(run_folder), "eval/win_rate")
    assert steps == [490, 990, 1490] and values == [0.2, 0.4, 0.6]  # version 1 replaced version 0 from step 60 on
    assert minutes == pytest.approx([1.0, 1.5, 2.5])  # its minutes go on from the 1.0 of version 0 before step 60
    write_log(tmp_path / "other" / "version_0", [{"step": 9, "rollout/env_steps": 90, "rollout/minutes": 0.1}])
    out = run("-m", "marl_lightning.plot", str(run_folder), str(tmp_path / "other"), "--out", str(tmp_path / "c.png"))
    assert out.returncode == 0 and (tmp_path / "c.png").is_file()
    assert "warning: skipped" in out.stderr and "other" in out.stderr  # a run without the metric is skipped


def test_fit_says_where_the_run_and_its_checkpoints_are(tmp_path, capsys):
    from test_training import fit

    fit(tmp_path, steps=20)
    out = capsys.readouterr().out
    assert f"run folder: {tmp_path / 'run' / 'version_0'}" in out
    assert f"best checkpoint: {tmp_path / 'ckpt'}" in out and "(eval/win_rate " in out
    assert f"last checkpoint: {tmp_path / 'ckpt' / 'last.ckpt'}" in out


def test_the_progress_bar_win_rate_is_over_the_last_100_games():
    from marl_lightning.data import TrainingBatch

    learner = Learner()
    for wins in (np.ones(60), np.zeros(30), np.ones(30)):  # 120 games: the last 100 hold 40 + 30 + 30
        learner.count(TrainingBatch(None, 0, {"win": wins}, None))
    assert learner.recent_win_rate == pytest.approx(0.7)
    assert Learner().recent_win_rate is None


def test_export_takes_the_checkpoint_first_and_has_a_default_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = export_main([str(ROOT / "teams" / "champion.ckpt")])
    assert path == Path("exports") / "champion" / "myTeam.py" and path.is_file()
    assert default_folder("runs/qmix__tinyMaze__random__0/version_3/checkpoints/last.ckpt") == Path("exports/qmix__tinyMaze__random__0")
    with pytest.raises(FileExistsError, match="already exist"):  # nothing saved is overwritten
        export_main([str(ROOT / "teams" / "champion.ckpt")])
    assert export_main(["--ckpt", str(ROOT / "teams" / "champion.ckpt"), "--out", "other"]) == Path("other/myTeam.py")


def test_the_console_of_a_run_is_about_the_run(tmp_path):
    logger = (f"[{{class_path: lightning.pytorch.loggers.CSVLogger, init_args: {{save_dir: '{tmp_path}', name: run}}}}, "
              f"{{class_path: lightning.pytorch.loggers.WandbLogger, init_args: {{project: p, save_dir: '{tmp_path}', offline: true}}}}]")
    out = run("train.py", "fit", "--config", "configs/algo/qmix.yaml", "--trainer.max_steps=8", "--data.num_envs=4",
              "--data.replay.warmup=32", "--data.batch_size=8", "--trainer.enable_progress_bar=false", f"--trainer.logger={logger}",
              "--trainer.callbacks=[]", f"--trainer.default_root_dir={tmp_path}")
    assert out.returncode == 0, out.stderr[-2000:]
    console = out.stdout + out.stderr
    assert "Tip:" not in console and "LeafSpec" not in console and "IterableDataset" not in console
    assert "wandb: Tracking run" not in console and "wandb: Syncing" not in console
    assert "wandb log (offline): wandb sync " in out.stdout and "run folder: " in out.stdout


@pytest.mark.parametrize("learner", [ValueDecompositionModule, MAPPOModule, CaptureDataModule])
def test_every_model_and_data_setting_has_help(learner):
    documented = {p.arg_name: p.description for p in parse(learner.__doc__).params}
    settings = [name for name in inspect.signature(learner.__init__).parameters if name != "self"]
    assert [name for name in settings if not documented.get(name)] == []


def test_the_two_gradient_clippings_are_never_both_in_effect():
    out = run("train.py", "fit", "--config", "configs/algo/qmix.yaml", "--trainer.gradient_clip_val=1.0", "--trainer.logger=false")
    assert out.returncode == 2 and "leave trainer.gradient_clip_val unset" in out.stderr


def test_a_watched_game_is_large_enough_and_names_the_teams():
    env = VecCaptureEnv("tinyMaze", num_envs=1, seed=0)
    env.reset()
    h, w = env.grid_shape
    named = render_rgb(env.state, 0, cell=24, names=("random", "baseline"))
    plain = render_rgb(env.state, 0, cell=24)
    assert named.shape[:2][1] == w * 24 and named.shape[0] > h * 24 >= 144
    assert not np.array_equal(named[h * 24:], plain[h * 24:]) and np.array_equal(named[:h * 24], plain[:h * 24])


def test_the_heat_map_says_what_it_covers():
    title = heat_map_title({"layouts": ["bloxCapture", "tinyMaze"], "games_per_pair_and_layout": 40})
    assert "bloxCapture, tinyMaze" in title and "80 games per pair" in title and "half in each colour" in title


def marl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`marl ARGS...` as a user types it, in `cwd`."""
    return run("-m", "marl_lightning", *args, cwd=cwd)


def test_a_run_shorter_than_the_evaluation_interval_is_evaluated_checkpointed_and_plotted(tmp_path):
    """The base config evaluates every 250 steps; a 12-step run is evaluated at its end like any other: logged
    (metrics.csv), kept as best.ckpt, played by `evaluate` and drawn by `plot`."""
    out = marl("fit", "--trainer.max_steps=12", "--data.num_envs=4", "--data.replay.warmup=32", "--data.batch_size=8",
               "--trainer.enable_progress_bar=false", cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    folder = tmp_path / "runs" / "qmix__tinyMaze__random__0"
    version = folder / "version_0"
    assert (version / "checkpoints" / "best.ckpt").exists() and "best checkpoint: " in out.stdout
    rows = (version / "metrics.csv").read_text().splitlines()
    header = rows[0].split(",")
    evaluated = [row.split(",") for row in rows[1:] if row.split(",")[header.index("eval/win_rate")] != ""]
    assert [float(row[header.index("eval/at_step")]) for row in evaluated] == [12.0]
    from marl_lightning.play import evaluation, plot

    rows = evaluation.main([str(folder), "random", "--games", "2"])  # on the map it trained on, tinyMaze
    assert [row["layout"] for row in rows] == ["tinyMaze"] and rows[0]["a"].endswith("/best")
    assert plot.main([str(folder), "--out", str(tmp_path / "curve.png")]).is_file()


@pytest.mark.parametrize("args, expected", [
    (["--config", "qmix", "--model.lrr", "0.1"], "error: unknown key model.lrr (not a setting of ValueDecompositionModule); did you mean model.lr"),
    (["--data.num_envss", "4"], "error: unknown key data.num_envss; did you mean data.num_envs"),
    (["--data.replay.warmupp", "3"], "error: unknown key data.replay.warmupp; did you mean data.replay.warmup"),
    (["--data.num_envs", "abc"], "error: data.num_envs takes a value of type int, got 'abc'"),
    (["--model.lr", "abc"], "error: model.lr takes a value of type float, got 'abc'"),
], ids=["model-key", "data-key", "nested-key", "data-type", "model-type"])
def test_a_wrong_config_key_or_type_is_one_line_naming_it_and_the_nearest_keys(args, expected, capsys, monkeypatch):
    """`marl fit` with a misspelled key or a value of the wrong type: one line on stderr, status 2, no usage."""
    from marl_lightning.commands import main

    monkeypatch.setattr(sys, "argv", ["marl", "fit", *args])
    with pytest.raises(SystemExit) as exited:
        main(["fit", *args, "--trainer.logger=false"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert exited.value.code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(expected) and "marl fit --help" in lines[0], lines


def test_marl_lists_its_commands_and_teams_without_loading_torch():
    """`marl`, `marl --help` and `marl teams` start in well under a second: neither torch nor Lightning is imported
    (what made every command take seconds); the team names line up."""
    code = ("import sys; from marl_lightning.commands import main, teams; main([]); main(['--help']); teams([]);"
            "print(sorted(m for m in ('torch', 'lightning', 'wandb') if m in sys.modules))")
    out = run("-c", code)
    assert out.returncode == 0 and out.stdout.strip().splitlines()[-1] == "[]", out.stderr[-2000:]
    listed = [line for line in out.stdout.splitlines() if line.startswith(("random ", "course_heuristic "))]
    assert len(listed) == 2 and listed[0].index("A uniformly") == listed[1].index("The course's")


def test_a_misspelled_team_or_map_is_refused_before_any_checkpoint_loads(tmp_path, monkeypatch):
    """`evaluate`, `watch` and `tournament` check their entrants and maps first, then load checkpoints."""
    from marl_lightning.play import evaluation, tournament, watch

    loaded = []
    monkeypatch.setattr("marl_lightning.entrants.read_checkpoint", lambda *a, **k: loaded.append(a) or {})
    champion = str(ROOT / "teams" / "champion.ckpt")
    for main, args, message in [
        (evaluation.main, [champion, "nosuchteam"], "unknown team 'nosuchteam'"),
        (evaluation.main, [champion, "random", "--layouts", "nosuchmap"], "no layout file 'nosuchmap'"),
        (watch.main, [champion, "random", "--layouts", "nosuchmap", "--gif", str(tmp_path / "g.gif")], "no layout file"),
        (tournament.main, [champion, "random", str(tmp_path / "nosuch.ckpt")], "no checkpoint at"),
    ]:
        with pytest.raises((ValueError, FileNotFoundError), match=message):
            main(args)
    assert loaded == []


def test_evaluation_games_and_results_reach_wandb_offline(tmp_path):
    """At each evaluation the wandb run gets a GIF of a greedy game per opponent and colour and a table of the
    results per opponent, map set and colour; offline, the run's files hold them."""
    logger = (f"[{{class_path: marl_lightning.loggers.RunWandbLogger, init_args: {{project: p, save_dir: '{tmp_path}', "
              "offline: true}}]")
    callbacks = ("[{class_path: marl_lightning.EvaluationCallback, init_args: {opponents: [random, baseline], games: 4, "
                 "every_n_steps: 3, final_games: 0, length: 40}}]")
    out = marl("fit", "--trainer.max_steps=6", "--data.num_envs=4", "--data.replay.warmup=32", "--data.batch_size=8",
               "--trainer.enable_progress_bar=false", f"--trainer.logger={logger}", f"--trainer.callbacks={callbacks}",
               f"--trainer.default_root_dir={tmp_path}", cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    media = next((tmp_path / "wandb").glob("offline-run-*")) / "files" / "media"
    gifs = sorted(p.relative_to(media).as_posix().rsplit("_", 2)[0] for p in media.glob("videos/**/*.gif"))
    games = [f"videos/eval/game/{opponent}/{colour}" for opponent in ("baseline", "random") for colour in ("blue", "red")]
    assert gifs == sorted(games * 2)  # two evaluations (steps 3 and 6), four games each
    tables = list(media.glob("table/eval/results_*.table.json"))
    assert len(tables) == 2
    import json

    table = json.loads(tables[0].read_text())
    assert table["columns"][:3] == ["opponent", "map set", "colour"] and len(table["data"]) == 4
    assert {tuple(row[:3]) for row in table["data"]} == {(o, "tinyMaze", c) for o in ("random", "baseline") for c in ("blue", "red")}


def test_a_runs_last_step_is_known_whatever_ends_it():
    """The evaluation that ends a run is logged and checkpointed: `max_steps`, `max_time` (Lightning's `Timer`, which
    runs after the evaluation; on one process, as ranks' clocks differ) and an `EnvStepBudget` each make a step the
    last."""
    from datetime import timedelta
    from types import SimpleNamespace

    from lightning.pytorch.callbacks import Timer

    from marl_lightning.callbacks import EnvStepBudget, training_ends

    def trainer(*callbacks, max_steps=-1, step=10, world_size=1):
        return SimpleNamespace(max_steps=max_steps, global_step=step, should_stop=False, callbacks=list(callbacks),
                               world_size=world_size)

    module = SimpleNamespace(env_steps_collected=500)
    assert training_ends(trainer(max_steps=10), module) and not training_ends(trainer(max_steps=11), module)
    assert training_ends(trainer(Timer(timedelta(0))), module) and not training_ends(trainer(Timer(timedelta(hours=1))), module)
    assert not training_ends(trainer(Timer(timedelta(0)), world_size=2), module)  # each rank's clock: the Timer decides
    assert training_ends(trainer(EnvStepBudget(500)), module) and not training_ends(trainer(EnvStepBudget(501)), module)


def test_a_continued_log_keeps_its_columns_and_drops_what_the_resume_logs_again(tmp_path):
    """`RunCSVLogger` on a folder with a log: the rows from the checkpoint's step on dropped (the resumed run logs
    those steps again), the rest kept, its columns sorted (the order Lightning's writer appends in); new rows
    appended under the same header."""
    from marl_lightning.loggers import RunCSVLogger

    folder = tmp_path / "run" / "version_0"
    folder.mkdir(parents=True)
    (folder / "metrics.csv").write_text("step,b/x,a/y\n0,1.0,\n1,2.0,5.0\n2,3.0,\n3,4.0,\n")  # columns not sorted
    (folder / "hparams.yaml").write_text("config: {started: true}\n")
    logger = RunCSVLogger(save_dir=tmp_path, name="run", version="version_0", resume_step=2)
    logger.log_hyperparams({"config": {"resumed": True}})
    logger.log_metrics({"b/x": 9.0, "a/y": 8.0}, step=2)
    logger.save()
    assert (folder / "metrics.csv").read_text() == "a/y,b/x,step\n,1.0,0\n5.0,2.0,1\n8.0,9.0,2\n"
    assert (folder / "hparams.yaml").read_text() == "config: {started: true}\n"  # the settings the run started with


def test_a_misspelled_class_is_named_in_the_one_line_error(capsys, monkeypatch):
    from marl_lightning.commands import main

    monkeypatch.setattr(sys, "argv", ["marl", "fit"])
    with pytest.raises(SystemExit):
        main(["fit", "--model", "marl_lightning.learners.MAPOModule", "--trainer.logger=false"])
    line = capsys.readouterr().err.strip()
    assert "\n" not in line and line.startswith("error: model:") and "MAPOModule" in line
