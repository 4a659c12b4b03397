"""A team against the ladder, as the champion's targets are measured: on bloxCapture 200 games against
each scripted team (100 as blue, 100 as red, counted apart), and against baseline on 50 held-out mazes
of the course's generator (`contest_1` ... `contest_50`, 4 games each, 2 per colour); games of 300
steps, seeds apart from any used in training or checkpoint selection. Prints a Markdown table and
writes it (and the JSON) with --out.

    python benchmarks/champion.py teams/champion.ckpt --out docs/champion
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from marl_lightning.play.evaluation import evaluate
from gymPacMan.errors import run_command

TARGETS = {"random": 0.99, "baseline": 0.95, "heuristic": 0.70, "search": 0.70}
MAZE_TARGET = 0.80


def rate(record: dict) -> str:
    low, high = record["win_rate_95ci"]
    return f"{record['win_rate']:.0%} ({low:.0%}-{high:.0%})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("team", help="a checkpoint (or any entrant)")
    parser.add_argument("--games", type=int, default=200, help="games per pairing on bloxCapture (half per colour)")
    parser.add_argument("--mazes", type=int, default=50, help="held-out contest mazes against baseline")
    parser.add_argument("--seed", type=int, default=7007)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    started = time.time()
    rows, results = [], {}
    for opponent, target in TARGETS.items():
        row = evaluate(args.team, opponent, ["bloxCapture"], args.games, seed=args.seed)[0]
        results[opponent] = row
        blue, red = row["by_colour"]["blue"], row["by_colour"]["red"]
        met = "yes" if min(blue["win_rate"], red["win_rate"]) >= target else "no"
        rows.append(f"| bloxCapture | {opponent} | {row['games']} | {rate(blue)} | {rate(red)} | {target:.0%} | {met} |")
    per_maze = evaluate(args.team, "baseline", [f"contest_1..{args.mazes}"], 4, seed=args.seed)  # one row a maze, then all
    total = per_maze[-1] if len(per_maze) > 1 else per_maze[0]
    results["contest_mazes_baseline"] = total
    blue, red = total["by_colour"]["blue"], total["by_colour"]["red"]
    met = "yes" if min(blue["win_rate"], red["win_rate"]) >= MAZE_TARGET else "no"
    rows.append(f"| {args.mazes} held-out contest mazes | baseline | {total['games']} | {rate(blue)} | {rate(red)} | "
                f"{MAZE_TARGET:.0%} | {met} |")
    table = "\n".join(["| map | opponent | games | as blue (95% CI) | as red (95% CI) | target (each colour) | met |",
                       "|---|---|---|---|---|---|---|", *rows])
    footer = (f"{args.team}, seed {args.seed}; {time.time() - started:.0f} s on {platform.machine()}, "
              f"{os.cpu_count()} cores, python {platform.python_version()}")
    print(table)
    print(footer)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "champion.json").write_text(json.dumps(results, indent=1))
        (args.out / "champion.md").write_text(table + "\n\n" + footer + "\n")


if __name__ == "__main__":
    run_command(main, takes_argv=False)
