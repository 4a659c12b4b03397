"""`RunCheckpoint`: Lightning's `ModelCheckpoint`, with the best checkpoint also kept as `best.ckpt`, and `last.ckpt`
written when training ends between two saves."""

from __future__ import annotations

import os

import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint

from .run_folders import BEST

EVALUATED_AT = "eval/at_step"  # logged by the evaluation: the step its `eval/win_rate` was measured at


class RunCheckpoint(ModelCheckpoint):
    """`ModelCheckpoint` (every argument is its own) that keeps `best.ckpt` beside `last.ckpt`: a link to the
    best checkpoint so far (a copy where links are not allowed), renewed whenever a better one is saved, so
    that `marl evaluate RUN_FOLDER`, `watch` and `export` find a run's best team by a fixed name.

    A run that ends between two saves, evaluated at its last step (`EvaluationCallback` does so when `max_steps` or an
    `EnvStepBudget` ends it), saves that step's checkpoint among the best (a run shorter than the interval gets a
    `best.ckpt`); the win rate of an older evaluation never labels it.

    With `save_last`, a run that ends between two saves (`trainer.max_time`, an interrupt) writes `last.ckpt` at the
    step it ended on: saving every N steps alone loses up to N - 1 steps of the run, and what a resume goes on from.
    """

    def on_train_batch_end(self, trainer: L.Trainer, module: L.LightningModule, outputs, batch, batch_idx: int) -> None:
        super().on_train_batch_end(trainer, module, outputs, batch, batch_idx)
        if self._last_global_step_saved == trainer.global_step or self._should_skip_saving_checkpoint(trainer):
            return
        ending = trainer.should_stop or 0 < trainer.max_steps <= trainer.global_step
        candidates = self._monitor_candidates(trainer)
        evaluated_now = candidates.get(EVALUATED_AT) is not None and int(candidates[EVALUATED_AT]) == trainer.global_step
        if ending and evaluated_now and self.monitor in candidates:  # the run's last evaluation competes for best.ckpt
            self._save_topk_checkpoint(trainer, candidates)
            if self.save_last:
                self._save_last_checkpoint(trainer, candidates)

    def on_train_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        super().on_train_end(trainer, module)
        if self.save_last and trainer.global_step and self._last_global_step_saved != trainer.global_step:
            self._save_last_checkpoint(trainer, self._monitor_candidates(trainer))

    def _save_topk_checkpoint(self, trainer: L.Trainer, monitor_candidates: dict) -> None:
        super()._save_topk_checkpoint(trainer, monitor_candidates)
        # every rank takes this branch alike (the monitored metrics are synchronised): the link waits on a barrier
        if self.best_model_path and self.dirpath and self.best_model_path != getattr(self, "_linked_best", None):
            self._link_checkpoint(trainer, self.best_model_path, os.path.join(self.dirpath, BEST))
            self._linked_best = self.best_model_path
