"""The command-line entry points run and print what they promise."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import pytest

from agents.__main__ import main as play_main

ROOT = Path(__file__).resolve().parents[1]


def test_play_command_reports_results_and_saves_the_first_game(tmp_path, capsys):
    summary = play_main(["--layout", "tinyMaze", "--games", "6", "--num-envs", "3", "--length", "20",
                         "--gif", str(tmp_path / "g.gif"), "--text", str(tmp_path / "g.txt")])
    assert summary["games"] == 6 and summary["blue_wins"] + summary["ties"] + summary["red_wins"] == 6
    assert summary["mean_length"] <= 20
    frames = iio.imread(tmp_path / "g.gif", index=None)
    assert len(frames) == 21  # the start and the state after each of the 20 steps
    log = (tmp_path / "g.txt").read_text()
    assert "t=0 " in log and log.count("score=") == 21  # the start, 20 steps; the last one is the end
    assert "blue wins" in capsys.readouterr().out


def test_env_benchmark_prints_steps_per_sec_last():
    out = subprocess.run(
        [sys.executable, "benchmarks/env_throughput.py", "--layout", "tinyMaze", "--num-envs", "4", "--seconds", "0.5"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()
    assert out[-1].startswith("steps_per_sec=") and float(out[-1].split("=")[1]) > 0


def test_the_run_profile_accounts_for_a_runs_time_by_component():
    out = subprocess.run(
        [sys.executable, "benchmarks/run_profile.py", "--config", "configs/algo/qmix.yaml", "--steps", "4",
         "--data.replay.warmup=128", "--data.num_envs=8", "--data.batch_size=8"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    rows = {line[:44].strip(): line[44:].split() for line in out.splitlines() if line[:44].strip()}
    assert rows["optimizer step"][-1] == "4" and rows["collect"] and rows["final evaluation"]  # the recipe's evaluations kept
    children = ["training_step (forward, loss)", "backward"]
    assert all(float(rows[name][0]) <= float(rows["optimizer step"][0]) for name in children)
    assert float(rows["the run"][1].rstrip("%")) == 100.0


def test_the_network_benchmark_times_acting_and_learning():
    out = subprocess.run([sys.executable, "benchmarks/network_speed.py", "--games", "4", "--repeats", "1"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip().splitlines()
    assert len(out) == 3 and all("forward_ms=" in line and "forward_backward_ms=" in line for line in out[1:])


def ladder(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "benchmarks/team_ladder.py", *args, "--out", str(tmp_path / "ladder.md")],
                          cwd=ROOT, capture_output=True, text=True)


@pytest.mark.slow
def test_the_ladder_holds_over_real_games(tmp_path):
    """random < baseline < heuristic, each rung winning at least 70% against the one below, 60 games a pairing."""
    run = ladder(tmp_path, "--teams", "random", "baseline", "heuristic", "--games", "10", "--threshold", "0.7")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    table = (tmp_path / "ladder.md").read_text()
    assert "| baseline vs random (rung) |" in table and "| heuristic vs baseline (rung) |" in table
    assert "ladder holds" in table
    results = json.loads((tmp_path / "ladder.json").read_text())
    for pairing in ("baseline|random", "heuristic|baseline", "heuristic|random"):
        games = [r for key, r in results.items() if key.startswith(pairing + "|")]
        wins, total = sum(r["wins"] for r in games), sum(r["wins"] + r["ties"] + r["losses"] for r in games)
        assert total == 60 and wins / total >= 0.7, (pairing, wins, total)


def test_the_ladder_check_fails_when_a_rung_is_weaker(tmp_path):
    run = ladder(tmp_path, "--teams", "heuristic", "random", "--games", "2")  # upside down
    assert run.returncode == 1
    assert "ladder FAILS" in (tmp_path / "ladder.md").read_text()


def test_the_learner_comparison_trains_each_variant_as_configured_and_goes_on_after_an_interruption(tmp_path, monkeypatch,
                                                                                                    capsys):
    """`benchmarks/compare_learners.py`: every start and learner is a config the command line takes (`--print_config`:
    the mixer each names); `ablation.py` trains a run once (a finished one is not trained again, one cut short resumes
    from its last checkpoint) and reads an evaluation already written instead of playing it again."""
    import shlex

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import ablation
    from compare_learners import SCRATCH, STARTS, variants
    from marl_lightning.cli import main as fit

    monkeypatch.chdir(ROOT)
    expected = {"qmix": "QMixer", "iql": "mixer: null", "vdn": "mixer: vdn", "attention": "mixer: attention",
                "mappo": "centralised_critic: true", "ippo": "centralised_critic: false"}
    made = variants(list(STARTS), list(SCRATCH), "teams/champion.ckpt")
    assert len(made) == 12
    for variant in made:
        name, _, overrides = variant.partition("=")
        with pytest.raises(SystemExit) as printed:
            fit(["fit", *shlex.split(overrides), "--print_config"])
        out = capsys.readouterr()
        assert printed.value.code in (0, None), (name, out.err[-1000:])
        assert expected[name.split("__")[1]] in out.out, name
        assert ("init_from: teams/champion.ckpt" in out.out) == name.startswith("clone"), name
        assert "final_games: 0" in out.out and "every_n_steps: 500" in out.out, name  # the comparison's own selection
    calls = []
    monkeypatch.setattr(ablation.subprocess, "run", lambda command, **kwargs: calls.append(command))
    folder = tmp_path / "run" / "seed0"
    last = folder / "log" / "version_0" / "checkpoints" / "last.ckpt"
    last.parent.mkdir(parents=True)
    last.write_bytes(b"")
    assert ablation.train([], [], 1, 0, folder, 1) == last  # cut short: resumed from its last checkpoint
    assert calls[-1][-1] == f"--ckpt_path={last}" and (folder / ablation.DONE).is_file()
    assert ablation.train([], [], 1, 0, folder, 1) == last and len(calls) == 1  # finished: not trained again
    written = ablation.evaluation_folder(last, "heuristic@bloxCapture", "best")
    assert written.name == "eval_best_heuristic_on_bloxCapture"
    written.mkdir()
    (written / "evaluation.json").write_text(json.dumps([{"win_rate": 0.25}]))
    assert ablation.evaluate(last, "heuristic", "bloxCapture", 4, 1, out=written) == {"win_rate": 0.25} and len(calls) == 1
