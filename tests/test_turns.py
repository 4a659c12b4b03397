"""The contest's turn-by-turn game: each agent chooses at its own turn, after the previous agent's move, in
index order from each game's first mover; a game ends at the move that wins it."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest

from agents import PolicyTeam, Team, make_team
from agents.contest_team import ContestTeam
from agents.match import play_match
from gymPacMan import TeamTurns, TurnChooser, VecCaptureEnv, engine
from gymPacMan.layout import parse_layout
from gymPacMan.rules import BLUE, EAST, RED, STOP, WEST

from helpers import ARENA, place


class Recorder(Team):
    """Plays fixed actions and records, at each call, which agents move and where all four agents stand."""

    def __init__(self, team: int, action: int):
        super().__init__(team)
        self.action, self.calls = action, []

    def act(self, state, legal, rng):
        movers = None if self.movers is None else self.movers.copy()
        self.calls.append((movers, state.pos[0].copy()))
        return np.full((state.num_games, 2), self.action, dtype=np.int64)


class RecordingChooser(TurnChooser):
    def __init__(self, action: int):
        self.action, self.calls = action, []

    def choose(self, env, movers):
        self.calls.append((movers.copy(), env.state.pos[0].copy()))
        return np.full((env.num_envs, env.num_agents), self.action, dtype=np.int64)


def arena_env(first: int, opponent: Team, length: int = 20) -> VecCaptureEnv:
    env = VecCaptureEnv(parse_layout(ARENA, "arena"), num_envs=1, opponent=opponent, length=length, seed=0, turns="contest")
    env.reset()
    env.first_mover[:] = first
    return env


@pytest.mark.parametrize("first", [0, 1])
def test_each_agent_chooses_at_its_turn_on_the_state_the_previous_move_left(first):
    red, blue = Recorder(RED, EAST), RecordingChooser(WEST)
    env = arena_env(first, red)
    start = env.state.pos[0].copy()
    env.step(blue)
    order = [(first + k) % 4 for k in range(4)]
    calls = iter(red.calls), iter(blue.calls)
    moved = start.copy()
    for agent in order:
        movers, seen = next(calls[agent % 2])
        assert movers[0].tolist() == [agent == a for a in ((0, 2) if agent % 2 == RED else (1, 3))]
        np.testing.assert_array_equal(seen, moved)  # every earlier move of the step, none of the later
        moved[agent, 0] += 1 if agent % 2 == RED else -1
    assert len(red.calls) == len(blue.calls) == 2
    np.testing.assert_array_equal(env.state.pos[0], moved)


def test_the_simultaneous_game_asks_each_team_once_from_the_step_start():
    red = Recorder(RED, EAST)
    env = VecCaptureEnv(parse_layout(ARENA, "arena"), num_envs=1, opponent=red, length=20, seed=0)
    env.reset()
    start = env.state.pos[0].copy()
    env.step(np.full((1, 2), WEST))
    assert len(red.calls) == 1 and red.calls[0][0] is None
    np.testing.assert_array_equal(red.calls[0][1], start)
    with pytest.raises(ValueError, match="turns='contest'"):
        env.step(RecordingChooser(STOP))
    with pytest.raises(ValueError, match="turns must be one of"):
        VecCaptureEnv("tinyMaze", turns="alternate")


def test_the_first_mover_is_drawn_per_game_from_the_seed_and_kept_in_checkpoints():
    env = VecCaptureEnv("tinyMaze", num_envs=64, seed=3, turns="contest")
    env.reset()
    first = env.first_mover.copy()
    assert set(first.tolist()) == {0, 1}
    again = VecCaptureEnv("tinyMaze", num_envs=64, seed=3, turns="contest")
    again.reset()
    np.testing.assert_array_equal(again.first_mover, first)
    other = VecCaptureEnv("tinyMaze", num_envs=64, seed=3, turns="contest")
    other.reset()
    other.first_mover[:] = 0
    other.load_state_dict(env.state_dict())
    np.testing.assert_array_equal(other.first_mover, first)


def test_a_game_ends_at_the_move_that_wins_it():
    """Red's agent 0 returns the last blue food at its move: agent 1, next in the step, does not move."""
    red, blue = Recorder(RED, WEST), RecordingChooser(EAST)
    env = arena_env(0, red)
    s = env.state
    s.food[0, 2, 8] = False  # blue's only food is eaten: agent 0 carries it, a step from home
    engine.recount_food(s)
    place(s, 0, 5, 2)
    s.carrying[0, 0] = 1
    before = s.pos[0].copy()
    _, _, terminated, _, info = env.step(blue)
    assert terminated[0] and info["score"][0] == 1
    assert len(red.calls) == 1 and blue.calls == []  # nobody after the winning move was asked
    final = info["final_state"]
    np.testing.assert_array_equal(final.pos[0, 1:], before[1:])
    assert tuple(final.pos[0, 0]) == (4, 2)


def test_the_turn_by_turn_step_plays_the_fused_steps_rules_when_the_order_is_the_same():
    """With agent 0 first and nothing won, a step played move by move equals the fused step."""
    env = VecCaptureEnv("mediumCapsules", num_envs=16, seed=5)
    env.reset()
    rng = np.random.default_rng(0)
    for _ in range(40):
        actions = rng.integers(0, 5, size=(16, 4))
        fused, turned = env.state.copy(), env.state.copy()
        a = engine.step(fused, actions, 300)
        turn = engine.TurnByTurnStep(turned, np.zeros(16, dtype=np.int64), 300)
        for k in range(4):
            turn.move(actions[np.arange(16), turn.movers()])
        b = turn.finish()
        for name in ("pos", "food", "carrying", "score", "scared", "is_pacman", "t"):
            np.testing.assert_array_equal(getattr(fused, name), getattr(turned, name))
        np.testing.assert_allclose(a.rewards, b.rewards)
        np.testing.assert_array_equal(a.score_change, b.score_change)
        np.testing.assert_array_equal(a.illegal, b.illegal)
        env.state = fused
        if (a.terminated | a.truncated).any():
            break


COUNTING_TEAM = '''
import captureAgents

CALLS = []

def createTeam(firstIndex, secondIndex, isRed, **kwargs):
    return [Counting(firstIndex), Counting(secondIndex)]

class Counting(captureAgents.CaptureAgent):
    def registerInitialState(self, gameState):
        captureAgents.CaptureAgent.registerInitialState(self, gameState)
        self.seen = []

    def chooseAction(self, gameState):
        self.seen.append((gameState.data.timeleft, gameState.getAgentPosition(self.index)))
        with open(self.log, "a") as f:
            f.write(f"{self.index} {gameState.data.timeleft}\\n")
        return "Stop"
'''


def test_a_contest_team_is_asked_once_a_step_per_agent_at_its_turn_with_the_contests_clock(tmp_path):
    path = tmp_path / "countingTeam.py"
    log = tmp_path / "calls.txt"
    path.write_text(COUNTING_TEAM.replace("self.log", repr(str(log))))
    team = ContestTeam(path, team=RED, workers=0)
    env = VecCaptureEnv(parse_layout(ARENA, "arena"), num_envs=2, opponent=team, length=10, seed=0, turns="contest")
    env.reset()
    env.first_mover[:] = [0, 1]
    for _ in range(3):
        env.step(TeamTurns(make_team("random", team=BLUE)))
    calls = [tuple(map(int, line.split())) for line in log.read_text().splitlines()]
    # per step: game 0 (agent 0 first) asks agent 0 then 2; game 1 (agent 1 first) asks agent 2 then 0
    expected = []
    for t in range(3):
        left = 4 * (10 - t)
        expected += [(0, left - 0)]  # game 0: agent 0 is the step's first move
        expected += [(2, left - 1)]  # game 1: agent 2 is its second move (1, 2, 3, 0)
        expected += [(2, left - 2)]  # game 0: agent 2 is its third move
        expected += [(0, left - 3)]  # game 1: agent 0 is its last move
    assert calls == expected


def test_a_match_in_the_contest_game_is_played_and_reproducible():
    a = play_match("heuristic", "baseline", "tinyMaze", 8, num_envs=8, length=60, seed=2, turns="contest")
    b = play_match("heuristic", "baseline", "tinyMaze", 8, num_envs=8, length=60, seed=2, turns="contest")
    assert a["games"] == 8 and a["blue_wins"] + a["ties"] + a["red_wins"] == 8
    assert {k: v for k, v in a.items() if k != "blue_seconds_per_move"} == {
        k: v for k, v in b.items() if k != "blue_seconds_per_move"}


def test_in_the_contest_game_a_checkpoint_plays_as_its_exported_team_file_with_the_contests_view():
    from marl_lightning.play.evaluation import evaluate, game_entrant

    team = game_entrant("teams/champion.ckpt", BLUE, "contest")
    assert isinstance(team, ContestTeam) and team.observation == "contest"
    folder = Path(team.path).parent
    assert {p.name for p in folder.iterdir()} >= {"myTeam.py", "team.pt"}
    team.close()
    del team
    gc.collect()
    assert not folder.exists()  # the temporary export goes with the team
    assert isinstance(game_entrant("teams/champion.ckpt", BLUE, "course"), PolicyTeam)
    with pytest.raises(ValueError, match="game must be one of"):
        game_entrant("random", BLUE, "capture")
    rows = evaluate("teams/champion.ckpt", "random", ["tinyMaze"], games=2, length=15, game="contest")
    assert rows[0]["games"] == 2 and rows[0]["by_colour"]["blue"]["games"] == 1
