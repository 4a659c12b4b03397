"""Entrants: anything that can play a side, made into a team of either colour.

An entrant is a built-in team name (`random`, `baseline`, ... and the course's spellings), a team file,
a Berkeley contest team file (`contest:their.py`), a checkpoint written by `train.py` (`*.ckpt`), a run
folder (its best checkpoint), a policy object, a weighted mixture of entrants `{entrant: weight}` (each
game's drawn from them when it starts), or a pair of entrants `[first, second]` (written `first/second` in
a name, when neither is a path), each playing one agent: the first the team's first agent (0 or 1), the
second its other. Training opponents, curricula, evaluation, tournaments and watching all build their
teams here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

from agents import MixtureTeam, Policy, PolicyTeam, Team, make_team
from agents.agentwise import AgentwiseTeam
from gymPacMan.rules import RED

from .policy import load_policy
from .runs import is_run_folder, run_checkpoint

Entrant = str | Path | Policy | Mapping[str, float] | Sequence[str]


def agentwise(spec) -> tuple | None:
    """The two entrants of a pair (`[first, second]`, or a name `first/second` where that is no file and
    neither part is a path), else None."""
    if isinstance(spec, (list, tuple)):
        if len(spec) != 2:
            raise ValueError(f"a pair of entrants names exactly two, one per agent, got {list(spec)}")
        return tuple(spec)
    if isinstance(spec, str) and spec.count("/") == 1 and not Path(spec).exists() and ":" not in spec and "." not in spec:
        return tuple(spec.split("/"))
    return None


def is_checkpoint(spec) -> bool:
    """A checkpoint file (`*.ckpt`), or a run folder, which plays its best checkpoint."""
    return isinstance(spec, (str, Path)) and (str(spec).endswith(".ckpt") or is_run_folder(spec))


def entrant_name(spec: Entrant) -> str:
    """A short name for tables: a checkpoint by its run folder and file, a contest file by its name, a
    team by its name, a policy object by its `name` (default `learner`), a mixture by its members."""
    if isinstance(spec, Mapping):
        return "+".join(f"{entrant_name(name)}:{weight:g}" for name, weight in spec.items())
    if agentwise(spec):
        return "/".join(entrant_name(name) for name in agentwise(spec))
    if not isinstance(spec, (str, Path)):
        return getattr(spec, "name", "learner")
    if str(spec).startswith("contest:"):  # a contest team file by its name, without folders or settings
        return f"contest:{Path(str(spec)[len('contest:'):].split('?', 1)[0]).stem}"
    path = run_checkpoint(spec)
    if is_checkpoint(spec):
        run = next((p.name for p in path.parents if p.name.startswith("version_")), None)
        return f"{path.parent.parent.parent.name}/{run}/{path.stem}" if run else path.stem
    return str(spec)


def make_entrant(spec: Entrant, team: int = RED, seed: int = 0) -> Team:
    """The team of colour `team` that `spec` names (see the module docstring); `seed` seeds a mixture's draws."""
    if isinstance(spec, Mapping):
        members = {name: make_entrant(name, team, seed) for name in spec}
        return MixtureTeam(members, spec, team=team, seed=seed)
    pair = agentwise(spec)
    if pair:
        return AgentwiseTeam(make_entrant(pair[0], team, seed), make_entrant(pair[1], team, seed + 1))
    if isinstance(spec, Policy):
        return PolicyTeam(spec, team=team, name=entrant_name(spec))
    if is_checkpoint(spec):
        return PolicyTeam(load_policy(spec), team=team, name=entrant_name(spec))
    return make_team(spec, team=team, seed=seed)
