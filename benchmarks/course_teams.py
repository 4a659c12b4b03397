"""How much faster do our ports of the course's approxQ and MCTS teams move than the course's own files?

Each course file plays through our Berkeley contest adapter (`contest:...?observation=course&workers=0`, in
this process) and our port (`course_approxq`, `course_mcts`) plays the same kind of games batched; both play
blue against the random team, and the script prints the seconds of one team move (both agents, one game),
as CPU time of this process (steady on a shared machine) and as wall time, and the ratio.

    python benchmarks/course_teams.py --layout bloxCapture --steps 60
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from agents import make_team
from gymPacMan import VecCaptureEnv, engine
from gymPacMan.errors import run_command
from gymPacMan.rules import BLUE

COURSE_TEAMS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "course_teams"
PORTS = {"approxQTeam.py": "course_approxq", "MCTSTeam.py": "course_mcts"}


def seconds_per_move(team: str, layout: str, games: int, steps: int, seed: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one move of `team` (blue, both agents, one game) over `steps` steps of
    `games` games against random."""
    env = VecCaptureEnv(layout, num_envs=games, opponent="random", length=steps, seed=seed)
    env.reset()
    blue = make_team(team, team=BLUE)
    blue.time_limit = steps
    blue.reset(env.state, np.arange(games))
    blue.act(env.state, engine.legal_actions(env.state), env.rng)  # compiles, loads the team file
    cpu = wall = 0.0
    for _ in range(steps):
        legal = engine.legal_actions(env.state)
        started_cpu, started = time.process_time(), time.perf_counter()
        actions = blue.act(env.state, legal, env.rng)
        cpu += time.process_time() - started_cpu
        wall += time.perf_counter() - started
        done = env.step(actions, forfeits=blue.forfeits)[4]["done"]
        if done.any():
            blue.reset(env.state, np.flatnonzero(done))
    if hasattr(blue, "close"):
        blue.close()
    return cpu / (steps * games), wall / (steps * games)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course-teams", type=Path, default=COURSE_TEAMS, help="the folder of the course's team files")
    parser.add_argument("--layout", default="bloxCapture")
    parser.add_argument("--steps", type=int, default=60, help="steps timed (from the start of the games)")
    parser.add_argument("--games", type=int, default=64, help="games our ports play at once")
    parser.add_argument("--course-games", type=int, default=2, help="games each course file plays (one at a time)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}; "
          f"{args.layout}, the first {args.steps} steps against random, blue")
    for course, ours in PORTS.items():
        path = args.course_teams / course
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found: give the folder of the course's team files with --course-teams")
        spec = f"contest:{path}?observation=course&workers=0"
        theirs_cpu, theirs_wall = seconds_per_move(spec, args.layout, args.course_games, args.steps, args.seed)
        ours_cpu, ours_wall = seconds_per_move(ours, args.layout, args.games, args.steps, args.seed)
        single_cpu, _ = seconds_per_move(ours, args.layout, 1, args.steps, args.seed)
        print(f"{course}: {theirs_cpu * 1e3:.2f} ms CPU ({theirs_wall * 1e3:.2f} ms wall) a move through the contest "
              f"adapter, {args.course_games} games")
        print(f"  {ours}: {ours_cpu * 1e3:.3f} ms CPU ({ours_wall * 1e3:.3f} ms wall) a move in {args.games} games at once "
              f"({single_cpu * 1e3:.3f} ms CPU in one game): {theirs_cpu / ours_cpu:.0f}x faster "
              f"({theirs_cpu / single_cpu:.0f}x in one game)")


if __name__ == "__main__":
    run_command(main, takes_argv=False)
