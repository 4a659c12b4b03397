'''A Berkeley contest team file as a team: the course's teams, classmates' teams, a submission, the
`myTeam.py` our export writes.

A contest team file defines `createTeam(firstIndex, secondIndex, isRed, **kwargs)` returning two
`CaptureAgent`s with `registerInitialState(gameState)` and `chooseAction(gameState)`, and imports
`captureAgents`, `game`, `util`, `distanceCalculator` (and sometimes `capture`): the contest's
modules, which this project provides (`gymPacMan/contest/`). It plays wherever a team name is
taken, given as `contest:path/to/theirTeam.py` (or just the path, when the file defines
`createTeam`), with settings after a `?`:

    contest:teams/contest/baselineTeam.py?observation=course&time_limits=1&workers=4

- `observation`: `contest` (default; opponents farther than 5 cells from both agents hidden, noisy
  distances, as in the contest) or `course` (everything shown, as the course environment does);
- `time_limits`: `1` applies the contest's limits (15 s start-up, a move over 1 s a warning and the
  third loses, over 3 s loses at once, 900 s a game); off by default;
- `workers`: processes that play the batch's games (default one per core, at most one per game; `0`
  plays in this process); any other `key=value` goes to `createTeam` as a string (the contest's
  `--redOpts`).

As in the contest, a team that raises, returns an illegal action or runs out of time **loses that
game** (the score becomes 1 for the other team and the game ends, as a truncation); its traceback
goes to the `agents.contest` logger (and to the file `log`, when given) and to `crashes`, and the
other games of the batch go on. In the course's game all four agents of a step choose from the state at
its start, as in the course environment; in the contest's turn-by-turn game (`VecCaptureEnv(turns="contest")`)
each agent is asked once a step, at its own turn, on the state after the previous agent's move. Each
contest agent sees its own copy (`data.timeleft` counts its moves as the contest does). A contest team's memory lives in Python objects, so a resumed training run starts
its games afresh.
'''

from __future__ import annotations

import logging
import os
import subprocess
import sys
import weakref
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np

from gymPacMan.contest.capture import OBSERVATIONS
from gymPacMan.contest.host import ContestHost, TeamFileProblem, TimeLimits, defines_create_team
from gymPacMan.engine import GameState
from gymPacMan.rules import RED, STOP

from .base import Team
from .loader import TeamFileError

PREFIX = "contest:"
# A game's status for the team: not started; agents registered; lost (while starting), to be
# forfeited at the next act; lost and forfeited, waiting for the game to be reset.
_NEW, _PLAYING, _LOST, _OUT = range(4)
log = logging.getLogger("agents.contest")


def is_contest_spec(name) -> bool:
    """`contest:...`, or the path of a `.py` file that defines the contest's `createTeam`."""
    if isinstance(name, str) and name.startswith(PREFIX):
        return True
    try:
        path = Path(str(name).split("?", 1)[0])
        return path.suffix == ".py" and path.is_file() and defines_create_team(path)
    except (TypeError, ValueError, OSError):
        return False


def parse_contest_spec(spec: str) -> tuple[str, dict]:
    """`contest:path.py?key=value&...` -> (path, settings), settings typed for `ContestTeam`."""
    body = spec[len(PREFIX):] if spec.startswith(PREFIX) else spec
    path, _, query = body.partition("?")
    settings: dict = {}
    for key, value in parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)):
        if key == "workers":
            settings[key] = int(value)
        elif key == "time_limits":
            settings[key] = value.lower() in ("1", "true", "yes", "on")
        else:
            settings[key] = value
    return path, settings


class _Worker:
    """A host in a worker process (`python -m gymPacMan.contest.worker`); `send` and `receive` split a
    call so that all workers work at once."""

    def __init__(self, host_args: tuple):
        from_worker, to_parent = os.pipe()
        from_parent, to_worker = os.pipe()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))  # imports as here
        self.process = subprocess.Popen([sys.executable, "-m", "gymPacMan.contest.worker", str(from_parent), str(to_parent)],
                                        pass_fds=(from_parent, to_parent), env=env)
        os.close(from_parent)
        os.close(to_parent)
        self.answers = Connection(from_worker, writable=False)
        self.requests = Connection(to_worker, readable=False)
        self.requests.send(host_args)

    def send(self, method: str, *args) -> None:
        self.requests.send((method, args))

    def receive(self):
        try:
            status, result = self.answers.recv()
        except EOFError:
            raise RuntimeError(f"a contest team's worker process died (exit code {self.process.poll()})") from None
        if status != "ok":
            raise RuntimeError(f"a contest team's worker failed:\n{result}")
        return result

    def close(self) -> None:
        try:
            self.requests.send(("close", ()))
        except (OSError, ValueError):
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.requests.close()
        self.answers.close()


class _Local:
    """A host in this process, with the workers' `send` / `receive`."""

    def __init__(self, host: ContestHost):
        self.host, self._result = host, None

    def send(self, method: str, *args) -> None:
        self._result = getattr(self.host, method)(*args)

    def receive(self):
        return self._result

    def close(self) -> None:
        pass


def _close_all(hosts: list) -> None:
    for host in hosts:
        host.close()


class ContestTeam(Team):
    """A contest team file playing colour `team` in every game of a batch (see the module docstring).

    Args:
        path: the team file.
        team: 0 red, 1 blue.
        observation: `"contest"` or `"course"`.
        time_limits: apply the contest's time limits (`True`), or give your own `TimeLimits`.
        workers: worker processes (`None`: one per core, at most one per game; 0: this process).
        seed: seeds each game's start (moves are seeded from the environment's generator).
        log: a file to append the tracebacks of crashed games to.
        **team_kwargs: passed to `createTeam`.
    """

    def __init__(self, path: str | Path, team: int = RED, observation: str = "contest",
                 time_limits: bool | TimeLimits = False, workers: int | None = None, seed: int = 0,
                 log: str | Path | None = None, **team_kwargs):
        super().__init__(team)
        if observation not in OBSERVATIONS:
            raise ValueError(f"observation must be one of {OBSERVATIONS}, got {observation!r}")
        if workers is not None and workers < 0:
            raise ValueError(f"workers must be 0 (this process) or more, got {workers}")
        self.path = str(path)
        self.name = f"contest:{Path(path).stem}"
        self.observation = observation
        self.limits = TimeLimits() if time_limits is True else (time_limits or None)
        self.workers = workers
        self.log_file = None if log is None else Path(log)
        self.team_kwargs = team_kwargs
        self.rng = np.random.default_rng(seed)
        self.forfeits = np.zeros(0, dtype=np.bool_)  # (N,) games this team lost in its last act
        self.crashes: list[str] = []  # the tracebacks of every game it lost by raising or timing out
        self._hosts: list = []
        self._status = np.zeros(0, dtype=np.int8)  # (N,) each game's _NEW, _PLAYING, _LOST or _OUT
        self._host_args = (self.path, team, observation, self.limits, team_kwargs)
        self._local = _Local(self._load_here()) if workers == 0 or os.name == "nt" else None  # no fd passing on Windows

    def _load_here(self) -> ContestHost:
        try:
            return ContestHost(*self._host_args)
        except TeamFileProblem as exc:
            raise TeamFileError(self.path, str(exc)) from None

    # -- hosts ----------------------------------------------------------------------------------
    def _ensure_hosts(self, num_games: int) -> None:
        if self._local is not None:
            self._hosts = [self._local]
            return
        count = max(1, min(self.workers or os.cpu_count() or 1, num_games))
        if len(self._hosts) == count:
            return
        self.close()
        workers = [_Worker(self._host_args) for _ in range(count)]
        problems = []
        for worker in workers:
            try:
                worker.receive()
            except RuntimeError as exc:
                problems.append(str(exc))
        if problems:
            _close_all(workers)
            raise TeamFileError(self.path, f"the team did not load in its worker process:\n{problems[0]}")
        self._hosts = workers
        self._finalizer = weakref.finalize(self, _close_all, workers)

    def close(self) -> None:
        """Stop the worker processes (they also stop with this object, and with the program)."""
        if self._local is None:
            _close_all(self._hosts)
            self._hosts = []
            if hasattr(self, "_finalizer"):
                self._finalizer.detach()

    def _host_of(self, games: np.ndarray) -> np.ndarray:
        return games % len(self._hosts)

    def _call(self, method: str, games: np.ndarray, state: GameState, seeds: np.ndarray, *per_game: list) -> dict:
        """Call `method` on each host with its share of `games` (and of each list in `per_game`, one entry a
        game); returns `{game: result}`."""
        owner = self._host_of(games)
        asked = []
        for h, host in enumerate(self._hosts):
            mine = games[owner == h]
            if len(mine):
                shares = [[items[k] for k in np.flatnonzero(owner == h)] for items in per_game]
                host.send(method, mine.tolist(), state.select(mine), self.time_limit, seeds[owner == h].tolist(), *shares)
                asked.append((host, mine))
        results = {}
        for host, mine in asked:
            answer = host.receive()
            items = answer.items() if isinstance(answer, dict) else zip(mine.tolist(), answer)
            results.update(items)
        return results

    # -- the Team interface ---------------------------------------------------------------------
    def reset(self, state: GameState, games: np.ndarray) -> None:
        n = state.num_games
        games = np.asarray(games, dtype=np.int64)
        if self.bind(state) or self._status.shape[0] != n:
            self._ensure_hosts(n)
            self._status = np.full(n, _NEW, dtype=np.int8)
            games = np.arange(n)
        self._status[games] = _NEW
        self._start(state, games if self.in_play is None else games[self.in_play[games]])

    def _start(self, state: GameState, games: np.ndarray) -> None:
        if len(games) == 0:
            return
        seeds = self.rng.integers(2**31, size=len(games))
        failed = self._call("start", games, state, seeds)
        self._status[games] = _PLAYING
        for g, report in failed.items():
            self._status[g] = _LOST
            self._record(report)

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n = state.num_games
        if self.bind(state) or self._status.shape[0] != n:
            self.reset(state, np.arange(n))
        seeds = rng.integers(2**31, size=n)  # drawn for every game, so results do not depend on the workers
        playing = np.ones(n, dtype=np.bool_) if self.in_play is None else self.in_play.copy()
        self._start(state, np.flatnonzero(playing & (self._status == _NEW)))  # games handed to it mid-way
        self.forfeits = self._status == _LOST
        self._status[self.forfeits] = _OUT
        out = np.full((n, 2), STOP, dtype=np.int64)
        turns = []
        if self.movers is not None:  # the turn-by-turn game: only the agents whose turn it is choose
            playing &= self.movers.any(axis=1)
            turns = [[(np.flatnonzero(self.movers[g]).tolist(), int(self.first_mover[g]))
                      for g in np.flatnonzero(playing & (self._status == _PLAYING))]]
        games = np.flatnonzero(playing & (self._status == _PLAYING))
        for g, (actions, report) in self._call("act", games, state, seeds[games], *turns).items():
            if actions is None:
                self.forfeits[g] = True
                self._status[g] = _OUT
                self._record(report)
            else:
                out[g] = actions
        return out

    def _record(self, report: str) -> None:
        self.crashes.append(report)
        log.warning("%s lost a game:\n%s", self.name, report)
        if self.log_file is not None:
            with self.log_file.open("a") as f:
                f.write(report + "\n")


def make_contest_team(spec: str, team: int = RED, seed: int = 0, **kwargs) -> ContestTeam:
    """The team of a `contest:path?settings` spec (or a bare path of a contest team file)."""
    path, settings = parse_contest_spec(spec)
    if not Path(path).is_file():
        raise FileNotFoundError(f"contest team file {path!r} not found (resolved to {str(Path(path).resolve())!r})")
    if not defines_create_team(path):
        raise TeamFileError(path, "defines no createTeam(firstIndex, secondIndex, isRed, ...) function: not a contest team file")
    return ContestTeam(path, team=team, seed=seed, **{**settings, **kwargs})
