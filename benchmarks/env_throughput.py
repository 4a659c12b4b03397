"""Environment throughput: game steps per second summed over all games of a `VecCaptureEnv`.

A step is what training pays for: the opponent's two moves and the caller's two (random legal
blue actions here), the blue observations `(N, 2, 8, H, W)`, rewards, and auto-reset. Compilation
and a short warm-up are excluded. The last line printed is `steps_per_sec=<float>`.

    python benchmarks/env_throughput.py --layout ../shared/reference/layouts/bloxCapture.lay \
        --opponent random --num-envs 256 --seconds 10
"""

from __future__ import annotations

import argparse
import platform
import resource
import time

import numpy as np

from agents import sample_legal
from gymPacMan import VecCaptureEnv
from gymPacMan.errors import run_command


def measure(layout: str, opponent: str, num_envs: int, seconds: float, seed: int = 0) -> dict:
    env = VecCaptureEnv(layout, num_envs=num_envs, opponent=opponent, seed=seed)
    rng = np.random.default_rng(seed)
    obs, info = env.reset()
    warmup_end = time.perf_counter() + min(1.0, seconds / 5)
    while time.perf_counter() < warmup_end:  # compile (or load the cache) and warm up
        obs, _, _, _, info = env.step(sample_legal(info["legal"], rng))
    steps = games = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        obs, _, _, _, info = env.step(sample_legal(info["legal"], rng))
        steps += num_envs
        games += len(info["episodes"])
    return {
        "steps_per_sec": steps / elapsed,
        "games_finished": games,
        "obs_bytes_per_step": obs.nbytes,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", default="mediumCapsules", help="a .lay path or one of our map names")
    parser.add_argument("--opponent", default="random", help="the red team")
    parser.add_argument("--num-envs", type=int, default=256)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    result = measure(args.layout, args.opponent, args.num_envs, args.seconds, args.seed)
    print(f"machine: {platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores, python {platform.python_version()}")
    print(f"layout={args.layout} opponent={args.opponent} num_envs={args.num_envs} seconds={args.seconds}")
    print(f"games_finished={result['games_finished']} obs_bytes_per_step={result['obs_bytes_per_step']} peak_rss_mib={result['peak_rss_mib']:.0f}")
    print(f"steps_per_sec={result['steps_per_sec']:.1f}")


if __name__ == "__main__":
    run_command(main, takes_argv=False)
