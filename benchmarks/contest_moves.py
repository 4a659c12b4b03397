"""How fast do Berkeley contest team files play in our engine? Moves per second, in one process and
spread over worker processes (one per core by default).

A contest team is plain Python, one game at a time, so its games are shared among worker processes
(`agents.ContestTeam`); this script plays the same games both ways against the random team and
prints the moves (one agent's decision) per second, with the machine.

    python benchmarks/contest_moves.py --team teams/contest/reflexTeam.py --layout bloxCapture --games 32
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from agents.match import play_match
from gymPacMan.errors import run_command


def moves_per_second(team: str, layout: str, games: int, workers: int, observation: str, seed: int) -> tuple[float, dict]:
    """Play `games` games of the contest team (blue) against random; (moves per second, match results)."""
    spec = f"contest:{team}?workers={workers}&observation={observation}"
    started = time.perf_counter()
    result = play_match(spec, "random", layout, games, num_envs=games, seed=seed)
    seconds = time.perf_counter() - started
    moves = 2 * result["mean_length"] * games  # the team's two agents, every step of every game
    return moves / seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--team", default="teams/contest/reflexTeam.py")
    parser.add_argument("--layout", default="bloxCapture")
    parser.add_argument("--games", type=int, default=32)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes for the parallel run")
    parser.add_argument("--observation", default="contest", choices=["contest", "course"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print(f"team={args.team} layout={args.layout} games={args.games} observation={args.observation}")
    for workers in (0, args.workers):
        rate, result = moves_per_second(args.team, args.layout, args.games, workers, args.observation, args.seed)
        where = "this process" if workers == 0 else f"{workers} worker processes"
        print(f"{where}: moves_per_sec={rate:.0f} (blue wins {result['blue_wins']}/{args.games}, "
              f"mean length {result['mean_length']:.0f} steps, forfeits {result['blue_forfeits']})")


if __name__ == "__main__":
    run_command(main, takes_argv=False)
