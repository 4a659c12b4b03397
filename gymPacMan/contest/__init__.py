"""The Berkeley contest's modules, written for this engine, so contest team files run in it.

A contest team file imports `captureAgents`, `game`, `util`, `distanceCalculator` and sometimes
`capture` as top-level modules. `install()` registers these modules under those names
(`sys.modules`), which is what loading a contest team file does (`agents/contest_team.py`); a
name that is already taken by another module is taken over while it is installed.
"""

from __future__ import annotations

import sys
from types import ModuleType

from . import capture, captureAgents, distanceCalculator, game, util

MODULES: dict[str, ModuleType] = {
    "util": util, "game": game, "distanceCalculator": distanceCalculator, "captureAgents": captureAgents, "capture": capture,
}


def install() -> None:
    """Make `import captureAgents` (and the others) give these modules."""
    sys.modules.update(MODULES)


__all__ = ["MODULES", "install", "capture", "captureAgents", "distanceCalculator", "game", "util"]
