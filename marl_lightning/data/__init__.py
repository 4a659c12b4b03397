"""The data side: the replay buffer, the collector that plays games into it, and the data module."""

from .datamodule import CaptureDataModule, RolloutStream, TrainingBatch
from .replay import ReplayBuffer
from .rollout import Collector, summarize

__all__ = ["CaptureDataModule", "Collector", "ReplayBuffer", "RolloutStream", "TrainingBatch", "summarize"]
