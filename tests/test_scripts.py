"""The command-line entry points run and print what they promise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio

from gymPacMan.__main__ import main as play_main

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


def test_team_ladder_writes_its_table(tmp_path):
    out = tmp_path / "ladder.md"
    run = subprocess.run(
        [sys.executable, "benchmarks/team_ladder.py", "--teams", "random", "baseline", "--games", "2",
         "--threshold", "0", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr
    table = out.read_text()
    assert "| baseline vs random (rung) |" in table and "ladder holds" in table
    assert out.with_suffix(".json").is_file()
