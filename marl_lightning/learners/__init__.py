"""Learners: LightningModules that turn collected experience into better policies.

A run chooses its learner as LightningCLI does, by class: `model.class_path: marl_lightning.learners.MAPPOModule`
(any `Learner` subclass, a user's own in their own module too), its settings in `model.init_args`.
"""

import importlib

from .base import Learner
from .imitation import ImitationModule
from .mappo import MAPPOModule
from .value_decomposition import ValueDecompositionModule

# what the environment and the data module decide, linked into the learners that take it (`cli.MARLCLI`)
LINKED_FROM_DATA = ("obs_shape", "n_agents", "planes", "burn_in", "n_step", "rollout_length", "epochs", "minibatches")

# the short names older configs (`learner: mappo`) and checkpoints gave learners: kept for reading them
OLD_LEARNER_NAMES = {"value_decomposition": ValueDecompositionModule, "mappo": MAPPOModule, "imitation": ImitationModule}


def learner_path(name: str) -> str:
    """The class path (`module.qualname`) a checkpoint's learner name stands for: an older short name's
    class, else the name itself (checkpoints name their learner's class path)."""
    old = OLD_LEARNER_NAMES.get(name)
    return name if old is None else f"{old.__module__}.{old.__qualname__}"


def learner_class(name: str) -> type[Learner]:
    """The class a class path (or an older checkpoint's short name) names, imported."""
    module_name, _, class_name = learner_path(name).rpartition(".")
    return getattr(importlib.import_module(module_name), class_name)


__all__ = ["ImitationModule", "LINKED_FROM_DATA", "Learner", "MAPPOModule", "OLD_LEARNER_NAMES", "ValueDecompositionModule", "learner_class",
           "learner_path"]
