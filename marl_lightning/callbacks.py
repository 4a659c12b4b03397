"""Callbacks: greedy evaluation games against fixed opponents, in both colours."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import lightning as L
import numpy as np
from lightning.pytorch.utilities import rank_zero_info

from .console import run_folder
from .play.evaluation import head_to_head
from .policy import load_policy


class EvaluationCallback(L.Callback):
    """Every `every_n_steps` gradient steps, play `games` greedy games against each opponent, half as
    blue and half as red (red sees the board through the map's symmetry), and log
    `eval/win_rate/<opponent>` (both colours), `eval/win_rate_blue/<opponent>`,
    `eval/win_rate_red/<opponent>`, and their mean over opponents `eval/win_rate` (what checkpoints
    select on); at the end of training, print the last evaluation.

    Checkpoints selected on these games are selected on them, so their win rates flatter the team. At
    the end of training the team a `ModelCheckpoint` kept as best (else the last one) plays `final_games`
    more per opponent from `final_seed`, games it was neither trained nor selected on; that result is
    printed and written to `final_evaluation.json` beside the run's logs.

    Args:
        opponents: teams to play.
        layouts: maps to play on (default: the training layouts).
        games: games per opponent (half in each colour, played at once).
        every_n_steps: gradient steps between evaluations.
        length: game length.
        seed: evaluation seed (the same games each time, so evaluations compare).
        final_games: held-out games per opponent for the selected team at the end (0: none).
        final_seed: their seed (keep it apart from `seed`).
    """

    def __init__(self, opponents: Sequence[str] = ("random",), layouts: Sequence[str] | None = None, games: int = 32,
                 every_n_steps: int = 500, length: int = 300, seed: int = 12345, final_games: int = 200,
                 final_seed: int = 2026):
        if games < 2 or final_games == 1:
            raise ValueError(f"games must be at least 2 (one in each colour), got {games} and final_games {final_games}")
        if final_games and final_seed in (seed, seed + 1):
            raise ValueError(f"final_seed {final_seed} must differ from the selection games' seeds {seed}, {seed + 1}")
        self.opponents, self.layouts, self.games = list(opponents), layouts, games
        self.every_n_steps, self.length, self.seed = every_n_steps, length, seed
        self.final_games, self.final_seed = final_games, final_seed
        self.last: dict[str, dict] = {}
        self.final: dict[str, dict] = {}

    def on_train_batch_end(self, trainer: L.Trainer, module: L.LightningModule, outputs, batch, batch_idx: int) -> None:
        if trainer.global_step % self.every_n_steps == 0:
            self.evaluate(trainer, module)

    def on_train_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if trainer.global_step % self.every_n_steps:  # the last step was not evaluated yet
            self.last = self.play(module, self.layouts or trainer.datamodule.layouts)
        rank_zero_info(self.summary(trainer.global_step))
        if self.final_games and trainer.is_global_zero:
            self.final_evaluation(trainer, module)

    def final_evaluation(self, trainer: L.Trainer, module: L.LightningModule) -> dict[str, dict]:
        """The selected team (the best checkpoint, else the live networks) on held-out games; printed and saved."""
        best = next((c.best_model_path for c in trainer.checkpoint_callbacks if getattr(c, "best_model_path", "")), "")
        team = load_policy(best) if best else module.policy()
        layouts = list(self.layouts or trainer.datamodule.layouts)
        self.final = {opponent: head_to_head(team, opponent, layouts, self.final_games, self.length, self.final_seed,
                                             num_envs=self.final_games) for opponent in self.opponents}
        which = f"best checkpoint {best}" if best else f"networks after {trainer.global_step} gradient steps"
        print(self.summary_of(self.final, f"held-out evaluation of the {which} ({self.final_games} games per opponent, "
                                          f"half in each colour, seed {self.final_seed}):"), flush=True)
        folder = run_folder(trainer)  # not trainer.log_dir: it broadcasts, and this runs on rank 0 alone
        if folder:
            path = Path(folder) / "final_evaluation.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"team": best or None, "step": trainer.global_step, "results": self.final}, indent=2))
        return self.final

    def evaluate(self, trainer: L.Trainer, module: L.LightningModule) -> dict[str, float]:
        self.last = self.play(module, self.layouts or trainer.datamodule.layouts)
        for opponent, result in self.last.items():
            module.log(f"eval/win_rate/{opponent}", result["win_rate"], sync_dist=True)
            for colour in ("blue", "red"):
                module.log(f"eval/win_rate_{colour}/{opponent}", result["by_colour"][colour]["win_rate"], sync_dist=True)
            module.log(f"eval/score/{opponent}", result["mean_score"], sync_dist=True)
        rates = {opponent: r["win_rate"] for opponent, r in self.last.items()}
        module.log("eval/win_rate", float(np.mean(list(rates.values()))), prog_bar=True, sync_dist=True)
        module.log("eval/at_step", float(trainer.global_step))  # tells an evaluation from its repeats in CSV rows
        return rates

    def play(self, module: L.LightningModule, layouts: Sequence[str]) -> dict[str, dict]:
        """The module's greedy team against each opponent, both colours: `head_to_head` results."""
        return {opponent: head_to_head(module.policy(), opponent, list(layouts), self.games, self.length, self.seed,
                                       num_envs=self.games) for opponent in self.opponents}

    def evaluate_policy(self, module: L.LightningModule, layouts: Sequence[str]) -> dict[str, float]:
        """Win rates over both colours, without logging (outside a training run)."""
        return {opponent: r["win_rate"] for opponent, r in self.play(module, layouts).items()}

    def summary(self, step: int) -> str:
        """One line per opponent: the last evaluation's win rate in each colour, with 95% intervals."""
        return self.summary_of(self.last, f"evaluation after {step} gradient steps ({self.games} games per opponent, "
                                          "half in each colour):")

    @staticmethod
    def summary_of(results: dict[str, dict], title: str) -> str:
        lines = [title]
        for opponent, r in results.items():
            colours = ", ".join(f"{c} {r['by_colour'][c]['win_rate']:.0%} ({r['by_colour'][c]['win_rate_95ci'][0]:.0%}-"
                                f"{r['by_colour'][c]['win_rate_95ci'][1]:.0%})" for c in ("blue", "red"))
            lines.append(f"  against {opponent}: wins {r['win_rate']:.0%} (as {colours})")
        return "\n".join(lines)


class EnvStepBudget(L.Callback):
    """Stop training once `max_env_steps` environment steps were collected (summed over games, on this
    rank): the budget that compares learners fairly, whatever each collects per gradient step (QMIX's
    `steps_per_update` vector steps, MAPPO's rollout spread over its epochs and minibatches).
    In YAML: `trainer.callbacks+={class_path: marl_lightning.callbacks.EnvStepBudget, init_args: {max_env_steps: 400000}}`."""

    def __init__(self, max_env_steps: int):
        if max_env_steps < 1:
            raise ValueError(f"max_env_steps must be at least 1, got {max_env_steps}")
        self.max_env_steps = max_env_steps

    def on_train_batch_end(self, trainer: L.Trainer, module: L.LightningModule, outputs, batch, batch_idx: int) -> None:
        if module.env_steps_collected >= self.max_env_steps:
            trainer.should_stop = True
