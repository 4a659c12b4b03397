"""Schedules: a rate decayed over a run (exploration's epsilon or temperature, MAPPO's entropy weight and
kickstart, a clone's KL weight) and the learning rate's factor over gradient steps."""

from __future__ import annotations

import math

SCHEDULES = ("linear", "exponential")  # the decays of a rate (`decay_at`)
LR_SCHEDULES = ("constant", "linear", "cosine")  # the learning rate's (`lr_schedule_factor`)


def decay_at(step: int, start: float, end: float, decay_steps: int, schedule: str = "linear") -> float:
    """A rate after `step` steps (environment or gradient steps, as the caller counts): linear from `start` to
    `end` over `decay_steps`, or exponential (`end + (start - end) * exp(-5 * step / decay_steps)`, 99% of the way
    at the end)."""
    return decayed(step / max(decay_steps, 1), start, end, schedule)


def decayed(fraction: float, start: float, end: float, schedule: str = "linear") -> float:
    """A rate `fraction` of the way through its decay (1 and beyond: `end`), `linear` or `exponential`."""
    if schedule == "linear":
        return start + min(1.0, fraction) * (end - start)
    if schedule == "exponential":
        return end + (start - end) * math.exp(-5.0 * fraction)
    raise ValueError(f"schedule must be 'linear' or 'exponential', got {schedule!r}")


def lr_schedule_factor(schedule: str, step: int, decay_steps: int, end_factor: float) -> float:
    """The learning rate's share of its initial value at a gradient step: `constant` 1, or a `linear` / `cosine`
    decay to `end_factor` over `decay_steps` steps (then held)."""
    done = min(step / max(decay_steps, 1), 1.0)
    if schedule == "linear":
        return 1.0 + (end_factor - 1.0) * done
    if schedule == "cosine":
        return end_factor + (1.0 - end_factor) * 0.5 * (1.0 + math.cos(math.pi * done))
    return 1.0
