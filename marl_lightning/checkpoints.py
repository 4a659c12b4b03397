"""Checkpoint files: reading one this project wrote (`read_checkpoint`, safely, with `weights_only=True`),
rebuilding the learner it names (`rebuild`), the `slim_checkpoint` copy a shipped team needs, and the
`CheckpointError` / `load_failure` messages that say what is wrong with a file. `policy.load_policy` plays
one; `checkpointing.RunCheckpoint` (the Lightning callback) writes them during training.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import torch


class CheckpointError(ValueError):
    """A file that is not a checkpoint this project wrote; the message names the file and the problem."""


def read_checkpoint(path: str | Path, map_location: str = "cpu") -> dict:
    """A checkpoint this project wrote, loaded with `weights_only=True`; a `CheckpointError` naming the
    file and the problem otherwise."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
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


def rebuild(checkpoint: dict, path: str | Path):
    """The learner a checkpoint names, built from its saved configuration, with its weights."""
    from .learners import LINKED_FROM_DATA, learner_class

    try:
        learner = learner_class(checkpoint["learner"])
        accepted = inspect.signature(learner).parameters
        # LightningCLI saves every linked value, also those the learner does not take (a user's learner without `epochs`)
        hparams = {k: v for k, v in learner.upgraded_settings(checkpoint["hyper_parameters"]).items()
                   if not k.startswith("_") and (k in accepted or k not in LINKED_FROM_DATA)}
        module = learner(**hparams)
        missing, unexpected = module.load_state_dict(checkpoint["state_dict"], strict=False)
        missing = [key for key in missing if not key.startswith(TARGET_PREFIXES)]  # a slim checkpoint has no targets
        if missing or unexpected:
            raise RuntimeError(f"missing weights {missing[:4]}, unexpected weights {unexpected[:4]}")
    except (ImportError, AttributeError, KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{str(path)!r} does not hold a learner this installation can rebuild: {exc}") from None
    return module


TARGET_PREFIXES = ("target_agents.", "target_mixer.", "target_critic.", "critic.", "clone.")  # needed to learn, not to play
VALUE_PREFIXES = ("critic.",)  # what a play-time lookahead needs besides (`lookahead:CKPT`)
SLIM_KEYS = ("state_dict", "hyper_parameters", "datamodule_hyper_parameters", "learner", "global_step",
             "pytorch-lightning_version")


def slim_checkpoint(path: str | Path, out: str | Path, keep_value: bool = False) -> Path:
    """A copy of a training checkpoint with only what `load_policy` needs (no target networks or
    critic, optimizer, replay or games): a quarter of the size, for shipping a team. With `keep_value`, the
    critic stays (a play-time lookahead scores with it). Refuses to overwrite `path`."""
    path, out = Path(path), Path(out)
    if out.resolve() == path.resolve():
        raise ValueError(f"slim_checkpoint would overwrite its input {str(path)!r}; give another output path")
    checkpoint = read_checkpoint(path)
    rebuild(checkpoint, path)  # fails, naming the problem, on anything load_policy could not play
    slim = {key: checkpoint[key] for key in SLIM_KEYS if key in checkpoint}
    dropped = tuple(p for p in TARGET_PREFIXES if not (keep_value and p in VALUE_PREFIXES))
    slim["state_dict"] = {k: v for k, v in checkpoint["state_dict"].items() if not k.startswith(dropped)}
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(slim, out)
    return out
