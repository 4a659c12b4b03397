"""Opponent teams and the one registry of their names.

`make_team("random")`, `make_team("randomTeam")`, `make_team("randomTeam.py")` and
`make_team("agents/randomTeam.py")` all give the same team: the course's spellings work as they are.
A name that is no registered team but the path of an existing `.py` file loads a user's own team
from it (`agents/loader.py` documents the file's `create_team` interface); a Berkeley contest team
file (`createTeam`) plays as `contest:path/to/theirTeam.py` (`agents/contest_team.py`). A trained policy plays
as a team through `PolicyTeam(policy, team)` (`agents/policy_team.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from gymPacMan.opponents import of_colour
from gymPacMan.rules import RED

from .base import Team, sample_legal
from .contest_team import ContestTeam, is_contest_spec, make_contest_team
from .loader import TeamFileError, is_team_file, load_team_file
from .mixture import MixtureTeam, make_mixture
from .policy_team import Policy, PolicyTeam, StatelessPolicy, rotate_actions, rotate_legal, to_blue_view
from .baseline_team import BaselineTeam
from .course_approxq_team import CourseApproxQTeam
from .course_heuristic_team import CourseAstarTeam, CourseHeuristicTeam
from .course_mcts_team import CourseMCTSTeam
from .heuristic_team import HeuristicTeam
from .random_team import RandomTeam
from .search_team import SearchTeam

TEAMS: dict[str, type[Team]] = {
    "random": RandomTeam,
    "baseline": BaselineTeam,
    "heuristic": HeuristicTeam,
    "search": SearchTeam,
    # the course's own teams, decision for decision (docs/opponents.md)
    "course_heuristic": CourseHeuristicTeam,
    "course_astar": CourseAstarTeam,
    "course_approxq": CourseApproxQTeam,
    "course_mcts": CourseMCTSTeam,
}
# The course's team names play our ports of its files, decision for decision: `heuristicTeam`,
# `AstarTeam`, `MCTSTeam`, `approxQTeam` (any case, with or without `.py` or a folder). Our own ladder keeps
# its plain names: `heuristic` is ours, `heuristicTeam` the course's. (`randomTeam` and `baselineTeam` play
# as the course's already, so they need no port.) A course file at the given path plays itself instead.
ALIASES: dict[str, str] = {"heuristic": "course_heuristic", "astar": "course_astar", "mcts": "course_mcts",
                           "approxq": "course_approxq"}
COURSE_SPELLING = {"heuristic": "heuristicTeam", "astar": "AstarTeam", "mcts": "MCTSTeam", "approxq": "approxQTeam"}


def _course_name(name: str, key: str) -> str | None:
    """The port a course team name plays, or None: the course's spelling (`...Team`), or a course team
    whose short name is not one of ours (`astar`, `mcts`, `approxq`)."""
    stem = Path(str(name)).name.removesuffix(".py")
    if key in ALIASES and (stem.endswith("Team") or key not in TEAMS):
        return ALIASES[key]
    return None


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
        return make_mixture(name, lambda member: make_team(member, team=team, **kwargs), team=team, seed=seed)
    if isinstance(name, Team):
        return of_colour(name, team)
    if isinstance(name, Path):
        name = str(name)
    if isinstance(name, str) and name.startswith("contest:"):
        return make_contest_team(name, team=team, seed=seed, **kwargs)
    if str(name).endswith(".py") and Path(name).is_file() and is_contest_spec(name):
        return make_contest_team(name, team=team, seed=seed, **kwargs)  # a course or contest team file, played as it is
    key = canonical_team_name(name)
    key = _course_name(name, key) or key
    if key not in TEAMS:
        if is_contest_spec(name):  # a Berkeley contest team file (createTeam); a registered name wins
            return make_contest_team(name, team=team, seed=seed, **kwargs)
        if is_team_file(name):  # a user's own team file (agents/loader.py); a registered name wins
            return load_team_file(name, team=team, **kwargs)
        known = ", ".join(TEAMS) + ", and the course's " + ", ".join(
            f"{COURSE_SPELLING[a]} = {k}" for a, k in ALIASES.items()) + " (randomTeam, baselineTeam: ours)"
        hint = " (and no such team file)" if str(name).endswith(".py") else ""
        raise ValueError(f"unknown team {name!r}; known teams: {known}; or the path of a team file{hint}, or "
                         "contest:path/to/theirTeam.py for a Berkeley contest team")
    return TEAMS[key](team=team, **kwargs)


__all__ = ["TEAMS", "Team", "MixtureTeam", "make_mixture", "BaselineTeam", "HeuristicTeam", "RandomTeam", "SearchTeam",
           "CourseHeuristicTeam", "CourseAstarTeam", "CourseApproxQTeam", "CourseMCTSTeam", "ALIASES", "COURSE_SPELLING", "make_team",
           "canonical_team_name", "sample_legal",
           "Policy", "PolicyTeam", "StatelessPolicy", "to_blue_view", "rotate_actions", "rotate_legal",
           "load_team_file", "is_team_file", "TeamFileError", "ContestTeam", "make_contest_team", "is_contest_spec"]
