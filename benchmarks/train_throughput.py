"""Training throughput: environment steps and gradient steps per second while training (rollout plus
learning), on the CPU and, where there is one, on the GPU.

Runs `train.py fit` with a config (default `configs/algo/qmix.yaml`) for `--steps` gradient steps on each
accelerator asked for, without evaluation, checkpoints or logging to disk, and prints for each
`gradient_steps_per_sec=<float>` and `env_steps_per_sec=<float>` measured over the steps after warm-up
(the first tenth). Any other argument is a `train.py` override, before or after the options:

    python benchmarks/train_throughput.py --config configs/recipe/qmix_blox.yaml --steps 600 \\
        --data.num_envs=256 --data.batch_size=512
    python benchmarks/train_throughput.py --accelerators gpu --trace /tmp/trace.json   # a torch.profiler trace

`--trace` records five training steps after warm-up with `torch.profiler` (a Chrome trace to open in
chrome://tracing or Perfetto) and prints the operators that took the most time.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

import lightning as L
import torch

from marl_lightning import CaptureDataModule
from marl_lightning.cli import MARLCLI
from gymPacMan.errors import run_command

TRACED_STEPS = 5


class _Clock(L.Callback):
    """Environment steps and wall-clock time at the end of warm-up and at the end (the device waited for)."""

    def __init__(self, warmup_steps: int):
        self.warmup_steps, self.marks = warmup_steps, []

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        if trainer.global_step in (self.warmup_steps, trainer.max_steps):
            if module.device.type == "cuda":
                torch.cuda.synchronize(module.device)
            self.marks.append((time.perf_counter(), module.env_steps_collected))


class _Trace(L.Callback):
    """A `torch.profiler` trace of `TRACED_STEPS` training steps, starting after warm-up."""

    def __init__(self, start: int, path: str):
        self.start, self.path, self.profiler = start, path, None

    def on_train_batch_start(self, trainer, module, batch, batch_idx) -> None:
        if trainer.global_step == self.start:
            activities = [torch.profiler.ProfilerActivity.CPU]
            if module.device.type == "cuda":
                activities.append(torch.profiler.ProfilerActivity.CUDA)
            self.profiler = torch.profiler.profile(activities=activities)
            self.profiler.__enter__()

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        if self.profiler is not None and trainer.global_step == self.start + TRACED_STEPS:
            self.profiler.__exit__(None, None, None)
            self.profiler.export_chrome_trace(self.path)
            sort = "cuda_time_total" if module.device.type == "cuda" else "cpu_time_total"
            print(self.profiler.key_averages().table(sort_by=sort, row_limit=15))
            print(f"trace of {TRACED_STEPS} training steps written to {self.path}")
            self.profiler = None


def measure(configs: list[str], steps: int, accelerator: str, overrides: list[str], trace: str | None = None) -> dict:
    """Train for `steps` gradient steps on `accelerator`; the rates after warm-up."""
    clock = _Clock(max(steps // 10, 1))
    with tempfile.TemporaryDirectory() as tmp:
        cli = MARLCLI(datamodule_class=CaptureDataModule, run=False, save_config_callback=None, args=[
            *(arg for config in configs for arg in ("--config", config)), f"--trainer.max_steps={steps}", "--trainer.logger=false",
            "--trainer.callbacks=[]", "--trainer.enable_checkpointing=false", "--trainer.enable_progress_bar=false",
            f"--trainer.accelerator={accelerator}", "--trainer.devices=1", f"--trainer.default_root_dir={tmp}", *overrides,
        ])
        cli.trainer.callbacks.append(clock)
        if trace:
            cli.trainer.callbacks.append(_Trace(clock.warmup_steps, trace))
        cli.trainer.fit(cli.model, cli.datamodule)
    (t0, s0), (t1, s1) = clock.marks[0], clock.marks[-1]
    data = cli.datamodule
    return {"accelerator": accelerator, "num_envs": data.num_envs, "batch_size": data.batch_size,
            "steps_per_update": data.vector_steps_per_update, "replay_device": str(data.buffer.device),
            "gradient_steps_per_sec": (steps - clock.warmup_steps) / (t1 - t0), "env_steps_per_sec": (s1 - s0) / (t1 - t0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", action="append", help="a config file; give several to layer them, in order "
                        "(default configs/algo/qmix.yaml)")
    parser.add_argument("--steps", type=int, default=1500, help="gradient steps")
    parser.add_argument("--accelerators", default="cpu,gpu",
                        help="comma-separated; gpu is skipped (and said so) where torch sees none")
    parser.add_argument("--trace", default=None, help="write a torch.profiler Chrome trace of 5 steps here (per accelerator: "
                        "the accelerator's name is put before the suffix)")
    args, overrides = parser.parse_known_args()  # everything else is a train.py override
    args.config = args.config or ["configs/algo/qmix.yaml"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}"
          + (f", {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ", no GPU")
          + f"; config {' + '.join(args.config)} {' '.join(overrides)}")
    for accelerator in args.accelerators.split(","):
        if accelerator == "gpu" and not torch.cuda.is_available():
            print("gpu: skipped, torch sees no GPU on this machine")
            continue
        trace = None
        if args.trace:
            root, ext = os.path.splitext(args.trace)
            trace = f"{root}.{accelerator}{ext or '.json'}"
        r = measure(args.config, args.steps, accelerator, overrides, trace)
        print(f"{accelerator}: num_envs={r['num_envs']} batch_size={r['batch_size']} steps_per_update={r['steps_per_update']:g} "
              f"replay on {r['replay_device']}: gradient_steps_per_sec={r['gradient_steps_per_sec']:.1f} "
              f"env_steps_per_sec={r['env_steps_per_sec']:.1f}")


if __name__ == "__main__":
    run_command(main, takes_argv=False)
