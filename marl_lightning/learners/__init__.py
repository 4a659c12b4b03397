"""Learners: LightningModules that turn collected experience into better policies.

A run chooses its learner as LightningCLI does, by class: `model.class_path: marl_lightning.learners.MAPPOModule`
(any `Learner` subclass, a user's own in their own module too), its settings in `model.init_args`. Each declares
what it needs in its `spec` (`spec.LearnerSpec`).
"""

import importlib

from .base import Learner
from .imitation import ImitationModule
from .mappo import MAPPOModule
from .spec import LINKED_FROM_DATA, LearnerSpec
from .value_decomposition import ValueDecompositionModule


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


def learner_path(name: str) -> str:
    """The class path (`module.qualname`) a checkpoint's learner name stands for: the class an older short name
    (`mappo`, a learner's `spec.short_name`) names, else the name itself (checkpoints name their learner's class path)."""
    old = next((cls for cls in _subclasses(Learner) if cls.spec.short_name == name and name), None)
    return name if old is None else f"{old.__module__}.{old.__qualname__}"


def learner_class(name: str) -> type[Learner]:
    """The class a class path (or an older checkpoint's short name) names, imported."""
    module_name, _, class_name = learner_path(name).rpartition(".")
    return getattr(importlib.import_module(module_name), class_name)


__all__ = ["ImitationModule", "LINKED_FROM_DATA", "Learner", "LearnerSpec", "MAPPOModule", "ValueDecompositionModule",
           "learner_class", "learner_path"]
