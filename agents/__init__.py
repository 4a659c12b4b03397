"""Opponent teams and the one registry of their names.

`make_team("random")`, `make_team("randomTeam")`, `make_team("randomTeam.py")` and
`make_team("agents/randomTeam.py")` all give the same team: the course's spellings work as they are.
A name that is no registered team but the path of an existing `.py` file loads a user's own team
from it (`agents/loader.py` documents the file's `create_team` interface); a Berkeley contest team
file (`createTeam`) plays as `contest:path/to/theirTeam.py` (`agents/contest_team.py`). A trained policy plays
as a team through `PolicyTeam(policy, team)` (`agents/policy_team.py`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Mapping

from gymPacMan.rules import RED

from .base import Team, sample_legal
from .contest_team import ContestTeam, is_contest_spec, make_contest_team
from .loader import TeamFileError, is_team_file, load_team_file
from .mixture import MixtureTeam
from .pool import PoolTeam
from .policy_team import Policy, PolicyTeam, StatelessPolicy, rotate_actions, rotate_legal, to_blue_view
from .baseline_team import BaselineTeam
from .course_heuristic_team import CourseAstarTeam, CourseHeuristicTeam
from .heuristic_team import HeuristicTeam
from .random_team import RandomTeam
from .search_team import SearchTeam

TEAMS: dict[str, type[Team]] = {
    "random": RandomTeam,
    "baseline": BaselineTeam,
    "heuristic": HeuristicTeam,
    "search": SearchTeam,
    "course_heuristic": CourseHeuristicTeam,  # the course's heuristicTeam and AstarTeam, decision for decision
    "course_astar": CourseAstarTeam,
}
# The course's other team names, mapped to the rung of the same kind (approxQ, a linear Q agent whose
# weights we do not have, to the reflex team nearest its strength: a stand-in, said so when used).
ALIASES: dict[str, str] = {"astar": "heuristic", "mcts": "search", "approxq": "baseline"}
_COURSE_SPELLING = {"astar": "AstarTeam", "mcts": "MCTSTeam", "approxq": "approxQTeam"}
# Course teams ours play differently (README, Opponent teams): a course spelling of these says so once.
_PLAYS_DIFFERENTLY = {"heuristic", "astar", "mcts", "approxq"}
_noticed: set[str] = set()


def _notice_stand_in(name: str, key: str) -> None:
    """Say once per course name that one of our teams plays it, and how to play the course's own file."""
    stem = Path(str(name)).name
    course_spelling = stem.removesuffix(".py").endswith("Team") or key not in TEAMS  # ours are named without "Team"
    if key not in _PLAYS_DIFFERENTLY or not course_spelling or key in _noticed:
        return
    _noticed.add(key)
    ours = ALIASES.get(key, key)
    stem = _COURSE_SPELLING.get(key, f"{key}Team") if not stem.removesuffix(".py").endswith("Team") else stem
    print(f"{stem}: the course's team file is not at this path, so our '{ours}' team plays instead; it plays "
          f"differently from the course's (README, Opponent teams). To play the course's own team, give the path "
          f"of its file (e.g. enemieName='path/to/{stem.removesuffix('.py')}.py').", file=sys.stderr)


def canonical_team_name(name: str) -> str:
    """`agents/randomTeam.py` -> `random`: drop folders, the `.py` suffix and a trailing `Team`."""
    stem = Path(str(name)).name
    if stem.endswith(".py"):
        stem = stem[: -len(".py")]
    for suffix in ("Team", "_team"):  # the course's randomTeam, and our own random_team.py
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem[: -len(suffix)]
    return stem.lower()


def make_team(name: str | Team | Mapping[str, float], team: int = RED, seed: int = 0, **kwargs) -> Team:
    """Build a registered team (or load a team file by path) for colour `team`; an unknown name lists the
    known ones. A mapping `{name: weight}` is a `MixtureTeam`: each game drawn from those (with `seed`)."""
    if isinstance(name, Mapping):
        return MixtureTeam({n: make_team(n, team=team, **kwargs) for n in name}, name, team=team, seed=seed)
    if isinstance(name, Team):
        if name.team != team:
            raise ValueError(f"{name!r} plays the other colour; build one for team {team}")
        return name
    if isinstance(name, Path):
        name = str(name)
    if isinstance(name, str) and name.startswith("contest:"):
        return make_contest_team(name, team=team, seed=seed, **kwargs)
    if str(name).endswith(".py") and Path(name).is_file() and is_contest_spec(name):
        return make_contest_team(name, team=team, seed=seed, **kwargs)  # a course or contest team file, played as it is
    course_key = canonical_team_name(name)
    key = ALIASES.get(course_key, course_key)
    if key in TEAMS:
        _notice_stand_in(name, course_key)
    if key not in TEAMS:
        if is_contest_spec(name):  # a Berkeley contest team file (createTeam); a registered name wins
            return make_contest_team(name, team=team, seed=seed, **kwargs)
        if is_team_file(name):  # a user's own team file (agents/loader.py); a registered name wins
            return load_team_file(name, team=team, **kwargs)
        known = ", ".join(f"{k} ({k}Team)" for k in TEAMS) + ", and " + ", ".join(f"{_COURSE_SPELLING[a]} = {k}" for a, k in ALIASES.items())
        hint = " (and no such team file)" if str(name).endswith(".py") else ""
        raise ValueError(f"unknown team {name!r}; known teams: {known}; or the path of a team file{hint}, or "
                         "contest:path/to/theirTeam.py for a Berkeley contest team")
    return TEAMS[key](team=team, **kwargs)


__all__ = ["TEAMS", "Team", "MixtureTeam", "PoolTeam", "BaselineTeam", "HeuristicTeam", "CourseHeuristicTeam", "CourseAstarTeam", "RandomTeam", "SearchTeam", "ALIASES", "make_team", "canonical_team_name", "sample_legal",
           "Policy", "PolicyTeam", "StatelessPolicy", "to_blue_view", "rotate_actions", "rotate_legal",
           "load_team_file", "is_team_file", "TeamFileError", "ContestTeam", "make_contest_team", "is_contest_spec"]
