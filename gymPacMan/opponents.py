"""What the environments need of a team they play inside, and how a team name becomes one.

The engine is the bottom layer: it knows no team. `VecCaptureEnv` plays any object that satisfies
`Opponent` (our `agents.Team` does); a team **name** is resolved by the team factories that installed
packages register under the entry-point group `gymPacMan.teams` (this project's `agents` registers
`agents.make_team`, in `pyproject.toml`), so the engine never imports them.

>>> from gymPacMan.opponents import Opponent, resolve_opponent
>>> team = resolve_opponent("random", team=0)
>>> isinstance(team, Opponent), team.team
(True, 0)
"""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from typing import Callable, Protocol, runtime_checkable

import numpy as np

from .engine import GameState

TEAM_FACTORIES = "gymPacMan.teams"  # entry-point group: name -> factory(name, team=...) -> Opponent


@runtime_checkable
class Opponent(Protocol):
    """A pair of agents of one colour acting in every game of a batch (`agents.Team` documents it fully).

    `team`: 0 red (agents 0 and 2) or 1 blue (1 and 3); `time_limit`: the game length (the environment
    sets it); `act(state, legal (N, 4, 5), rng) -> (N, 2)` actions; `reset(state, games)` when games
    start; `state_dict()` / `load_state_dict(d)`: its memory of the games, for exact resumes.

    Optional, read with `getattr`: `forfeits`, `(N,)` bool after `act`, the games the team has lost
    by the contest's discipline (a contest team that crashed; the environment ends them); and
    `games_ended(games, winner)`, called with the results of games that ended before they restart
    (a self-play pool counts them).
    """

    team: int
    name: str
    time_limit: int

    def reset(self, state: GameState, games: np.ndarray) -> None: ...

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray: ...

    def state_dict(self) -> dict: ...

    def load_state_dict(self, state_dict: dict) -> None: ...


def team_factories() -> list[Callable[..., Opponent]]:
    """The team factories installed packages register (entry-point group `gymPacMan.teams`)."""
    return [entry.load() for entry in entry_points(group=TEAM_FACTORIES)]


def of_colour(opponent: Opponent, team: int) -> Opponent:
    """`opponent`, a team already built, if it plays colour `team`; an error otherwise. The one check of a
    built team's colour (`resolve_opponent`, `agents.make_team`, `agents.MixtureTeam.add`)."""
    if opponent.team != team:
        raise ValueError(f"{opponent!r} plays the other colour; build one for team {team}")
    return opponent


def resolve_opponent(spec: str | os.PathLike | Opponent, team: int) -> Opponent:
    """A team for colour `team`: an `Opponent` as it is, or a name (or team file path) made by the
    registered team factory."""
    if isinstance(spec, Opponent):
        return of_colour(spec, team)
    if isinstance(spec, os.PathLike):
        spec = os.fspath(spec)
    if not isinstance(spec, str):
        raise TypeError(f"an opponent is a team name or an object with act/reset/state_dict, got {spec!r}")
    factories = team_factories()
    if not factories:
        raise LookupError(
            f"no team factory is installed to make {spec!r}: install this project (`pip install -e .`) or pass a team "
            "object (`agents.make_team(name)`)"
        )
    return factories[0](spec, team=team)
