"""Play games between two teams, print the results, and save one game as a GIF and a text log.

    python -m agents --layout tinyMaze --blue random --red random --games 64 --gif runs/demo.gif
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agents.match import play_match
from gymPacMan.errors import run_command
from gymPacMan.render import GameRecorder


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", nargs="+", default=["tinyMaze"], help="map names or .lay paths, or 'random'")
    parser.add_argument("--blue", default="random", help="the blue team")
    parser.add_argument("--red", default="random", help="the red team")
    parser.add_argument("--games", type=int, default=64)
    parser.add_argument("--num-envs", type=int, default=64, help="games played at once")
    parser.add_argument("--length", type=int, default=300, help="time limit in steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gif", type=Path, help="save the first game as an animated GIF here")
    parser.add_argument("--text", type=Path, help="save the first game as a text log here")
    args = parser.parse_args(argv)
    recorder = GameRecorder() if (args.gif or args.text) else None
    summary = play_match(args.blue, args.red, args.layout, args.games, args.num_envs, args.length, args.seed, recorder)
    print(f"{args.blue} (blue) vs {args.red} (red) on {', '.join(args.layout)}: {summary['games']} games")
    print(
        f"  blue wins {summary['blue_wins']}, ties {summary['ties']}, red wins {summary['red_wins']}; "
        f"mean score {summary['mean_score']:+.2f} (red-positive), food returned red {summary['mean_food_returned_red']:.2f} "
        f"blue {summary['mean_food_returned_blue']:.2f}, mean length {summary['mean_length']:.1f}"
        + (f"; games forfeited by red {summary['red_forfeits']}, by blue {summary['blue_forfeits']}"
           if summary["red_forfeits"] or summary["blue_forfeits"] else "")
    )
    if recorder is not None:
        if args.gif:
            print(f"  first game saved as {recorder.save_gif(args.gif)}")
        if args.text:
            print(f"  first game log saved as {recorder.save_text(args.text)}")
    return summary


if __name__ == "__main__":
    run_command(main)
