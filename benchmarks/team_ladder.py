"""Round-robin between the opponent teams: is each rung of the ladder stronger than the one below?

Every pair of teams plays on each map set, both colours, `--games` games per map and colour, and
the script writes a win/tie/loss table (Markdown and JSON) and checks that each rung beats the rung
below it in at least `--threshold` of their games.

    python benchmarks/team_ladder.py --games 50 --out docs/ladder.md
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import time
from pathlib import Path

from agents.match import play_match
from gymPacMan.errors import run_command

LADDER = ["random", "baseline", "heuristic", "search"]
MAPS = {"bloxCapture": "bloxCapture", "smallCapture": "smallCapture", "random mazes": "random"}


def head_to_head(a: str, b: str, layout: str, games: int, seed: int) -> dict:
    """`a` against `b` on one map set, `games` as blue and `games` as red: wins, ties, losses for `a`."""
    as_blue = play_match(a, b, layout, games, num_envs=games, seed=seed)
    as_red = play_match(b, a, layout, games, num_envs=games, seed=seed + 1)
    return {
        "wins": as_blue["blue_wins"] + as_red["red_wins"],
        "ties": as_blue["ties"] + as_red["ties"],
        "losses": as_blue["red_wins"] + as_red["blue_wins"],
        "seconds_per_move": {a: as_blue["blue_seconds_per_move"], b: as_red["blue_seconds_per_move"]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", nargs="+", default=LADDER, help="weakest first: the ladder to check")
    parser.add_argument("--games", type=int, default=50, help="games per pairing, map set and colour")
    parser.add_argument("--threshold", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the Markdown table here (and JSON beside it)")
    args = parser.parse_args()

    started = time.perf_counter()
    results: dict[str, dict] = {}
    for weaker, stronger in itertools.combinations(args.teams, 2):  # later in the list = higher rung
        for map_name, layout in MAPS.items():
            results[f"{stronger}|{weaker}|{map_name}"] = head_to_head(stronger, weaker, layout, args.games, args.seed)
            print(f"{stronger} vs {weaker} on {map_name}: {results[f'{stronger}|{weaker}|{map_name}']}", flush=True)

    lines = [
        f"Round-robin, {args.games} games per pairing, map set and colour ({2 * args.games * len(MAPS)} games a "
        f"pairing), games of 300 steps; win / tie / loss of the first team.",
        "",
        "| pairing | " + " | ".join(MAPS) + " | all | win rate |",
        "|---|" + "---|" * (len(MAPS) + 2),
    ]
    ladder_ok = True
    for (i, a), (j, b) in itertools.combinations(enumerate(args.teams), 2):
        stronger, weaker = b, a
        cells, total = [], [0, 0, 0]
        for map_name in MAPS:
            r = results[f"{stronger}|{weaker}|{map_name}"]
            cells.append(f"{r['wins']} / {r['ties']} / {r['losses']}")
            total = [total[0] + r["wins"], total[1] + r["ties"], total[2] + r["losses"]]
        rate = total[0] / sum(total)
        adjacent = j == i + 1
        if adjacent and rate < args.threshold:
            ladder_ok = False
        mark = " (rung)" if adjacent else ""
        lines.append(f"| {stronger} vs {weaker}{mark} | " + " | ".join(cells) + f" | {total[0]} / {total[1]} / {total[2]} | {rate:.0%} |")
    per_move: dict[str, list[float]] = {}
    for r in results.values():
        for team, seconds in r["seconds_per_move"].items():
            per_move.setdefault(team, []).append(seconds)
    lines += ["", "Time per move (both agents of one game, batched: a batch's time divided by its games):", ""]
    lines += ["| team | microseconds per move |", "|---|---|"]
    lines += [f"| {team} | {1e6 * sum(v) / len(v):.1f} |" for team, v in per_move.items()]
    verdict = f"ladder {'holds' if ladder_ok else 'FAILS'}: each rung wins at least {args.threshold:.0%} against the rung below"
    machine = f"{os.cpu_count()} cores, {platform.machine()}"
    lines += ["", verdict, f"({time.perf_counter() - started:.0f} s on {machine})"]
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(table + "\n")
        args.out.with_suffix(".json").write_text(json.dumps(results, indent=1))
    raise SystemExit(0 if ladder_ok else 1)


if __name__ == "__main__":
    run_command(main, takes_argv=False)
