"""The exported contest team plays the course-compatible game state like the trained policy does."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from agents import PolicyTeam
from gymPacMan import engine, gymPacMan_parallel_env
from marl_lightning import load_policy
from marl_lightning.export import export
from marl_lightning.export import main as export_main

from helpers import short_training_run


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return short_training_run(tmp_path_factory.mktemp("export"), "--data.layouts=smallMaze", steps=30)


def load_team_module(folder: Path):
    spec = importlib.util.spec_from_file_location(f"exported_{id(folder)}", folder / "myTeam.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class HiddenOpponents:
    """The contest's view: opponents farther than 5 steps (Manhattan) from both our agents are hidden."""

    def __init__(self, view, ours):
        self.view, self.ours = view, ours

    def __getattr__(self, name):
        return getattr(self.view, name)

    def getAgentPosition(self, i):
        pos = self.view.getAgentPosition(i)
        if i in self.ours:
            return pos
        near = any(abs(pos[0] - q[0]) + abs(pos[1] - q[1]) <= 5 for q in map(self.view.getAgentPosition, self.ours))
        return pos if near else None


@pytest.mark.parametrize("is_red", [False, True])
def test_exported_team_plays_like_the_policy(checkpoint, tmp_path, is_red):
    folder = tmp_path / "team"
    export(checkpoint, folder)
    team_module = load_team_module(folder)
    ours = (0, 2) if is_red else (1, 3)
    agents = team_module.createTeam(ours[0], ours[1], is_red)
    env = gymPacMan_parallel_env("smallMaze", self_play=True, length=60, seed=0)
    env.reset()
    reference = PolicyTeam(load_policy(checkpoint), team=0 if is_red else 1)
    for agent in agents:
        agent.registerInitialState(env.game.state)
    rng = np.random.default_rng(0)
    for _ in range(60):
        state = env._state
        legal = engine.legal_actions(state)
        expected = reference.act(state, legal, rng)[0]  # (2,) actions of our two agents
        chosen = [agent.getAction(env.game.state) for agent in agents]
        assert chosen == [["North", "East", "South", "West", "Stop"][a] for a in expected]
        actions = {i: int(rng.choice(np.flatnonzero(legal[0, i]))) for i in range(4)}
        actions.update(dict(zip(ours, chosen)))
        _, _, terminations, _ = env.step(actions)
        if all(terminations.values()):
            break


def test_exported_team_copes_with_hidden_opponents(checkpoint, tmp_path):
    folder = tmp_path / "team"
    export(checkpoint, folder)
    agents = load_team_module(folder).createTeam(1, 3, False)
    env = gymPacMan_parallel_env("smallMaze", self_play=True, length=40, seed=1)
    env.reset()
    view = HiddenOpponents(env.game.state, (1, 3))
    for agent in agents:
        agent.registerInitialState(view)
    for _ in range(40):
        moves = [agent.getAction(view) for agent in agents]
        for agent, move in zip(agents, moves):
            assert move in view.getLegalActions(agent.index)
        env.step({0: 4, 1: moves[0], 2: 4, 3: moves[1]})


def test_export_refuses_to_overwrite_and_checks_the_layout_size(checkpoint, tmp_path, capsys):
    export_main(["--ckpt", str(checkpoint), "--out", str(tmp_path / "t")])
    assert "wrote" in capsys.readouterr().out
    with pytest.raises(FileExistsError, match="already exist"):
        export(checkpoint, tmp_path / "t")
    export(checkpoint, tmp_path / "t", overwrite=True)
    agents = load_team_module(tmp_path / "t").createTeam(1, 3, False)
    env = gymPacMan_parallel_env("bloxCapture")  # 20 x 20: larger than the 9 x 16 it was trained on
    with pytest.raises(ValueError, match="trained on at most 16 x 9"):
        agents[0].registerInitialState(env.game.state)
