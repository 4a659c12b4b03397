"""Checkpoint files: reading one this project wrote (`read_checkpoint`, safely, with `weights_only=True`), and
the `CheckpointError` / `load_failure` messages that say what is wrong with a file.

`loading` rebuilds the learner a checkpoint names and plays it; `checkpointing.RunCheckpoint` (the Lightning
callback) writes checkpoints during training.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch


class CheckpointError(ValueError):
    """A file that is not a checkpoint this project wrote; the message names the file and the problem."""


def read_checkpoint(path: str | Path, map_location: str = "cpu", mmap: bool = False) -> dict:
    """A checkpoint this project wrote, loaded with `weights_only=True`; a `CheckpointError` naming the
    file and the problem otherwise. `mmap`: tensors mapped from the file, not read (to look at its settings only)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True, mmap=mmap)
    except Exception as exc:  # corrupt, truncated, or holding objects a weights-only load refuses
        raise CheckpointError(f"{str(path)!r} is not a readable checkpoint: {load_failure(exc)}") from None
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint or "hyper_parameters" not in checkpoint:
        raise CheckpointError(f"{str(path)!r} is not a Lightning checkpoint of this project (no state_dict/hyper_parameters)")
    if "learner" not in checkpoint:
        raise CheckpointError(f"{str(path)!r} was written by an older version of marl-lightning (it names no learner); "
                              "train it again")
    return checkpoint


def load_failure(exc: Exception) -> str:
    """What is wrong with a file `torch.load(..., weights_only=True)` refused, without torch's advice to
    load it with `weights_only=False` (which runs whatever code a file from elsewhere holds)."""
    text = str(exc)
    found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", text)
    if found:
        return (f"it holds a Python object of type {found.group(1)}, which a safe (weights-only) load refuses; "
                "checkpoints of this project hold only tensors and plain values")
    first = text.splitlines()[0] if text else type(exc).__name__
    detail = "" if "weights_only" in first or "Weights only" in first else f" ({first})"
    return f"the file is corrupt or truncated, or not a file torch.save wrote{detail}"
