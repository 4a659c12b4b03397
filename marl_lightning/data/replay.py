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
allocated at the first write, on the CPU or the device asked for (the training GPU: `data.replay_device`).

On a GPU nothing in a step reads device memory back to the host: the host keeps its own record of
what each slot holds (frames written per game, which slots are decision frames), so uniform draws
are made there, O(batch) by rejection of final frames, and only the drawn indices travel; the
priorities, their maximum and the prioritized draws (`torch.multinomial` with a generator on the
device) stay on the device, and so does everything a sample is built from. TorchRL's storages keep
self-contained items (an observation and its successor), which is the duplication this layout
removes, and its compiled prioritized sampler does not load against torch 2.13, so the index
arithmetic is ours.
"""

from __future__ import annotations

import torch
from tensordict import TensorDict

STEP_FIELDS = ("obs", "legal", "action", "reward", "terminated", "truncated", "state")


def valid_starts(written: torch.Tensor, decision: torch.Tensor, steps: int) -> torch.Tensor:
    """`(N, T)` bool: the slots a window of `steps` decision steps may start at, from the frames each game
    has written `(N,)` and which slots hold decision frames `(N, T)`: a decision frame whose `steps`
    following frames are all written and none overwritten."""
    t = decision.shape[1]
    slot = torch.arange(t, device=decision.device)[None, :]
    age = (written[:, None] - 1 - slot) % t  # how many frames are newer than each slot
    return (slot < written[:, None]) & (age >= steps) & decision


class ReplayBuffer:
    """Per-game rings of frames, sampled as windows.

    Args:
        capacity: frames kept in all (each game keeps `capacity // num_games`, oldest overwritten first).
        num_games: N, games written at every step.
        prioritized: sample window starts in proportion to `(|TD error| + eps) ** alpha`, with importance weights.
        alpha, beta: prioritization and importance-correction exponents.
        device: where the frames (and priorities) live.
        generator: the CPU `torch.Generator` every uniform draw comes from (saved with the buffer, so a
            resumed run samples what the uninterrupted one would); prioritized draws on a GPU come from a
            generator on it, seeded from this one. Default: one seeded from torch's global generator.
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
        self.device_generator: torch.Generator | None = None  # prioritized draws on a GPU
        if prioritized and self.device.type != "cpu":
            seed = int(torch.randint(2**62, (), generator=generator))
            self.device_generator = torch.Generator(device=self.device).manual_seed(seed)
        self.frames: TensorDict | None = None  # (N, T): obs, legal, action, reward, terminated, truncated, state, decision
        # the host's record of the rings, so that writing and drawing never read the device
        self.written = torch.zeros(num_games, dtype=torch.long)  # (N,) frames written so far, per game
        self.decision = torch.zeros(num_games, self.slots, dtype=torch.bool)  # (N, T) slots holding decision frames
        self.priority = torch.zeros(num_games, self.slots, dtype=torch.float64, device=self.device) if prioritized else None
        self.max_priority = torch.ones((), dtype=torch.float64, device=self.device)
        self._windows_seen: set[int] = set()  # window lengths known to have a start (the ring keeps one from then on)

    def __len__(self) -> int:
        """Decision frames held (transitions)."""
        return int(self.decision.sum())

    # -- writing ----------------------------------------------------------------------------------
    def add(self, step: TensorDict, ended: torch.Tensor | None = None, final: TensorDict | None = None) -> None:
        """One vector step: `step` `(N, ...)` holds each game's decision frame (the fields of
        `STEP_FIELDS`, or a compact `game` state in place of `obs`: `data.compact`); the games `ended` `(k,)`
        (indices, on the CPU) also write `final` `(k, ...)`: the observations (or state) and masks they ended in."""
        games = torch.arange(self.num_games)
        step = step.to(self.device)
        step["decision"] = torch.ones(self.num_games, dtype=torch.bool, device=self.device)
        if self.frames is None:
            self.frames = step.unsqueeze(1).expand(self.num_games, self.slots).clone().zero_()
        self._write(games, step, decision=True)
        if ended is not None and len(ended):
            ended = ended.cpu()
            frame = step[ended.to(self.device)].clone().zero_()  # no action, reward or ending: what the game looked like
            for key in final.keys():  # the observations and masks (or the compact game state) it ended in
                frame[key] = final[key].to(self.device)
            self._write(ended, frame, decision=False)

    def _write(self, games: torch.Tensor, frames: TensorDict, decision: bool) -> None:
        slots = self.written[games] % self.slots
        self.decision[games, slots] = decision
        games_on, slots_on = games.to(self.device), slots.to(self.device)
        self.frames[games_on, slots_on] = frames
        if self.priority is not None:
            self.priority[games_on, slots_on] = self.max_priority if decision else 0.0
        self.written[games] += 1

    # -- sampling ---------------------------------------------------------------------------------
    def starts(self, steps: int) -> torch.Tensor:
        """`(N, T)` bool on the CPU: frames a window of `steps` decision steps may start at (`valid_starts`)."""
        return valid_starts(self.written, self.decision, steps)

    def sample(self, batch_size: int, steps: int = 1) -> TensorDict:
        """`batch_size` windows of `steps` decision steps: a TensorDict `(B, steps + 1)` of frames (the last
        one only for its observation), with `mask` `(B, steps)` (the step belongs to the window's first
        game: not after its end), `state` `(B, A, S)` before the first step, `index` `(B, 2)` (game, slot of
        the first frame) and `priority_weight` `(B,)`."""
        room = (self.written.clamp(max=self.slots) - steps).clamp(min=0)  # (N,) slots with `steps` frames after them
        if steps not in self._windows_seen:  # checked on the host until the first window of this length exists
            if int(room.sum()) == 0 or not self.starts(steps).any():
                raise RuntimeError(f"no window of {steps} steps is stored yet; collect more before sampling")
            self._windows_seen.add(steps)
        if self.prioritized:
            game, slot, weight = self._prioritized_starts(batch_size, steps)
        else:
            game, slot = (index.to(self.device) for index in self._uniform_starts(batch_size, steps, room))
            weight = torch.ones(batch_size, device=self.device)
        offsets = torch.arange(steps + 1, device=self.device)
        window = self.frames[game[:, None], (slot[:, None] + offsets) % self.slots]  # (B, steps+1)
        ended = (window["terminated"] | window["truncated"])[:, :steps]
        mask = torch.cumsum(ended.long(), dim=1) - ended.long() == 0  # up to and with the game's last step
        sample = window.exclude("state", "decision")
        sample.batch_size = sample.batch_size[:1]
        sample["mask"] = mask
        sample["state"] = window["state"][:, 0]
        sample["index"] = torch.stack([game, slot], dim=1)
        sample["priority_weight"] = weight
        return sample

    def _uniform_starts(self, batch_size: int, steps: int, room: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Uniform over the valid starts, on the CPU in O(batch): a (game, age) pair uniform over the slots
        with `steps` frames after them, again where it drew a final frame (about one slot in a game's length)."""
        ends = torch.cumsum(room, 0)  # (N,) the pairs of games 0..g
        games, slots = [], []
        needed = batch_size
        while needed:
            flat = torch.randint(int(ends[-1]), (needed,), generator=self.generator)
            game = torch.searchsorted(ends, flat, right=True)
            age = steps + flat - (ends[game] - room[game])  # in [steps, frames held)
            slot = (self.written[game] - 1 - age) % self.slots
            keep = self.decision[game, slot]
            games.append(game[keep])
            slots.append(slot[keep])
            needed -= int(keep.sum())
        return torch.cat(games), torch.cat(slots)

    def _prioritized_starts(self, batch_size: int, steps: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Starts drawn in proportion to their priorities, with importance weights, all on the buffer's device."""
        valid = valid_starts(self.written.to(self.device), self.frames["decision"], steps)
        weights = (self.priority * valid).flatten()
        flat = torch.multinomial(weights, batch_size, replacement=True, generator=self.device_generator or self.generator)
        probability = weights[flat] / weights.sum()
        weight = (valid.sum() * probability) ** (-self.beta)
        return flat // self.slots, flat % self.slots, (weight / weight.max()).float()

    def update_priority(self, index: torch.Tensor, td_error: torch.Tensor) -> None:
        """New priorities `(|td_error| + eps) ** alpha` for the sampled windows (`index` `(B, 2)` from `sample`)."""
        if not self.prioritized:
            return
        priority = ((td_error.detach().abs().double() + self.eps) ** self.alpha).to(self.device)
        index = index.to(self.device)
        self.priority[index[:, 0], index[:, 1]] = priority
        self.max_priority = torch.maximum(self.max_priority, priority.max())

    # -- checkpoints ------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "frames": None if self.frames is None else self.frames.cpu().to_dict(),
            "written": self.written.clone(),
            "priority": None if self.priority is None else self.priority.cpu(),
            "max_priority": float(self.max_priority),
            "generator": self.generator.get_state(),
            "device_generator": None if self.device_generator is None else self.device_generator.get_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        if tuple(state["written"].shape) != (self.num_games,):
            raise ValueError(f"the saved buffer holds {state['written'].shape[0]} games, this one {self.num_games}")
        frames = state["frames"]
        self.frames = None if frames is None else TensorDict(frames, batch_size=[self.num_games, self.slots]).to(self.device)
        self.written = state["written"].clone()
        self.decision = self.frames["decision"].cpu() if self.frames is not None else torch.zeros_like(self.decision)
        if self.priority is not None and state["priority"] is not None:
            self.priority = state["priority"].to(self.device)
        self.max_priority = torch.tensor(float(state["max_priority"]), dtype=torch.float64, device=self.device)
        self.generator.set_state(state["generator"])
        if self.device_generator is not None and state.get("device_generator") is not None:
            self.device_generator.set_state(state["device_generator"])  # a run resumed on another kind of device draws anew
