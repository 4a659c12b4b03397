"""Learners: LightningModules that turn collected experience into better policies."""

from .value_decomposition import ValueDecompositionModule

__all__ = ["ValueDecompositionModule"]
