"""`TrainingBatch`: what one gradient step gets from the data side's stream (`streams`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from tensordict import TensorDict

from .replay import ReplayBuffer


@dataclass
class TrainingBatch:
    """What one gradient step gets from the stream.

    sample: the replay sample, windows of frames `(B, W + 1, ...)` (`data.replay.ReplayBuffer.sample`:
        obs decoded to float32, legal, action, reward, terminated, truncated), with `mask` `(B, W)`,
        `state` `(B, A, S)`, `index` and `priority_weight`.
    env_steps: environment steps (summed over games) collected for this step.
    episodes: per-game results of the games that ended meanwhile (`rollout.summarize`: win, return, ...).
    replay: the buffer the sample came from, the one owner of its priorities: the learner reports each
        sampled item's TD error back with `report_td_error`.
    """

    sample: TensorDict
    env_steps: int
    episodes: dict[str, np.ndarray]
    replay: ReplayBuffer
    stats: dict[str, float] = field(default_factory=dict)  # what the data side reports (curriculum stage), logged as named
    value_sample: TensorDict | None = None  # imitation with a critic: windows of demonstrations for its n-step returns

    def report_td_error(self, td_error: torch.Tensor) -> None:
        """New priorities for the sampled items (prioritized replay; otherwise nothing happens); windows drawn
        from demonstrations (`demo`) keep theirs."""
        if "demo" in self.sample.keys():
            own = ~self.sample["demo"]
            self.replay.update_priority(self.sample["index"][own], td_error[own])
        else:
            self.replay.update_priority(self.sample["index"], td_error)
