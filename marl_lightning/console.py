"""A quiet console: what a training run prints is about the run, not about the libraries under it.

wandb runs offline and silent by default (`WANDB_SILENT`; set `WANDB_SILENT=false` to hear it);
Lightning's advertising tips and the known warnings that say nothing about a user's run are dropped;
at the end of `fit`, `run_summary` says where the run's files are, which checkpoints it kept, and how
to sync its wandb log.
"""

from __future__ import annotations

import logging
import os
import warnings

import lightning as L
from lightning.pytorch.loggers import WandbLogger

QUIET_WARNINGS = (
    r".*isinstance\(treespec, LeafSpec\)` is deprecated.*",  # inside Lightning, fixed upstream
    r".*Your `IterableDataset` has `__len__` defined.*",  # on purpose: no batch is fetched ahead (exact resume)
    r".*LightningCLI's args parameter is intended to run from within Python.*",
    # the data module saves and restores its games, replay and generators itself (a resume is bit-exact, tested)
    r".*resuming from a checkpoint that ended before the epoch ended and your dataloader is not resumable.*",
    # the run's logs are written every `log_every_n_steps` steps and at its last step, whatever its length
    r".*is smaller than the logging interval Trainer\(log_every_n_steps.*",
    r".*The anonymous setting has no effect.*",  # wandb's, about a setting Lightning's logger passes
)


class _DropTips(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.getMessage()).startswith("💡 Tip")


def quiet_console() -> None:
    """wandb silent unless asked; Lightning's tips and the warnings in `QUIET_WARNINGS` dropped."""
    os.environ.setdefault("WANDB_SILENT", "true")
    for pattern in QUIET_WARNINGS:
        warnings.filterwarnings("ignore", message=pattern)
    for name in ("lightning.pytorch", "lightning.fabric", "lightning"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, _DropTips) for f in handler.filters):
                handler.addFilter(_DropTips())


def run_folder(trainer: L.Trainer) -> str:
    """The run's folder: the first logger's own (`runs/<name>/version_N`), else `trainer.default_root_dir`.

    Safe on one rank alone: `trainer.log_dir` broadcasts, a collective that code run on rank 0 only (the
    summary, the final evaluation) would wait on forever under DDP."""
    return next((logger.log_dir for logger in trainer.loggers if getattr(logger, "log_dir", None)), trainer.default_root_dir)


def run_summary(trainer: L.Trainer) -> list[str]:
    """Where a finished run's files are: its log folder, its best and last checkpoints (and the best one's
    score), and the command that syncs an offline wandb log."""
    lines = []
    folder = run_folder(trainer)
    if folder:
        lines.append(f"run folder: {folder}")
    checkpoint = trainer.checkpoint_callback
    if checkpoint is not None:
        if checkpoint.best_model_path:
            score = checkpoint.best_model_score
            rated = f" ({checkpoint.monitor} {float(score):.2f})" if score is not None and checkpoint.monitor else ""
            lines.append(f"best checkpoint: {checkpoint.best_model_path}{rated}")
        if checkpoint.last_model_path:
            lines.append(f"last checkpoint: {checkpoint.last_model_path}")
    for logger in trainer.loggers:
        experiment = getattr(logger, "_experiment", None)  # a wandb run that was started
        if isinstance(logger, WandbLogger) and experiment is not None:
            folder = getattr(experiment, "dir", None)
            if folder and getattr(experiment.settings, "_offline", False):
                lines.append(f"wandb log (offline): wandb sync {os.path.dirname(folder)}")
    return lines
