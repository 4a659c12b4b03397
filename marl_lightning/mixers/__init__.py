"""Mixers, one per file; `MIXERS` is the one list of them (`None` is IQL: no mixer)."""

from .attention import AttentionMixer
from .base import Mixer, StateEncoder, global_state
from .qmix import QMixer
from .vdn import VDNMixer

MIXERS: dict[str, type[Mixer]] = {"vdn": VDNMixer, "qmix": QMixer, "attention": AttentionMixer}

__all__ = ["MIXERS", "AttentionMixer", "Mixer", "QMixer", "StateEncoder", "VDNMixer", "global_state"]
