"""Demonstrations in training: a teacher's recorded games (`marl_lightning.recording`, `demo_files`), DAgger rounds that
add the teacher's labels of the states the learner visits, and batches drawn from them.

- Imitation (`learners.ImitationModule`) learns from these batches alone (`streams.ImitationStream`).
- A replay learner given `data.demonstrations` and `data.demonstrations.share` draws that share of every batch from
  them, beside its own experience (DQfD, Hester et al., 2018: its large-margin loss applies to those
  windows, flagged `demo` in the sample).

Frames hold compact game states (`data.compact`); a batch's observations are made from them, with the
run's planes, when it is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from tensordict import TensorDict

from agents import PolicyTeam
from agents.contest_view import ContestViewTeam
from gymPacMan.views import FLIP_ACTIONS as _FLIP

from ..policy import pad_to
from ..recording import DemoRecorder
from . import compact
from .demo_files import demo_buffer, load
from .settings import DaggerConfig, RewardSettings
from .replay import ReplayBuffer

FLIP_ACTIONS = torch.from_numpy(_FLIP)  # action a of a window turned north to south


@dataclass(frozen=True)
class GameSettings:
    """The run's games as the data module resolved them (what DAgger rounds play, and what observations are made for)."""

    layouts: list
    layout_weights: object  # (L,) probabilities, or None: alike
    opponent: object  # an entrant
    length: int
    grid_shape: tuple[int, int]
    planes: tuple[str, ...]


class DemoSource:
    """The demonstrations a run learns from: a recorded file's buffer and the DAgger buffer, sampled in
    proportion to the steps each holds.

    Args:
        path: a demonstrations file (`python -m marl_lightning.recording`), or None.
        dagger: DAgger rounds, or None.
        device: where the buffers live.
        seed: seeds the draws and the DAgger games.
        rewards: how the run makes its rewards (`data.settings.RewardSettings`).
        uses_rewards: the learner learns from the stored rewards (a replay learner does, imitation does not), so
            they must have been made as this run makes its own.
        games: the run's games (`layouts`, `layout_weights`, `opponent`, `length`, `grid_shape`, `planes`): where
            DAgger rounds play, and the grid and planes of the observations a batch is made of.
        flip: the share of windows drawn turned north to south (`data.demonstrations.flip`).
    """

    def __init__(self, path: str | None, dagger: DaggerConfig | None, device: torch.device, seed: int, rewards: RewardSettings,
                 uses_rewards: bool, games: GameSettings, flip: float = 0.0):
        self.dagger, self.round, self.games, self.flip = dagger, 0, games, flip
        self.generator = torch.Generator().manual_seed(3 * seed + 1)  # which buffer each sample comes from
        self.buffers: list[ReplayBuffer] = []
        self.grid_shapes: list[tuple[int, int]] = []
        settings = rewards
        if path is not None:
            buffer, meta = load(path, device)
            if uses_rewards and meta.rewards != settings:
                raise ValueError(f"the demonstrations in {path} were recorded with rewards {meta.rewards}, this run makes "
                                 f"{settings}: record them again with the run's settings (python -m marl_lightning.recording --help)")
            if meta.grid_shape[0] > games.grid_shape[0] or meta.grid_shape[1] > games.grid_shape[1]:
                raise ValueError(f"the demonstrations in {path} are played on a {meta.grid_shape} grid, larger than this "
                                 f"run's {games.grid_shape}: train on layouts of their size")
            buffer.generator = torch.Generator().manual_seed(3 * seed + 2)
            self.buffers.append(buffer)
            self.grid_shapes.append(meta.grid_shape)
            self.meta = meta
        self.recorder = None
        if dagger is not None:
            self.recorder = DemoRecorder(dagger.teacher, games.opponent, games.layouts, dagger.num_envs, games.length, seed,
                                         settings, layout_weights=games.layout_weights, turns=dagger.turns)
            self.buffers.append(demo_buffer(dagger.capacity, dagger.num_envs, device,
                                            torch.Generator().manual_seed(3 * seed + 3)))
            self.grid_shapes.append(self.recorder.env.grid_shape)
        if not self.buffers:
            raise ValueError("learning from demonstrations needs data.demonstrations (a file) or data.demonstrations.dagger (rounds)")

    def __len__(self) -> int:
        return sum(len(b) for b in self.buffers)

    def due(self, step: int) -> bool:
        """Whether a DAgger round is due before gradient step `step`."""
        if self.dagger is None:
            return False
        return (step == 0 and len(self) == 0) or (step > 0 and step % self.dagger.every_n_steps == 0)

    def dagger_round(self, learner, generator: torch.Generator) -> dict[str, float]:
        """The learner plays a round, the teacher labels it (`DaggerConfig`); the round's figures, for the logs:
        `dagger/agreement/{all,attacking,defending}`, how often the learner's move (as it plays in the round:
        `model.explore_temperature`) was the teacher's on the states the round visits, by role."""
        beta = self.dagger.beta * self.dagger.beta_decay ** self.round
        games, wins, agreement = self.recorder.games, self.recorder.wins, self.recorder.agreement.copy()
        policy = learner.exploration_policy(generator)
        contest = self.dagger.view == "contest"
        player = (lambda side: ContestViewTeam(PolicyTeam(policy, team=side))) if contest else (lambda side: PolicyTeam(policy, team=side))
        self.recorder.record(self.buffers[-1], self.dagger.steps, player=player, beta=beta, as_seen=contest)
        self.round += 1
        played = self.recorder.games - games
        stats = {"dagger/round": float(self.round), "dagger/beta": beta, "dagger/steps": float(len(self.buffers[-1]))}
        if played:
            stats["dagger/win_rate"] = (self.recorder.wins - wins) / played
        stats.update({f"dagger/agreement/{role}": rate for role, rate in self.recorder.agreement_rates(agreement).items()})
        return stats

    def sample(self, batch_size: int, steps: int, observed: int | None = None) -> TensorDict:
        """`batch_size` windows of `steps` steps drawn across the buffers (in proportion to the steps each holds),
        their observations made from the states: `(B, steps + 1)` frames with `obs` as uint8 codes (only the
        first `observed` frames', when given: imitation needs the first frame's alone)."""
        sizes = torch.tensor([float(len(b)) for b in self.buffers])
        counts = torch.bincount(torch.multinomial(sizes, batch_size, replacement=True, generator=self.generator),
                                minlength=len(self.buffers))
        parts = []
        for buffer, grid, k in zip(self.buffers, self.grid_shapes, counts.tolist()):
            if k:
                part = buffer.sample(k, steps)
                games = part["game"] if observed is None else part["game"][:, :observed]  # (k, frames) compact states
                flip = self._flips(k)  # (k,) windows seen turned north to south (`data.demonstrations.flip`)
                frames = flip[:, None].expand(games.batch_size).numpy() if flip is not None else None
                obs = compact.observe(games, grid, self.games.planes, self.games.length, frames)  # (k, frames, A, C, h, w)
                part = part.exclude("game")
                if flip is not None:
                    flip, table = flip.to(part.device), FLIP_ACTIONS.to(part.device)
                    action = table[part["action"].long()].to(part["action"].dtype)
                    part["action"] = torch.where(flip.view(-1, 1, 1), action, part["action"])  # (k, frames, A)
                    part["legal"] = torch.where(flip.view(-1, 1, 1, 1), part["legal"][..., table], part["legal"])  # (k, frames, A, U)
                part["obs"] = pad_to(obs, self.games.grid_shape).to(part.device)
                parts.append(part)
        return torch.cat(parts, dim=0)

    def _flips(self, k: int) -> torch.Tensor | None:
        """`(k,)` bool: which of `k` windows are drawn flipped (`None` without `data.demonstrations.flip`: no draw is made)."""
        if not self.flip:
            return None
        return torch.rand(k, generator=self.generator) < self.flip

    def state_dict(self) -> dict:
        """The DAgger data and games, and every generator (the recorded file is read again on a resume)."""
        state = {"generator": self.generator.get_state(), "round": self.round,
                 "buffer_generators": [b.generator.get_state() for b in self.buffers]}
        if self.recorder is not None:
            state["recorder"] = self.recorder.state_dict()
            state["dagger"] = self.buffers[-1].state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
        self.round = int(state["round"])
        if self.recorder is not None:
            self.recorder.load_state_dict(state["recorder"])
            self.buffers[-1].load_state_dict(state["dagger"])
        for buffer, saved in zip(self.buffers, state["buffer_generators"]):
            buffer.generator.set_state(saved)

