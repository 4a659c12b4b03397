"""The streams of training batches the data module serves (`CaptureDataModule.train_dataloader`), one for each
kind a learner may declare (`learners.spec.LearnerSpec.stream`): replay (`ReplayStream`), on-policy rollouts
(`OnPolicyStream`) and demonstrations (`ImitationStream`); a learner that needs data of another kind declares a
`Stream` subclass of its own (docs/extending.md).

The one corridor between data and learner: a stream asks the learner for the policy that plays
(`exploration_policy`; an on-policy learner also turns its rollout into samples, `prepare_rollout`) and yields
`batch.TrainingBatch`es, each with the environment steps it brought, which the learner counts (its
`env_steps_collected`, the run's one count)."""

from __future__ import annotations

from typing import Iterator

import lightning as L
import torch
from tensordict import TensorDict
from torch.utils.data import IterableDataset

from .batch import TrainingBatch
from .rollout import summarize

EPOCH_STEPS = 1000  # gradient steps per "epoch" of a run without max_steps (a time-limited one)


def as_is(batch: TrainingBatch) -> TrainingBatch:
    """The stream yields whole batches; the DataLoader must not take them apart."""
    return batch


class Stream(IterableDataset):
    """A stream of `TrainingBatch`es, one per gradient step, from the data module `data` (a `CaptureDataModule`: its
    collector, buffer, demonstrations and settings). A subclass says what the data module must set up for it:

    - `memory`: what the collector writes its games into, `"replay"` (`data.replay.ReplayBuffer`, the frames of the
      last `data.replay.buffer_size` steps) or `"rollout"` (`data.onpolicy.RolloutBuffer`, the rollout of the moment);
    - `demonstrations`: it draws from the demonstrations (`data.demonstrations`, `data.demonstrations.dagger`), even when the
      run names none as a share of replay batches.

    Collection needs the current networks, so a stream runs in the training process
    (`DataLoader(batch_size=None, num_workers=0)`); under DDP every rank has its own.

    The stream has a length (the trainer's `max_steps`), so Lightning fetches no batch ahead: batch
    k is collected right before gradient step k, with the weights after step k - 1, and a checkpoint
    taken after step k holds no batch collected but not yet learned from. That is what makes a
    resumed run continue bit for bit.
    """

    memory: str = "replay"
    demonstrations: bool = False

    def __init__(self, data: L.LightningDataModule):
        self.data = data

    def __len__(self) -> int:
        trainer = self.data.trainer
        if trainer is not None and trainer.max_steps is not None and trainer.max_steps > 0:
            return trainer.max_steps
        return EPOCH_STEPS

    def __iter__(self) -> Iterator[TrainingBatch]:  # pragma: no cover - every stream defines it
        raise NotImplementedError


class ReplayStream(Stream):
    """Collects `steps_per_update` vector steps with the live policy (the learner's `exploration_policy`), then
    yields one batch of windows sampled from replay (`sample`; `data.demonstrations.share` of them from demonstrations).
    A subclass may add to each batch by overriding `sample`."""

    def sample(self) -> TensorDict:
        """The batch's windows `(B, window)`, observations decoded to floats."""
        sample = self.data.sample_replay()
        sample["obs"] = self.data.collector.codec.decode(sample["obs"])
        return sample

    def __iter__(self) -> Iterator[TrainingBatch]:
        data = self.data
        policy = data.trainer.lightning_module.exploration_policy(data.collector.generator)  # the live networks
        while True:
            stats = {**data.advance_curriculum(), **data.update_league()}
            bar = data.trainer.progress_bar_callback
            warming = len(data.buffer) < data.replay.warmup and bar is not None and bar.is_enabled and data.trainer.is_global_zero
            steps = data.steps_to_collect()
            episodes = summarize(data.collector.collect(policy, steps, "replay warm-up" if warming else None))
            yield TrainingBatch(self.sample(), steps * data.num_envs, episodes, data.buffer, stats)


class OnPolicyStream(Stream):
    """For on-policy learners (`spec.stream == "rollout"`): when the samples of the last rollout are used up,
    collect `rollout_length` vector steps of every game with the live policy and have the learner turn
    them into samples (`prepare_rollout`: log-probabilities, values, advantages, returns); then one
    shuffled minibatch per gradient step, `epochs` passes over each rollout (`data.onpolicy`). The first
    minibatch of a rollout carries its environment steps and finished games."""

    memory = "rollout"

    def __iter__(self) -> Iterator[TrainingBatch]:
        data = self.data
        learner = data.trainer.lightning_module
        policy = learner.exploration_policy(data.collector.generator)  # sampling from the live actor
        rollout, codec = data.buffer, data.collector.codec
        while True:
            env_steps, episodes, stats = 0, {}, {}
            if rollout.exhausted:
                stats = {**data.advance_curriculum(), **data.update_league()}
                steps = data.rollout_length
                episodes = summarize(data.collector.collect(policy, steps))
                env_steps = steps * data.num_envs
                now = codec.encode(torch.from_numpy(data.collector.obs)).to(rollout.device)  # (N, A, C, H, W) after the rollout
                rollout.serve(learner.prepare_rollout(rollout, now, codec.decode))
            sample = rollout.next_minibatch()
            sample["obs"] = codec.decode(sample["obs"])
            yield TrainingBatch(sample, env_steps, episodes, rollout, stats)


class ImitationStream(Stream):
    """Batches of demonstrations for imitation (`learners.ImitationModule`, `data.demonstrations`): one
    sampled batch of single steps per gradient step, with DAgger rounds when they are due (`data.demonstrations.dagger`).
    Like every stream it has a length, so no batch is drawn ahead of the weights it is for."""

    demonstrations = True

    def __iter__(self) -> Iterator[TrainingBatch]:
        data = self.data
        learner, demos = data.trainer.lightning_module, data.demos
        while True:
            stats, env_steps = {}, 0
            if demos.due(data.trainer.global_step):
                stats = demos.dagger_round(learner, data.collector.generator)
                env_steps = demos.dagger.steps
            sample = demos.sample(data.batch_size, 1, observed=1)  # (B, 1): the step and its teacher's move
            sample["obs"] = data.collector.codec.decode(sample["obs"])
            windows = None
            if learner.spec.value_windows:  # (B_v, n + 1) frames for the critic's n-step returns
                windows = demos.sample(data.demo_settings.value_batch_size, data.n_step)
                windows["obs"] = data.collector.codec.decode(windows["obs"])
            yield TrainingBatch(sample, env_steps, {}, demos.buffers[0], stats, windows)
