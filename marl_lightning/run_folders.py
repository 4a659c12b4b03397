"""A run's folder: `runs/<name>/version_N/checkpoints/` holds `last.ckpt`, and `best.ckpt` beside it
(`checkpointing.RunCheckpoint`). Commands that take a checkpoint take a run folder too, and play its best."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

BEST, LAST = "best.ckpt", "last.ckpt"
_said: set[Path] = set()  # run folders whose missing best.ckpt was reported


def run_checkpoint(path: str | Path) -> Path:
    """A checkpoint file as given; a run folder (`runs/<name>`, or one of its `version_N`) gives its best
    checkpoint, the newest `best.ckpt` under it, else (a run that never evaluated) its newest `last.ckpt`,
    said on stderr."""
    path = Path(path)
    if not path.is_dir():
        return path
    for name in (BEST, LAST):
        found = sorted(path.glob(f"**/{name}"), key=lambda p: p.lstat().st_mtime)
        if found:
            if name == LAST and path not in _said:
                _said.add(path)
                print(f"{path}: no {BEST} (the run never evaluated a team); using {found[-1]}", file=sys.stderr)
            return found[-1]
    raise FileNotFoundError(f"no checkpoint in the run folder {str(path)!r} (no {BEST} or {LAST} under it)")


def is_run_folder(path: Any) -> bool:
    """A folder holding a run's checkpoints (`**/best.ckpt` or `**/last.ckpt`)."""
    if not isinstance(path, (str, Path)) or not Path(path).is_dir():
        return False
    return any(True for name in (BEST, LAST) for _ in Path(path).glob(f"**/{name}"))
