"""`RunProgressBar`: Lightning's progress bar, with the run's length as its total (a resumed run's too, which
Lightning's shows as `220/?`), and its figures named for what they are: the win rate of the last 100 training
games (exploring, sampled actions) apart from the greedy evaluation's."""

from __future__ import annotations

from typing import Any

import lightning as L
from lightning.pytorch.callbacks import TQDMProgressBar

# a logged metric -> its name on the bar
BAR_NAMES = {"rollout/win_rate_100": "train_win_100 (exploring)", "eval/win_rate": "eval_win (greedy)",
             "rollout/sps": "env_steps/s"}


class RunProgressBar(TQDMProgressBar):
    """`TQDMProgressBar` (the same arguments); `close` ends the bar before a run's last words (its evaluations)."""

    def on_train_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        super().on_train_start(trainer, module)
        self._set_total(trainer)

    def on_train_epoch_start(self, trainer: L.Trainer, *args: Any) -> None:
        super().on_train_epoch_start(trainer, *args)
        self._set_total(trainer)

    def _set_total(self, trainer: L.Trainer) -> None:
        if trainer.max_steps > 0 and self._train_progress_bar is not None:
            self.train_progress_bar.total = trainer.max_steps
            self.train_progress_bar.set_description(f"Epoch {trainer.current_epoch}")
            self.train_progress_bar.refresh()

    def get_metrics(self, trainer: L.Trainer, module: L.LightningModule) -> dict[str, Any]:
        metrics = super().get_metrics(trainer, module)
        metrics.pop("v_num", None)  # the logger's version: the run folder says it (`run folder: ...`)
        return {BAR_NAMES.get(name, name): value for name, value in metrics.items()}

    def close(self) -> None:
        """End the training bar now, so that what is printed next is not followed by the bar drawn again."""
        if self._train_progress_bar is not None:
            self._train_progress_bar.close()


def close_progress_bar(trainer: L.Trainer) -> None:
    """End the run's progress bar before printing its results (a `RunProgressBar`; another is left as it is)."""
    bar = trainer.progress_bar_callback
    if isinstance(bar, RunProgressBar):
        bar.close()
