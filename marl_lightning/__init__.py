"""Cooperative multi-agent RL for Capture-the-Flag Pacman in PyTorch Lightning."""

from .callbacks import AgreementCallback, EvaluationCallback
from .data import CaptureDataModule
from .exploration import Exploration
from .learners import MAPPOModule, ValueDecompositionModule
from .mixers import Mixer
from .networks import TeamNetwork
from .checkpoints import CheckpointError
from .policy import EpsilonGreedyPolicy, GreedyPolicy, load_policy

__all__ = ["AgreementCallback", "CaptureDataModule", "CheckpointError", "EpsilonGreedyPolicy", "EvaluationCallback", "Exploration", "GreedyPolicy",
           "MAPPOModule", "Mixer", "TeamNetwork", "ValueDecompositionModule", "load_policy"]
