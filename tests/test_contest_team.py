"""Berkeley contest team files as teams: they play like the batched teams they mirror, in either
colour, wherever a team name is taken; a crashing, cheating or slow team loses its game and the batch
goes on."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pytest

from agents import BaselineTeam, ContestTeam, MixtureTeam, TeamFileError, make_team
from agents.match import play_match
from gymPacMan import VecCaptureEnv, engine, gymPacMan_parallel_env
from gymPacMan.contest.host import ContestHost, TimeLimits
from gymPacMan.rules import BLUE, RED

from helpers import ROOT

REFLEX = ROOT / "teams" / "contest" / "reflexTeam.py"

# A contest team whose agents misbehave on request (createTeam's `trouble`, a string as the contest passes
# options), and otherwise play a random legal action.
TROUBLE_TEAM = '''
import random
import time

from captureAgents import CaptureAgent


def createTeam(firstIndex, secondIndex, isRed, trouble="", rate="0.02", **kwargs):
    return [TroubleAgent(firstIndex, trouble, float(rate)), TroubleAgent(secondIndex, trouble, float(rate))]


class TroubleAgent(CaptureAgent):
    def __init__(self, index, trouble, rate):
        CaptureAgent.__init__(self, index)
        self.trouble, self.rate = trouble, rate

    def registerInitialState(self, gameState):
        CaptureAgent.registerInitialState(self, gameState)
        if self.trouble == "start":
            raise RuntimeError("boom while starting")
        if self.trouble == "slow_start":
            time.sleep(1.0)

    def chooseAction(self, gameState):
        if self.trouble == "crash" and random.random() < self.rate:
            raise RuntimeError("boom in a move")
        if self.trouble == "illegal":
            return "Jump"
        if self.trouble == "unsupported":
            return gameState.getRedTeamScore()
        if self.trouble == "slow":
            time.sleep(0.12)
        if self.trouble == "hang":
            time.sleep(30)
        return random.choice(gameState.getLegalActions(self.index))
'''


@pytest.fixture(scope="module")
def trouble(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("contest") / "troubleTeam.py"
    path.write_text(TROUBLE_TEAM)
    return path


def colour_rates(team: str, games: int, seed: int) -> dict[str, float]:
    """Win rates of `team` against random on bloxCapture, as blue and as red."""
    blue = play_match(team, "random", "bloxCapture", games, num_envs=games, seed=seed)
    red = play_match("random", team, "bloxCapture", games, num_envs=games, seed=seed + 1)
    return {"blue": blue["blue_wins"] / games, "red": red["red_wins"] / games}


@pytest.mark.slow
def test_the_reflex_team_file_wins_against_random_like_the_batched_baseline():
    """The starter kit's reflex team, as a contest file, against random over 64 games in each colour: its
    win rates match the batched `baseline`'s within 0.2 (3.3 standard errors of the difference at these
    rates), and it wins most games in both colours."""
    contest = colour_rates(f"contest:{REFLEX}?observation=course", 64, seed=10)
    batched = colour_rates("baseline", 64, seed=10)
    for colour in ("blue", "red"):
        assert contest[colour] >= 0.7, contest
        assert abs(contest[colour] - batched[colour]) <= 0.2, (contest, batched)


def test_the_reflex_team_file_chooses_what_the_batched_baseline_chooses():
    """State by state, in both colours, the contest reflex agents pick one of the actions the batched
    baseline picks (its ties broken with many draws): the same team, through two implementations,
    agreeing on all 3,840 choices."""
    env = VecCaptureEnv("bloxCapture", num_envs=8, self_play=True, seed=3)
    env.reset()
    hosts = {team: ContestHost(str(REFLEX), team, "course") for team in (RED, BLUE)}
    batched = {team: BaselineTeam(team) for team in (RED, BLUE)}
    games = list(range(env.num_envs))
    for team in (RED, BLUE):
        assert hosts[team].start(games, env.state, env.length, list(range(8))) == {}
        batched[team].reset(env.state, np.arange(env.num_envs))
    rng, agree, total = np.random.default_rng(0), 0, 0
    for step in range(120):
        legal = engine.legal_actions(env.state)
        for team in (RED, BLUE):
            chosen = np.array([a for a, _ in hosts[team].act(games, env.state, env.length, [step] * 8)])  # (N, 2)
            options = np.stack([batched[team].act(env.state, legal, np.random.default_rng(k)) for k in range(24)])  # (24, N, 2)
            agree += int((options == chosen[None]).any(axis=0).sum())
            total += chosen.size
        actions = (np.cumsum(legal, -1) <= (rng.random(legal.shape[:2]) * legal.sum(-1))[..., None]).sum(-1)
        env.step(actions)
        if step % 40 == 39:  # new games now and then (the autoreset only restarts games that ended)
            env.reset()
            for team in (RED, BLUE):
                hosts[team].start(games, env.state, env.length, list(range(8)))
    assert agree == total, f"only {agree} of {total} choices agree"


def test_a_contest_team_plays_wherever_a_team_name_is_taken(trouble):
    """`contest:` specs and bare paths of files that define createTeam give contest teams, in both colours;
    the course class and mixtures play them; a registered name still wins for the course's spellings."""
    spec = f"contest:{trouble}?workers=0"
    assert isinstance(make_team(spec, team=RED), ContestTeam)
    assert isinstance(make_team(str(trouble), team=BLUE), ContestTeam)
    assert make_team(spec, team=BLUE).name == "contest:troubleTeam"
    env = gymPacMan_parallel_env("tinyCapture", enemieName=spec, length=30)
    env.reset()
    for _ in range(30):
        _, _, terminations, _ = env.step({1: 4, 3: 4})
        if all(terminations.values()):
            break
    mixture = make_team({spec: 0.5, "random": 0.5}, team=RED, seed=0)
    assert isinstance(mixture, MixtureTeam)
    result = play_match("random", mixture, "tinyCapture", 16, num_envs=16, length=40, seed=0)
    assert result["games"] == 16
    contest = mixture.members()[0]
    assert contest.in_play is not None and 0 < contest.in_play.sum() < 16  # it played only its own games


def test_a_team_that_crashes_loses_that_game_and_the_batch_goes_on(trouble, tmp_path, caplog):
    log = tmp_path / "crashes.log"
    team = make_team(f"contest:{trouble}?trouble=crash&rate=0.01", team=RED, log=log)
    with caplog.at_level(logging.WARNING, logger="agents.contest"):
        result = play_match("random", team, "tinyCapture", 24, num_envs=12, length=60, seed=0)
    assert result["games"] == 24
    crashed = result["red_forfeits"]
    assert 0 < crashed < 24 and crashed <= len(team.crashes)  # (games past the quota crash too, uncounted)
    assert result["blue_wins"] >= crashed  # each crash is a win for the other side
    assert "boom in a move" in log.read_text() and "Traceback" in log.read_text()
    assert "lost a game" in caplog.text


@pytest.mark.parametrize("trouble_kind, message", [
    ("start", "boom while starting"),
    ("illegal", "chose 'Jump', not one of its legal actions"),
    ("unsupported", "'getRedTeamScore'"),
])
def test_a_team_that_fails_to_start_cheats_or_calls_what_we_lack_loses_every_game(trouble, trouble_kind, message):
    team = make_team(f"contest:{trouble}?trouble={trouble_kind}&workers=0", team=BLUE)
    result = play_match(team, "random", "tinyCapture", 6, num_envs=6, length=40, seed=0)
    assert result["blue_forfeits"] == 6 and result["red_wins"] == 6
    assert all(message in report for report in team.crashes)


def test_the_contest_time_limits(trouble):
    """A move over the warning time is a warning and the third loses; a move past the time-out is cut
    short and loses at once; a slow start loses the game."""
    limits = TimeLimits(startup=0.5, move_warning=0.1, move_timeout=0.5, max_warnings=2)
    slow = ContestTeam(trouble, team=RED, time_limits=limits, workers=0, trouble="slow")
    env = VecCaptureEnv("tinyCapture", num_envs=1, opponent=slow, length=50, seed=0)
    env.reset()
    outcome = [bool(env.step([[4, 4]])[4]["done"][0]) for _ in range(3)]
    assert outcome == [False, False, True]  # each agent warned in steps 1 and 2; agent 0's third warning loses
    assert "warning 3" in slow.crashes[0] and len(slow.crashes) == 1
    hang = ContestTeam(trouble, team=RED, time_limits=limits, workers=0, trouble="hang")
    env = VecCaptureEnv("tinyCapture", num_envs=1, opponent=hang, length=50, seed=0)
    env.reset()
    started = time.perf_counter()
    _, _, _, truncated, info = env.step([[4, 4]])
    assert time.perf_counter() - started < 5 and truncated[0] and info["episodes"].forfeited[0].tolist() == [True, False]
    assert "ran past the limit" in hang.crashes[0]
    late = ContestTeam(trouble, team=RED, time_limits=limits, workers=0, trouble="slow_start")
    env = VecCaptureEnv("tinyCapture", num_envs=1, opponent=late, length=50, seed=0)
    env.reset()
    assert env.step([[4, 4]])[4]["done"][0] and "registerInitialState" in late.crashes[0]


def test_worker_processes_play_the_same_games_as_one_process(trouble):
    """Results do not depend on how many processes play: every move is seeded from the environment."""
    results = [play_match("random", f"contest:{REFLEX}?workers={w}", "tinyCapture", 8, num_envs=8, length=60, seed=2)
               for w in (0, 2)]
    assert results[0] == {**results[1], "blue_seconds_per_move": results[0]["blue_seconds_per_move"]}


def test_bad_contest_team_files_get_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.py"):
        make_team("contest:nowhere.py")
    plain = tmp_path / "plain.py"
    plain.write_text("x = 1\n")
    with pytest.raises(TeamFileError, match="no createTeam"):
        make_team(f"contest:{plain}")
    broken = tmp_path / "broken.py"
    broken.write_text("import captureAgents\nraise ImportError('needs a module we lack')\ndef createTeam(a, b, isRed):\n    pass\n")
    with pytest.raises(TeamFileError, match="needs a module we lack"):
        make_team(f"contest:{broken}").reset(VecCaptureEnv("tinyCapture").state, np.arange(1))
    with pytest.raises(ValueError, match="observation must be one of"):
        make_team(f"contest:{REFLEX}?observation=partial")


@pytest.fixture(scope="module")
def trained_against_contest(tmp_path_factory) -> Path:
    """A short training run with the contest reflex team file as the opponent (`--data.opponent contest:...`)."""
    from helpers import short_training_run

    return short_training_run(tmp_path_factory.mktemp("contest_run"), f"--data.opponent=contest:{REFLEX}",
                              "--data.layouts=[tinyCapture]", "--data.length=60", steps=8)


def test_evaluate_tournament_and_watch_take_contest_teams(trained_against_contest, tmp_path, capsys):
    from marl_lightning.play.evaluation import main as evaluate_main
    from marl_lightning.play.tournament import main as tournament_main
    from marl_lightning.play.watch import main as watch_main

    spec = f"contest:{REFLEX}"
    rows = evaluate_main([str(trained_against_contest), spec, "--layouts", "tinyCapture", "--games", "4", "--length", "40",
                          "--out", str(tmp_path)])
    assert rows[0]["b"] == "contest:reflexTeam" and rows[0]["games"] == 4
    assert rows[0]["by_colour"]["blue"]["games"] == rows[0]["by_colour"]["red"]["games"] == 2
    league = tournament_main(["random", spec, "--layouts", "tinyCapture", "--games", "4", "--length", "40"])
    assert league["league"][0]["entrant"] == "contest:reflexTeam"  # it beats random
    watch_main([spec, "random", "--layout", "tinyCapture", "--length", "20", "--text", str(tmp_path / "game.txt")])
    assert (tmp_path / "game.txt").read_text().count("score=") == 21
    assert "contest:reflexTeam (blue)" in capsys.readouterr().out
