"""Every golden trace recorded from the course engine replays exactly, step by step."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gymPacMan import engine
from gymPacMan.layout import parse_layout

from helpers import SHARED, reference_dir

TRACES = sorted((SHARED / "traces").glob("*.json")) if (SHARED / "traces").is_dir() else []


def dense(sparse: list, shape: tuple) -> np.ndarray:
    out = np.zeros(shape, dtype=np.float32)
    for channel, y, x, value in sparse:
        out[channel, y, x] = value
    return out


def state_rows(state: engine.GameState) -> list[list[int]]:
    """`[x, y, is_pacman, carrying, returned, scared]` per agent, the trace's format."""
    columns = [state.pos[0], state.is_pacman[0, :, None], state.carrying[0, :, None], state.returned[0, :, None], state.scared[0, :, None]]
    return np.concatenate(columns, axis=1).astype(int).tolist()


def test_traces_are_present():
    traces = reference_dir("traces")
    assert len(list(traces.glob("*.json"))) >= 16


@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_trace_replays_exactly(path):
    trace = json.loads(path.read_text())
    layout = parse_layout(trace["layout"], trace["layout_name"])
    assert trace["reward_forLegalAction"] and trace["defenceReward"]
    state = engine.new_state([layout], [0])
    initial = trace["initial"]
    assert state_rows(state) == initial["agents"]
    assert sorted([int(x), int(y)] for y, x in np.argwhere(state.food[0])) == initial["food"]
    obs = engine.observe(state, (1,))[0, 0]
    np.testing.assert_array_equal(obs[1:], dense(initial["obs1"], obs.shape)[1:])
    np.testing.assert_array_equal(obs[0], layout.walls.astype(np.float32))

    # The course env lets a game run length + 1 steps (SPEC: a deliberate difference), and its
    # traces never end by the time limit, so replay with one step of headroom.
    for step in trace["steps"]:
        where = f"{path.name} step {step['t']}"
        result = engine.step(state, np.array([step["actions"]]), trace["length"] + 1)
        assert state_rows(state) == step["agents"], where
        assert sorted([int(x), int(y)] for y, x in np.argwhere(state.food[0])) == step["food"], where
        assert sorted([int(x), int(y)] for y, x in np.argwhere(state.capsules[0])) == step["capsules"], where
        assert int(state.score[0]) == step["score"], where
        assert result.rewards[0, 0] == pytest.approx(step["reward_red"], abs=1e-6), where
        assert result.rewards[0, 1] == pytest.approx(step["reward_blue"], abs=1e-6), where
        assert bool(result.terminated[0]) == step["done"] and not result.truncated[0], where
        legal = [np.flatnonzero(mask).tolist() for mask in engine.legal_actions(state)[0]]
        assert legal == step["legal"], where
        obs = engine.observe(state, (1, 3))[0]
        np.testing.assert_array_equal(obs[0, 1:], dense(step["obs1"], obs.shape[1:])[1:], err_msg=where)
        np.testing.assert_array_equal(obs[1, 1:], dense(step["obs3"], obs.shape[1:])[1:], err_msg=where)
        if step["done"]:
            break
