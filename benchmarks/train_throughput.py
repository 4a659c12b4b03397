"""Training throughput: environment steps per second while training (rollout plus learning).

Runs `train.py fit` with a config (default `configs/qmix.yaml`) for `--steps` gradient steps,
without evaluation or logging to disk, and prints, last, `env_steps_per_sec=<float>` measured over
the steps after warm-up (the first tenth).

    python benchmarks/train_throughput.py --config configs/qmix.yaml --steps 1500
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

import lightning as L

from marl_lightning import CaptureDataModule, ValueDecompositionModule
from marl_lightning.cli import MARLCLI


class _Clock(L.Callback):
    """Environment steps and wall-clock time at the end of warm-up and at the end."""

    def __init__(self, warmup_steps: int):
        self.warmup_steps, self.marks = warmup_steps, []

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        if trainer.global_step in (self.warmup_steps, trainer.max_steps):
            self.marks.append((time.perf_counter(), int(module.env_steps)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/qmix.yaml")
    parser.add_argument("--steps", type=int, default=1500, help="gradient steps")
    parser.add_argument("overrides", nargs="*", help="extra CLI arguments, e.g. --data.num_envs=128")
    args = parser.parse_args()
    clock = _Clock(max(args.steps // 10, 1))
    with tempfile.TemporaryDirectory() as tmp:
        cli = MARLCLI(ValueDecompositionModule, CaptureDataModule, run=False, save_config_callback=None, args=[
            "--config", args.config, f"--trainer.max_steps={args.steps}", "--trainer.logger=false",
            "--trainer.callbacks=[]", "--trainer.enable_checkpointing=false", "--trainer.enable_progress_bar=false",
            f"--trainer.default_root_dir={tmp}", *args.overrides,
        ])
        cli.trainer.callbacks.append(clock)
        cli.trainer.fit(cli.model, cli.datamodule)
    (t0, s0), (t1, s1) = clock.marks[0], clock.marks[-1]
    data = cli.datamodule
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; config {args.config} {' '.join(args.overrides)}")
    print(f"num_envs={data.num_envs} steps_per_update={data.vector_steps_per_update:g} batch_size={data.batch_size} "
          f"gradient_steps_per_sec={(args.steps - clock.warmup_steps) / (t1 - t0):.1f}")
    print(f"env_steps_per_sec={(s1 - s0) / (t1 - t0):.1f}")


if __name__ == "__main__":
    main()
