"""The exported contest team plays the course-compatible game state like the trained policy does."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from agents import ContestTeam, PolicyTeam
from gymPacMan import ACTION_NAMES, VecCaptureEnv, engine, gymPacMan_parallel_env
from gymPacMan.rules import BLUE, RED, TEAM_AGENTS
from marl_lightning import load_policy
from marl_lightning.play.export import export
from marl_lightning.play.export import main as export_main

from helpers import short_training_run


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    # smallCapture seats red's agents the other way round under its mirror: the slots are exercised too
    return short_training_run(tmp_path_factory.mktemp("export"), "--data.layouts=[smallMaze, smallCapture]", steps=30)


@pytest.fixture(scope="module")
def planes_checkpoint(tmp_path_factory) -> Path:
    return short_training_run(tmp_path_factory.mktemp("export_planes"), "--data.layouts=[smallMaze, smallCapture]",
                              "--data.planes=[time, score, carrying, scared]", "--data.length=60", steps=20)


@pytest.fixture(scope="module")
def recurrent_checkpoint(tmp_path_factory) -> Path:
    return short_training_run(tmp_path_factory.mktemp("export_rnn"), "--data.layouts=[smallMaze, smallCapture]",
                              "--data.warmup=16", steps=20, config="qmix_rnn.yaml")


MAZE_PLANES = "[time, score, carrying, scared, dist_self, dist_mate, dist_opponents, dist_food, dist_capsule, dist_home, safe, dead_end]"


@pytest.fixture(scope="module")
def maze_checkpoint(tmp_path_factory) -> Path:
    """The maze recipe's parts: every plane, the fully convolutional network, trained on other maps."""
    return short_training_run(tmp_path_factory.mktemp("export_maze"), "--data.layouts=[tinyMaze, contest_random]",
                              f"--data.planes={MAZE_PLANES}", "--data.length=60",
                              "--model.network=marl_lightning.fully_conv.FullyConvQNetworks", steps=20)


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


def padded(obs: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    out = np.zeros((*obs.shape[:-2], *grid), dtype=np.float32)
    out[..., : obs.shape[-2], : obs.shape[-1]] = obs
    return out


@pytest.mark.parametrize("kind", ["feed-forward", "recurrent", "planes", "maze"])
@pytest.mark.parametrize("layout", ["smallMaze", "smallCapture"])
@pytest.mark.parametrize("is_red", [False, True])
def test_exported_team_sees_values_and_plays_like_the_policy(request, tmp_path, is_red, layout, kind):
    """Array for array: the exported team's observations and Q-values are the policy's view of the same
    state (mirrored, channels swapped and slots ordered for red), and so are its actions; a recurrent
    team carries its memory from step to step as `PolicyTeam` does."""
    checkpoint = request.getfixturevalue({"feed-forward": "checkpoint", "recurrent": "recurrent_checkpoint",
                                          "planes": "planes_checkpoint", "maze": "maze_checkpoint"}[kind])
    folder = tmp_path / "team"
    export(checkpoint, folder)
    ours = (0, 2) if is_red else (1, 3)
    agents = load_team_module(folder).createTeam(ours[0], ours[1], is_red)
    env = gymPacMan_parallel_env(layout, self_play=True, length=60, seed=0)
    env.reset()
    policy = load_policy(checkpoint)
    reference = PolicyTeam(policy, team=0 if is_red else 1)
    reference.time_limit = 60  # the game length the planes count down
    for agent in agents:
        agent.registerInitialState(env.game.state)
    exported = agents[0].team
    assert exported.slots == ([2, 0] if is_red and layout == "smallCapture" else list(ours))
    rng = np.random.default_rng(0)
    for _ in range(60):
        state = env._state
        legal = engine.legal_actions(state)
        view, _ = reference.observe(state, legal)  # (1, 2, 8, H, W): the policy's input
        seen = np.stack([exported.observation(env.game.state, i) for i in exported.slots])
        np.testing.assert_array_equal(padded(seen, policy.obs_shape[1:]), padded(view[0], policy.obs_shape[1:]))
        q_exported, _ = exported.q_values(env.game.state)
        q_policy = policy.q_values(view, reference.memory)[0][0].numpy()  # with the state the team keeps
        np.testing.assert_allclose(q_exported, q_policy, rtol=1e-5, atol=1e-6)
        expected = reference.act(state, legal, rng)[0]  # (2,) actions of our two agents, in index order
        chosen = [agent.getAction(env.game.state) for agent in agents]
        assert chosen == [ACTION_NAMES[a] for a in expected]
        actions = {i: int(rng.choice(np.flatnonzero(legal[0, i]))) for i in range(4)}
        actions.update(dict(zip(ours, chosen)))
        _, _, terminations, _ = env.step(actions)
        if all(terminations.values()):
            break


def chase(state: engine.GameState, agent: int, rng: np.random.Generator) -> int:
    """A legal move of red `agent` that brings it nearest (Manhattan) to a blue agent, ties at random:
    opponents come into sight and leave it again."""
    legal = np.flatnonzero(engine.legal_actions(state)[0, agent])
    x, y = state.pos[0, agent]
    targets = state.pos[0, [1, 3]]
    moved = [(x + engine.DX[a], y + engine.DY[a]) for a in legal]
    distance = [min(abs(mx - tx) + abs(my - ty) for tx, ty in targets) + rng.random() for mx, my in moved]
    return int(legal[int(np.argmin(distance))])


def test_exported_team_draws_hidden_opponents_where_it_last_saw_them(checkpoint, tmp_path):
    folder = tmp_path / "team"
    export(checkpoint, folder)
    agents = load_team_module(folder).createTeam(1, 3, False)
    env = gymPacMan_parallel_env("tinyMaze", self_play=True, length=60, seed=1)
    env.reset()
    view = HiddenOpponents(env.game.state, (1, 3))
    for agent in agents:
        agent.registerInitialState(view)
    last_seen = {i: env.game.state.getInitialAgentPosition(i) for i in (0, 2)}
    hidden_seen = visible_seen = False
    rng = np.random.default_rng(1)
    for _ in range(60):
        full = engine.observe(env._state, (1, 3))[0]  # (2, 8, H, W): what a fully observed agent sees
        for k, i in enumerate((1, 3)):
            obs = agents[0].team.observation(view, i)
            shown = set()
            for j in (0, 2):
                pos = view.getAgentPosition(j)
                hidden_seen |= pos is None
                visible_seen |= pos is not None
                last_seen[j] = pos if pos is not None else last_seen[j]
                shown.add(tuple(last_seen[j]))
            ys, xs = np.nonzero(obs[5])
            assert set(zip(xs.tolist(), ys.tolist())) == shown  # opponents at their last known cells
            np.testing.assert_array_equal(np.delete(obs, 5, axis=0), np.delete(full[k], 5, axis=0))  # the rest is exact
        moves = [agent.getAction(view) for agent in agents]
        for agent, move in zip(agents, moves):
            assert move in view.getLegalActions(agent.index)
        env.step({0: chase(env._state, 0, rng), 1: moves[0], 2: chase(env._state, 2, rng), 3: moves[1]})
    assert hidden_seen and visible_seen  # both cases happened


def test_export_refuses_to_overwrite_and_checks_the_layout_size(checkpoint, tmp_path, capsys):
    export_main(["--ckpt", str(checkpoint), "--out", str(tmp_path / "t")])
    assert "wrote" in capsys.readouterr().out
    with pytest.raises(FileExistsError, match="already exist"):
        export(checkpoint, tmp_path / "t")
    export(checkpoint, tmp_path / "t", overwrite=True)
    agents = load_team_module(tmp_path / "t").createTeam(1, 3, False)
    env = gymPacMan_parallel_env("bloxCapture")  # 20 x 20: larger than the 9 x 16 it was trained on
    with pytest.raises(ValueError, match="trained on at most 16 x 11"):
        agents[0].registerInitialState(env.game.state)


@pytest.mark.parametrize("kind", ["feed-forward", "recurrent", "planes", "maze"])
@pytest.mark.parametrize("colour", [RED, BLUE])
def test_exported_team_played_through_the_contest_adapter_chooses_the_checkpoints_actions(request, tmp_path, kind, colour):
    """`myTeam.py` as a contest team file in our engine (`agents.ContestTeam`, the course's view) plays
    exactly the actions of the checkpoint's `PolicyTeam`, move for move, across game restarts."""
    checkpoint = request.getfixturevalue({"feed-forward": "checkpoint", "recurrent": "recurrent_checkpoint",
                                          "planes": "planes_checkpoint", "maze": "maze_checkpoint"}[kind])
    export(checkpoint, tmp_path / "team")
    length = 40
    contest = ContestTeam(tmp_path / "team" / "myTeam.py", team=colour, observation="course", workers=0)
    reference = PolicyTeam(load_policy(checkpoint), team=colour)
    env = VecCaptureEnv(["smallMaze", "smallCapture"], num_envs=6, self_play=True, length=length, seed=0)
    env.reset()
    for team in (contest, reference):
        team.time_limit = length
        team.reset(env.state, np.arange(env.num_envs))
    rng = np.random.default_rng(0)
    restarted = 0
    for _ in range(2 * length):
        legal = engine.legal_actions(env.state)
        chosen = contest.act(env.state, legal, rng)
        assert not contest.forfeits.any(), contest.crashes
        np.testing.assert_array_equal(chosen, reference.act(env.state, legal, rng))
        actions = (np.cumsum(legal, -1) <= (rng.random(legal.shape[:2]) * legal.sum(-1))[..., None]).sum(-1)
        actions[:, list(TEAM_AGENTS[colour])] = chosen
        info = env.step(actions)[4]
        ended = info["episodes"].env_index
        if len(ended):
            restarted += len(ended)
            for team in (contest, reference):
                team.reset(env.state, ended)
    assert restarted >= env.num_envs
