"""Exploration: how a value-based learner picks the actions it collects experience with.

An `Exploration` is a part of the learner, chosen by class as the mixer is (`model.exploration:
{class_path: marl_lightning.exploration.EpsilonGreedy, init_args: {...}}`, or the short names `epsilon`,
`boltzmann`): a rate decayed over environment steps (`rate`), the metric the rate is logged as, and
the acting policy that uses it (`policy`), so the learner holds no branch per kind. `EpsilonGreedy`
(a random legal action with probability epsilon) and `Boltzmann` (the softmax of the legal Q-values at
a temperature) are the two built in; a subclass of your own works the same way by its class path.

The schedules are `schedules.decay_at`; the action choosers the policies draw with, `acting`.
"""

from __future__ import annotations

import inspect
import math
import numbers
from typing import Any, Callable, Sequence

import torch

from .networks import TeamNetwork
from .parts import build
from .policy import BoltzmannPolicy, EpsilonGreedyPolicy, GreedyPolicy
from .schedules import SCHEDULES, decay_at, decayed


class Exploration:
    """A rate (epsilon, a temperature...) decayed from `start` to `end` over `decay_steps` environment steps,
    `linear` or `exponential` (`schedules.decay_at`), and the acting policy that explores at that rate.

    A subclass sets `metric` (the name the rate is logged under, e.g. `train/epsilon`), implements `policy`
    (what the collector plays while the learner trains), and may override `rate` for another schedule.
    Its constructor's arguments are its settings in a config (`init_args`); each is kept as an attribute
    of the same name, which is how `config()` writes them back into a checkpoint (override `config`
    otherwise).

    Args:
        start: the rate at the first environment step.
        end: the rate after the decay, kept from then on.
        decay_steps: environment steps (summed over the games collected) of the decay, at least 1.
        schedule: `"linear"` or `"exponential"` (`end + (start - end) * exp(-5 * steps / decay_steps)`).
        decay_fraction: decay over this fraction of the run's budget instead (`trainer.max_steps` gradient steps
            or `trainer.max_time`, whichever is nearer its end: the learner's `run_progress`), so a schedule
            fits the run whatever its length and speed; `decay_steps` is then unused. Under `max_time` the rate
            follows the clock, so a resumed run goes on from the time it had used, not bit for bit.
    """

    metric: str = "train/exploration"
    bounds: tuple[float, float] = (0.0, math.inf)  # the rates that make sense (epsilon: a probability)

    def __init__(self, start: float = 1.0, end: float = 0.05, decay_steps: int = 50_000, schedule: str = "linear",
                 decay_fraction: float | None = None):
        name, (low, high) = type(self).__name__, self.bounds
        allowed = f">= {low:g}" if high == math.inf else f"in [{low:g}, {high:g}]"
        for key, value in (("start", start), ("end", end)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= value <= high:
                raise ValueError(f"{name}: {key} must be a number {allowed}, got {value!r}")
        if isinstance(decay_steps, bool) or not isinstance(decay_steps, numbers.Integral) or decay_steps < 1:
            raise ValueError(f"{name}: decay_steps must be a whole number of environment steps >= 1, got {decay_steps!r}")
        if schedule not in SCHEDULES:
            raise ValueError(f"{name}: schedule must be one of {list(SCHEDULES)}, got {schedule!r}")
        if decay_fraction is not None and (isinstance(decay_fraction, bool) or not isinstance(decay_fraction, numbers.Real)
                                           or not 0 < decay_fraction <= 1):
            raise ValueError(f"{name}: decay_fraction must be a share of the run in (0, 1] (or null), got {decay_fraction!r}")
        self.start, self.end, self.decay_steps, self.schedule = float(start), float(end), int(decay_steps), schedule
        self.decay_fraction = None if decay_fraction is None else float(decay_fraction)

    def rate(self, env_steps: int, progress: float | None = None) -> float:
        """The rate after `env_steps` environment steps, or, with `decay_fraction`, after `progress` (the share of
        the run's budget used, 0 to 1)."""
        if self.decay_fraction is None:
            return decay_at(env_steps, self.start, self.end, self.decay_steps, self.schedule)
        if progress is None:
            raise ValueError(f"{type(self).__name__} decays over a share of the run (decay_fraction): give the run's "
                             "progress, or a budget to the trainer (trainer.max_steps or trainer.max_time)")
        return decayed(progress / self.decay_fraction, self.start, self.end, self.schedule)

    def policy(self, network: TeamNetwork, obs_shape: tuple[int, int, int], planes: Sequence[str],
               rate: Callable[[], float], generator: torch.Generator) -> GreedyPolicy:  # pragma: no cover
        """The exploring player of the learner's live `network`, at the rate `rate()` says when it acts (the
        learner's `exploration_rate`, from `rate`), drawing from `generator` (the collector's, saved in
        checkpoints)."""
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """`{"class_path": ..., "init_args": {...}}`: this exploration as a config names it, and as a checkpoint
        keeps it (plain values: it loads with `weights_only=True`)."""
        cls = type(self)
        args = {}
        for key, parameter in inspect.signature(cls.__init__).parameters.items():
            if key == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            if not hasattr(self, key):
                raise TypeError(f"{cls.__name__} does not keep its argument {key!r} as self.{key}: keep it, or override "
                                "config(), so a checkpoint can rebuild it")
            args[key] = getattr(self, key)
        return {"class_path": f"{cls.__module__}.{cls.__qualname__}", "init_args": args}

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.config()["init_args"].items())
        except TypeError:  # a subclass that does not keep its settings
            return object.__repr__(self)
        return f"{type(self).__name__}({args})"


class EpsilonGreedy(Exploration):
    """With probability epsilon (the rate, in [0, 1]) a uniformly random legal action, else the greedy one;
    logged as `train/epsilon`. Its settings and defaults are `Exploration`'s: epsilon from 1 to 0.05 over
    50,000 environment steps, linearly."""

    metric = "train/epsilon"
    bounds = (0.0, 1.0)

    def policy(self, network: TeamNetwork, obs_shape: tuple[int, int, int], planes: Sequence[str],
               rate: Callable[[], float], generator: torch.Generator) -> GreedyPolicy:
        return EpsilonGreedyPolicy(network, obs_shape, planes, rate, generator)


class Boltzmann(Exploration):
    """A legal action drawn from the softmax of the Q-values at a temperature (the rate, >= 0; near 0 it
    plays greedily); logged as `train/temperature`. Its settings and defaults are `Exploration`'s: the
    temperature from 1 to 0.05 over 50,000 environment steps, linearly."""

    metric = "train/temperature"

    def policy(self, network: TeamNetwork, obs_shape: tuple[int, int, int], planes: Sequence[str],
               rate: Callable[[], float], generator: torch.Generator) -> GreedyPolicy:
        return BoltzmannPolicy(network, obs_shape, planes, rate, generator)


ALIASES: dict[str, type[Exploration]] = {"epsilon": EpsilonGreedy, "boltzmann": Boltzmann}


def make_exploration(spec: Any) -> Exploration:
    """The `Exploration` that `spec` names: an instance (as LightningCLI passes a `class_path`), a class, a
    `{"class_path": ..., "init_args": {...}}` dict (as a checkpoint keeps it), a short name in `ALIASES`
    (the class with its defaults) or a dotted class path."""
    return spec if isinstance(spec, Exploration) else build(spec, Exploration, ALIASES)
