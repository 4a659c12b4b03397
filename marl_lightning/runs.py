"""What identifies a training run: its name, and the settings a resume must keep.

A run is named `{recipe}__{layouts}__{opponent}__{seed}`: the recipe from the names of the config files
the command line gives (`qmix_blox_ladder`; `qmix_blox+fast` for `recipe/qmix_blox.yaml` then
`qmix_blox_fast.yaml`, a later file's name without the prefix it shares with the first), the maps, a readable opponent name, and the
seed; every part safe in a folder name. Its files are in `runs/<name>/version_N/` (a resume logs into a
new version; `run_folders` finds its checkpoints).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import torch

from .checkpoint_files import CheckpointError, load_failure
from .data.curriculum import CurriculumConfig
from .data.datamodule import CaptureDataModule
from .data.league import LeagueConfig
from .data.settings import grouped
from .entrants import entrant_name
from .learners import learner_class, learner_path


def safe_name(text: str, limit: int = 80) -> str:
    """`text` as one folder name: runs of characters other than letters, digits and `._+=-` become `-`;
    longer than `limit`, it is cut and ends with a hash of the whole, so that names stay distinct."""
    safe = re.sub(r"[^A-Za-z0-9._+=-]+", "-", text).strip("-.") or "run"
    if len(safe) <= limit:
        return safe
    return f"{safe[:limit - 9]}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def recipe_name(config_files: Iterable[str | Path]) -> str:
    """`qmix_blox`, `qmix_blox+fast`, `vdn+ladder`: the config files' names, each later one without
    the prefix (up to an underscore) it shares with the first."""
    stems = [Path(p).stem for p in config_files]
    if not stems:
        return ""
    first, parts = stems[0], [stems[0]]
    for stem in stems[1:]:
        shared = 0
        for i, (a, b) in enumerate(zip(first + "_", stem)):
            if a != b:
                break
            if a == "_":
                shared = i + 1
        parts.append(stem[shared:] or stem)
    return "+".join(parts)


def opponent_name(opponent: Any, curriculum: Any = None, league: Any = None) -> str:
    """A training opponent's name in a run's name: its entrant name (`entrants.entrant_name`, the one rule that names
    teams, files, checkpoints and mixtures) made safe in a folder name (`contest-reflexTeam`, `random-0.5+myTeam-0.5`);
    `curriculum` for a curriculum, `+league` for a self-play league."""
    name = "curriculum" if curriculum else entrant_name(opponent)
    return safe_name(f"{name}+league" if league else name)


def run_name(recipe: str, layouts: str | Iterable[str], opponent: str, seed: int) -> str:
    """`{recipe}__{layouts}__{opponent}__{seed}`, each part safe in a folder name."""
    layouts = [layouts] if isinstance(layouts, str) else list(layouts)
    maps = "+".join(Path(str(layout)).stem for layout in layouts)
    return "__".join([safe_name(recipe), safe_name(maps), safe_name(opponent), str(seed)])


TAG_LIMIT = 64  # wandb's, in characters


def _field(value: Any, name: str) -> Any:
    """A field of a config group, whether the parser gave a mapping or an object."""
    return value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)


def _entrant_names(opponent: Any) -> list[str]:
    """Each team an opponent setting names: a mixture's members apart (`{random: 0.5, baseline: 0.5}`)."""
    if isinstance(opponent, Mapping):
        return [entrant_name(name) for name in opponent]
    return [entrant_name(opponent)] if opponent else []


def run_tags(recipe: str, learner: str, layouts: str | Iterable[str], opponent: Any, curriculum: Any = None,
             league: Any = None, changed: Iterable[str] = ()) -> list[str]:
    """The tags wandb's filters find a run by: `recipe:qmix_blox`, `learner:qmix`, one `map:` per layout and one
    `opponent:` per team it trains against (a curriculum's stages' too; `league` for self-play), then the command
    line's changes (`model.lr=0.001`); each at most `TAG_LIMIT` characters, none twice."""
    maps = [layouts] if isinstance(layouts, str) else list(layouts or [])
    opponents = _entrant_names(opponent) if not curriculum else []
    for stage in (_field(curriculum, "stages") or []) if curriculum else []:
        opponents += _entrant_names(_field(stage, "opponents"))
        maps += list(_field(stage, "layouts") or [])
    tags = [f"recipe:{recipe}", f"learner:{learner}", *(f"map:{Path(str(m)).stem}" for m in maps),
            *(f"opponent:{name}" for name in opponents), *(["league"] if league else []), *changed]
    return list(dict.fromkeys(tag[:TAG_LIMIT] for tag in tags))


def _plain(value: Any) -> Any:
    """A value as YAML would hold it (tuples as lists, a dataclass as its fields), so a setting compares equal
    however it was given."""
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, Path) else value


def changed_settings(saved: Mapping[str, Mapping[str, Any]], now: Mapping[str, Mapping[str, Any]],
                     fixed: Mapping[str, Sequence[str]]) -> list[str]:
    """`section.key (checkpoint: X, now: Y)` for each `fixed` setting (`{"model": keys, "data": keys}`) that differs
    between a checkpoint's settings and this run's (`{"model": hparams, "data": hparams}`); a setting the
    checkpoint does not record is not compared. A key `group.field` is a field of a group of settings (`replay.n_step`);
    an older checkpoint's flat data settings are read into their groups (`data.settings.grouped`)."""
    changed = []
    for section, keys in fixed.items():
        before, after = saved.get(section) or {}, now.get(section) or {}
        if section == "data":
            before, after = grouped(before), grouped(after)
        for key in keys:
            group, _, field = key.rpartition(".")
            old, new = (before.get(group) or {}, after.get(group) or {}) if group else (before, after)
            if field not in old or field not in new:
                continue
            a, b = _plain(old[field]), _plain(new[field])
            if key == "layouts":
                a, b = ([a] if isinstance(a, str) else a), ([b] if isinstance(b, str) else b)
            if section == "data" and key in ("curriculum", "league"):
                a, b = _with_defaults(key, a), _with_defaults(key, b)
            if a != b:
                changed.append(f"{section}.{key} (checkpoint: {a}, now: {b})")
    return changed


def _with_defaults(key: str, value: Any) -> Any:
    """A curriculum's or league's settings with every field (an older checkpoint kept them as given, without
    the defaults left out), so that the same settings compare equal; a value they do not fit is kept as it is."""
    if not isinstance(value, Mapping):
        return value
    try:
        return _plain({"curriculum": CurriculumConfig, "league": LeagueConfig}[key](**value))
    except (TypeError, ValueError):
        return value


def check_resumable(ckpt: str | Path, learner: str, model: Mapping[str, Any], data: Mapping[str, Any]) -> None:
    """Refuse to resume from `ckpt` a run whose learner, or settings a resume may not change (the learner's
    `spec.resume_fixed`, the data module's `FIXED_SETTINGS`), differ from the checkpoint's, naming each difference.

    Args:
        ckpt: the checkpoint to resume from.
        learner: this run's learner class (`module.qualname`).
        model, data: this run's model and data module hyperparameters.
    """
    try:  # memory-mapped: the settings are read, the tensors (a saved replay buffer) are not
        saved = torch.load(ckpt, map_location="cpu", weights_only=True, mmap=True)
    except Exception as exc:
        raise CheckpointError(f"cannot resume from {str(ckpt)!r}: {load_failure(exc)}") from None
    changed = []
    if learner_path(saved.get("learner", learner)) != learner:
        changed.append(f"learner (checkpoint: {saved['learner']}, now: {learner})")
    fixed = {"model": learner_class(learner).spec.resume_fixed, "data": CaptureDataModule.FIXED_SETTINGS}
    changed += changed_settings({"model": saved.get("hyper_parameters"), "data": saved.get("datamodule_hyper_parameters")},
                                {"model": model, "data": data}, fixed)
    if changed:
        raise ValueError(f"cannot resume from {ckpt}: this run differs from it in settings a resume cannot change: "
                         f"{'; '.join(changed)}. Resume with the checkpoint's settings, or start a new run")
