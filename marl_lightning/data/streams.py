"""The streams of training batches the data module serves (`CaptureDataModule.train_dataloader`): replay
(`RolloutStream`), on-policy rollouts (`OnPolicyStream`) and demonstrations (`ImitationStream`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import torch
from torch.utils.data import IterableDataset

from .batch import TrainingBatch
from .rollout import summarize

if TYPE_CHECKING:
    from .datamodule import CaptureDataModule

EPOCH_STEPS = 1000  # gradient steps per "epoch" of a run without max_steps (a time-limited one)


def as_is(batch: TrainingBatch) -> TrainingBatch:
    """The stream yields whole batches; the DataLoader must not take them apart."""
    return batch


class RolloutStream(IterableDataset):
    """Collects `steps_per_update` vector steps with the live policy, then yields one sampled batch.

    Collection needs the current networks, so this runs in the training process
    (`DataLoader(batch_size=None, num_workers=0)`); under DDP every rank has its own.

    The stream has a length (the trainer's `max_steps`), so Lightning fetches no batch ahead: batch
    k is collected right before gradient step k, with the weights after step k - 1, and a checkpoint
    taken after step k holds no batch collected but not yet learned from. That is what makes a
    resumed run continue bit for bit.
    """

    def __init__(self, data: "CaptureDataModule"):
        self.data = data

    def __len__(self) -> int:
        trainer = self.data.trainer
        if trainer is not None and trainer.max_steps is not None and trainer.max_steps > 0:
            return trainer.max_steps
        return EPOCH_STEPS

    def __iter__(self) -> Iterator[TrainingBatch]:
        data = self.data
        policy = data.trainer.lightning_module.exploration_policy(data.collector.generator)  # the live networks
        while True:
            stats = {**data.advance_curriculum(), **data.update_league()}
            steps = data.steps_to_collect()
            episodes = summarize(data.collector.collect(policy, steps))
            data.env_steps += steps * data.num_envs
            sample = data.sample_replay()
            sample["obs"] = data.collector.codec.decode(sample["obs"])
            yield TrainingBatch(sample, steps * data.num_envs, episodes, data.buffer, stats)


class OnPolicyStream(RolloutStream):
    """For on-policy learners (`learner.on_policy`): when the samples of the last rollout are used up,
    collect `rollout_length` vector steps of every game with the live policy and have the learner turn
    them into samples (`prepare_rollout`: log-probabilities, values, advantages, returns); then one
    shuffled minibatch per gradient step, `epochs` passes over each rollout (`data.onpolicy`). The first
    minibatch of a rollout carries its environment steps and finished games."""

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
                data.env_steps += env_steps
                now = codec.encode(torch.from_numpy(data.collector.obs)).to(rollout.device)  # (N, A, C, H, W) after the rollout
                rollout.serve(learner.prepare_rollout(rollout, now, codec.decode))
            sample = rollout.next_minibatch()
            sample["obs"] = codec.decode(sample["obs"])
            yield TrainingBatch(sample, env_steps, episodes, rollout, stats)


class ImitationStream(RolloutStream):
    """Batches of demonstrations for imitation (`learners.ImitationModule`, `data.demonstrations`): one
    sampled batch of single steps per gradient step, with DAgger rounds when they are due (`data.dagger`).
    Like `RolloutStream` it has a length, so no batch is drawn ahead of the weights it is for."""

    def __iter__(self) -> Iterator[TrainingBatch]:
        data = self.data
        learner, demos = data.trainer.lightning_module, data.demos
        while True:
            stats, env_steps = {}, 0
            if demos.due(data.trainer.global_step):
                stats = demos.dagger_round(learner, data.collector.generator)
                env_steps = demos.dagger.steps
                data.env_steps += env_steps
            sample = demos.sample(data.batch_size, 1, observed=1)  # (B, 1): the step and its teacher's move
            sample["obs"] = data.collector.codec.decode(sample["obs"])
            windows = None
            if getattr(learner, "learns_values", False):  # (B_v, n + 1) frames for the critic's n-step returns
                windows = demos.sample(data.value_batch_size, data.n_step)
                windows["obs"] = data.collector.codec.decode(windows["obs"])
            yield TrainingBatch(sample, env_steps, {}, demos.buffers[0], stats, windows)
