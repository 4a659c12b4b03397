"""The round-robin among the course's six teams in our engine, against the course's own table.

The course measured its teams in its contest engine (`../shared/COURSE.md`: 20 games a pairing on
bloxCapture, 12-18 on three random mazes; a win 1 point, a tie 0.5). Here the course's names play our
teams (`randomTeam`, `baselineTeam`) and our ports of its files (`heuristicTeam`, `AstarTeam`,
`MCTSTeam`, `approxQTeam`), `--games` a pairing on bloxCapture and on held-out course mazes. Each of our
figures is compared with the course's by the Agresti-Caffo 95% interval of their difference (a point
share is treated as a proportion of games; a tie counts half): "yes" where the interval holds 0.

    python benchmarks/course_round_robin.py --out docs/course_teams
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from pathlib import Path

from gymPacMan.errors import run_command
from marl_lightning.play.tournament import markdown, round_robin

TEAMS = ["randomTeam", "baselineTeam", "heuristicTeam", "AstarTeam", "MCTSTeam", "approxQTeam"]
# the course's table (COURSE.md): bloxCapture win share and points share over 100 games a team (20 a
# pairing, 5 opponents); random mazes: points share over about 80 games a team (240 games in all)
COURSE = {"heuristicTeam": (0.70, 0.80, 0.69), "AstarTeam": (0.68, 0.80, 0.72), "MCTSTeam": (0.60, 0.64, 0.51),
          "approxQTeam": (0.43, 0.50, 0.66), "baselineTeam": (0.16, 0.21, 0.38), "randomTeam": (0.00, 0.05, 0.04)}
COURSE_GAMES = {"bloxCapture": 100, "mazes": 80}


def same(course: float, n_course: int, ours: float, n_ours: int) -> tuple[bool, float]:
    """Whether the Agresti-Caffo 95% interval of (ours - course) holds 0, and its half width."""
    p1, p2 = (course * n_course + 1) / (n_course + 2), (ours * n_ours + 1) / (n_ours + 2)
    half = 1.96 * math.sqrt(p1 * (1 - p1) / (n_course + 2) + p2 * (1 - p2) / (n_ours + 2))
    return abs((ours * n_ours + 1) / (n_ours + 2) - p1) <= half, half


def compare(blox: dict, mazes: dict) -> str:
    """A Markdown table: each team's win and points shares, the course's and ours, and whether they agree."""
    rows = ["| team | bloxCapture win %: course / ours | same? | points %: course / ours | same? | "
            "mazes points %: course / ours | same? |", "|---|---|---|---|---|---|---|"]
    ours_blox = {row["entrant"]: row for row in blox["league"]}
    ours_mazes = {row["entrant"]: row for row in mazes["league"]}
    for team in TEAMS:
        win, points, maze_points = COURSE[team]
        b, m = ours_blox[team], ours_mazes[team]
        cells = []
        for course, ours, n_course, n_ours in [(win, b["win_rate"], COURSE_GAMES["bloxCapture"], b["games"]),
                                               (points, b["points_share"], COURSE_GAMES["bloxCapture"], b["games"]),
                                               (maze_points, m["points_share"], COURSE_GAMES["mazes"], m["games"])]:
            agree, half = same(course, n_course, ours, n_ours)
            cells += [f"{course:.0%} / {ours:.0%}", f"{'yes' if agree else 'no'} (±{half:.0%})"]
        rows.append(f"| {team} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=100, help="games a pairing on each map set (half per colour)")
    parser.add_argument("--mazes", type=int, default=50, help="held-out course mazes contest_1 ... contest_N")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    started = time.time()
    blox = round_robin(TEAMS, ["bloxCapture"], args.games, seed=args.seed)
    per_maze = max(2, args.games // args.mazes)
    mazes = round_robin(TEAMS, [f"contest_1..{args.mazes}"], per_maze, seed=args.seed + 1)
    table = compare(blox, mazes)
    footer = (f"{args.games} games a pairing on bloxCapture, {per_maze} on each of {args.mazes} mazes; seeds "
              f"{args.seed}, {args.seed + 1}; {time.time() - started:.0f} s on {platform.machine()}, "
              f"{os.cpu_count()} cores, python {platform.python_version()}")
    print(markdown(blox), "", markdown(mazes), "", table, "", footer, sep="\n")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "round_robin.json").write_text(json.dumps({"bloxCapture": blox, "mazes": mazes}, indent=1))
        (args.out / "round_robin.md").write_text("\n\n".join([markdown(blox), markdown(mazes), table, footer]) + "\n")


if __name__ == "__main__":
    run_command(main, takes_argv=False)
