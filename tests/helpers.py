"""Test helpers: where the course reference data lives, small hand-made boards, one-step play, layout checks."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections import deque
from pathlib import Path

import numpy as np
import pytest

from gymPacMan import engine
from gymPacMan.layout import Layout

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"

# 10 x 6, every inner cell open; the red half is x < 5. Agents 0-3 start in the corners.
ARENA = """
%%%%%%%%%%
%1      2%
%        %
%.      .%
%3      4%
%%%%%%%%%%
"""


def reference_dir(kind: str) -> Path:
    """`../shared/reference/<kind>`, or skip: a user's checkout has no course reference data."""
    path = SHARED / kind
    if not path.is_dir():
        pytest.skip(f"course reference data not found at {path} (it sits beside the checkout in CI)")
    return path


def place(state: engine.GameState, agent: int, x: int, y: int, game: int = 0) -> None:
    """Put an agent on a cell, with the Pacman flag its half implies."""
    state.pos[game, agent] = (x, y)
    on_red = 2 * x < state.width[game]
    state.is_pacman[game, agent] = on_red != (agent % 2 == 0)


def play(state: engine.GameState, *actions: int, length: int = 100) -> engine.StepResult:
    """One step of game 0 with the four actions given."""
    return engine.step(state, np.array([actions]), length)


def food_cells(state: engine.GameState, game: int = 0) -> set[tuple[int, int]]:
    return {(int(x), int(y)) for y, x in np.argwhere(state.food[game])}


ROOT = Path(__file__).resolve().parents[1]


def shipped_config(name: str) -> Path:
    """A shipped config by its name, as the command line finds it: `qmix_blox` -> `configs/recipe/qmix_blox.yaml`."""
    from marl_lightning.config_layers import config_file

    path = Path(config_file(name))
    assert path.is_file(), f"no shipped config {name!r}"
    return path


def config_args(name: str) -> list[str]:
    """`--config FILE` for a shipped config (the command line reads the layers it stacks on first)."""
    return ["--config", str(shipped_config(name))]


def short_training_run(tmp: Path, *extra: str, steps: int = 10, config: str = "qmix") -> Path:
    """Train a config (QMIX by default) for a few gradient steps under `tmp`; returns the checkpoint it wrote."""
    from marl_lightning import CaptureDataModule
    from marl_lightning.cli import MARLCLI

    MARLCLI(datamodule_class=CaptureDataModule, save_config_callback=None, args=[
        "fit", *config_args(config), f"--trainer.max_steps={steps}", "--trainer.logger=false",
        "--trainer.callbacks=[]", "--trainer.enable_progress_bar=false", f"--trainer.default_root_dir={tmp}",
        "--data.num_envs=8", "--data.replay.warmup=64", "--data.batch_size=16", *extra,
    ])
    return next(tmp.glob("**/*.ckpt"))


def configured_data(*args: str):
    """The data module a command line builds (the default recipe unless a `--config` names one), nothing trained."""
    from marl_lightning import CaptureDataModule
    from marl_lightning.cli import MARLCLI

    return MARLCLI(datamodule_class=CaptureDataModule, run=False, save_config_callback=None,
                   args=[*args, "--trainer.logger=false"]).datamodule


def run_to_the_end(args: list[str], cwd: Path, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """A command in its own process group (stdout and stderr together); one still running after `timeout`
    seconds is killed with all its children (DDP ranks, wandb's service) and fails the test, instead of
    hanging it."""
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, _ = process.communicate()
        pytest.fail(f"{' '.join(map(str, args))} did not end within {timeout} s:\n{out[-3000:]}")
    return subprocess.CompletedProcess(args, process.returncode, out, "")


def unreachable_cells(layout: Layout) -> list[tuple[int, int]]:
    """Open `(x, y)` cells a BFS from agent 0's start does not reach (empty when connected)."""
    walls = layout.walls
    start = (int(layout.starts[0, 1]), int(layout.starts[0, 0]))  # (y, x)
    seen = {start}
    queue = deque([start])
    while queue:
        y, x = queue.popleft()
        for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            ny, nx = y + dy, x + dx
            if 0 <= ny < layout.height and 0 <= nx < layout.width and not walls[ny, nx] and (ny, nx) not in seen:
                seen.add((ny, nx))
                queue.append((ny, nx))
    return [(int(x), int(y)) for y, x in np.argwhere(~walls) if (y, x) not in seen]


def assert_mirror_symmetric(layout: Layout) -> None:
    """Walls, food and capsules mirror left-right; agent 1 mirrors agent 0, agent 3 mirrors agent 2."""
    for name in ("walls", "food", "capsules"):
        grid = getattr(layout, name)
        assert np.array_equal(grid, grid[:, ::-1]), f"{layout.name}: {name} not mirror-symmetric"
    w = layout.width
    for red, blue in ((0, 1), (2, 3)):
        x, y = layout.starts[red]
        assert tuple(layout.starts[blue]) == (w - 1 - x, y), f"{layout.name}: start {blue} does not mirror start {red}"
