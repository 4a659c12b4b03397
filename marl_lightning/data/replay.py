"""The replay buffer: a small facade over TorchRL's buffers, uniform or prioritized.

Transitions are TensorDicts with a batch dimension; the storage is TorchRL's `LazyTensorStorage`
(allocated from the first batch written). Prioritized replay (Schaul et al., 2016) uses TorchRL's
`PrioritizedSampler` (compiled sum trees) where its extension loads; TorchRL 0.13-0.14 wheels do not
load against the pinned torch 2.13 (`SumSegmentTreeFp32 is not available`), and there the
`ProportionalSampler` below, a TorchRL `Sampler` that draws with `torch.multinomial` over the stored
priorities (O(n) per draw, about a millisecond for 10^5 transitions), takes its place with the same
behaviour: priority `(|td| + eps) ** alpha`, importance weights `(n * p) ** -beta` normalised by
their maximum.
"""

from __future__ import annotations

import torch
from tensordict import TensorDict
from torchrl.data import LazyTensorStorage, TensorDictReplayBuffer
from torchrl.data.replay_buffers.samplers import PrioritizedSampler, RandomSampler, Sampler


class ProportionalSampler(Sampler):
    """Proportional prioritized sampling over a `LazyTensorStorage`, in plain torch."""

    def __init__(self, max_capacity: int, alpha: float, beta: float, eps: float = 1e-6):
        super().__init__()
        self.alpha, self.beta, self.eps = alpha, beta, eps
        self._priority = torch.zeros(max_capacity, dtype=torch.float64)
        self._max_priority = 1.0

    def sample(self, storage, batch_size: int):
        n = len(storage)
        p = self._priority[:n]
        index = torch.multinomial(p, batch_size, replacement=True, generator=getattr(self, "_rng", None))
        probs = p[index] / p.sum()
        weight = (n * probs) ** (-self.beta)
        return index, {"priority_weight": (weight / weight.max()).float()}

    def extend(self, index: torch.Tensor) -> None:
        self._priority[torch.as_tensor(index).long()] = self._max_priority

    def add(self, index: int) -> None:
        self._priority[int(index)] = self._max_priority

    def update_priority(self, index, priority, *, storage=None) -> None:
        priority = (torch.as_tensor(priority, dtype=torch.float64).abs() + self.eps) ** self.alpha
        self._priority[torch.as_tensor(index).long()] = priority
        self._max_priority = max(self._max_priority, float(priority.max()))

    def mark_update(self, index, *, storage=None) -> None:
        pass

    def _empty(self) -> None:
        self._priority.zero_()
        self._max_priority = 1.0

    def state_dict(self) -> dict:
        return {"priority": self._priority.clone(), "max_priority": torch.tensor(self._max_priority)}

    def load_state_dict(self, state_dict: dict) -> None:
        self._priority.copy_(state_dict["priority"])
        self._max_priority = float(state_dict["max_priority"])

    def dumps(self, path) -> None:  # pragma: no cover - storage dumps are not used here
        raise NotImplementedError

    def loads(self, path) -> None:  # pragma: no cover
        raise NotImplementedError


def torchrl_prioritized_available() -> bool:
    """Whether TorchRL's compiled prioritized sampler works with the installed torch."""
    try:
        PrioritizedSampler(2, alpha=0.6, beta=0.4)
        return True
    except RuntimeError:
        return False


class ReplayBuffer:
    """Uniform or prioritized replay of transition TensorDicts.

    Args:
        capacity: transitions kept (oldest overwritten first).
        prioritized: sample in proportion to `(|TD error| + eps) ** alpha`, with importance weights.
        alpha, beta: prioritization and importance-correction exponents.
        device: where the storage lives (CPU unless a GPU buffer is asked for).
        generator: the `torch.Generator` every draw comes from (saved with the buffer, so a resumed
            run samples what the uninterrupted one would); default: a fresh one seeded from torch.
    """

    def __init__(self, capacity: int, prioritized: bool = False, alpha: float = 0.6, beta: float = 0.4,
                 device: str | torch.device = "cpu", generator: torch.Generator | None = None):
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity, self.prioritized = capacity, prioritized
        if prioritized:
            sampler: Sampler = (PrioritizedSampler(capacity, alpha=alpha, beta=beta) if torchrl_prioritized_available()
                                else ProportionalSampler(capacity, alpha=alpha, beta=beta))
        else:
            sampler = RandomSampler()
        if generator is None:
            generator = torch.Generator().manual_seed(int(torch.randint(2**62, ())))
        self.generator = generator
        self.buffer = TensorDictReplayBuffer(storage=LazyTensorStorage(capacity, device=device), sampler=sampler,
                                             generator=generator)

    def __len__(self) -> int:
        return len(self.buffer)

    def extend(self, transitions: TensorDict) -> None:
        self.buffer.extend(transitions)

    def sample(self, batch_size: int) -> TensorDict:
        """A batch with `index` and, when prioritized, `priority_weight` (uniform: weights of 1)."""
        batch = self.buffer.sample(batch_size)
        if "priority_weight" not in batch.keys():
            batch["priority_weight"] = torch.ones(batch.batch_size[0])
        return batch

    def update_priority(self, index: torch.Tensor, td_error: torch.Tensor) -> None:
        """New priorities from `|td_error|` `(B,)` for the sampled items `index` `(B,)` (on any device)."""
        if self.prioritized:
            self.buffer.update_priority(index.cpu(), td_error.detach().abs().cpu())

    def state_dict(self) -> dict:
        """The stored items, the sampler's priorities and the generator."""
        return self.buffer.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.buffer.load_state_dict(state)
        self.generator = self.buffer._rng  # TorchRL restores the generator as a new object
