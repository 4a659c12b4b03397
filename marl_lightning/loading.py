"""Loading what training wrote: the learner a checkpoint names, rebuilt from its saved settings (`rebuild`), its
greedy player (`load_policy`), and the `slim_checkpoint` copy a shipped team needs.

Above the learners (it imports them); `checkpoint_files` below reads the files safely.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import torch

from .checkpoint_files import CheckpointError, read_checkpoint
from .learners import LINKED_FROM_DATA, Learner, learner_class
from .policy import GreedyPolicy
from .run_folders import run_checkpoint

SLIM_KEYS = ("state_dict", "hyper_parameters", "datamodule_hyper_parameters", "learner", "global_step",
             "pytorch-lightning_version")


def rebuild(checkpoint: dict, path: str | Path) -> Learner:
    """The learner a checkpoint names, built from its saved configuration, with its weights (those only learning
    needs, `spec.learning_only`, may be missing: a slim checkpoint)."""
    try:
        learner = learner_class(checkpoint["learner"])
        accepted = inspect.signature(learner).parameters
        # LightningCLI saves every linked value, also those the learner does not take (a user's learner without `epochs`)
        hparams = {k: v for k, v in learner.upgraded_settings(checkpoint["hyper_parameters"]).items()
                   if not k.startswith("_") and (k in accepted or k not in LINKED_FROM_DATA)}
        module = learner(**hparams)
        missing, unexpected = module.load_state_dict(checkpoint["state_dict"], strict=False)
        missing = [key for key in missing if not key.startswith(module.spec.learning_only_keys)]
        if missing or unexpected:
            raise RuntimeError(f"missing weights {missing[:4]}, unexpected weights {unexpected[:4]}")
    except (ImportError, AttributeError, KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{str(path)!r} does not hold a learner this installation can rebuild: {exc}") from None
    return module


def slim_checkpoint(path: str | Path, out: str | Path, keep_value: bool = False) -> Path:
    """A copy of a training checkpoint with only what `load_policy` needs (no target networks, clone or
    critic, optimizer, replay or games): a quarter of the size, for shipping a team. With `keep_value`, the
    learner's value (`spec.value`: MAPPO's critic) stays, for a play-time lookahead. Refuses to overwrite `path`."""
    path, out = Path(path), Path(out)
    if out.resolve() == path.resolve():
        raise ValueError(f"slim_checkpoint would overwrite its input {str(path)!r}; give another output path")
    checkpoint = read_checkpoint(path)
    spec = rebuild(checkpoint, path).spec  # fails, naming the problem, on anything load_policy could not play
    slim = {key: checkpoint[key] for key in SLIM_KEYS if key in checkpoint}
    dropped = tuple(p for p in spec.learning_only_keys if not (keep_value and p in spec.value_keys))
    slim["state_dict"] = {k: v for k, v in checkpoint["state_dict"].items() if not k.startswith(dropped)}
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(slim, out)
    return out


def load_policy(path: str | Path, map_location: str = "cpu") -> GreedyPolicy:
    """The greedy policy of any checkpoint `train.py` wrote (loaded with `weights_only=True`), or of a run
    folder's best checkpoint (`run_folders.run_checkpoint`).

    The learner is rebuilt from the checkpoint's own saved configuration (its networks and mixer by
    `class_path`, as `train.py` was given them), so loading needs no settings repeated.
    """
    path = run_checkpoint(path)
    return rebuild(read_checkpoint(path, map_location), path).policy()
