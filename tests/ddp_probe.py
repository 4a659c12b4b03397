"""A callback for the DDP test: each rank saves what it trained on and the weights it ended with."""

from __future__ import annotations

import hashlib
from pathlib import Path

import lightning as L
import torch


class RankSnapshot(L.Callback):
    """Writes `rank{r}.pt` under `out`: the first batch's digest, the final weights, and the step counters
    of the games the rank started (or resumed) with."""

    def __init__(self, out: str):
        self.out = Path(out)
        self.batch: str | None = None
        self.restored_games: list[int] | None = None

    def on_train_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self.restored_games = trainer.datamodule.collector.env.state.t.tolist()

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx: int) -> None:
        if self.batch is None:
            self.batch = hashlib.sha256(batch.sample["obs"].cpu().numpy().tobytes()).hexdigest()

    def on_train_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        torch.save({"batch": self.batch, "weights": {k: v.cpu() for k, v in module.state_dict().items()},
                    "restored_games": self.restored_games}, self.out / f"rank{trainer.global_rank}.pt")
