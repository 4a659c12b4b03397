"""`course_heuristic` and `course_astar`: the course's heuristicTeam and AstarTeam, batched. Each of
their choices is one the course's own file, run through our contest adapter on the same state, could
have made; where the course's files crash they play on; a search too big for its space is run again."""

from __future__ import annotations

import random

import numpy as np
import pytest

from agents import CourseAstarTeam, CourseHeuristicTeam, HeuristicTeam, make_team
from agents.course_search import SearchSpace
from gymPacMan import VecCaptureEnv, engine
from gymPacMan.contest.capture import GameState, action_index
from gymPacMan.contest.host import ContestHost
from gymPacMan.rules import BLUE, RED

from helpers import place, reference_dir

PAIRS = [("heuristicTeam.py", "course_heuristic"), ("AstarTeam.py", "course_astar")]
MAPS = ["bloxCapture", "tinyCapture", "smallCapture", "contest_3", "contest_17"]
OPPONENTS = {"random": 1.0, "baseline": 1.0, "heuristic": 1.0}


class ChoiceRecorder:
    """The course file's `random`: remembers what each `random.choice` chose from (its equally good choices)."""

    def __init__(self):
        self.options = None

    def choice(self, seq):
        self.options = list(seq)
        return random.choice(seq)


def original_choices(host: ContestHost, recorder: ChoiceRecorder, state: engine.GameState, length: int,
                     observation: str) -> list[list[set | None]]:
    """For each game and agent of the host's team, the engine actions the course's agent could choose
    in `state` (all it drew from where it drew at random), or None where it raised."""
    choices = []
    for g in range(state.num_games):
        row = []
        for agent in host.games[g].agents:
            seen = agent.observationFunction(GameState.snapshot(state, g, length, moves=agent.index, observation=observation))
            recorder.options = None
            try:
                action = agent.getAction(seen)
            except Exception:  # noqa: BLE001 - the course's code raises in a few states (test docstrings)
                row.append(None)
                continue
            options = recorder.options if recorder.options is not None else [action]
            row.append({action_index(a) for a in options})
        choices.append(row)
    return choices


def agreement(course_file: str, name: str, team: int, games: int, skip: int, steps: int, observation: str,
              seed: int) -> tuple[int, int, int]:
    """Our team plays `games` games (maps and opponents mixed) for `skip` steps, then the course's file
    starts on the same states and both choose for `steps` steps. Returns (our choices the course's file
    could have made, choices compared, choices where the course's file raised)."""
    path = reference_dir("course_teams") / course_file
    opponent = make_team(OPPONENTS, team=1 - team, seed=seed)
    env = VecCaptureEnv(MAPS, num_envs=games, self_play=True, seed=seed)
    env.reset()
    ours = make_team(name, team=team, observation=observation)
    everyone = np.arange(games)
    for side in (ours, opponent):
        side.reset(env.state, everyone)
    rng = np.random.default_rng(seed)
    host, recorder = ContestHost(str(path), team, observation), ChoiceRecorder()
    host.create.__globals__["random"] = recorder  # the course's files draw every random choice from `random`
    agree = compared = raised = 0
    for step in range(skip + steps):
        if step == skip:  # the course's agents (and ours, afresh) start on the states reached
            assert host.start(everyone.tolist(), env.state, env.length, everyone.tolist()) == {}
            ours.reset(env.state, everyone)
        legal = engine.legal_actions(env.state)
        mine = ours.act(env.state, legal, rng)  # (N, 2)
        if step >= skip:
            for g, row in enumerate(original_choices(host, recorder, env.state, env.length, observation)):
                for k, options in enumerate(row):
                    raised += options is None
                    compared += options is not None
                    agree += options is not None and int(mine[g, k]) in options
        actions = np.empty((games, 4), dtype=np.int64)
        actions[:, list(ours.agents)] = mine
        actions[:, list(opponent.agents)] = opponent.act(env.state, legal, rng)
        done = env.step(actions)[4]["episodes"].env_index
        if len(done):
            for side in (ours, opponent):
                side.reset(env.state, done)
            if step >= skip:
                assert host.start(done.tolist(), env.state.select(done), env.length, done.tolist()) == {}
    return agree, compared, raised


@pytest.mark.parametrize("course_file, name", PAIRS)
def test_each_choice_is_one_the_course_file_could_have_made(course_file, name):
    """In both colours, on the course's maps and random mazes, against random, baseline and heuristic
    opponents, at the start of games and 150 steps in: every choice of ours is among the course's
    file's equally good ones on that state (all 640 of each team; 99% is the bar)."""
    agree = compared = raised = 0
    for team, skip, seed in [(RED, 0, 1), (BLUE, 0, 2), (RED, 150, 3), (BLUE, 150, 4)]:
        a, c, r = agreement(course_file, name, team, games=4, skip=skip, steps=20, observation="course", seed=seed)
        agree, compared, raised = agree + a, compared + c, raised + r
    assert compared >= 600 and raised <= 3, (compared, raised)
    assert agree >= 0.99 * compared, f"{compared - agree} of {compared} choices differ"


@pytest.mark.slow
@pytest.mark.parametrize("observation", ["course", "contest"])
@pytest.mark.parametrize("course_file, name", PAIRS)
def test_each_choice_is_one_the_course_file_could_have_made_over_whole_games(course_file, name, observation):
    """The long version: 4 games in each colour from the start to 300 steps (2,400 choices a team), in
    the course's view and in the contest's (opponents out of sight hidden)."""
    agree = compared = 0
    for team in (RED, BLUE):
        a, c, _ = agreement(course_file, name, team, games=4, skip=0, steps=300, observation=observation, seed=5 + team)
        agree, compared = agree + a, compared + c
    assert agree >= 0.99 * compared, f"{compared - agree} of {compared} choices differ"


def invaded_and_emptied(team: int) -> engine.GameState:
    """bloxCapture with `team`'s food all gone and an opponent Pacman carrying it, out of sight."""
    env = VecCaptureEnv("bloxCapture", num_envs=1, seed=0)
    env.reset()
    state = env.state
    width = int(state.width[0])
    own = (2 * np.arange(width) < width) == (team == RED)
    state.food[0][:, : width][:, own] = False
    engine.recount_food(state)
    invader = 1 - team
    cells = [(x, y) for y in range(int(state.height[0])) for x in range(width)
             if own[x] and not state.walls[0, y, x] and
             all(abs(x - state.pos[0, i, 0]) + abs(y - state.pos[0, i, 1]) > 5 for i in (team, team + 2))]
    place(state, invader, *cells[len(cells) // 2])
    state.carrying[0, invader] = 5
    assert not engine.game_won(state)[0]
    return state


@pytest.mark.parametrize("course_file, name", PAIRS)
@pytest.mark.parametrize("team", [RED, BLUE], ids=["red", "blue"])
def test_where_the_course_file_crashes_ours_plays_on(course_file, name, team):
    """With its food all gone and an invader out of sight (the contest's view), the course's defender
    looks for the invader's likely entry by the food nearest each entry and pops an empty queue; ours
    goes to the nearest entry past its threshold."""
    state = invaded_and_emptied(team)
    ours = make_team(name, team=team, observation="contest")
    ours.reset(state, np.arange(1))
    legal = engine.legal_actions(state)
    actions = ours.act(state, legal, np.random.default_rng(0))
    assert legal[0, list(ours.agents), actions[0]].all()
    host = ContestHost(str(reference_dir("course_teams") / course_file), team, "contest")
    assert host.start([0], state, 300, [0]) == {}
    played = host.act([0], state, 300, [0])[0]
    assert played[0] is None and "IndexError" in played[1]


def course_goal(host: ContestHost, state: engine.GameState, length: int = 300) -> tuple[int, int]:
    """The goal cell the course's defender computes on game 0 of `state` (its `GOAL_POSITION`)."""
    agent = host.games[0].agents[1]
    seen = agent.observationFunction(GameState.snapshot(state, 0, length, moves=agent.index, observation="contest"))
    problem = host.create.__globals__["defendTerritoryProblem"](startingGameState=seen, captureAgent=agent)
    return tuple(problem.GOAL_POSITION)


@pytest.mark.parametrize("course_file, name", PAIRS)
@pytest.mark.parametrize("team", [RED, BLUE], ids=["red", "blue"])
def test_an_entry_exactly_at_the_threshold_is_passed_over_as_the_course_file_does(course_file, name, team):
    """An unseen invader's likely entry must lie *farther* than the threshold from the defender (5 cells,
    AstarTeam's 2). On bloxCapture, with the defender at each cell where an entry exactly at the threshold
    would be the one nearest the food (and at every other cell out of the invader's sight), our goal is the
    course file's. (The goal lies across the border, where neither defender's own-half search arrives, so
    the move alone cannot tell: the goal is compared.)"""
    env = VecCaptureEnv("bloxCapture", num_envs=1, seed=0)
    env.reset()
    state, width, height = env.state, int(env.state.width[0]), int(env.state.height[0])
    own = [(x, y) for y in range(height) for x in range(width)
           if (2 * x < width) == (team == RED) and not state.walls[0, y, x]]
    ours, nearer = make_team(name, team=team, observation="contest"), make_team(name, team=team, observation="contest")
    nearer.entry_threshold = ours.entry_threshold - 1  # an entry at the threshold counts for it
    host = ContestHost(str(reference_dir("course_teams") / course_file), team, "contest")
    assert host.start([0], state, 300, [0]) == {}
    place(state, 1 - team, *own[len(own) // 2])  # the invader, a Pacman on the defender's half
    play, compared, decided = np.ones(1, dtype=np.bool_), 0, 0
    for cell in own:
        place(state, team + 2, *cell)
        visible = ours.visible(state)
        if visible[0, 1 - team]:
            continue
        for side in (ours, nearer):
            side.reset(state, np.arange(1))
        goal = tuple(int(v) for v in ours.defender_goals(state, play, visible)[0])
        decided += goal != tuple(int(v) for v in nearer.defender_goals(state, play, visible)[0])
        assert goal == course_goal(host, state), f"defender at {cell}"
        compared += 1
    assert compared >= 50 and decided >= 3, (compared, decided)  # cells where an entry at the threshold decides


def test_a_search_too_big_for_its_space_runs_again_in_a_larger_one():
    """Searches are never cut short: a team whose space holds 16 nodes grows it and chooses exactly what
    one with the default space does."""
    env = VecCaptureEnv(["bloxCapture", "contest_3"], num_envs=8, self_play=True, seed=0)
    env.reset()
    teams = [CourseAstarTeam(RED), CourseAstarTeam(RED)]
    for team in teams:
        team.reset(env.state, np.arange(8))
    teams[1].space = SearchSpace(env.state.grid_shape, capacity=16)
    rng = np.random.default_rng(0)
    for _ in range(40):
        legal = engine.legal_actions(env.state)
        seed = int(rng.integers(2**31))
        first, second = (team.act(env.state, legal, np.random.default_rng(seed)) for team in teams)
        np.testing.assert_array_equal(first, second)
        actions = np.empty((8, 4), dtype=np.int64)
        actions[:, [0, 2]] = first
        actions[:, [1, 3]] = make_team("random", team=BLUE).act(env.state, legal, rng)
        env.step(actions)
    assert teams[1].space.capacity > 16


def test_the_course_teams_are_registered_and_remember_for_checkpoints():
    """`course_heuristic` and `course_astar` are their own names; `heuristic` stays our ladder's; a
    restored memory (the defender's border cell and last food) plays on as before."""
    assert type(make_team("course_heuristic", team=BLUE)) is CourseHeuristicTeam
    assert type(make_team("course_astar")) is CourseAstarTeam
    assert type(make_team("heuristic")) is HeuristicTeam
    with pytest.raises(ValueError, match="observation must be one of"):
        make_team("course_astar", observation="partial")
    env = VecCaptureEnv("bloxCapture", num_envs=4, opponent="baseline", seed=0)
    env.reset()
    team = CourseHeuristicTeam(BLUE)
    team.reset(env.state, np.arange(4))
    for _ in range(30):
        env.step(team.act(env.state, engine.legal_actions(env.state), env.rng))
    saved, restored = team.state_dict(), CourseHeuristicTeam(BLUE)
    restored.reset(env.state, np.arange(4))
    restored.load_state_dict(saved)
    assert (team.boundary_goal >= 0).any()
    legal = engine.legal_actions(env.state)
    np.testing.assert_array_equal(team.act(env.state, legal, np.random.default_rng(1)),
                                  restored.act(env.state, legal, np.random.default_rng(1)))
