"""Running a user's team file: the one way both kinds of team file (ours, `agents/loader.py`, and the
Berkeley contest's, `gymPacMan/contest/host.py`) are loaded."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType

_counter = itertools.count()


def run_team_file(path: Path, kind: str) -> ModuleType:
    """Run the Python file at `path` as a fresh module (a new one on every call) and return it.

    Its folder is on `sys.path` while it runs, so it can import the modules that sit beside it. An
    exception it raises comes back with a note naming the file (`kind` says which kind of team file).

    Raises:
        ImportError: Python cannot load the file as a module.
    """
    name = f"_team_file_{next(_counter)}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{kind} {str(path)!r}: Python cannot load it as a module")
    module = importlib.util.module_from_spec(spec)
    folder = str(path.resolve().parent)
    sys.modules[name] = module  # dataclasses, pickling and the like look the module up here
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(name, None)
        exc.add_note(f"(while loading {kind} {str(path)!r})")
        raise
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
    return module
