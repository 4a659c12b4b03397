"""Learners: LightningModules that turn collected experience into better policies."""

from .base import Learner
from .mappo import MAPPOModule
from .value_decomposition import ValueDecompositionModule

LEARNERS = {"value_decomposition": ValueDecompositionModule, "mappo": MAPPOModule}  # `learner:` in a config

__all__ = ["LEARNERS", "Learner", "MAPPOModule", "ValueDecompositionModule"]
