"""The replay buffer: each game's frames in order, each observation stored once, sampled as windows.

All N games of the vectorised environment step together; each keeps a ring of `capacity // N`
**frames**. A step writes one decision frame per game: the observation the agents acted on (uint8),
their legal masks, the actions, the team reward that followed, and whether the game then terminated
or was cut by the time limit; a game that ended also writes its **final frame** (the observation it
ended in, no action). So the next observation of any decision frame is simply the next frame, the
final one included: a truncated game bootstraps from where it stopped, and no observation is stored
twice (an item-per-transition buffer keeps `obs` and `next_obs`, twice the memory: a million
transitions of bloxCapture take 6.4 GB here, with `next_obs` 12.8).

A sample is a **window** of `steps` decision steps from one game, `(B, steps + 1)` frames: what
n-step returns, TD(lambda) and recurrent agents (with the policy's stored state before the first
step, as R2D2) need. Steps after the game's end within a window are masked out. Uniform sampling, or
prioritized (Schaul et al., 2016) over window starts with `torch.multinomial` over the priorities
(O(capacity) per draw: a few milliseconds for 10^6 frames), importance weights
`(n * P(i)) ** -beta` normalised by their maximum. Frames live in a `tensordict.TensorDict`,
allocated at the first write, on the CPU or the device asked for. TorchRL's storages keep
self-contained items (an observation and its successor), which is the duplication this layout
removes, and its compiled prioritized sampler does not load against torch 2.13, so the index
arithmetic is ours.
"""

from __future__ import annotations

import torch
from tensordict import TensorDict

STEP_FIELDS = ("obs", "legal", "action", "reward", "terminated", "truncated", "state")


class ReplayBuffer:
    """Per-game rings of frames, sampled as windows.

    Args:
        capacity: frames kept in all (each game keeps `capacity // num_games`, oldest overwritten first).
        num_games: N, games written at every step.
        prioritized: sample window starts in proportion to `(|TD error| + eps) ** alpha`, with importance weights.
        alpha, beta: prioritization and importance-correction exponents.
        device: where the frames live.
        generator: the `torch.Generator` every draw comes from (saved with the buffer, so a resumed run
            samples what the uninterrupted one would); default: one seeded from torch's global generator.
    """

    def __init__(self, capacity: int, num_games: int, prioritized: bool = False, alpha: float = 0.6, beta: float = 0.4,
                 device: str | torch.device = "cpu", generator: torch.Generator | None = None, eps: float = 1e-6):
        if num_games < 1 or capacity < 2 * num_games:
            raise ValueError(f"capacity must hold at least 2 frames per game, got {capacity} for {num_games} games")
        self.num_games, self.slots = num_games, capacity // num_games
        self.prioritized, self.alpha, self.beta, self.eps = prioritized, alpha, beta, eps
        self.device = torch.device(device)
        if generator is None:
            generator = torch.Generator().manual_seed(int(torch.randint(2**62, ())))
        self.generator = generator
        self.frames: TensorDict | None = None  # (N, T): obs, legal, action, reward, terminated, truncated, state, decision
        self.written = torch.zeros(num_games, dtype=torch.long)  # frames written so far, per game
        self.priority = torch.zeros(num_games, self.slots, dtype=torch.float64) if prioritized else None
        self.max_priority = 1.0

    def __len__(self) -> int:
        """Decision frames held (transitions)."""
        if self.frames is None:
            return 0
        return int(self.frames["decision"].sum())

    # -- writing ----------------------------------------------------------------------------------
    def add(self, step: TensorDict, ended: torch.Tensor | None = None, final: TensorDict | None = None) -> None:
        """One vector step: `step` `(N, ...)` holds each game's decision frame (the fields of
        `STEP_FIELDS`); the games `ended` `(k,)` (indices) also write `final` `(k, ...)`: the observations and
        masks they ended in."""
        games = torch.arange(self.num_games)
        step = step.to(self.device)
        step["decision"] = torch.ones(self.num_games, dtype=torch.bool, device=self.device)
        if self.frames is None:
            self.frames = step.unsqueeze(1).expand(self.num_games, self.slots).clone().zero_()
        self._write(games, step)
        if ended is not None and len(ended):
            frame = step[ended.to(self.device)].clone().zero_()  # no action, reward or ending: what the game looked like
            frame["obs"], frame["legal"] = final["obs"].to(self.device), final["legal"].to(self.device)
            self._write(ended.cpu(), frame)

    def _write(self, games: torch.Tensor, frames: TensorDict) -> None:
        slots = self.written[games] % self.slots
        self.frames[games.to(self.device), slots.to(self.device)] = frames
        if self.priority is not None:
            self.priority[games, slots] = torch.where(frames["decision"].cpu(), self.max_priority, 0.0).double()
        self.written[games] += 1

    # -- sampling ---------------------------------------------------------------------------------
    def starts(self, steps: int) -> torch.Tensor:
        """`(N, T)` bool: frames a window of `steps` decision steps may start at (a decision frame whose
        `steps` following frames are all written and none overwritten)."""
        n, t = self.num_games, self.slots
        age = (self.written[:, None] - 1 - torch.arange(t)[None, :]) % t  # how many frames are newer than each slot
        written = torch.arange(t)[None, :] < self.written[:, None]
        return written & (age >= steps) & self.frames["decision"].cpu()

    def sample(self, batch_size: int, steps: int = 1) -> TensorDict:
        """`batch_size` windows of `steps` decision steps: a TensorDict `(B, steps + 1)` of frames (the last
        one only for its observation), with `mask` `(B, steps)` (the step belongs to the window's first
        game: not after its end), `state` `(B, A, S)` before the first step, `index` `(B, 2)` (game, slot of
        the first frame) and `priority_weight` `(B,)`."""
        valid = self.starts(steps)
        count = int(valid.sum())
        if count == 0:
            raise RuntimeError(f"no window of {steps} steps is stored yet; collect more before sampling")
        weights = (self.priority * valid) if self.prioritized else valid.double()
        flat = torch.multinomial(weights.flatten(), batch_size, replacement=True, generator=self.generator)
        game, slot = flat // self.slots, flat % self.slots
        if self.prioritized:
            probability = weights.flatten()[flat] / weights.sum()
            weight = (count * probability) ** (-self.beta)
            weight = (weight / weight.max()).float()
        else:
            weight = torch.ones(batch_size)
        offsets = torch.arange(steps + 1)
        window = self.frames[game[:, None].to(self.device), ((slot[:, None] + offsets) % self.slots).to(self.device)]  # (B, steps+1)
        ended = (window["terminated"] | window["truncated"])[:, :steps]
        mask = torch.cumsum(ended.long(), dim=1) - ended.long() == 0  # up to and with the game's last step
        sample = window.exclude("state", "decision")
        sample.batch_size = sample.batch_size[:1]
        sample["mask"] = mask
        sample["state"] = window["state"][:, 0]
        sample["index"] = torch.stack([game, slot], dim=1).to(self.device)
        sample["priority_weight"] = weight.to(self.device)
        return sample

    def update_priority(self, index: torch.Tensor, td_error: torch.Tensor) -> None:
        """New priorities `(|td_error| + eps) ** alpha` for the sampled windows (`index` `(B, 2)` from `sample`)."""
        if not self.prioritized:
            return
        index = index.cpu()
        priority = (td_error.detach().abs().double().cpu() + self.eps) ** self.alpha
        self.priority[index[:, 0], index[:, 1]] = priority
        self.max_priority = max(self.max_priority, float(priority.max()))

    # -- checkpoints ------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "frames": None if self.frames is None else self.frames.cpu().to_dict(),
            "written": self.written.clone(),
            "priority": None if self.priority is None else self.priority.clone(),
            "max_priority": self.max_priority,
            "generator": self.generator.get_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        if tuple(state["written"].shape) != (self.num_games,):
            raise ValueError(f"the saved buffer holds {state['written'].shape[0]} games, this one {self.num_games}")
        frames = state["frames"]
        self.frames = None if frames is None else TensorDict(frames, batch_size=[self.num_games, self.slots]).to(self.device)
        self.written = state["written"].clone()
        if self.priority is not None and state["priority"] is not None:
            self.priority = state["priority"].clone()
        self.max_priority = float(state["max_priority"])
        self.generator.set_state(state["generator"])
