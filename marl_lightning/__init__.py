"""Cooperative multi-agent RL for Capture-the-Flag Pacman in PyTorch Lightning."""

from .callbacks import EvaluationCallback
from .data import CaptureDataModule
from .modules import ValueDecompositionModule
from .policy import CheckpointError, GreedyPolicy, load_policy

__all__ = ["CaptureDataModule", "CheckpointError", "EvaluationCallback", "GreedyPolicy", "ValueDecompositionModule", "load_policy"]
