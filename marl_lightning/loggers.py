"""The run's loggers. `RunCSVLogger`: Lightning's CSV logger, which a resumed run continues in its own folder.

Lightning's writer deletes a folder's `metrics.csv` when it finds one (and rewrites `hparams.yaml`), so a resume
had to write a new `version_N`; this one appends to the log and keeps the settings the run started with (the
resumed run's own are saved as `config.resumeN.yaml`, by `cli.MARLCLI`). `marl fit --ckpt_path last` uses it
for the CSV loggers of a run it continues. `RunWandbLogger`: Lightning's wandb logger, without a warning on
every run.
"""

from __future__ import annotations

import csv
import os
from typing import Any

from lightning.pytorch.loggers import CSVLogger, WandbLogger
from lightning.pytorch.loggers.csv_logs import ExperimentWriter
from lightning.pytorch.loggers.logger import rank_zero_experiment


class ContinuingWriter(ExperimentWriter):
    """Appends to a `metrics.csv` it finds (its columns known and sorted, as Lightning's writer appends them, so that
    a new metric rewrites the header over every row), dropping the rows logged from `resume_step` on (the resumed run
    logs those steps again), and leaves an `hparams.yaml` it finds as it is."""

    def __init__(self, log_dir: str, resume_step: int | None = None):
        self.resume_step = resume_step
        super().__init__(log_dir)

    def _check_log_dir_exists(self) -> None:
        self.kept_hparams = self._fs.isfile(os.path.join(self.log_dir, self.NAME_HPARAMS_FILE))
        if not self._fs.isfile(self.metrics_file_path):
            return
        with self._fs.open(self.metrics_file_path, "r", newline="") as file:
            reader = csv.DictReader(file)
            header, rows = list(reader.fieldnames or []), list(reader)
        self.metrics_keys = sorted(header)  # the order Lightning's writer appends in, whatever wrote the file
        kept = [row for row in rows if self.resume_step is None or not row.get("step") or int(row["step"]) < self.resume_step]
        if len(kept) < len(rows) or header != self.metrics_keys:
            with self._fs.open(self.metrics_file_path, "w", newline="") as file:
                writer = csv.DictWriter(file, fieldnames=self.metrics_keys)
                writer.writeheader()
                writer.writerows(kept)

    def log_hparams(self, params: dict[str, Any]) -> None:
        if self.kept_hparams:  # the settings the run started with
            self.hparams.update(params)
            return
        super().log_hparams(params)


class RunCSVLogger(CSVLogger):
    """`CSVLogger` (the same arguments) whose folder, when it exists, is continued, not replaced.

    Args:
        resume_step: the gradient step of the checkpoint a resume starts from: the rows the folder's log holds from
            that step on are dropped (they are logged again). None: every row kept.
    """

    def __init__(self, *args: Any, resume_step: int | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.resume_step = resume_step

    @property
    @rank_zero_experiment
    def experiment(self) -> ContinuingWriter:
        if self._experiment is None:
            self._fs.makedirs(self.root_dir, exist_ok=True)
            self._experiment = ContinuingWriter(log_dir=self.log_dir, resume_step=self.resume_step)
        return self._experiment


class RunWandbLogger(WandbLogger):
    """`WandbLogger` (the same arguments), without the `anonymous` setting Lightning's passes to wandb on every run,
    which wandb answers with a warning that it has no effect."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self._wandb_init.get("anonymous") is None:
            self._wandb_init.pop("anonymous", None)
