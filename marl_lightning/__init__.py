"""Cooperative multi-agent RL for Capture-the-Flag Pacman in PyTorch Lightning.

The public names load when first used (`lazy_exports`), so that `marl`, `marl --help` and `marl teams` start
without torch and Lightning: `from marl_lightning import CaptureDataModule` works as ever.
"""

from .lazy_exports import lazy_exports

_PUBLIC = {  # name: the module that defines it
    "AgreementCallback": "callbacks", "EvaluationCallback": "callbacks", "CaptureDataModule": "data",
    "Exploration": "exploration", "MAPPOModule": "learners", "ValueDecompositionModule": "learners", "Mixer": "mixers",
    "TeamNetwork": "networks", "CheckpointError": "checkpoint_files", "load_policy": "loading",
    "BoltzmannPolicy": "policy", "EpsilonGreedyPolicy": "policy", "GreedyPolicy": "policy",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
