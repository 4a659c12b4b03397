"""Where a contest team's agents run: a host that loads the team file and plays its games, one move at
a time, under the contest's discipline (a team that raises or runs out of time loses that game).

`agents.ContestTeam` keeps one host in its own process or one in each of several worker processes
(`python -m gymPacMan.contest.worker`, running `serve`), so that the plain-Python agents of a batch's games play on every core. Agents run in the
main thread of their process, so teams that set their own `signal.alarm` work as in the contest.
"""

from __future__ import annotations

import random
import re
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import engine
from ..rules import NUM_AGENTS, STOP, TEAM_AGENTS
from ..team_files import run_team_file
from . import install
from .capture import GameState, action_index
from .util import TimeoutFunction, TimeoutFunctionException

_CREATE_TEAM = re.compile(r"^def\s+createTeam\s*\(", re.MULTILINE)


@dataclass(frozen=True)
class TimeLimits:
    """The contest's time limits (its `capture.py`), in seconds: `registerInitialState` may take
    `startup`; a move over `move_warning` is a warning and the `max_warnings + 1`-th loses; a move over
    `move_timeout`, or more than `total` seconds over the game, loses at once."""

    startup: float = 15.0
    move_warning: float = 1.0
    move_timeout: float = 3.0
    max_warnings: int = 2
    total: float = 900.0


class TeamFileProblem(ValueError):
    """A contest team file that cannot give a team; the message names the file and the problem."""


def defines_create_team(path: str | Path) -> bool:
    """Whether the Python file at `path` defines the contest's `createTeam` (read, not run)."""
    try:
        return bool(_CREATE_TEAM.search(Path(path).read_text(errors="replace")))
    except OSError:
        return False


def load_create_team(path: str | Path):
    """Run the contest team file at `path` (with the contest's modules installed) and return its `createTeam`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"contest team file {str(path)!r} not found (resolved to {str(path.resolve())!r})")
    if path.suffix != ".py":
        raise TeamFileProblem(f"contest team file {str(path)!r}: a team file must be a Python file ending in .py")
    install()
    module = run_team_file(path, "contest team file")
    create = getattr(module, "createTeam", None)
    if not callable(create):
        raise TeamFileProblem(f"contest team file {str(path)!r} defines no createTeam(firstIndex, secondIndex, isRed, ...) function")
    return create


@dataclass
class _Game:
    """One game's agents, the last state each saw, and each agent's time warnings and seconds (the
    contest counts them per agent)."""

    agents: list
    last_seen: list = field(default_factory=lambda: [None, None])
    warnings: list = field(default_factory=lambda: [0, 0])
    seconds: list = field(default_factory=lambda: [0.0, 0.0])


class ContestHost:
    """Plays one colour of a contest team in any number of games, keyed by the caller's game numbers.

    Args:
        path: the team file.
        team: 0 red (agents 0 and 2), 1 blue (1 and 3).
        observation: `"contest"` or `"course"` (`gymPacMan.contest.capture`).
        limits: the contest's time limits, or `None` for none.
        team_kwargs: passed on to `createTeam` (the contest's `--redOpts` / `--blueOpts`).
    """

    def __init__(self, path: str, team: int, observation: str = "contest", limits: TimeLimits | None = None,
                 team_kwargs: dict | None = None):
        self.path, self.team, self.observation, self.limits = str(path), team, observation, limits
        self.team_kwargs = dict(team_kwargs or {})
        self.indices = list(TEAM_AGENTS[team])
        self.create = load_create_team(path)
        self.games: dict[int, _Game] = {}
        self.can_interrupt = hasattr(__import__("signal"), "SIGALRM") and threading.current_thread() is threading.main_thread()

    # -- what the team asks of a host: start games, choose moves, forget games -----------------------
    def start(self, games: list[int], states: engine.GameState, length: int, seeds: list[int]) -> dict[int, str]:
        """Build the team for each game (`states` holds them in `games` order) and register its agents;
        returns `{game: traceback}` of the games whose team failed to start (it has lost them)."""
        failed = {}
        for k, g in enumerate(games):
            self.drop([g])
            try:
                self._seed(seeds[k])
                agents = list(self.create(*self.indices, self.team == 0, **self.team_kwargs))
                if len(agents) != 2:
                    raise TypeError(f"createTeam returned {len(agents)} agents; a team has two")
                self.games[g] = _Game(agents)
                for agent in agents:
                    if hasattr(agent, "registerTeam"):
                        agent.registerTeam(self.indices)
                for agent in agents:  # as the contest: the full state of the start, one copy each
                    self._timed(agent.registerInitialState, None if self.limits is None else self.limits.startup,
                                GameState.snapshot(states, k, length, moves=agent.index), game=None)
            except BaseException as exc:  # noqa: BLE001 - a team that raises loses the game, whatever it raised
                self.games.pop(g, None)
                failed[g] = _report(exc, self.path, g, "registerInitialState")
        return failed

    def act(self, games: list[int], states: engine.GameState, length: int, seeds: list[int],
            turns: list[tuple[list[int], int]] | None = None) -> list[tuple]:
        """Each game's two actions (engine numbers, in index order; Stop for an agent not asked), or
        `(None, traceback)` for a game the team has lost by raising, an illegal action or a time-out.

        turns: in the turn-by-turn game, per game `(slots, first)`: the agents (0, 1 of the team) whose turn it
        is, and the step's first mover (for `data.timeleft`, which the contest counts per move). None: both
        agents choose from the step's start, agent i as the i-th move of the step."""
        out = []
        for k, g in enumerate(games):
            game = self.games.get(g)
            if game is None:
                out.append((None, f"game {g}: the team has no agents in this game (it failed to start)"))
                continue
            try:
                self._seed(seeds[k])
                actions = [STOP, STOP]
                slots, first = (range(len(game.agents)), 0) if turns is None else turns[k]
                for slot in slots:
                    agent = game.agents[slot]
                    moves = (agent.index - first) % NUM_AGENTS  # moves already played in this step
                    full = GameState.snapshot(states, k, length, moves=moves, observation=self.observation)
                    seen = agent.observationFunction(full) if hasattr(agent, "observationFunction") else full
                    game.last_seen[slot] = seen
                    limit = None if self.limits is None else self.limits.move_timeout
                    action = self._timed(agent.getAction, limit, seen, game=game, slot=slot)
                    if action not in seen.getLegalActions(agent.index):
                        raise ValueError(f"agent {agent.index} chose {action!r}, not one of its legal actions "
                                         f"{seen.getLegalActions(agent.index)}")
                    actions[slot] = action_index(action)
                out.append((tuple(actions), None))
            except BaseException as exc:  # noqa: BLE001 - a team that raises loses the game, whatever it raised
                self.games.pop(g, None)
                out.append((None, _report(exc, self.path, g, "getAction")))
        return out

    def drop(self, games: list[int]) -> None:
        """Forget finished games, calling each agent's `final` with the last state it saw."""
        for g in games:
            game = self.games.pop(g, None)
            if game is None:
                continue
            for agent, seen in zip(game.agents, game.last_seen):
                if seen is not None and hasattr(agent, "final"):
                    try:
                        agent.final(seen)
                    except Exception:  # noqa: BLE001 - the game is over; a failing `final` changes nothing
                        pass

    # -- internals ------------------------------------------------------------------------------
    def _seed(self, seed: int) -> None:
        """Contest teams draw from the global generators; seeding them per move makes games repeatable."""
        random.seed(seed)
        np.random.seed(seed % 2**32)

    def _timed(self, call, limit: float | None, state, game: _Game | None, slot: int = 0):
        """`call(state)` under the contest's limits: interrupted past `limit` where signals allow, and
        judged by the time it took (warnings and the total for moves)."""
        started = time.perf_counter()
        if limit is not None and self.can_interrupt:
            try:
                result = TimeoutFunction(call, limit)(state)
            except TimeoutFunctionException:
                raise TimeoutError(f"{call.__qualname__} ran past the limit of {limit:g} s") from None
        else:
            result = call(state)
        seconds = time.perf_counter() - started
        if limit is None:
            return result
        if seconds > limit:
            raise TimeoutError(f"{call.__qualname__} took {seconds:.2f} s; the limit is {limit:g} s")
        if game is not None:
            game.seconds[slot] += seconds
            if seconds > self.limits.move_warning:
                game.warnings[slot] += 1
                if game.warnings[slot] > self.limits.max_warnings:
                    raise TimeoutError(f"a move of {seconds:.2f} s, over the warning time {self.limits.move_warning:g} s: "
                                       f"warning {game.warnings[slot]}, more than the {self.limits.max_warnings} allowed")
            if game.seconds[slot] > self.limits.total:
                raise TimeoutError(f"the agent's moves took {game.seconds[slot]:.1f} s in all; the limit is {self.limits.total:g} s")
        return result


def _report(exc: BaseException, path: str, game: int, call: str) -> str:
    return f"contest team {path!r}, game {game}, {call}:\n" + "".join(traceback.format_exception(exc))


def serve(requests, answers) -> None:
    """A worker process's loop: read the `ContestHost` arguments, build it, then answer each `(method,
    args)` request with `("ok", result)` or `("error", traceback)` until `("close", ())` or the pipe closes."""
    try:
        host = ContestHost(*requests.recv())
    except BaseException as exc:  # noqa: BLE001 - the parent raises it with the file's name
        answers.send(("error", "".join(traceback.format_exception(exc))))
        return
    answers.send(("ok", None))
    while True:
        try:
            method, args = requests.recv()
        except (EOFError, OSError):
            return
        if method == "close":
            return
        try:
            answers.send(("ok", getattr(host, method)(*args)))
        except BaseException as exc:  # noqa: BLE001
            answers.send(("error", "".join(traceback.format_exception(exc))))
