from .value_decomposition import ValueDecompositionModule

__all__ = ["ValueDecompositionModule"]
