"""Capture-the-Flag Pacman: a faithful, vectorised engine and its environments.

- `VecCaptureEnv`: N games in arrays, the fast path for training.
- `CaptureParallelEnv` (`parallel_env`, `aec_env`): one game through PettingZoo's parallel (or AEC) API;
  `CaptureTurnEnv` (`turn_env`): the contest's turn-by-turn game through the AEC API; the `pettingzoo` extra.
- `gymPacMan_parallel_env`: the course's class, for notebooks written against it.
"""

from .layout import Layout, LayoutError, parse_layout
from .layout_names import available_layouts, load_layout
from .rules import ACTION_NAMES, AGENT_NAMES, RewardConfig
from .vec_env import EpisodeResults, TeamTurns, TurnChooser, VecCaptureEnv

__all__ = [
    "ACTION_NAMES",
    "AGENT_NAMES",
    "CaptureParallelEnv",
    "CaptureTurnEnv",
    "EpisodeResults",
    "Layout",
    "LayoutError",
    "TeamTurns",
    "TurnChooser",
    "RewardConfig",
    "VecCaptureEnv",
    "aec_env",
    "available_layouts",
    "gymPacMan_parallel_env",
    "load_layout",
    "parallel_env",
    "parse_layout",
    "turn_env",
]

_PETTINGZOO = {"CaptureParallelEnv": "CaptureParallelEnv", "parallel_env": "parallel_env", "aec_env": "env",
               "CaptureTurnEnv": "CaptureTurnEnv", "turn_env": "turn_env"}


def __getattr__(name: str):
    # the course class needs torch, the PettingZoo interface an optional extra: imported when first used
    if name in _PETTINGZOO:
        from . import pz_env

        return getattr(pz_env, _PETTINGZOO[name])
    if name == "gymPacMan_parallel_env":
        from .course_env import gymPacMan_parallel_env

        return gymPacMan_parallel_env
    raise AttributeError(f"module 'gymPacMan' has no attribute {name!r}")
