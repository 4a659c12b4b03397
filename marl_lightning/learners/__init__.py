"""Learners: LightningModules that turn collected experience into better policies."""

from .base import Learner
from .imitation import ImitationModule
from .mappo import MAPPOModule
from .value_decomposition import ValueDecompositionModule

LEARNERS = {"value_decomposition": ValueDecompositionModule, "mappo": MAPPOModule,  # `learner:` in a config
            "imitation": ImitationModule}

__all__ = ["LEARNERS", "ImitationModule", "Learner", "MAPPOModule", "ValueDecompositionModule"]
