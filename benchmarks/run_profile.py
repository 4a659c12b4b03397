"""Where a real training run spends its time: a recipe's run, evaluations and checkpoints included, timed by
component (acting, the environment's rules, planes and opponents, replay, the learner's forward and backward,
the optimizer, the target update, evaluations, checkpoints).

Runs `train.py fit` with the given configs as a user would (the recipe's callbacks kept, a temporary run
folder, no logger), for `--steps` gradient steps, with the methods below wrapped in wall-clock timers, and
prints a tree: each component's total seconds, its share of the run, its milliseconds per gradient step and
its calls; a parent's `(self)` line is its time outside the components named under it. Nothing in the
package changes: the timers are put on the classes from here, and cost about a microsecond a call.

    python benchmarks/run_profile.py --config configs/recipe/qmix_maze.yaml --steps 1100
    python benchmarks/run_profile.py --config configs/recipe/imitation.yaml --steps 600 --data.demonstrations.file=demos/search.pt
    python benchmarks/run_profile.py --config configs/recipe/mappo_from_clone.yaml --steps 200 --model.init_from=teams/champion.ckpt

`--no-eval` drops the recipe's evaluation callback (the training loop alone, as `train_throughput.py`
measures it). Any other argument is a `train.py` override.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import tempfile
import time
from collections import defaultdict

import lightning as L
import torch

import gymPacMan.engine as engine
from agents.base import Team
from gymPacMan.errors import run_command
from gymPacMan.vec_env import VecCaptureEnv
from marl_lightning import CaptureDataModule
from marl_lightning.callbacks import EvaluationCallback
from marl_lightning.cli import MARLCLI
from marl_lightning.data.demonstrations import DemoSource
from marl_lightning.data.replay import ReplayBuffer
from marl_lightning.data.rollout import Collector
from marl_lightning.learners.base import Learner
from marl_lightning.policy import GreedyPolicy


class Timers:
    """Inclusive wall-clock time of nested labelled calls, keyed by their path of labels."""

    def __init__(self):
        self.stack: list[str] = []
        self.seconds: dict[tuple[str, ...], float] = defaultdict(float)
        self.calls: dict[tuple[str, ...], int] = defaultdict(int)

    def wrap(self, owner, attr: str, label: str) -> None:
        """Time every call of `owner.attr` (a function on a class or module) under `label`."""
        original = owner.__dict__[attr]
        if isinstance(original, (staticmethod, classmethod)) or not callable(original):
            raise TypeError(f"{owner.__name__}.{attr} is not a plain function")

        @functools.wraps(original)
        def timed(*args, **kwargs):
            if self.stack and self.stack[-1] == label:  # a team calling a team, a method its override
                return original(*args, **kwargs)
            self.stack.append(label)
            path = tuple(self.stack)
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[path] += time.perf_counter() - start
                self.calls[path] += 1
                self.stack.pop()

        setattr(owner, attr, timed)

    def report(self, wall: float, gradient_steps: int) -> str:
        lines = [f"{'component':<44} {'seconds':>9} {'share':>7} {'ms/step':>9} {'calls':>8}"]

        def line(name: str, depth: int, seconds: float, calls: int | str) -> None:
            lines.append(f"{'  ' * depth + name:<44} {seconds:9.1f} {100 * seconds / wall:6.1f}% "
                         f"{1000 * seconds / max(gradient_steps, 1):9.2f} {calls:>8}")

        def tree(parent: tuple[str, ...]) -> float:
            children = sorted((p for p in self.seconds if len(p) == len(parent) + 1 and p[:-1] == parent),
                              key=lambda p: -self.seconds[p])
            inside = 0.0
            for path in children:
                line(path[-1], len(parent), self.seconds[path], self.calls[path])
                tree(path)
                inside += self.seconds[path]
            if parent and children:
                line("(self)", len(parent), self.seconds[parent] - inside, "")
            return inside

        top = tree(())
        line("everything else (Lightning's loop, logging)", 0, wall - top, "")
        line("the run", 0, wall, "")
        return "\n".join(lines)


def team_classes() -> list[type]:
    """Every class under `Team` that defines its own `act` (the opponents and the evaluated teams)."""
    found, todo = [], [Team]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if "act" in cls.__dict__:
            found.append(cls)
    return found


def instrument(timers: Timers, module_class: type) -> None:
    """The components timed (see the module docstring)."""
    timers.wrap(Collector, "collect", "collect")
    timers.wrap(GreedyPolicy, "act", "policy acts")
    timers.wrap(VecCaptureEnv, "step", "environment step")
    timers.wrap(engine, "step", "rules (engine.step)")
    timers.wrap(VecCaptureEnv, "_observe", "observations and planes")
    timers.wrap(VecCaptureEnv, "_reset_games", "resets")
    timers.wrap(ReplayBuffer, "add", "replay add")
    timers.wrap(ReplayBuffer, "sample", "replay sample")
    timers.wrap(DemoSource, "sample", "demonstrations sample")
    timers.wrap(DemoSource, "dagger_round", "DAgger round")
    for cls in team_classes():
        timers.wrap(cls, "act", "opponents act")
    for cls in module_class.__mro__:
        for attr, label in (("training_step", "training_step (forward, loss)"), ("prepare_rollout", "prepare rollout"),
                            ("_sync_targets", "target update"), ("optimizer_step", "optimizer step"),
                            ("backward", "backward")):
            if attr in cls.__dict__ and issubclass(cls, L.LightningModule):
                timers.wrap(cls, attr, label)
    timers.wrap(EvaluationCallback, "evaluate", "evaluation")
    timers.wrap(EvaluationCallback, "on_train_end", "final evaluation")
    timers.wrap(L.Trainer, "save_checkpoint", "checkpoint")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", action="append", required=True, help="a config file; give several to layer them")
    parser.add_argument("--steps", type=int, default=1100, help="gradient steps")
    parser.add_argument("--no-eval", action="store_true", help="drop the recipe's evaluation callback")
    args, overrides = parser.parse_known_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} "
          f"threads; config {' + '.join(args.config)} --steps {args.steps} {' '.join(overrides)}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        cli = MARLCLI(datamodule_class=CaptureDataModule, run=False, save_config_callback=None, args=[
            *(arg for config in args.config for arg in ("--config", config)), f"--trainer.max_steps={args.steps}",
            "--trainer.max_time=null", "--trainer.logger=false", "--trainer.enable_progress_bar=false",
            f"--trainer.default_root_dir={tmp}", *overrides])
        if args.no_eval:
            cli.trainer.callbacks[:] = [c for c in cli.trainer.callbacks if not isinstance(c, EvaluationCallback)]
        timers = Timers()
        instrument(timers, type(cli.model))
        assert isinstance(cli.model, Learner)
        start = time.perf_counter()
        cli.trainer.fit(cli.model, cli.datamodule)
        wall = time.perf_counter() - start
    env_steps = cli.model.env_steps_collected  # the run's one count, the learner's
    print(f"{cli.trainer.global_step} gradient steps, {env_steps} environment steps in {wall:.1f} s: "
          f"{cli.trainer.global_step / wall:.2f} gradient steps/s, {env_steps / wall:.1f} environment steps/s")
    print(timers.report(wall, cli.trainer.global_step))


if __name__ == "__main__":
    run_command(main, takes_argv=False)
