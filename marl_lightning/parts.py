"""Parts injected into a learner: a network, a mixer or an exploration given as a class, a `class_path` /
`init_args` dict (as YAML gives it and checkpoints keep it), or a short alias.

The learner calls the part with the sizes it knows (`n_agents`, shapes; an exploration needs none); the
part's own settings come with it. `describe` turns a part back into the plain dict a checkpoint stores (loaded with
`weights_only=True`), so a learner is rebuilt from its checkpoint alone.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any, Mapping

from lightning.pytorch.cli import instantiate_class


def import_class(path: str) -> type:
    module, _, name = path.rpartition(".")
    if not module:
        raise ValueError(f"{path!r} is not a dotted class path (package.module.Class)")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot import {path!r}: {exc}") from None


def build(spec: Any, base: type, aliases: Mapping[str, type], *args: Any, nullable: bool = False) -> Any:
    """Make the part `spec` with the learner's `args`, and check it is a `base`.

    `spec`: a class or callable (`MyMixer`, a `functools.partial`, what LightningCLI passes), a
    `{"class_path": ..., "init_args": {...}}` dict, a name in `aliases`, or a dotted class path.
    `nullable`: the learner takes `None` too (no mixer), which an unknown name's message then offers.
    """
    if isinstance(spec, str):
        if spec in aliases:
            spec = aliases[spec]
        elif "." in spec:  # a class path given as a plain string
            spec = import_class(spec)
        else:
            raise ValueError(f"unknown {base.__name__.lower()} {spec!r}; use one of {sorted(aliases)}, a class path"
                             + (", or null" if nullable else ""))
    if isinstance(spec, Mapping):
        if "class_path" not in spec:
            raise ValueError(f"a {base.__name__} given as a dict needs a class_path, got {dict(spec)}")
        import_class(spec["class_path"])  # a class path that does not import is named here
        part = instantiate_class(args, {"class_path": spec["class_path"], "init_args": dict(spec.get("init_args") or {})})
    elif callable(spec):
        part = spec(*args)
    else:
        raise TypeError(f"a {base.__name__} is a class, a class_path dict or a name, got {spec!r}")
    if not isinstance(part, base):
        raise TypeError(f"{spec!r} made a {type(part).__name__}, not a {base.__module__}.{base.__name__}")
    return part


def describe(spec: Any) -> Any:
    """A plain description of `spec` for saved hyperparameters: classes and partials as class_path dicts."""
    if spec is None or isinstance(spec, (str, Mapping)):
        return spec
    if isinstance(spec, functools.partial) and isinstance(spec.func, type) and not spec.args:
        return {"class_path": _path(spec.func), "init_args": dict(spec.keywords)}
    if isinstance(spec, type):
        return {"class_path": _path(spec), "init_args": {}}
    return spec  # something else callable: kept as given (a run driven from Python, not from a config)


def _path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


