"""What every learner shares: the environment-step count, metrics averaged on the device and logged
once an interval, the training speed, and the name a checkpoint gives its learner.

A learner is a LightningModule with `policy()` (the greedy player of its live networks: evaluation,
`load_policy`, export, leagues) and `exploration_policy(generator)` (what collects its experience), and
declares what it needs in its `spec` (`learners.spec.LearnerSpec`: replay, on-policy rollouts or
demonstrations; its frozen parts and those only learning needs): the data module streams batches of the kind
it asks for, each a `data.batch.TrainingBatch`.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any, Mapping

import lightning as L
import torch
from lightning.pytorch.callbacks import Timer
from torchmetrics import MeanMetric

from ..checkpoint_files import CheckpointError, read_checkpoint
from ..data.batch import TrainingBatch
from ..policy import GreedyPolicy
from .spec import LearnerSpec

EPISODE_METRICS = ("episode_return", "win", "tie", "score", "food_returned", "length")
RECENT_GAMES = 100  # `rollout/win_rate_100`, the progress bar's win rate, is over this many last games


class Learner(L.LightningModule):
    """The base of the learners: subclasses name their training metrics in `train_metric_names`
    (averaged on the device, logged as `train/<name>`), call `count(batch)` and `record({...})` in
    `training_step`, and add their own scalars in `logged_scalars`."""

    spec: LearnerSpec = LearnerSpec()
    train_metric_names: tuple[str, ...] = ()

    def __init__(self):
        super().__init__()
        self.register_buffer("env_steps", torch.zeros((), dtype=torch.long))  # saved in checkpoints
        self._env_steps = 0  # the same count on the host: reading the buffer on a GPU would wait for it
        # each rank logs its own games' averages: syncing inside compute() would be a collective call
        # that ranks without finished games never make (a DDP hang). Averages since the last logged step,
        # kept on the device without NaN checks (a check reads the value back to the host every step).
        self.episode_metrics = torch.nn.ModuleDict({name: MeanMetric(sync_on_compute=False) for name in EPISODE_METRICS})
        self.train_metrics = torch.nn.ModuleDict({name: MeanMetric(sync_on_compute=False, nan_strategy="disable")
                                                  for name in self.train_metric_names})
        self._clock: tuple[float, int] | None = None
        self._recent_wins: deque[float] = deque(maxlen=RECENT_GAMES)  # the last finished games' outcomes, on the host
        self._pending_stats: dict[str, float] = {}  # the data's figures not logged yet (`record`)

    @classmethod
    def algorithm_name(cls, settings: Mapping[str, Any]) -> str:
        """The algorithm a run of this learner with `settings` (its `init_args`) is named by when no config
        file names it (`runs.run_name`): here the class's name, lower case, without `Module`."""
        return cls.__name__.removesuffix("Module").lower() or "learner"

    @classmethod
    def upgraded_settings(cls, settings: Mapping[str, Any]) -> dict[str, Any]:
        """A checkpoint's saved settings (hyperparameters) in this version's arguments: a learner whose
        arguments changed converts an older checkpoint's here, so that it still loads (`loading.rebuild`)."""
        return dict(settings)

    # -- acting ---------------------------------------------------------------------------------
    def policy(self) -> GreedyPolicy:  # pragma: no cover - every learner defines it
        raise NotImplementedError

    def exploration_policy(self, generator: torch.Generator) -> GreedyPolicy:  # pragma: no cover
        raise NotImplementedError

    # -- counting and logging -------------------------------------------------------------------
    @property
    def env_steps_collected(self) -> int:
        """Environment steps collected so far (summed over games), read without waiting for the device."""
        return self._env_steps

    def count(self, batch: TrainingBatch) -> None:
        """The environment steps a batch brought, and its finished games' results."""
        self._env_steps += batch.env_steps
        self.env_steps.fill_(self._env_steps)  # no read-back: the host count is the one that decides
        for name, values in batch.episodes.items():
            self.episode_metrics[name].update(torch.as_tensor(values, dtype=torch.float32))
        self._recent_wins.extend(float(w) for w in batch.episodes.get("win", ()))

    def record(self, values: dict[str, torch.Tensor], stats: dict[str, float] | None = None) -> None:
        """Add this step's training values to their averages; log everything at the end of an interval. The
        data's figures (`stats`: a DAgger round's, a curriculum's or a league's, made at steps of their own) are
        kept until then, the latest of each."""
        for name, value in values.items():
            self.train_metrics[name].update(value.detach())
        self._pending_stats.update(stats or {})
        if self._logging_step():
            self._log_metrics(self._pending_stats)
            self._pending_stats = {}

    @property
    def recent_win_rate(self) -> float | None:
        """The win rate over the last `RECENT_GAMES` finished training games (None before the first)."""
        return sum(self._recent_wins) / len(self._recent_wins) if self._recent_wins else None

    def logged_scalars(self) -> dict[str, float]:
        """Host-side values logged once an interval (schedules, learning rate)."""
        return {"train/lr": self.trainer.optimizers[0].param_groups[0]["lr"]}

    def _logging_step(self) -> bool:
        """Metrics are averaged on the device and logged every `trainer.log_every_n_steps` gradient steps:
        logging a value reads it back to the host, which waits for the device."""
        every = max(self.trainer.log_every_n_steps, 1) if self._trainer is not None else 1
        return (self.global_step + 1) % every == 0  # the steps Lightning writes to the loggers

    def _log_metrics(self, stats: dict[str, float]) -> None:
        for group, metrics in (("train", self.train_metrics), ("rollout", self.episode_metrics)):
            for name, metric in metrics.items():
                if metric.update_count:
                    self.log(f"{group}/{name}", metric.compute())
                    metric.reset()
        if self.recent_win_rate is not None:  # steadier than the games of one interval, which may be few
            self.log("rollout/win_rate_100", self.recent_win_rate, prog_bar=True)
        for name, value in {**self.logged_scalars(), "rollout/env_steps": float(self._env_steps), **stats}.items():
            self.log(name, value)
        self._log_speed()

    def _log_speed(self) -> None:
        """Environment steps per second of wall-clock training (rollout plus learning) since the last
        logged step, and minutes so far."""
        now, steps = time.perf_counter(), self._env_steps
        if self._clock is not None and now > self._clock[0]:
            self.log("rollout/sps", (steps - self._clock[1]) / (now - self._clock[0]), prog_bar=True)
        self._clock = (now, steps)
        self.log("rollout/minutes", self.minutes_trained())

    def minutes_trained(self) -> float:
        """Wall-clock minutes of training, a resumed run's earlier ones included (saved in its checkpoints)."""
        now = time.perf_counter()
        return getattr(self, "_minutes_before", 0.0) + (now - getattr(self, "_started", now)) / 60

    def on_before_optimizer_step(self, optimizer) -> None:
        """Clip the gradients' norm to `grad_clip` (every learner has it), and average the norm for the logs."""
        norm = torch.nn.utils.clip_grad_norm_(self.parameters(), self.hparams.grad_clip)
        self.train_metrics["grad_norm"].update(norm)

    def setup(self, stage: str) -> None:
        """The parts the spec declares frozen (target networks, a clone) are kept out of autograd."""
        for part in self.spec.frozen:
            module = getattr(self, part, None)
            if module is not None:
                module.requires_grad_(False)

    def on_train_start(self) -> None:
        self._started = time.perf_counter()

    def run_progress(self) -> float | None:
        """The share of the run's budget used, 0 to 1: gradient steps of `trainer.max_steps` or time of
        `trainer.max_time` (the time a resumed run had used included), whichever is further on; `None` without
        a trainer or a budget (schedules given as a share of the run need one)."""
        if self._trainer is None:
            return None
        trainer, shares = self.trainer, []
        if trainer.max_steps and trainer.max_steps > 0:
            shares.append(self.global_step / trainer.max_steps)
        timer = next((c for c in trainer.callbacks if isinstance(c, Timer)), None)
        remaining = None if timer is None else timer.time_remaining("train")
        if remaining is not None:
            elapsed = timer.time_elapsed("train")
            shares.append(elapsed / max(elapsed + remaining, 1e-9))
        return min(1.0, max(shares)) if shares else None

    def on_fit_start(self) -> None:
        """A fresh run with `init_from` starts its agents' networks from that checkpoint's (a resumed one
        has its own weights already)."""
        path = self.hparams.get("init_from")
        if path and self.global_step == 0 and self._env_steps == 0:
            self.load_agents(path)

    def load_agents(self, path: str) -> None:
        """The agents' networks of checkpoint `path` (an imitation clone, or any learner's with the same
        network), into this learner's `agents`, and its critic where both have one (a clone's, learnt on the
        demonstrations' returns, into MAPPO's); then `agents_loaded` lets the learner follow up."""
        state = read_checkpoint(path)["state_dict"]
        for part in ("agents", "critic"):  # a clone's critic, learnt on the demonstrations' returns, starts MAPPO's
            weights = {key[len(part) + 1:]: value for key, value in state.items() if key.startswith(part + ".")}
            module = getattr(self, part, None)
            if module is None or (part == "critic" and not weights):
                continue
            try:
                module.load_agents_state(weights) if part == "agents" else module.load_state_dict(weights)
            except RuntimeError as exc:
                raise CheckpointError(f"model.init_from {path!r}: its {part} do not fit this run's "
                                      f"({str(exc).splitlines()[0]}); give the same networks") from None
        self.agents_loaded()

    def agents_loaded(self) -> None:
        """Called after `load_agents` (target networks to copy, a teacher to keep)."""

    # -- checkpoints ------------------------------------------------------------------------------
    @torch.no_grad()
    def critic_value(self, obs: torch.Tensor) -> torch.Tensor:
        """The critic's value of states `(M, A, C, H, W)`: `(M,)`, the agents' mean, in eval mode (a play-time
        lookahead scores with it); for learners with a `critic`."""
        was_training = self.training
        self.eval()
        try:
            return self.critic(obs).mean(-1)
        finally:
            self.train(was_training)

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self._env_steps = int(checkpoint["state_dict"].get("env_steps", 0))
        self._recent_wins.extend(checkpoint.get("recent_wins", []))
        self._minutes_before = float(checkpoint.get("minutes_trained", 0.0))  # `rollout/minutes` goes on

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        """Name the learner, so `load_policy` rebuilds it from the checkpoint's hyperparameters alone."""
        checkpoint["learner"] = f"{type(self).__module__}.{type(self).__qualname__}"
        checkpoint["recent_wins"] = list(self._recent_wins)  # the progress bar's win rate goes on after a resume
        checkpoint["minutes_trained"] = self.minutes_trained()
