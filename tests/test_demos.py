"""Demonstrations: the recorded frames rebuild exactly what a policy playing that team would have seen,
the stored actions are the teacher's moves in that view, the file round-trips, and DAgger stores the
teacher's labels of the states the player visits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents import PolicyTeam
from gymPacMan import VecCaptureEnv, engine
from gymPacMan.planes import MAZE_PLANES, plane_scales
from gymPacMan.rules import BLUE, RED, TEAM_AGENTS
from gymPacMan.views import RedView
from marl_lightning.data import compact
from marl_lightning.data.demo_files import demo_buffer, load, save
from marl_lightning.recording import DemoRecorder, record

PLANES = ["time", "score", "carrying", "scared", *MAZE_PLANES]


class WithPlanes:
    """A policy trained with every plane (it never acts here: only what `PolicyTeam` shows it matters)."""

    planes = PLANES

    def initial_state(self, n):
        return None

    def act(self, obs, legal, state):
        return np.full(obs.shape[:2], 4), state


def test_compact_frames_rebuild_the_observations_a_policy_sees():
    env = VecCaptureEnv(["bloxCapture", "smallCapture", "contest_random"], num_envs=6, opponent="baseline", seed=2)
    env.reset()
    rng = np.random.default_rng(0)
    for _ in range(30):
        env.step(rng.integers(0, 5, (6, 2)))
    state = env.state
    for team in (BLUE, RED):
        shown = PolicyTeam(WithPlanes(), team=team)
        shown.time_limit = 300
        expected, legal = shown.observe(state, engine.legal_actions(state))
        frames = compact.pack(state, team)
        rebuilt = compact.observe(frames, state.grid_shape, PLANES, 300)
        scales = torch.from_numpy(plane_scales(PLANES))[:, None, None]
        np.testing.assert_array_equal((rebuilt.float() * scales).numpy(), expected)
        again = compact.unpack(frames, state.grid_shape)
        for name in ("walls", "food", "capsules", "pos", "carrying", "scared", "score", "t", "food_left", "is_pacman"):
            np.testing.assert_array_equal(getattr(again, name), getattr(state, name), err_msg=name)


@pytest.mark.parametrize("teacher", ["heuristic", "baseline/heuristic"])
def test_recorded_actions_are_the_teachers_moves_in_the_view(tmp_path, teacher):
    """Replaying the stored view actions through `RedView` gives back the real moves the teacher made."""
    buffer, meta = record(teacher, ["random", "baseline"], ["bloxCapture", "smallCapture"], steps=8 * 40, num_envs=8,
                          seed=1, progress=False)
    assert meta.steps == 320 and len(buffer) == 320
    frames = buffer.frames  # (N, T)
    n = frames.batch_size[0]
    first = frames[:, 0]
    state = compact.unpack(first["game"], meta.grid_shape)
    colour = first["game", "team"].numpy()
    assert (colour[: n // 2] == BLUE).all() and (colour[n // 2:] == RED).all()
    legal = engine.legal_actions(state)
    for side in (BLUE, RED):
        games = np.flatnonzero(colour == side)
        part = state.select(games)
        stored = first["action"].numpy()[games].astype(np.int64)
        real = stored if side == BLUE else RedView.of(part).real_actions(stored)
        own_legal = legal[games][:, list(TEAM_AGENTS[side])]
        assert own_legal[np.arange(len(games))[:, None], np.arange(2)[None, :], real].all()  # legal real moves
        seen_legal = first["legal"].numpy()[games]
        assert seen_legal[np.arange(len(games))[:, None], np.arange(2)[None, :], stored].all()
    path = save(buffer, meta, tmp_path / "demos.pt")
    loaded, again = load(path)
    assert again == meta and len(loaded) == len(buffer)
    with pytest.raises(FileExistsError):
        save(buffer, meta, path)
    (tmp_path / "junk.pt").write_bytes(b"not a file")
    with pytest.raises(ValueError, match="not a readable demonstrations file"):
        load(tmp_path / "junk.pt")


def test_dagger_stores_the_teachers_labels_of_the_players_states():
    """With a player that always stands still, the games go where standing still leads, and the stored
    actions are still the teacher's choices there."""
    recorder = DemoRecorder("baseline", ["random"], ["smallCapture"], num_envs=4, seed=3)
    buffer = demo_buffer(4 * 20, 4)
    stop = lambda side: PolicyTeam(lambda obs, legal: np.full(obs.shape[:2], 4), team=side)  # noqa: E731
    recorder.record(buffer, 4 * 20, player=stop, beta=0.0)
    frames = buffer.frames[:, :20]
    state = compact.unpack(frames["game"], recorder.env.grid_shape)
    colour = frames["game", "team"].reshape(-1).numpy()
    own = np.where((colour == BLUE)[:, None, None], state.pos[:, [1, 3]], state.pos[:, [0, 2]])
    own_starts = np.where((colour == BLUE)[:, None, None], state.starts[:, [1, 3]], state.starts[:, [0, 2]])
    assert (own == own_starts).all()  # the player never moved
    assert (frames["action"] != 4).any()  # yet the labels are the teacher's moves


def test_dagger_on_the_contest_view_stores_the_states_as_the_player_saw_them():
    """A player on the contest's view: its frames show the opponents out of sight where it believed them (never
    within 5 of its agents), those in sight where they are; its own agents and the board are the game's."""
    from agents.contest_view import ContestViewTeam

    recorder = DemoRecorder("baseline", ["random"], ["bloxCapture"], num_envs=4, seed=3)
    buffer = demo_buffer(4 * 30, 4)
    truth = []
    seen_by = lambda side: ContestViewTeam(PolicyTeam(lambda obs, legal: np.full(obs.shape[:2], 4), team=side))  # noqa: E731
    step = recorder.env.step

    def spy(actions):  # the true state of each stored frame, before the step
        truth.append(recorder.env.state.copy())
        return step(actions)

    recorder.env.step = spy
    recorder.record(buffer, 4 * 30, player=seen_by, beta=1.0, as_seen=True)
    frames = buffer.frames[:, :30]
    stored = compact.unpack(frames["game"], recorder.env.grid_shape)
    colour = frames["game", "team"].reshape(-1).numpy()
    true_pos = np.stack([t.pos for t in truth], axis=1).reshape(-1, 4, 2)  # (games * steps, 4, 2) in buffer order
    ours = np.where((colour == BLUE)[:, None], np.array([1, 3]), np.array([0, 2]))  # (K, 2)
    theirs = np.where((colour == BLUE)[:, None], np.array([0, 2]), np.array([1, 3]))
    rows = np.arange(len(colour))[:, None]
    np.testing.assert_array_equal(stored.pos[rows, ours], true_pos[rows, ours])
    dist = np.abs(true_pos[rows, ours][:, :, None] - true_pos[rows, theirs][:, None]).sum(-1).min(axis=1)  # (K, 2)
    in_sight = dist <= 5
    np.testing.assert_array_equal(stored.pos[rows, theirs][in_sight], true_pos[rows, theirs][in_sight])
    drawn = np.abs(true_pos[rows, ours][:, :, None] - stored.pos[rows, theirs][:, None]).sum(-1).min(axis=1)
    assert (drawn[~in_sight] > 5).all() and (~in_sight).any()
    assert (stored.pos[rows, theirs] != true_pos[rows, theirs]).any()  # some opponent is not where it was


def _recorded_with_truth(recorder: DemoRecorder, buffer, steps: int, **kwargs) -> list:
    """Record, keeping the true state before each environment step."""
    truth, step = [], recorder.env.step

    def spy(actions):
        truth.append(recorder.env.state.copy())
        return step(actions)

    recorder.env.step = spy
    recorder.record(buffer, steps, **kwargs)
    return truth


def test_a_frame_is_the_state_the_team_decided_in():
    recorder = DemoRecorder("baseline", ["random"], ["smallCapture"], num_envs=4, seed=5)
    buffer = demo_buffer(4 * 10, 4)
    truth = _recorded_with_truth(recorder, buffer, 4 * 10)
    stored = compact.unpack(buffer.frames[:, :10]["game"], recorder.env.grid_shape)
    np.testing.assert_array_equal(stored.pos.reshape(4, 10, 4, 2), np.stack([t.pos for t in truth], axis=1))
    np.testing.assert_array_equal(stored.t.reshape(4, 10), np.stack([t.t for t in truth], axis=1))


def test_in_the_turn_by_turn_game_each_decision_of_the_team_is_a_frame():
    """Two frames a step: the state at each of the recorded team's agents' turns (between them its agent and one
    opponent moved), the step's reward and end on the second."""
    recorder = DemoRecorder("baseline", ["random"], ["smallCapture"], num_envs=4, seed=5, turns="contest")
    buffer = demo_buffer(4 * 20, 4)
    truth = _recorded_with_truth(recorder, buffer, 4 * 20)
    assert len(truth) == 10  # ten steps, two frames each
    frames = buffer.frames[:, :20]
    stored = compact.unpack(frames["game"], recorder.env.grid_shape)
    pos = stored.pos.reshape(4, 10, 2, 4, 2)  # (games, steps, decisions, agents, xy)
    t = stored.t.reshape(4, 10, 2)
    np.testing.assert_array_equal(t[:, :, 0], t[:, :, 1])
    np.testing.assert_array_equal(t[:, :, 0], np.stack([s.t for s in truth], axis=1))
    moved = (pos[:, :, 0] != pos[:, :, 1]).any(-1).sum(-1)  # agents that moved between the two decisions
    assert (moved <= 2).all() and (moved > 0).any()
    first = np.stack([s.pos for s in truth], axis=1)  # the step's start
    before = recorder.env.first_mover  # games whose recorded team moves first decide on the step's start
    assert (frames["reward"].reshape(4, 10, 2)[:, :, 0] == 0).all() and not frames["truncated"].reshape(4, 10, 2)[:, :, 0].any()
    colour = frames["game", "team"].reshape(4, 10, 2)[:, 0, 0].numpy()
    for g in range(4):
        if before[g] == colour[g]:  # this side's first agent opens every step: its first decision is the step's start
            np.testing.assert_array_equal(pos[g, :, 0], first[g])


def test_demonstrations_of_the_turn_by_turn_game_say_so(tmp_path):
    buffer, meta = record("baseline", ["random"], ["tinyMaze"], steps=4 * 6, num_envs=4, seed=1, progress=False, turns="contest")
    assert meta.turns == "contest" and meta.steps == 24 and len(buffer) == 24  # three steps, two frames each
    _, loaded = load(save(buffer, meta, tmp_path / "turns.pt"))
    assert loaded.turns == "contest"


def test_a_game_cut_by_the_time_limit_is_stored_as_truncated_not_terminated():
    """`marl demos` keeps the time limit apart from a real end (a learner bootstraps through it), unless the reward
    settings make the limit terminal."""
    from marl_lightning.data.settings import RewardSettings

    def endings(rewards):
        buffer, meta = record("random", ["random"], ["tinyCapture"], steps=8 * 25, num_envs=8, length=10, seed=0,
                              progress=False, rewards=rewards)
        written = torch.arange(buffer.slots)[None, :] < buffer.written[:, None]  # (N, slots) frames stored
        return buffer.frames["terminated"][written], buffer.frames["truncated"][written], meta

    terminated, truncated, meta = endings(RewardSettings())
    assert int(truncated.sum()) >= 8 and meta.games >= 8  # every game slot reached the limit at least once
    assert int((truncated & ~terminated).sum()) >= 8
    terminated, truncated, _ = endings(RewardSettings(limit_is_terminal=True))
    assert (terminated[truncated]).all()  # the limit made terminal: every cut game ends for the learner


def test_the_teachers_wins_are_counted_in_both_colours():
    """Half the games have the teacher blue, half red: the heuristic team wins every game against random on
    tinyCapture in either colour, and random wins none against it; the counts say so."""
    _, strong = record("heuristic", ["random"], ["tinyCapture"], steps=8 * 200, num_envs=8, length=100, seed=0, progress=False)
    assert strong.games >= 12 and strong.teacher_wins == strong.games
    _, weak = record("random", ["heuristic"], ["tinyCapture"], steps=8 * 200, num_envs=8, length=100, seed=0, progress=False)
    assert weak.games >= 12 and weak.teacher_wins == 0


@pytest.mark.parametrize("width", [9, 10])
def test_compact_states_count_the_food_of_each_half_with_food_in_the_centre_column(width):
    """Red's half is the columns x with 2x < width: on an odd map the centre column is red's, on an even one the
    column right of the centre line is blue's. Food there, packed and unpacked, is counted on the right half."""
    from gymPacMan.layout import parse_layout

    rows = ["%" * width, "%1" + " " * (width - 4) + "2%", "%." + " " * (width - 4) + ".%", "%3" + " " * (width - 4) + "4%",
            "%" * width]
    state = engine.new_state([parse_layout("\n".join(rows), "odd" if width % 2 else "even")], [0])
    state.food[:] = False
    state.food[0, 1:4, width // 2] = True  # three food in the column at width // 2
    state.food[0, 2, 1] = True  # and one deep in red's half
    unpacked = compact.unpack(compact.pack(state, BLUE), state.grid_shape)
    expected = [4, 0] if width % 2 else [1, 3]  # (red's half, blue's half), by hand
    assert unpacked.food_left[0].tolist() == expected
