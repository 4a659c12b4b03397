"""On-policy data: one rollout of every game at a time, turned by the learner into training samples and
served as shuffled minibatches over several epochs (PPO's loop, streamed to Lightning one gradient
step at a time)."""

from __future__ import annotations

import torch
from tensordict import TensorDict


class RolloutBuffer:
    """The rollout being collected, then the minibatches an update draws from it.

    The collector writes it as it writes the replay buffer (`add`: each vector step's decision frames,
    and the frames of the games that ended). The learner turns the rollout into training samples
    (`frames`, `final_frames`, then `serve`: log-probabilities, values, advantages and returns), which
    are served as `epochs` shuffled passes of `minibatches` parts each (`next_minibatch`). Its state (the
    samples, the shuffles and how far they were served) goes into checkpoints, so a run resumed in the
    middle of an update continues exactly.

    Args:
        num_games: N. epochs, minibatches: passes over a rollout and parts of a pass.
        device: where the rollout and samples live. generator: the CPU generator of the shuffles.
    """

    def __init__(self, num_games: int, epochs: int, minibatches: int, device: str | torch.device = "cpu",
                 generator: torch.Generator | None = None):
        if epochs < 1 or minibatches < 1:
            raise ValueError(f"need at least one epoch and one minibatch, got {epochs} and {minibatches}")
        self.num_games, self.epochs, self.minibatches = num_games, epochs, minibatches
        self.device = torch.device(device)
        self.generator = generator if generator is not None else torch.Generator().manual_seed(0)
        self.steps: list[TensorDict] = []  # the rollout so far, one (N,) TensorDict a vector step
        self.finals: list[tuple[int, torch.Tensor, TensorDict]] = []  # (step, games that ended then, their frames)
        self.samples: TensorDict | None = None  # (T*N,) what the update learns from
        self.order: torch.Tensor | None = None  # (epochs, T*N) a shuffle of the samples per epoch
        self.served = 0  # minibatches served from the samples

    def __len__(self) -> int:
        """Decision frames collected and not yet turned into samples."""
        return len(self.steps) * self.num_games

    # -- collecting -------------------------------------------------------------------------------
    def add(self, step: TensorDict, ended: torch.Tensor | None = None, final: TensorDict | None = None) -> None:
        """One vector step, as `ReplayBuffer.add` takes it."""
        if ended is not None and len(ended):
            self.finals.append((len(self.steps), ended.cpu(), final.to(self.device)))
        self.steps.append(step.to(self.device))

    def frames(self) -> TensorDict:
        """The rollout, `(T, N)`: obs (uint8), legal, action, reward, terminated, truncated, state."""
        return torch.stack(self.steps, dim=0)

    def final_frames(self) -> tuple[torch.Tensor, torch.Tensor, TensorDict | None]:
        """Where games ended within the rollout: the step `(k,)`, the game `(k,)` and the frames they ended
        in `(k,)` (obs, legal)."""
        if not self.finals:
            return torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long), None
        steps = torch.cat([torch.full((len(games),), t, dtype=torch.long) for t, games, _ in self.finals])
        games = torch.cat([games for _, games, _ in self.finals])
        return steps, games, torch.cat([frames for _, _, frames in self.finals])

    # -- serving ----------------------------------------------------------------------------------
    @property
    def exhausted(self) -> bool:
        """Every minibatch of the current samples was served (or there are none yet)."""
        return self.samples is None or self.served == self.epochs * self.minibatches

    def serve(self, samples: TensorDict) -> None:
        """Start serving `samples` `(B,)`; the collected rollout is cleared."""
        self.samples = samples
        size = samples.batch_size[0]
        if size < self.minibatches:
            raise ValueError(f"a rollout of {size} samples cannot make {self.minibatches} minibatches")
        self.order = torch.stack([torch.randperm(size, generator=self.generator) for _ in range(self.epochs)])
        self.served = 0
        self.steps, self.finals = [], []

    def next_minibatch(self) -> TensorDict:
        epoch, part = divmod(self.served, self.minibatches)
        self.served += 1
        index = self.order[epoch].tensor_split(self.minibatches)[part]
        return self.samples[index.to(self.device)]

    # -- checkpoints ------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "samples": None if self.samples is None else self.samples.cpu().to_dict(),
            "size": 0 if self.samples is None else self.samples.batch_size[0],
            "order": self.order, "served": self.served, "generator": self.generator.get_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        samples = state["samples"]
        self.samples = None if samples is None else TensorDict(samples, batch_size=[state["size"]]).to(self.device)
        self.order, self.served = state["order"], int(state["served"])
        self.generator.set_state(state["generator"])
