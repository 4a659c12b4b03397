"""Mixers, one per file, all subclasses of `Mixer`; `ALIASES` are the short names configs may use."""

from .attention import AttentionMixer
from .base import Mixer, StateEncoder, global_state
from .qmix import QMixer
from .vdn import VDNMixer

ALIASES: dict[str, type[Mixer]] = {"vdn": VDNMixer, "qmix": QMixer, "attention": AttentionMixer}

__all__ = ["ALIASES", "AttentionMixer", "Mixer", "QMixer", "StateEncoder", "VDNMixer", "global_state"]
