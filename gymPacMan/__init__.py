"""Capture-the-Flag Pacman: a faithful, vectorised engine and its environments.

- `VecCaptureEnv`: N games in arrays, the fast path for training.
- `CaptureParallelEnv`: one game through the PettingZoo parallel API.
- `gymPacMan_parallel_env`: the course's class, for notebooks written against it.
"""

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


def __getattr__(name: str):
    # the course class needs torch; importing it lazily keeps the engine light for rollout workers
    if name == "gymPacMan_parallel_env":
        from .course_env import gymPacMan_parallel_env

        return gymPacMan_parallel_env
    raise AttributeError(f"module 'gymPacMan' has no attribute {name!r}")
