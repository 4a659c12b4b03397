'''A user's own team, loaded from the path of a Python file.

The interface: the file defines a function

    create_team(team: int, **kwargs) -> agents.Team

that builds the team for colour `team` (`0` red, agents 0 and 2; `1` blue, agents 1 and 3), taking
any keyword arguments given to `make_team` / `load_team_file`. The team subclasses `agents.Team` and
implements `act(state, legal, rng)`: it gets the batched `GameState` of all N games, the `(N, 4, 5)`
legal-action masks of all four agents and the environment's random generator, and returns `(N, 2)`
int actions of its two agents (in index order; 0 North, 1 East, 2 South, 3 West, 4 Stop). A team
with per-game memory also overrides `reset(state, games)`; `self.time_limit` holds the game length
(environments set it). A minimal team file:

    # myTeam.py: both agents take the first legal move that is not Stop (Stop when boxed in)
    import numpy as np
    from agents import Team

    class FirstMoveTeam(Team):
        name = "firstMove"

        def act(self, state, legal, rng):
            mine = legal[:, list(self.agents), :4]            # (N, 2, 4) the four directions
            return np.where(mine.any(-1), mine.argmax(-1), 4)  # (N, 2)

    def create_team(team, **kwargs):
        return FirstMoveTeam(team)

It then plays wherever a team name is taken: `make_team("path/to/myTeam.py")`,
`VecCaptureEnv(..., opponent="path/to/myTeam.py")`, `python -m agents --red path/to/myTeam.py`,
the course class's `enemieName=`. A registered team name wins over a file of the same name
(`agents/randomTeam.py` is always the random team). A trained policy needs no file: wrap it in
`agents.PolicyTeam`.

The file is run as a fresh module on every load (its folder is on `sys.path` while it runs, so it
can import modules that sit beside it).
'''

from __future__ import annotations

from pathlib import Path

from gymPacMan.rules import RED
from gymPacMan.team_files import run_team_file

from .base import Team

class TeamFileError(ValueError):
    """A team file that loads but does not give a team; the message names the file and the problem."""

    def __init__(self, path: str | Path, problem: str):
        self.path, self.problem = str(path), problem
        super().__init__(f"team file {str(path)!r}: {problem}")


def is_team_file(name) -> bool:
    """Whether `name` is the path of an existing `.py` file."""
    try:
        path = Path(name)
        return path.suffix == ".py" and path.is_file()
    except (TypeError, ValueError, OSError):
        return False


def load_team_file(path: str | Path, team: int = RED, **kwargs) -> Team:
    """Run the Python file at `path` and return `create_team(team, **kwargs)` from it.

    Raises:
        FileNotFoundError: no such file.
        TeamFileError: not a `.py` file, no callable `create_team` in it, or `create_team` did not
            return a `Team` of colour `team`.
        Any exception the file raises while it runs, with a note naming the file.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"team file {str(path)!r} not found (resolved to {str(path.resolve())!r})")
    if not path.is_file():
        raise TeamFileError(path, "not a file")
    if path.suffix != ".py":
        raise TeamFileError(path, "a team file must be a Python file ending in .py")
    module = run_team_file(path, "team file")

    create = getattr(module, "create_team", None)
    if create is None:
        raise TeamFileError(path, "defines no create_team(team, **kwargs) function (see agents/loader.py for the interface)")
    if not callable(create):
        raise TeamFileError(path, f"create_team must be a function create_team(team, **kwargs), got {type(create).__name__}")
    result = create(team, **kwargs)
    if not isinstance(result, Team):
        raise TeamFileError(
            path, f"create_team({team}) returned {type(result).__name__}, not an agents.Team (subclass agents.Team)"
        )
    if result.team != team:
        raise TeamFileError(path, f"create_team({team}) returned a team of colour {result.team}; build it for team {team}")
    return result


__all__ = ["TeamFileError", "is_team_file", "load_team_file"]
