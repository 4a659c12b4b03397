"""The exported contest team plays the course-compatible game state like the trained policy does."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from agents import ContestTeam, PolicyTeam
from agents.contest_team import make_contest_team
from gymPacMan import ACTION_NAMES, VecCaptureEnv, belief, engine, gymPacMan_parallel_env
from gymPacMan.rules import BLUE, RED, TEAM_AGENTS
from marl_lightning import load_policy
from marl_lightning.play.export import export, trained_view
from marl_lightning.play.export import main as export_main

from helpers import ROOT, short_training_run


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
                              "--data.replay.warmup=16", steps=20, config="qmix_rnn.yaml")


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
    plays_like_the_policy(agents, env, policy, reference, ours)


def plays_like_the_policy(agents, env, policy, reference, ours) -> None:
    """Step for step, the exported team's observations, Q-values and actions are the policy's (through `reference`,
    its `PolicyTeam` of the same colour), the opponents playing at random."""
    exported = agents[0].team
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


def test_exported_team_as_red_on_a_point_symmetric_maze_plays_like_the_policy(maze_checkpoint, tmp_path):
    """The Berkeley contest's random mazes (`berkeley_3`) are point-symmetric: red's board is the blue one rotated
    180 degrees, East and West (and North and South) turned with it. The exported team as red on one plays the
    policy's moves (the other export tests play mirror-symmetric maps)."""
    export(maze_checkpoint, tmp_path / "team")
    agents = load_team_module(tmp_path / "team").createTeam(0, 2, True)
    env = gymPacMan_parallel_env("berkeley_3", self_play=True, length=60, seed=0)
    env.reset()
    policy = load_policy(maze_checkpoint)
    reference = PolicyTeam(policy, team=RED)
    reference.time_limit = 60
    for agent in agents:
        agent.registerInitialState(env.game.state)
    assert agents[0].team.symmetry == "rotate"
    plays_like_the_policy(agents, env, policy, reference, (0, 2))


def chase(state: engine.GameState, agent: int, rng: np.random.Generator) -> int:
    """A legal move of red `agent` that brings it nearest (Manhattan) to a blue agent, ties at random:
    opponents come into sight and leave it again."""
    legal = np.flatnonzero(engine.legal_actions(state)[0, agent])
    x, y = state.pos[0, agent]
    targets = state.pos[0, [1, 3]]
    moved = [(x + engine.DX[a], y + engine.DY[a]) for a in legal]
    distance = [min(abs(mx - tx) + abs(my - ty) for tx, ty in targets) + rng.random() for mx, my in moved]
    return int(legal[int(np.argmin(distance))])


def blue_team_seeing_what_the_contest_shows(checkpoint, folder, **export_args):
    """The exported team as blue in a course-class game of tinyMaze, shown the opponents the contest would show
    (`HiddenOpponents`): its agents, the game and the view."""
    export(checkpoint, folder, **export_args)
    agents = load_team_module(folder).createTeam(1, 3, False)
    env = gymPacMan_parallel_env("tinyMaze", self_play=True, length=60, seed=1)
    env.reset()
    view = HiddenOpponents(env.game.state, (1, 3))
    for agent in agents:
        agent.registerInitialState(view)
    return agents, env, view


def test_exported_team_draws_hidden_opponents_where_it_last_saw_them(checkpoint, tmp_path):
    """A network trained seeing everything (the default for it: `trained_view`) is shown a hidden opponent where
    it was last seen."""
    agents, env, view = blue_team_seeing_what_the_contest_shows(checkpoint, tmp_path / "team")
    assert 'HIDDEN = "last_seen"' in (tmp_path / "team" / "myTeam.py").read_text().replace("'", '"')
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


def test_a_network_trained_on_the_contests_view_is_exported_with_the_belief(tmp_path):
    saved = torch.load(ROOT / "teams" / "champion.ckpt", weights_only=True)
    saved["datamodule_hyper_parameters"]["dagger"] = {**saved["datamodule_hyper_parameters"]["dagger"], "view": "contest"}
    torch.save(saved, tmp_path / "contest_view.ckpt")
    assert trained_view(tmp_path / "contest_view.ckpt") == "belief"
    assert trained_view(ROOT / "teams" / "champion.ckpt") == "last_seen"
    with pytest.raises(ValueError, match="hidden must be one of"):
        export(ROOT / "teams" / "champion.ckpt", tmp_path / "x", hidden="everywhere")


def test_exported_team_draws_hidden_opponents_at_the_most_likely_cell_of_its_belief(checkpoint, tmp_path):
    """In the course's game (both agents choose from the step's start) with the contest's sight: the team
    recognises the game, replays each step in its belief, never rules out an opponent's true cell, and draws
    each hidden opponent at the belief's most likely cell; the rest of the observation is exact."""
    agents, env, view = blue_team_seeing_what_the_contest_shows(checkpoint, tmp_path / "team", hidden="belief")
    team = agents[0].team
    hidden_seen = visible_seen = False
    rng = np.random.default_rng(1)
    for _ in range(60):
        full = engine.observe(env._state, (1, 3))[0]  # (2, 8, H, W): what a fully observed agent sees
        moves = [agent.getAction(view) for agent in agents]  # each turn brings the belief up to date
        for agent, move in zip(agents, moves):
            assert move in view.getLegalActions(agent.index)
        np.testing.assert_allclose(team.filter.belief.sum(axis=(2, 3)), 1.0)
        likely = team.filter.most_likely()[0]
        shown = set()
        for k, j in enumerate((0, 2)):
            x, y = env._state.pos[0, j]
            assert team.filter.belief[0, k, y, x] > 0  # the truth is never ruled out
            pos = view.getAgentPosition(j)
            hidden_seen |= pos is None
            visible_seen |= pos is not None
            shown.add(pos if pos is not None else (int(likely[k, 0]), int(likely[k, 1])))
        for k, i in enumerate((1, 3)):
            obs = team.observation(view, i)
            ys, xs = np.nonzero(obs[5])
            assert set(zip(xs.tolist(), ys.tolist())) == shown
            np.testing.assert_array_equal(np.delete(obs, 5, axis=0), np.delete(full[k], 5, axis=0))  # the rest is exact
        env.step({0: chase(env._state, 0, rng), 1: moves[0], 2: chase(env._state, 2, rng), 3: moves[1]})
    assert hidden_seen and visible_seen  # both cases happened
    assert team.simultaneous and (team.filter.restarts == 0).all()


@pytest.mark.parametrize("colour, first", [(BLUE, 0), (RED, 1)])
def test_the_exported_champion_tracks_hidden_opponents_in_the_contests_turn_order(tmp_path, colour, first):
    """The contest's own game, move by move in index order from the first mover, each of our agents
    shown `makeObservation` (opponents out of sight hidden, noisy distances): the team's belief stays a
    distribution, needs no fallback and never rules out an opponent's true cell; its moves are legal."""
    from gymPacMan.contest.capture import GameState as ContestState
    export(ROOT / "teams" / "champion.ckpt", tmp_path / "team")
    ours, theirs = list(TEAM_AGENTS[colour]), list(TEAM_AGENTS[1 - colour])
    agents = load_team_module(tmp_path / "team").createTeam(ours[0], ours[1], colour == RED)
    env = VecCaptureEnv("smallCapture", num_envs=1, self_play=True, seed=colour)
    env.reset()
    state, length = env.state.copy(), 30
    for agent in agents:
        agent.registerInitialState(ContestState.snapshot(state, 0, length))
    team = agents[0].team
    rng, noise = np.random.default_rng(colour), random.Random(colour)
    hidden = 0
    for move in range(4 * length):
        i = (first + move) % 4
        if i in ours:
            seen = ContestState.snapshot(state, 0, length, moves=move).makeObservation(i, rng=noise)
            action = ACTION_NAMES.index(agents[ours.index(i)].getAction(seen))
            assert engine.legal_actions(state)[0, i, action]
            np.testing.assert_allclose(team.filter.belief.sum(axis=(2, 3)), 1.0)
            for k, j in enumerate(theirs):
                x, y = state.pos[0, j]
                assert team.filter.belief[0, k, y, x] > 0
                hidden += seen.getAgentPosition(j) is None
        else:  # an opponent heading for our food, now and then at random
            legal = np.flatnonzero(engine.legal_actions(state)[0, i])
            action = int(rng.choice(legal)) if rng.random() < 0.3 else chase_food(state, i, colour, legal)
        engine.move_agent(state, 0, i, action)
        if engine.game_won(state)[0]:
            break
    assert hidden > 20 and not team.simultaneous and (team.filter.restarts == 0).all()


def chase_food(state: engine.GameState, agent: int, colour: int, legal: np.ndarray) -> int:
    """The legal move of `agent` that brings it nearest (Manhattan) to `colour`'s food."""
    w = state.width[0]
    food = np.argwhere(state.food[0] & ((2 * np.arange(state.walls.shape[2]) < w) == (colour == RED)))[:, ::-1]
    if len(food) == 0:
        return int(legal[0])
    x, y = state.pos[0, agent]
    return int(min(legal, key=lambda a: np.abs(food - (x + engine.DX[a], y + engine.DY[a])).sum(1).min()))


def test_the_exported_champion_plays_hidden_opponents_through_the_contest_adapter(tmp_path):
    """`myTeam.py` as a contest team with the contest's observations (`agents.ContestTeam`): legal moves in
    every game, and each game's belief a distribution over open cells."""
    export(ROOT / "teams" / "champion.ckpt", tmp_path / "team")
    contest = make_contest_team(f"contest:{tmp_path / 'team' / 'myTeam.py'}?observation=contest&workers=0", team=BLUE)
    env = VecCaptureEnv("bloxCapture", num_envs=2, self_play=True, length=12, seed=0)
    env.reset()
    contest.time_limit = 12
    contest.reset(env.state, np.arange(env.num_envs))
    rng = np.random.default_rng(0)
    for _ in range(12):
        legal = engine.legal_actions(env.state)
        chosen = contest.act(env.state, legal, rng)
        assert not contest.forfeits.any(), contest.crashes  # an illegal move or a crash would forfeit
        for g in range(env.num_envs):
            belief = contest._local.host.games[g].agents[0].team.filter.belief  # (1, 2, H, W)
            np.testing.assert_allclose(belief.sum(axis=(2, 3)), 1.0)
            assert (belief >= 0).all() and (belief[:, :, env.state.walls[g]] == 0).all()
        actions = (np.cumsum(legal, -1) <= (rng.random(legal.shape[:2]) * legal.sum(-1))[..., None]).sum(-1)
        actions[:, [1, 3]] = chosen
        env.step(actions)


def test_export_refuses_to_overwrite_and_checks_the_layout_size(checkpoint, tmp_path, capsys):
    export_main(["--ckpt", str(checkpoint), "--out", str(tmp_path / "t")])
    assert "wrote" in capsys.readouterr().out
    assert (tmp_path / "t" / "belief.py").read_text() == Path(belief.__file__).read_text()  # the filter, copied
    with pytest.raises(FileExistsError, match="already exist"):
        export(checkpoint, tmp_path / "t")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "belief.py").write_text("# someone's own file")
    with pytest.raises(FileExistsError, match="belief.py already exist"):
        export(checkpoint, tmp_path / "b")
    export(checkpoint, tmp_path / "b", overwrite=True)
    export(checkpoint, tmp_path / "t", overwrite=True)
    first, second = load_team_module(tmp_path / "t"), load_team_module(tmp_path / "b")
    assert first.BeliefFilter is not second.BeliefFilter  # each team file loads the filter beside it
    assert "belief" not in sys.modules  # under a name of its own
    agents = first.createTeam(1, 3, False)
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


def test_the_contest_team_takes_its_planes_names_and_scales_from_gympacman_planes(planes_checkpoint, tmp_path):
    """One source of the planes: the exported team's scales are `gymPacMan.planes.PLANES`' (written in when it is
    exported), every plane the engine makes is one the contest team builds, and a plane it cannot build is refused
    at export, by name, rather than computed as another."""
    from gymPacMan.planes import PLANES
    from marl_lightning.play import export as export_module

    assert set(PLANES) <= set(export_module.CONTEST_PLANES), "a new plane needs its contest-state code in contest_team.py.in"
    team_file = export(planes_checkpoint, tmp_path / "team")
    team = load_team_module(tmp_path / "team")
    planes = load_policy(planes_checkpoint).planes
    assert planes and team.PLANES == list(planes) and team.SCALES == {name: PLANES[name] for name in planes}
    assert "1 / 32" not in team_file.read_text()  # no copy of a scale of its own
    checkpoint = torch.load(planes_checkpoint, weights_only=True)
    checkpoint["hyper_parameters"]["planes"] = ["time", "wind"]
    torch.save(checkpoint, tmp_path / "wind.ckpt")
    with pytest.raises(ValueError, match=r"plane\(s\) \['wind'\] that the exported contest team cannot build"):
        export(tmp_path / "wind.ckpt", tmp_path / "wind")
