"""The data side: the replay buffer, the on-policy rollout, the collector that plays games into them, and
the data module."""

from .datamodule import CaptureDataModule, OnPolicyStream, RolloutStream, TrainingBatch
from .onpolicy import RolloutBuffer
from .replay import ReplayBuffer
from .rollout import Collector, summarize

__all__ = ["CaptureDataModule", "Collector", "OnPolicyStream", "ReplayBuffer", "RolloutBuffer", "RolloutStream",
           "TrainingBatch", "summarize"]
