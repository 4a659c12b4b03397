"""Watch a game between two entrants: an animated GIF and a text log.

    marl watch runs/qmix__tinyMaze__random__0 heuristic --layouts tinyMaze --gif runs/game.gif --text runs/game.txt

(a run folder plays its best checkpoint, by default on the first map it trained on; `python -m
marl_lightning.watch ...` is the same command)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agents.match import play_match
from gymPacMan.layout_names import expand_layout_names
from gymPacMan.render import GameRecorder
from gymPacMan.rules import BLUE, RED

from .evaluation import DEFAULT_LAYOUT, entrant_name, make_entrant, match_layouts


CELL = 24  # pixels a cell: agents, food and the score bar readable at once


def watch(blue: str, red: str, layout: str, gif: Path | None, text: Path | None, length: int = 300, seed: int = 0,
          cell: int = CELL) -> dict:
    """Play one game, `blue` against `red`, and save it (the GIF at `cell` pixels a cell, the teams named
    in its score bar); returns the game's result."""
    for path in (gif, text):
        if path is not None and path.exists():
            raise FileExistsError(f"{path} already exists; choose another file name")
    recorder = GameRecorder(cell=cell, names=(entrant_name(red), entrant_name(blue)))
    result = play_match(make_entrant(blue, BLUE), make_entrant(red, RED), [layout], 1, num_envs=1, length=length,
                        seed=seed, recorder=recorder)
    if gif is not None:
        recorder.save_gif(gif)
    if text is not None:
        recorder.save_text(text)
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Save a game between two entrants as a GIF and a text log.")
    parser.add_argument("blue", help="a team name, a team file, a checkpoint or a run folder (its best checkpoint)")
    parser.add_argument("red", help="a team name, a team file, a checkpoint or a run folder (its best checkpoint)")
    parser.add_argument("--layouts", "--layout", nargs="+", default=None, metavar="LAYOUT",
                        help="the map of the game (one; as `evaluate`'s --layouts, whose first it plays: the default is the "
                             f"first map the first checkpoint or run folder trained on, else {DEFAULT_LAYOUT})")
    parser.add_argument("--gif", type=Path)
    parser.add_argument("--text", type=Path)
    parser.add_argument("--length", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cell", type=int, default=CELL, help=f"pixels a cell in the GIF (default {CELL})")
    args = parser.parse_args(argv)
    if args.gif is None and args.text is None:
        parser.error("give --gif and/or --text")
    if args.layouts is not None and len(expand_layout_names(args.layouts)) != 1:
        parser.error(f"watch plays one game: give one map to --layouts, got {' '.join(args.layouts)}")
    layout = expand_layout_names(match_layouts(args.layouts, [args.blue, args.red]))[0]
    result = watch(args.blue, args.red, layout, args.gif, args.text, args.length, args.seed, args.cell)
    outcome = "blue wins" if result["blue_wins"] else "red wins" if result["red_wins"] else "a tie"
    print(f"{entrant_name(args.blue)} (blue) vs {entrant_name(args.red)} (red) on {layout}: {outcome}, "
          f"score {result['mean_score']:+.0f} (red-positive), {result['mean_length']:.0f} steps")
    for path in (args.gif, args.text):
        if path is not None:
            print(f"saved {path}")
    return result


if __name__ == "__main__":
    main()
