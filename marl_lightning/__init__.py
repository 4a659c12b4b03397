"""Cooperative multi-agent RL for Capture-the-Flag Pacman in PyTorch Lightning."""

from .callbacks import AgreementCallback, EvaluationCallback
from .data import CaptureDataModule
from .exploration import Exploration
from .learners import MAPPOModule, ValueDecompositionModule
from .mixers import Mixer
from .networks import TeamNetwork
from .checkpoint_files import CheckpointError
from .loading import load_policy
from .policy import BoltzmannPolicy, EpsilonGreedyPolicy, GreedyPolicy

__all__ = ["AgreementCallback", "BoltzmannPolicy", "CaptureDataModule", "CheckpointError", "EpsilonGreedyPolicy", "EvaluationCallback", "Exploration", "GreedyPolicy",
           "MAPPOModule", "Mixer", "TeamNetwork", "ValueDecompositionModule", "load_policy"]
