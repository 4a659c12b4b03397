"""Callbacks: greedy evaluation games against fixed opponents, in both colours; a copy's agreement with its teacher."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Sequence

import lightning as L
import numpy as np
from lightning.pytorch.callbacks import Timer
from lightning.pytorch.loggers import WandbLogger
from lightning.pytorch.utilities import rank_zero_info

from gymPacMan.layout_names import expand_layout_names
from gymPacMan.render import GameRecorder

from .checkpointing import EVALUATED_AT
from .console import run_folder
from .play.agreement import ROLES, STATES, agreement_table, measure_agreement
from .play.evaluation import GAMES, combined, head_to_head
from .loading import load_policy
from .progress import close_progress_bar


class EvaluationCallback(L.Callback):
    """Every `every_n_steps` gradient steps, play `games` greedy games against each opponent on each map
    set, half as blue and half as red (red sees the board through the map's symmetry), and log
    `eval/win_rate/<opponent>` (both colours), `eval/win_rate_blue/<opponent>`,
    `eval/win_rate_red/<opponent>` and, with more than one map set, the same per set
    (`eval/win_rate/<opponent>/<set>`, ...); then `eval/win_rate`, what checkpoints select on: the `select`
    (mean, or min: the weakest) of the win rates over every (opponent, map set) pair. At the end of
    training, print the last evaluation.

    Checkpoints selected on these games are selected on them, so their win rates flatter the team. At
    the end of training the team a `ModelCheckpoint` kept as best (else the last one) plays `final_games`
    more per opponent and map set from `final_seed` on `final_layouts`, games it was neither trained nor
    selected on; that result is printed and written to `final_evaluation.json` beside the run's logs.

    Args:
        opponents: teams to play.
        layouts: the map sets to play on (default: the training layouts, as one set): each entry a layout
            name, or a range of generated mazes such as `contest_1..50` (its games spread over those
            mazes), or a list of names (one set named by its names joined with `+`).
        games: games per opponent and map set (half in each colour, played at once).
        every_n_steps: gradient steps between evaluations.
        length: game length.
        seed: evaluation seed (the same games each time, so evaluations compare).
        select: how `eval/win_rate` sums the pairs up: `mean` or `min` (a team must beat every opponent
            on every map set to rate well; a thousandth of the mean is added to break ties).
        final_games: held-out games per opponent and map set for the selected team at the end (0: none).
        final_seed: their seed (keep it apart from `seed`).
        final_layouts: the map sets of those games, matched to `layouts` one for one (default: the same
            sets): give other mazes of the same kind (`contest_51..100` for `contest_1..50`) to report on
            maps the selection never saw.
        game: `course` (the course's game) or `contest` (the contest's: turn by turn, the team on the contest's
            view; name opponents `view:heuristicTeam` to give them the contest's view too; `head_to_head`).
        log_games: with a wandb logger, log at each evaluation the first game against each opponent in each colour
            (on the first map set) as a GIF, `eval/game/<opponent>/<colour>`, and the results per opponent, map set
            and colour as a table, `eval/results` (the games are ones the evaluation plays anyway; only their
            pictures cost, about a second an evaluation).
        game_cell: pixels a cell in those GIFs.
    """

    def __init__(self, opponents: Sequence[str] = ("random",), layouts: Sequence[str | Sequence[str]] | None = None,
                 games: int = 32, every_n_steps: int = 500, length: int = 300, seed: int = 12345, select: str = "mean",
                 final_games: int = 200, final_seed: int = 2026, final_layouts: Sequence[str | Sequence[str]] | None = None,
                 game: str = "course", log_games: bool = True, game_cell: int = 8):
        if games < 2 or final_games == 1:
            raise ValueError(f"games must be at least 2 (one in each colour), got {games} and final_games {final_games}")
        if final_games and final_seed in (seed, seed + 1):
            raise ValueError(f"final_seed {final_seed} must differ from the selection games' seeds {seed}, {seed + 1}")
        if select not in SELECT:
            raise ValueError(f"select must be one of {sorted(SELECT)}, got {select!r}")
        if final_layouts is not None and (layouts is None or len(final_layouts) != len(layouts)):
            raise ValueError(f"final_layouts must match layouts one for one: {len(final_layouts)} sets for "
                             f"{'the training layouts' if layouts is None else len(layouts)}")
        self.opponents, self.layouts, self.games = list(opponents), layouts, games
        self.every_n_steps, self.length, self.seed, self.select = every_n_steps, length, seed, select
        if game not in GAMES:
            raise ValueError(f"game must be one of {GAMES}, got {game!r}")
        self.final_games, self.final_seed, self.final_layouts, self.game = final_games, final_seed, final_layouts, game
        self.last: dict[str, dict] = {}  # opponent -> its result over every map set
        self.last_by_set: dict[str, dict[str, dict]] = {}  # map set -> opponent -> result
        self.final: dict[str, dict] = {}
        self.final_by_set: dict[str, dict[str, dict]] = {}
        self.evaluated_at = -1  # the gradient step of the last evaluation
        self.log_games, self.game_cell = log_games, game_cell

    def on_train_batch_end(self, trainer: L.Trainer, module: L.LightningModule, outputs, batch, batch_idx: int) -> None:
        last = training_ends(trainer, module)
        if trainer.global_step % self.every_n_steps == 0 or last:
            if last:  # Lightning writes logs every `log_every_n_steps` steps, or at a stop: the last evaluation is written
                trainer.should_stop = True
            self.evaluate(trainer, module)

    def on_train_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        close_progress_bar(trainer)  # the results below are the last words, not the bar
        if self.evaluated_at != trainer.global_step:  # a run stopped from outside (`max_time`, an interrupt): played, not logged
            self.last, self.last_by_set = self.play(module.policy(), self.map_sets(trainer), self.games, self.seed)
        rank_zero_info(self.summary(trainer.global_step))
        if self.final_games and trainer.is_global_zero:
            self.final_evaluation(trainer, module)

    def map_sets(self, trainer: L.Trainer | None, final: bool = False) -> dict[str, list[str]]:
        """`{name: layouts}` of the map sets played: `layouts` (or `final_layouts`), else the training layouts."""
        sets = self.final_layouts if final and self.final_layouts is not None else self.layouts
        if sets is None:
            training = list(trainer.datamodule.layouts)
            return {"+".join(map(str, training)): training}
        return {entry if isinstance(entry, str) else "+".join(entry): expand_layout_names([entry] if isinstance(entry, str) else entry)
                for entry in sets}

    def final_evaluation(self, trainer: L.Trainer, module: L.LightningModule) -> dict[str, dict]:
        """The selected team (the best checkpoint, else the live networks) on held-out games; printed and saved."""
        best = next((c.best_model_path for c in trainer.checkpoint_callbacks if getattr(c, "best_model_path", "")), "")
        team = load_policy(best) if best else module.policy()
        self.final, self.final_by_set = self.play(team, self.map_sets(trainer, final=True), self.final_games, self.final_seed)
        which = f"best checkpoint {best}" if best else f"networks after {trainer.global_step} gradient steps"
        print(self.summary_of(self.final, self.final_by_set, f"held-out evaluation of the {which} ({self.final_games} games "
                              f"per opponent and map set, half in each colour, seed {self.final_seed}):"), flush=True)
        folder = run_folder(trainer)  # not trainer.log_dir: it broadcasts, and this runs on rank 0 alone
        if folder:
            path = Path(folder) / "final_evaluation.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"team": best or None, "step": trainer.global_step, "results": self.final,
                                        "by_map_set": self.final_by_set}, indent=2))
        return self.final

    def evaluate(self, trainer: L.Trainer, module: L.LightningModule) -> dict[str, float]:
        wandb = [logger for logger in trainer.loggers if isinstance(logger, WandbLogger)] if trainer.is_global_zero else []
        recorders = {(opponent, colour): GameRecorder(cell=self.game_cell, names=(opponent, "learner") if colour == "blue" else ("learner", opponent))
                     for opponent in self.opponents for colour in ("blue", "red")} if wandb and self.log_games else {}
        self.last, self.last_by_set = self.play(module.policy(), self.map_sets(trainer), self.games, self.seed, recorders)
        self.evaluated_at = trainer.global_step
        if wandb:
            self._log_to_wandb(wandb, recorders, trainer.global_step)
        several = len(self.last_by_set) > 1
        pairs = []  # the win rate of every (opponent, map set)
        for opponent in self.opponents:
            rates = [self.last_by_set[name][opponent]["win_rate"] for name in self.last_by_set]
            pairs += rates
            self._log_result(module, opponent, self.last[opponent], SELECT[self.select](rates))
            if several:
                for name, results in self.last_by_set.items():
                    self._log_result(module, f"{opponent}/{name}", results[opponent], results[opponent]["win_rate"])
        module.log("eval/win_rate", float(SELECT[self.select](pairs)), prog_bar=True, sync_dist=True)
        module.log(EVALUATED_AT, float(trainer.global_step))  # tells an evaluation from its repeats in CSV rows
        return {opponent: result["win_rate"] for opponent, result in self.last.items()}

    @staticmethod
    def _log_result(module: L.LightningModule, key: str, result: dict, win_rate: float) -> None:
        module.log(f"eval/win_rate/{key}", float(win_rate), sync_dist=True)
        for colour in ("blue", "red"):
            module.log(f"eval/win_rate_{colour}/{key}", result["by_colour"][colour]["win_rate"], sync_dist=True)
        module.log(f"eval/score/{key}", result["mean_score"], sync_dist=True)

    def _log_to_wandb(self, loggers: list, recorders: dict[tuple[str, str], GameRecorder], step: int) -> None:
        """The recorded games as GIFs and the last evaluation's results as a table, to each wandb logger."""
        columns = ["opponent", "map set", "colour", "games", "wins", "ties", "losses", "win rate", "95% low", "95% high"]
        rows = [[opponent, name, colour, *(r[k] for k in ("games", "wins", "ties", "losses", "win_rate")), *r["win_rate_95ci"]]
                for name, results in self.last_by_set.items() for opponent, result in results.items()
                for colour, r in result["by_colour"].items()]
        with tempfile.TemporaryDirectory() as folder:
            games = {key: recorder.save_gif(Path(folder) / f"{k}.gif") for k, (key, recorder) in enumerate(recorders.items())
                     if len(recorder)}
            for logger in loggers:
                logger.log_table("eval/results", columns=columns, data=rows, step=step)
                for (opponent, colour), path in games.items():  # wandb copies the file into the run's media
                    logger.log_video(f"eval/game/{opponent}/{colour}", [str(path)], step=step, format=["gif"],
                                     caption=[f"learner as {colour} against {opponent}, step {step}"])

    def play(self, team, map_sets: dict[str, list[str]], games: int, seed: int,
             recorders: dict[tuple[str, str], GameRecorder] | None = None) -> tuple[dict[str, dict], dict[str, dict[str, dict]]]:
        """`team` (a policy) against each opponent on each map set, both colours: the `head_to_head` results
        per opponent over all sets, and per set and opponent. `recorders` (by opponent and colour) capture a game of
        the first map set."""
        recorders, first = recorders or {}, next(iter(map_sets))
        by_set = {name: {opponent: head_to_head(team, opponent, layouts, games, self.length, seed, num_envs=games, game=self.game,
                                                recorders={c: recorders[opponent, c] for c in ("blue", "red") if (opponent, c) in recorders}
                                                if name == first else None)
                         for opponent in self.opponents} for name, layouts in map_sets.items()}
        overall = {opponent: combined([by_set[name][opponent] for name in by_set]) for opponent in self.opponents}
        return overall, by_set

    def summary(self, step: int) -> str:
        """One line per opponent (and map set): the last evaluation's win rate in each colour, with 95% intervals."""
        return self.summary_of(self.last, self.last_by_set, f"evaluation after {step} gradient steps ({self.games} games "
                               "per opponent and map set, half in each colour):")

    @staticmethod
    def summary_of(results: dict[str, dict], by_set: dict[str, dict[str, dict]], title: str) -> str:
        def line(label: str, r: dict) -> str:
            colours = ", ".join(f"{c} {r['by_colour'][c]['win_rate']:.0%} ({r['by_colour'][c]['win_rate_95ci'][0]:.0%}-"
                                f"{r['by_colour'][c]['win_rate_95ci'][1]:.0%})" for c in ("blue", "red"))
            return f"  against {label}: wins {r['win_rate']:.0%} (as {colours})"

        lines = [title]
        for opponent, r in results.items():
            lines.append(line(opponent, r))
            if len(by_set) > 1:
                lines += ["  " + line(f"{opponent} on {name}", sets[opponent]) for name, sets in by_set.items()]
        return "\n".join(lines)


# How `eval/win_rate` sums up the (opponent, map set) pairs. `min` adds a thousandth of the mean, so that among
# checkpoints with the same weakest pair (all at 0 early on) the one better elsewhere is kept.
SELECT = {"mean": lambda rates: float(np.mean(rates)), "min": lambda rates: float(np.min(rates)) + 1e-3 * float(np.mean(rates))}


class AgreementCallback(L.Callback):
    """Every `every_n_steps` gradient steps, how often the learner's greedy move is its teacher's
    (`play.agreement.measure_agreement`), on the teacher's states and on the learner's own, by role, per map set:
    `agreement/<states>/<role>` over every set (the moves' mean) and `agreement/<states>/<role>/<set>` with more
    than one; at the end of training, printed. The faithfulness of a copy, beside what it wins
    (`EvaluationCallback`).

    Args:
        teacher: the entrant whose moves are the labels.
        opponents: each game's opponent drawn from them.
        layouts: map sets (as `EvaluationCallback`'s), measured apart; default the training layouts.
        states: whose moves make the states, any of `teacher` and `own`.
        steps: the team's steps per map set and states (summed over games, half in each colour).
        num_envs: the games played at once: `steps / num_envs` steps of each, so `steps >= num_envs * length` for
            whole games (the defaults: 16 games of 300 steps), not only their openings.
        every_n_steps, length, seed, game: as `EvaluationCallback`'s.
    """

    def __init__(self, teacher: str = "search", opponents: Sequence[str] = ("heuristic",),
                 layouts: Sequence[str | Sequence[str]] | None = None, states: Sequence[str] = STATES, steps: int = 4800,
                 num_envs: int = 16, every_n_steps: int = 1000, length: int = 300, seed: int = 777, game: str = "course"):
        unknown = [s for s in states if s not in STATES]
        if unknown or not states or steps < 1 or every_n_steps < 1 or num_envs < 2 or num_envs % 2:
            raise ValueError(f"states must be some of {STATES} (got {list(states)}), steps and every_n_steps at least 1, "
                             f"num_envs even (got {num_envs})")
        if game not in GAMES:
            raise ValueError(f"game must be one of {GAMES}, got {game!r}")
        self.teacher, self.opponents, self.layouts, self.states = teacher, list(opponents), layouts, list(states)
        self.steps, self.every_n_steps, self.length, self.seed, self.game = steps, every_n_steps, length, seed, game
        self.num_envs = num_envs
        self.last: dict[str, dict[str, dict]] = {}  # map set -> states -> measure_agreement's result

    def on_train_batch_end(self, trainer: L.Trainer, module: L.LightningModule, outputs, batch, batch_idx: int) -> None:
        if trainer.global_step % self.every_n_steps == 0:
            for name, value in self.measure(trainer, module).items():
                module.log(name, value, sync_dist=True)

    def measure(self, trainer: L.Trainer, module: L.LightningModule) -> dict[str, float]:
        """The figures the callback logs, measured now."""
        sets = EvaluationCallback(layouts=self.layouts).map_sets(trainer)
        policy = module.policy()
        self.last = {name: {states: measure_agreement(policy, self.teacher, self.opponents, layouts, states, self.steps,
                                                      self.num_envs, self.length, self.seed, self.game)
                            for states in self.states} for name, layouts in sets.items()}
        figures = {}
        for states in self.states:
            for role in ROLES:
                counted = [(r[states][role]["agreement"], r[states][role]["moves"]) for r in self.last.values() if role in r[states]]
                if counted:
                    rates, moves = np.array(counted).T
                    figures[f"agreement/{states}/{role}"] = float((rates * moves).sum() / moves.sum())
                if len(self.last) > 1:
                    figures.update({f"agreement/{states}/{role}/{name}": r[states][role]["agreement"]
                                    for name, r in self.last.items() if role in r[states]})
        return figures

    def on_train_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if self.last:
            rows = [dict(r, layouts=name) for name, by_states in self.last.items() for r in by_states.values()]
            rank_zero_info(f"agreement with {self.teacher} after the last measurement:\n{agreement_table(rows)}")


def training_ends(trainer: L.Trainer, module: L.LightningModule) -> bool:
    """Whether this gradient step is the run's last: `max_steps` reached, a stop asked for, `max_time` spent (on one
    process) or an `EnvStepBudget` spent (whichever callback comes first in the list). Every rank decides alike. A run shorter than the evaluation interval
    is evaluated at its end like any other: logged, checkpointed and ranked (`RunCheckpoint`)."""
    return (0 < trainer.max_steps <= trainer.global_step or trainer.should_stop
            or any(isinstance(c, EnvStepBudget) and c.spent(module) for c in trainer.callbacks)
            or (trainer.world_size == 1  # (each rank's own clock: under DDP the Timer's shared decision ends the run)
                and any(isinstance(c, Timer) and c.time_remaining() is not None and c.time_remaining() <= 0
                        for c in trainer.callbacks)))


class EnvStepBudget(L.Callback):
    """Stop training once `max_env_steps` environment steps were collected (summed over games, on this
    rank): the budget that compares learners fairly, whatever each collects per gradient step (QMIX's
    `steps_per_update` vector steps, MAPPO's rollout spread over its epochs and minibatches).
    In YAML: `trainer.callbacks+={class_path: marl_lightning.callbacks.EnvStepBudget, init_args: {max_env_steps: 400000}}`."""

    def __init__(self, max_env_steps: int):
        if max_env_steps < 1:
            raise ValueError(f"max_env_steps must be at least 1, got {max_env_steps}")
        self.max_env_steps = max_env_steps

    def spent(self, module: L.LightningModule) -> bool:
        return module.env_steps_collected >= self.max_env_steps

    def on_train_batch_end(self, trainer: L.Trainer, module: L.LightningModule, outputs, batch, batch_idx: int) -> None:
        if self.spent(module):
            trainer.should_stop = True
