"""Capture-the-Flag Pacman: a faithful, vectorised engine and its environments.

- `VecCaptureEnv`: N games in arrays, the fast path for training.
- `CaptureParallelEnv`: one game through the PettingZoo parallel API.
- `gymPacMan_parallel_env`: the course's class, for notebooks written against it.
"""

from .course_env import gymPacMan_parallel_env
from .layout import Layout, LayoutError, available_layouts, load_layout, parse_layout
from .pz_env import CaptureParallelEnv
from .rules import ACTION_NAMES, AGENT_NAMES, RewardConfig
from .vec_env import EpisodeResults, VecCaptureEnv

__all__ = [
    "ACTION_NAMES",
    "AGENT_NAMES",
    "CaptureParallelEnv",
    "EpisodeResults",
    "Layout",
    "LayoutError",
    "RewardConfig",
    "VecCaptureEnv",
    "available_layouts",
    "gymPacMan_parallel_env",
    "load_layout",
    "parse_layout",
]
