"""A team against the ladder and the course's teams, as the champion's targets are measured: on
bloxCapture 200 games against each of our scripted teams and 100 against each of the course's planning
teams (half as blue, half as red, counted apart), and against baseline and heuristic on 50 held-out
mazes of the course's generator (`contest_101` ... `contest_150`: training draws mazes from seed 10,000
up, checkpoint selection plays `contest_1..50` and a run's final report `contest_51..100`; 4 games a
maze, 2 per colour); games of 300 steps, seeds apart from any used in training or checkpoint selection. The course's teams are our
ports of its files (`heuristicTeam` = `course_heuristic`, ...); `--course-files DIR` plays the course's
own files through the contest adapter instead (about 100 times slower). Prints a Markdown table and
writes it (and the JSON) with --out; `--only` measures some rows again and keeps the others of --out.

    python benchmarks/champion.py teams/champion.ckpt --out docs/champion
    python benchmarks/champion.py teams/champion.ckpt --out docs/champion --only search/bloxCapture

`--game contest` measures the targets of the contest's own game (`capture.py`: turn by turn, opponents out of
sight): 90% against heuristicTeam and AstarTeam, 80% against MCTSTeam and approxQTeam on bloxCapture, 80%
against heuristicTeam on the held-out mazes, each colour. The team plays as its exported team file (what a
user submits, through the contest adapter) or, with `--batched`, on the contest's view in the batched engine
(`view:TEAM`, a hundred times faster); the course's teams play on the contest's view too (`view:NAME`, or their
own files with `--course-files`, which see what the contest shows).

    python benchmarks/champion.py teams/champion.ckpt --game contest --batched --course-games 100 --out docs/champion/contest
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

# (opponent, map set, target win rate in each colour)
TARGETS = [("random", "bloxCapture", 0.99), ("baseline", "bloxCapture", 0.95), ("heuristic", "bloxCapture", 0.80),
           ("search", "bloxCapture", 0.80), ("heuristicTeam", "bloxCapture", 0.80), ("AstarTeam", "bloxCapture", 0.80),
           ("MCTSTeam", "bloxCapture", 0.80), ("baseline", "mazes", 0.80), ("heuristic", "mazes", 0.60)]
CONTEST_TARGETS = [("heuristicTeam", "bloxCapture", 0.90), ("AstarTeam", "bloxCapture", 0.90),
                   ("MCTSTeam", "bloxCapture", 0.80), ("approxQTeam", "bloxCapture", 0.80), ("heuristicTeam", "mazes", 0.80)]
COURSE = ("heuristicTeam", "AstarTeam", "MCTSTeam", "approxQTeam")


def table_row(result: dict, maps: str, target: float) -> str:
    """One Markdown row: the map set, the opponent, the games, each colour's win rate, the target, met or not."""
    blue, red = result["by_colour"]["blue"], result["by_colour"]["red"]
    met = "yes" if min(blue["win_rate"], red["win_rate"]) >= target else "no"
    label = result.get("label", "held-out mazes") if maps == "mazes" else maps
    return f"| {label} | {result['b']} | {result['games']} | {rate(blue)} | {rate(red)} | {target:.0%} | {met} |"


def rate(record: dict) -> str:
    low, high = record["win_rate_95ci"]
    return f"{record['win_rate']:.0%} ({low:.0%}-{high:.0%})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("team", help="a checkpoint (or any entrant)")
    parser.add_argument("--games", type=int, default=200, help="games per pairing on bloxCapture (half per colour)")
    parser.add_argument("--course-games", type=int, default=100, help="games against each course team (half per colour)")
    parser.add_argument("--mazes", default="contest_101..150", help="the held-out contest mazes (4 games each)")
    parser.add_argument("--only", nargs="+", help="rows to measure (OPPONENT/MAPS, e.g. search/bloxCapture "
                        "baseline/mazes); the others are kept from --out")
    parser.add_argument("--course-files", type=Path, help="play the course's own team files in this folder "
                        "(through the contest adapter) instead of our ports")
    parser.add_argument("--game", choices=("course", "contest"), default="course",
                        help="the course's game, or the contest's (its own targets; see the module docstring)")
    parser.add_argument("--batched", action="store_true", help="in the contest's game, play the team on the contest's "
                        "view in the batched engine (view:TEAM) instead of as its exported team file")
    parser.add_argument("--seed", type=int, default=7007)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    started = time.time()
    results = {}
    if args.only and args.out and (args.out / "champion.json").is_file():
        results = json.loads((args.out / "champion.json").read_text())
    targets = CONTEST_TARGETS if args.game == "contest" else TARGETS
    known = {f"{opponent}/{maps}" for opponent, maps, _ in targets}
    if args.only and set(args.only) - known:
        raise ValueError(f"unknown rows {sorted(set(args.only) - known)}; the rows are {sorted(known)}")
    team = f"view:{args.team}" if args.game == "contest" and args.batched else args.team
    for opponent, maps, target in targets:
        key = f"{opponent}/{maps}"
        if args.only and key not in args.only:
            continue
        entrant = f"view:{opponent}" if args.game == "contest" else opponent
        if opponent in COURSE and args.course_files:
            entrant = f"contest:{args.course_files / opponent}.py"
        games = args.course_games if opponent in COURSE else args.games
        if maps == "mazes":
            results[key] = evaluate(team, entrant, [args.mazes], 4, seed=args.seed, game=args.game)[-1]  # all the mazes
            results[key]["label"] = f"held-out mazes {args.mazes}"
        else:
            results[key] = evaluate(team, entrant, [maps], games, seed=args.seed, game=args.game)[0]
        print(table_row(results[key], maps, target), flush=True)
    rows = [table_row(results[f"{o}/{m}"], m, t) for o, m, t in targets if f"{o}/{m}" in results]
    table = "\n".join(["| map | opponent | games | as blue (95% CI) | as red (95% CI) | target (each colour) | met |",
                       "|---|---|---|---|---|---|---|", *rows])
    footer = (f"{team}, {args.game}'s game, seed {args.seed}; {time.time() - started:.0f} s on {platform.machine()}, "
              f"{os.cpu_count()} cores, python {platform.python_version()}")
    print(table)
    print(footer)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "champion.json").write_text(json.dumps(results, indent=1))
        (args.out / "champion.md").write_text(table + "\n\n" + footer + "\n")


if __name__ == "__main__":
    run_command(main, takes_argv=False)
