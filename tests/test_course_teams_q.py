"""Our ports of the course's approxQ and MCTS teams decide as the course's own files do.

The originals (`../shared/reference/course_teams/`) play through our Berkeley contest adapter with the
course environment's full view (`observation=course`), in lockstep with our batched teams: in every
state of games against several opponents, on several maps, in both colours, both are asked for their
move, and the game goes on with ours (the same as the original's wherever they agree).

- approxQ, both at epsilon 0: our action is one the original could have chosen, the set its own
  `random.choice` is offered among equally good actions (or the one action of its way home).
- MCTS, which draws at random while it searches: the original's module-level `random` is replaced by
  one that makes every `random.choice` from the same uniform draws our team makes (`draw`), and its
  wall-clock limit is lifted (ours has only the iteration cap): then its action must equal ours.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from agents import CourseApproxQTeam, CourseMCTSTeam, make_team
from gymPacMan import VecCaptureEnv, engine
from gymPacMan.contest.capture import GameState as ContestState
from gymPacMan.contest.capture import action_index
from gymPacMan.contest.host import ContestHost
from gymPacMan.rules import ACTION_NAMES, BLUE, RED, STOP, TEAM_AGENTS

from helpers import reference_dir

OPPONENTS = ("random", "baseline", "heuristic")
LAYOUTS = ("bloxCapture", "tinyCapture", "contest_3")


class OptionsRandom:
    """Stands in for a course team's module `random`: each `choice` is recorded and answered with the first option."""

    def __init__(self):
        self.options: list | None = None

    def choice(self, options):
        self.options = list(options)
        return options[0]


class Original:
    """A course team file, played through our contest adapter with the course's full view, one agent's
    decision at a time; its module's `random` is `stub`."""

    def __init__(self, name: str, team: int, stub):
        self.host = ContestHost(str(reference_dir("course_teams") / name), team, "course")
        self.module = self.host.create.__globals__
        self.module["random"] = stub

    def start(self, state: engine.GameState, length: int, games: list[int]) -> None:
        """Register the agents of `games` on their games' states in the batch `state`."""
        assert self.host.start(games, state.select(np.asarray(games)), length, [0] * len(games)) == {}

    def choose(self, state: engine.GameState, length: int, g: int, k: int) -> int:
        agent = self.host.games[g].agents[k]
        full = ContestState.snapshot(state, g, length, moves=agent.index, observation="course")
        return action_index(agent.getAction(agent.observationFunction(full)))


def play_lockstep(layout: str, opponent: str, team: int, ours, original: Original, decide, games: int, steps: int,
                  seed: int) -> None:
    """Play `games` games of `ours` (colour `team`) against `opponent` for `steps` steps; every step
    `decide(state, legal)` compares ours with the original and returns the `(N, 2)` actions to play."""
    env = VecCaptureEnv(layout, num_envs=games, self_play=True, length=300, seed=seed)
    env.reset()
    other = make_team(opponent, team=1 - team)
    everything = np.arange(games)
    for side in (ours, other):
        side.reset(env.state, everything)
    original.start(env.state, env.length, everything.tolist())
    for _ in range(steps):
        legal = engine.legal_actions(env.state)
        actions = np.empty((games, 4), dtype=np.int64)
        actions[:, list(TEAM_AGENTS[team])] = decide(env.state, legal)
        actions[:, list(TEAM_AGENTS[1 - team])] = other.act(env.state, legal, env.rng)
        info = env.step(actions)[4]
        done = np.flatnonzero(info["done"])
        if len(done):
            for side in (ours, other):
                side.reset(env.state, done)
            original.start(env.state, env.length, done.tolist())


# ------------------------------------------------------------------------------------------------
# approxQ
# ------------------------------------------------------------------------------------------------


def approxq_agreement(layout: str, opponent: str, team: int, games: int, steps: int, seed: int) -> tuple[int, int, list]:
    """(agreeing choices, choices, the first disagreements) of our approxQ team and the course's, both greedy."""
    stub = OptionsRandom()
    original = Original("approxQTeam.py", team, stub)
    ours = CourseApproxQTeam(team, epsilon=0.0)
    rng = np.random.default_rng(seed)
    tally = [0, 0, []]

    def decide(state, legal):
        mine = ours.act(state, legal, rng)
        for g in range(state.num_games):
            original.host.games[g].agents[0].epsilon = 0.0  # its registerInitialState sets 0.1
            for k in range(2):
                stub.options = None
                chosen = original.choose(state, 300, g, k)
                options = {chosen} if stub.options is None else {action_index(a) for a in stub.options}
                tally[0] += int(mine[g, k] in options)
                tally[1] += 1
                if mine[g, k] not in options and len(tally[2]) < 5:
                    tally[2].append((g, k, int(mine[g, k]), sorted(options)))
        return mine

    play_lockstep(layout, opponent, team, ours, original, decide, games, steps, seed)
    return tuple(tally)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_approxq_chooses_what_the_course_team_could_choose(layout):
    """Every choice of 2 games x 300 steps against each opponent, in both colours (7,200 per map, food
    gone down to the way home included): ours is among the original's equally best actions."""
    for opponent in OPPONENTS:
        for team in (RED, BLUE):
            agree, total, misses = approxq_agreement(layout, opponent, team, games=2, steps=300, seed=team)
            assert agree == total, (opponent, team, misses)


def test_approxq_explores_with_probability_epsilon():
    """With epsilon 1 the attacker plays each legal action (Stop included) equally often; the default is the
    course's 0.1; an epsilon outside [0, 1] is refused."""
    assert make_team("course_approxq").epsilon == 0.1
    assert make_team("course_approxq", epsilon=0).epsilon == 0.0
    with pytest.raises(ValueError, match="epsilon must be in"):
        CourseApproxQTeam(epsilon=1.5)
    env = VecCaptureEnv("bloxCapture", num_envs=2000, self_play=True, seed=0)
    env.reset()
    legal = engine.legal_actions(env.state)
    for team in (RED, BLUE):
        actions = CourseApproxQTeam(team, epsilon=1.0).act(env.state, legal, np.random.default_rng(0))[:, 0]
        options = legal[:, team]  # (N, 5): the attacker's legal actions at its start
        assert options[np.arange(2000), actions].all()
        share = np.bincount(actions, minlength=5)[options[0]] / 2000
        np.testing.assert_allclose(share, 1 / options[0].sum(), atol=0.04)
        assert (actions == STOP).any()


# ------------------------------------------------------------------------------------------------
# MCTS
# ------------------------------------------------------------------------------------------------


class StreamRandom:
    """Stands in for the MCTS team's module `random`: each `choice` is made with the next of `draws`, the way our
    team makes it (`agents.contest_port.pick`)."""

    def __init__(self):
        self.draws = iter(())

    def choice(self, options):
        u = next(self.draws)
        return options[min(int(u * len(options)), len(options) - 1)]


def plan_of(team: CourseMCTSTeam, g: int, k: int) -> list:
    """Our agent's plan in the original's form: `[(action name, (x, y)), ...]`."""
    length = team.plan_len[g, k]
    return [(ACTION_NAMES[a], (int(x), int(y))) for a, (x, y) in zip(team.plan_action[g, k, :length],
                                                                     team.plan_pos[g, k, :length])]


def mcts_agreement(layout: str, opponent: str, team: int, games: int, steps: int, every: int,
                   seed: int) -> tuple[int, int, int, list]:
    """Our MCTS team plays `games` games for `steps` steps; every `every` steps the original decides each state
    too, from the same draws and the same teammate plans. Returns (decisions where it chose our action and left
    our plan, decisions compared, those with an opponent within sight, the first disagreements)."""
    stub = StreamRandom()
    original = Original("MCTSTeam.py", team, stub)
    original.module["timedelta"] = lambda seconds: timedelta(days=1)  # lifts its 0.8 s limit: the cap alone stops it
    agent_class = original.module["mctsTeamWorkAgent"]  # keeps each agent's plan in class attributes
    ours = CourseMCTSTeam(team)
    rng = np.random.default_rng(seed)
    tally = [0, 0, 0, []]
    steps_played = [0]

    def decide(state, legal):
        draws = ours.draw(rng, state.num_games)
        plans = [[plan_of(ours, g, k) for k in range(2)] for g in range(state.num_games)]  # what each agent reads
        mine = ours.play(state, draws)
        steps_played[0] += 1
        if steps_played[0] % every:
            return mine
        for g in range(state.num_games):
            for k, i in enumerate(TEAM_AGENTS[team]):
                setattr(agent_class, f"agent{i}", {"expected_actions": plans[g][k]})
            for k, i in enumerate(TEAM_AGENTS[team]):
                stub.draws = iter(draws[g, k])
                chosen = original.choose(state, 300, g, k)
                same = chosen == mine[g, k] and getattr(agent_class, f"agent{i}")["expected_actions"] == plan_of(ours, g, k)
                tally[0] += int(same)
                tally[1] += 1
                opponents = state.pos[g, list(TEAM_AGENTS[1 - team])]  # (2, 2)
                tally[2] += int((np.abs(opponents - state.pos[g, i]).sum(-1) <= 5).any())
                if not same and len(tally[3]) < 5:
                    tally[3].append((int(state.t[g]), g, k, int(mine[g, k]), chosen))
        return mine

    play_lockstep(layout, opponent, team, ours, original, decide, games, steps, seed)
    return tuple(tally)


@pytest.mark.parametrize("layout, opponent, team, every", [("bloxCapture", "heuristic", RED, 60),
                                                           ("tinyCapture", "baseline", BLUE, 60),
                                                           ("contest_3", "heuristic", BLUE, 100)])
def test_mcts_chooses_what_the_course_team_chooses_from_the_same_draws(layout, opponent, team, every):
    """States along two whole games: from the same random draws and the same teammate plans, the original chooses
    our action and leaves our plan for its teammate, every time (the tree decides some of them: an opponent near)."""
    agree, total, near, misses = mcts_agreement(layout, opponent, team, games=2, steps=300, every=every, seed=team)
    assert agree == total, misses
    assert near > 0


@pytest.mark.slow
@pytest.mark.parametrize("layout", LAYOUTS)
def test_mcts_chooses_what_the_course_team_chooses_everywhere(layout):
    """As above, every 60 steps of two games against each opponent in both colours (120 decisions a map; the
    course's file takes about 0.35 s a decision, so every 20 steps, 1,080 decisions, took CI six minutes)."""
    for opponent in OPPONENTS:
        for team in (RED, BLUE):
            agree, total, near, misses = mcts_agreement(layout, opponent, team, games=2, steps=300, every=60, seed=team)
            print(f"{layout} {opponent} {'red' if team == RED else 'blue'}: {agree} of {total} agree ({near} with an opponent near)")
            assert agree == total, (opponent, team, misses)


def test_mcts_plays_legal_moves_in_both_colours_and_keeps_a_plan_per_game():
    """Whole games on a small map: legal moves for both agents, a plan per game that a new game clears, and
    a clear error for draws of the wrong shape."""
    env = VecCaptureEnv("tinyCapture", num_envs=3, opponent="random", length=40, seed=0)
    env.reset()
    team = make_team("course_mcts", team=BLUE, iterations=30)
    team.reset(env.state, np.arange(3))
    for _ in range(45):
        legal = engine.legal_actions(env.state)
        actions = team.act(env.state, legal, env.rng)
        assert legal[np.arange(3)[:, None], [[1, 3]], actions].all()
        done = env.step(actions)[4]["done"]
        if done.any():
            assert (team.plan_len[done] > 0).any()
            team.reset(env.state, np.flatnonzero(done))
            assert (team.plan_len[done] == 0).all()
    assert team.exhausted == 0
    with pytest.raises(ValueError, match="draws must have shape"):
        team.play(env.state, np.zeros((3, 2, 5)))
