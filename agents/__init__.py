"""Opponent teams and the one registry of their names.

`make_team("random")`, `make_team("randomTeam")`, `make_team("randomTeam.py")` and
`make_team("agents/randomTeam.py")` all give the same team: the course's spellings work as they are.
"""

from __future__ import annotations

from pathlib import Path

from gymPacMan.rules import RED

from .base import Team, sample_legal
from .random_team import RandomTeam

TEAMS: dict[str, type[Team]] = {
    "random": RandomTeam,
}


def canonical_team_name(name: str) -> str:
    """`agents/randomTeam.py` -> `random`: drop folders, the `.py` suffix and a trailing `Team`."""
    stem = Path(str(name)).name
    if stem.endswith(".py"):
        stem = stem[: -len(".py")]
    if stem.endswith("Team") and len(stem) > len("Team"):
        stem = stem[: -len("Team")]
    return stem.lower()


def make_team(name: str | Team, team: int = RED, **kwargs) -> Team:
    """Build a registered team for colour `team`; an unknown name lists the known ones."""
    if isinstance(name, Team):
        if name.team != team:
            raise ValueError(f"{name!r} plays the other colour; build one for team {team}")
        return name
    key = canonical_team_name(name)
    if key not in TEAMS:
        known = ", ".join(f"{k} ({k}Team)" for k in TEAMS)
        raise ValueError(f"unknown team {name!r}; known teams: {known}")
    return TEAMS[key](team=team, **kwargs)


__all__ = ["TEAMS", "Team", "RandomTeam", "make_team", "canonical_team_name", "sample_legal"]
