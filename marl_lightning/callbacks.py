"""Callbacks: greedy evaluation games against fixed opponents."""

from __future__ import annotations

from typing import Sequence

import lightning as L
import numpy as np

from agents import PolicyTeam
from agents.match import play_match
from gymPacMan.rules import BLUE


class EvaluationCallback(L.Callback):
    """Every `every_n_steps` gradient steps, play `games` greedy games as blue against each opponent
    and log `eval/win_rate/<opponent>` and their mean `eval/win_rate` (what checkpoints select on).

    Args:
        opponents: red teams to play.
        layouts: maps to play on (default: the training layouts).
        games: games per opponent (played at once).
        every_n_steps: gradient steps between evaluations.
        length: game length.
        seed: evaluation seed (the same games each time, so evaluations compare).
    """

    def __init__(self, opponents: Sequence[str] = ("random",), layouts: Sequence[str] | None = None, games: int = 32,
                 every_n_steps: int = 500, length: int = 300, seed: int = 12345):
        self.opponents, self.layouts, self.games = list(opponents), layouts, games
        self.every_n_steps, self.length, self.seed = every_n_steps, length, seed

    def on_train_batch_end(self, trainer: L.Trainer, module: L.LightningModule, outputs, batch, batch_idx: int) -> None:
        if trainer.global_step % self.every_n_steps == 0:
            self.evaluate(trainer, module)

    def evaluate(self, trainer: L.Trainer, module: L.LightningModule) -> dict[str, float]:
        results = self.play(module, self.layouts or trainer.datamodule.layouts)
        for opponent, result in results.items():
            module.log(f"eval/win_rate/{opponent}", result["blue_wins"] / result["games"], sync_dist=True)
            module.log(f"eval/score/{opponent}", -result["mean_score"], sync_dist=True)
        rates = {opponent: r["blue_wins"] / r["games"] for opponent, r in results.items()}
        module.log("eval/win_rate", float(np.mean(list(rates.values()))), prog_bar=True, sync_dist=True)
        module.log("eval/at_step", float(trainer.global_step))  # tells an evaluation from its repeats in CSV rows
        return rates

    def play(self, module: L.LightningModule, layouts: Sequence[str]) -> dict[str, dict]:
        """The module's greedy team (blue) against each opponent: `agents.match.play_match` results."""
        results = {}
        for opponent in self.opponents:
            blue = PolicyTeam(module.policy(), team=BLUE, name="learner")
            results[opponent] = play_match(blue, opponent, layouts, self.games, num_envs=self.games,
                                           length=self.length, seed=self.seed)
        return results

    def evaluate_policy(self, module: L.LightningModule, layouts: Sequence[str]) -> dict[str, float]:
        """Win rates without logging (outside a training run)."""
        return {opponent: r["blue_wins"] / r["games"] for opponent, r in self.play(module, layouts).items()}
