"""`RunCheckpoint`: Lightning's `ModelCheckpoint`, with the best checkpoint also kept as `best.ckpt`."""

from __future__ import annotations

import os

import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint

from .runs import BEST


class RunCheckpoint(ModelCheckpoint):
    """`ModelCheckpoint` (every argument is its own) that keeps `best.ckpt` beside `last.ckpt`: a link to the
    best checkpoint so far (a copy where links are not allowed), renewed whenever a better one is saved, so
    that `marl evaluate RUN_FOLDER`, `watch` and `export` find a run's best team by a fixed name."""

    def _save_topk_checkpoint(self, trainer: L.Trainer, monitor_candidates: dict) -> None:
        super()._save_topk_checkpoint(trainer, monitor_candidates)
        # every rank takes this branch alike (the monitored metrics are synchronised): the link waits on a barrier
        if self.best_model_path and self.dirpath and self.best_model_path != getattr(self, "_linked_best", None):
            self._link_checkpoint(trainer, self.best_model_path, os.path.join(self.dirpath, BEST))
            self._linked_best = self.best_model_path
