"""Entrants: anything that can play a side, made into a team of either colour.

An entrant is a built-in team name (`random`, `baseline`, ... and the course's spellings), a team file,
a Berkeley contest team file (`contest:their.py`), a checkpoint written by `train.py` (`*.ckpt`), a run
folder (its best checkpoint), a policy object, a weighted mixture of entrants `{entrant: weight}` (each
game's drawn from them when it starts), a pair of entrants `[first, second]` (written `first/second` in
a name, when neither is a path), each playing one agent: the first the team's first agent (0 or 1), the
second its other; or `lookahead:CKPT` (a checkpoint's team with a one-step lookahead at play time,
`agents.lookahead`); or `view:ENTRANT` (any entrant playing on what the contest shows it: opponents out of
sight where a Bayes filter finds them most likely, `agents.contest_view`). Training opponents, curricula, evaluation, tournaments and watching all build their
teams here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence
from urllib.parse import parse_qsl

import torch

from agents import Policy, PolicyTeam, Team, make_mixture, make_team
from agents.agentwise import AgentwiseTeam
from agents.contest_view import PREFIX as VIEW, ContestViewTeam
from agents.lookahead import LookaheadTeam
from gymPacMan.rules import RED, RewardConfig

from .checkpoint_files import CheckpointError, read_checkpoint
from .data.rewards import RewardShaper
from .data.settings import grouped
from .loading import load_policy, rebuild
from .run_folders import is_run_folder, run_checkpoint

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


LOOKAHEAD = "lookahead:"


def lookahead_team(spec: str, team: int) -> Team:
    """`lookahead:CKPT[?top_k=2&opponent=heuristic]`: the checkpoint's team with a one-step lookahead at play time
    (`agents.lookahead.LookaheadTeam`), its value the learner's own (a full checkpoint for MAPPO: the critic)."""
    path, _, query = spec[len(LOOKAHEAD):].partition("?")
    options = dict(parse_qsl(query))
    unknown = set(options) - {"top_k", "opponent"}
    if unknown:
        raise ValueError(f"unknown lookahead setting(s) {sorted(unknown)} in {spec!r}: use top_k and opponent")
    path = run_checkpoint(path)
    checkpoint = read_checkpoint(path)
    learner = rebuild(checkpoint, path)
    if not hasattr(learner, "state_value") or (learner.spec.value and not any(
            k.startswith(learner.spec.value_keys) for k in checkpoint["state_dict"])):
        raise CheckpointError(f"{path!r} has no learned value to look ahead with (an imitation clone, or a slim "
                              "checkpoint without its critic): give a QMIX/VDN checkpoint or a full MAPPO one")
    h, data = learner.hparams, grouped(checkpoint.get("datamodule_hyper_parameters", {})).get("rewards", {})
    scale = float(h.get("reward_scale", 1.0))
    shaper = RewardShaper(potential=data.get("potential_shaping", 0.0), value=data.get("value_shaping", 0.0),
                          gamma=h.gamma, team=team)
    potential = (lambda state: scale * shaper.potential(state)) if shaper.scale or shaper.value_scale else None
    value = lambda obs, legal: learner.state_value(torch.as_tensor(obs, dtype=torch.float32),  # noqa: E731
                                                   torch.as_tensor(legal)).numpy()
    rewards = RewardConfig(legal_action=data.get("reward_for_legal_action", True), defence=data.get("defence_reward", True))
    policy = learner.policy()
    policy.name = f"lookahead/{entrant_name(path)}"
    return LookaheadTeam(policy, value, options.get("opponent", "heuristic"), team, int(options.get("top_k", 2)), h.gamma,
                         scale, potential, rewards, bool(data.get("zero_sum", False)))


def is_checkpoint(spec) -> bool:
    """A checkpoint file (`*.ckpt`), or a run folder, which plays its best checkpoint."""
    if not isinstance(spec, (str, Path)) or str(spec).startswith((VIEW, LOOKAHEAD, "contest:")):  # a team made of one
        return False
    return str(spec).endswith(".ckpt") or is_run_folder(spec)


def check_entrant(spec: Entrant) -> None:
    """Refuse a misspelled team or a missing checkpoint before anything is loaded: a command's mistakes are said
    at once, not after the other entrant's checkpoint has loaded."""
    if isinstance(spec, Mapping):
        for member in spec:
            check_entrant(member)
    elif is_checkpoint(spec):
        path = run_checkpoint(spec)
        if not path.is_file():
            raise FileNotFoundError(f"no checkpoint at {path}")
    elif isinstance(spec, str) and not spec.startswith((VIEW, LOOKAHEAD, "contest:")) and not Path(spec).is_file():
        make_team(spec)  # a built-in team's name (cheap to build), else the error that lists the known ones


def trained_layouts(specs: Sequence[Entrant]) -> list[str] | None:
    """The maps the first checkpoint (or run folder) among `specs` trained on (its data's `layouts`), where a
    command plays unless told otherwise: a team trained on tinyMaze cannot see a larger map. None: no checkpoint."""
    for spec in specs:
        if is_checkpoint(spec):
            layouts = read_checkpoint(run_checkpoint(spec), mmap=True).get("datamodule_hyper_parameters", {}).get("layouts")
            if layouts:
                return [layouts] if isinstance(layouts, str) else [str(layout) for layout in layouts]
    return None


def entrant_name(spec: Entrant) -> str:
    """A short name for tables and run names: a checkpoint by its run folder and file, a contest file or a team file
    by its name, a team by its name, a policy object by its `name` (default `learner`), a mixture by its members."""
    if isinstance(spec, Mapping):
        return "+".join(f"{entrant_name(name)}:{weight:g}" for name, weight in spec.items())
    if agentwise(spec):
        return "/".join(entrant_name(name) for name in agentwise(spec))
    if not isinstance(spec, (str, Path)):
        return getattr(spec, "name", "learner")
    if str(spec).startswith(VIEW):
        return f"view:{entrant_name(str(spec)[len(VIEW):])}"
    if str(spec).startswith(LOOKAHEAD):
        return f"lookahead/{entrant_name(str(spec)[len(LOOKAHEAD):].split('?', 1)[0])}"
    if str(spec).startswith("contest:"):  # a contest team file by its name, without folders or settings
        return f"contest:{Path(str(spec)[len('contest:'):].split('?', 1)[0]).stem}"
    path = run_checkpoint(spec)
    if is_checkpoint(spec):
        run = next((p.name for p in path.parents if p.name.startswith("version_")), None)
        return f"{path.parent.parent.parent.name}/{run}/{path.stem}" if run else path.stem
    return Path(spec).stem if str(spec).endswith(".py") else str(spec)


def make_entrant(spec: Entrant, team: int = RED, seed: int = 0) -> Team:
    """The team of colour `team` that `spec` names (see the module docstring); `seed` seeds a mixture's draws."""
    if isinstance(spec, Mapping):
        return make_mixture(spec, lambda name: make_entrant(name, team, seed), team=team, seed=seed)
    pair = agentwise(spec)
    if pair:
        return AgentwiseTeam(make_entrant(pair[0], team, seed), make_entrant(pair[1], team, seed + 1))
    if isinstance(spec, Policy):
        return PolicyTeam(spec, team=team, name=entrant_name(spec))
    if isinstance(spec, str) and spec.startswith(VIEW):
        return ContestViewTeam(make_entrant(spec[len(VIEW):], team, seed))
    if isinstance(spec, str) and spec.startswith(LOOKAHEAD):
        return lookahead_team(spec, team)
    if is_checkpoint(spec):
        return PolicyTeam(load_policy(spec), team=team, name=entrant_name(spec))
    return make_team(spec, team=team, seed=seed)
