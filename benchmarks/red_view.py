"""What red's view is worth: a checkpoint plays red against random on a map, seeing the board through
the map's own symmetry (`gymPacMan.views`, mirrored on the course's maps) and then rotated 180 degrees
(what the project did before, with the agents' slots as they were).

    python benchmarks/red_view.py CHECKPOINT [GAMES] [LAYOUT]
"""

from __future__ import annotations

import sys

import numpy as np

import gymPacMan.views as views
from agents import PolicyTeam
from agents.match import play_match
from gymPacMan.rules import RED
from marl_lightning import load_policy


def rotated(cls, state) -> views.RedView:
    return cls(np.full(state.num_games, views.ROTATE), np.zeros(state.num_games, dtype=bool))


def main(checkpoint: str, games: int = 200, layout: str = "bloxCapture") -> dict[str, int]:
    policy = load_policy(checkpoint)
    wins, own_view = {}, views.RedView.of
    try:
        for name in ("symmetry", "rotated"):
            if name == "rotated":
                views.RedView.of = classmethod(rotated)
            result = play_match("random", PolicyTeam(policy, RED), [layout], games, num_envs=games, seed=3000)
            wins[name] = result["red_wins"]
            print(f"red sees the board {'through the map symmetry' if name == 'symmetry' else 'rotated'}: "
                  f"wins {wins[name]} of {games} against random on {layout}", flush=True)
    finally:
        views.RedView.of = own_view
    return wins


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], *(int(a) if a.isdigit() else a for a in sys.argv[2:]))
