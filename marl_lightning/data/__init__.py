"""The data side: the replay buffer, the on-policy rollout, the collector that plays games into them, and
the data module."""

from .batch import TrainingBatch
from .curriculum import CurriculumConfig, StageConfig
from .datamodule import CaptureDataModule
from .league import LeagueConfig
from .onpolicy import RolloutBuffer
from .replay import ReplayBuffer
from .rollout import Collector, summarize
from .streams import ImitationStream, OnPolicyStream, ReplayStream, Stream

__all__ = ["CaptureDataModule", "Collector", "CurriculumConfig", "ImitationStream", "LeagueConfig", "OnPolicyStream",
           "ReplayBuffer", "ReplayStream", "RolloutBuffer", "StageConfig", "Stream", "TrainingBatch", "summarize"]
