"""How much faster are our batched `course_heuristic` and `course_astar` than the course's own
`heuristicTeam.py` and `AstarTeam.py` played through the contest adapter?

Each team plays full games as blue against `--opponent` on `--layout`; the script prints the CPU
seconds one game's move costs the team (both its agents' decisions; CPU time, so that other work on
the machine does not count), for the course's file in this process
(`contest:...?workers=0&observation=course`, the view our teams have) and for ours over a batch of
`--batch` games, and the ratio, with the machine.

    python benchmarks/course_search_teams.py --layout bloxCapture --games 8 --batch 64
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from agents import make_team
from agents.match import play_match
from gymPacMan.errors import run_command
from gymPacMan.rules import BLUE

COURSE_TEAMS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "course_teams"
PAIRS = {"heuristicTeam.py": "course_heuristic", "AstarTeam.py": "course_astar"}


def seconds_per_move(team: str, opponent: str, layout: str, games: int, batch: int, seed: int) -> float:
    """One game's move (both agents) of `team`, playing blue, in CPU seconds of this process."""
    player = make_team(team, team=BLUE)
    act, spent = player.act, [0.0, 0]

    def timed(state, legal, rng):
        started = time.process_time()
        actions = act(state, legal, rng)
        spent[0] += time.process_time() - started
        spent[1] += state.num_games
        return actions

    player.act = timed
    play_match(player, opponent, layout, games, num_envs=batch, seed=seed)
    return spent[0] / spent[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", default="bloxCapture")
    parser.add_argument("--opponent", default="baseline")
    parser.add_argument("--games", type=int, default=8, help="games the course's files play (one at a time)")
    parser.add_argument("--batch", type=int, default=64, help="games ours play at once (and in all)")
    parser.add_argument("--course-teams", type=Path, default=COURSE_TEAMS, help="the folder of the course's team files")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not args.course_teams.is_dir():
        raise FileNotFoundError(f"the course's team files are not at {args.course_teams} (give --course-teams)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}; "
          f"{args.layout} against {args.opponent}")
    for course_file, ours in PAIRS.items():
        seconds_per_move(ours, args.opponent, args.layout, 2, 2, args.seed)  # compiled before it is timed
        batched = seconds_per_move(ours, args.opponent, args.layout, args.batch, args.batch, args.seed)
        spec = f"contest:{args.course_teams / course_file}?workers=0&observation=course"
        original = seconds_per_move(spec, args.opponent, args.layout, args.games, args.games, args.seed)
        print(f"{course_file}: {1e3 * original:.2f} ms CPU a move through the contest adapter; {ours}: "
              f"{1e6 * batched:.1f} us CPU a move in batches of {args.batch}; {original / batched:.0f}x faster")


if __name__ == "__main__":
    run_command(main, takes_argv=False)
