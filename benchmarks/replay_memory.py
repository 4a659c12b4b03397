"""How much memory a replay buffer of bloxCapture takes: allocate one, fill it, print its bytes.

    python benchmarks/replay_memory.py --frames 1000000 --planes time score carrying scared

Frames are filled by playing random games (`--fill` vector steps of 64 games, then repeated writes
of the same step until the buffer is full), and the script prints, last, `bytes_per_transition` and
`total_gib` of the buffer's tensors and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import resource

import numpy as np
import torch
from tensordict import TensorDict

from gymPacMan import VecCaptureEnv
from gymPacMan.planes import plane_scales
from marl_lightning.data.replay import ReplayBuffer
from marl_lightning.data.rollout import ObservationCodec
from gymPacMan.errors import run_command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1_000_000)
    parser.add_argument("--planes", nargs="*", default=[])
    parser.add_argument("--layout", default="bloxCapture")
    parser.add_argument("--num-envs", type=int, default=64)
    args = parser.parse_args()
    env = VecCaptureEnv(args.layout, args.num_envs, "random", seed=0, planes=args.planes)
    obs, info = env.reset()
    codec = ObservationCodec(plane_scales(env.planes))
    buffer = ReplayBuffer(args.frames, args.num_envs)
    rng = np.random.default_rng(0)
    step = None
    for _ in range(buffer.slots):
        actions = rng.integers(0, 5, (args.num_envs, 2))
        step = TensorDict({
            "obs": codec.encode(torch.from_numpy(obs)), "legal": torch.from_numpy(info["legal"]),
            "action": torch.from_numpy(actions).to(torch.uint8), "reward": torch.zeros(args.num_envs),
            "terminated": torch.zeros(args.num_envs, dtype=torch.bool), "truncated": torch.zeros(args.num_envs, dtype=torch.bool),
            "state": torch.zeros(args.num_envs, 2, 0),
        }, batch_size=[args.num_envs])
        buffer.add(step)
        if len(buffer) < 10 * args.num_envs:
            obs, _, _, _, info = env.step(actions)
    total = sum(t.numel() * t.element_size() for t in buffer.frames.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{args.layout}, planes {args.planes or 'none'}: {len(buffer):,} transitions in {buffer.frames.batch_size}")
    print(f"bytes_per_transition={total / len(buffer):.0f}")
    print(f"total_gib={total / 2**30:.2f} peak_rss_gib={peak:.2f}")


if __name__ == "__main__":
    run_command(main, takes_argv=False)
