"""How fast the maze network acts and learns: `FullyConvQNetworks` as `recipe/qmix_maze` builds it, timed on real
game states (the champion's recorded states, `tests/data/champion_moves.npz`: bloxCapture, random mazes and a
smaller map padded to 20 x 20), a forward pass in inference mode (acting) and a forward and backward pass
(a learning step's), the best of `--repeats` blocks of ten calls.

    python benchmarks/network_speed.py --games 64
    PYTHONPATH=/tmp/before python /tmp/before/benchmarks/network_speed.py   # another commit, checked out there

Prints one line per set of states: `forward_ms=<float> forward_backward_ms=<float>`.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from gymPacMan.errors import run_command
from marl_lightning.fully_conv import FullyConvQNetworks

STATES = Path(__file__).resolve().parents[1] / "tests" / "data" / "champion_moves.npz"


def best_ms(fn, repeats: int) -> float:
    """The fastest of `repeats` blocks of ten calls, in milliseconds a call, after five warm-up calls."""
    for _ in range(5):
        fn()
    blocks = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(10):
            fn()
        blocks.append((time.perf_counter() - start) / 10 * 1000)
    return min(blocks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=64, help="games a call (two agents each)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    recorded = torch.from_numpy(np.load(STATES)["obs"]).float()  # (60, 2, C, 20, 20): rows 0-19 bloxCapture
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads")
    for label, rows in (("bloxCapture (no padding)", recorded[:20]), ("all recorded (some padded)", recorded)):
        obs = rows.repeat(args.games // len(rows) + 1, 1, 1, 1, 1)[:args.games]  # (games, 2, C, H, W)
        torch.manual_seed(0)
        net = FullyConvQNetworks(2, tuple(obs.shape[2:]), width=32, dilations=[1, 2], hidden=64, view_radius=4)
        state = net.initial_state(args.games)

        def act() -> None:
            with torch.inference_mode():
                net(obs, state)

        def learn() -> None:
            q, _ = net(obs, state)
            q.sum().backward()

        print(f"{label}, {args.games} games: forward_ms={best_ms(act, args.repeats):.1f} "
              f"forward_backward_ms={best_ms(learn, args.repeats):.1f}", flush=True)


if __name__ == "__main__":
    run_command(main, takes_argv=False)
