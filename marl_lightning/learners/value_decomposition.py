"""Value-decomposition learners: IQL (no mixer), VDN, QMIX and the attention mixer, one module.

The loss (`td_loss`) is QMIX's (Rashid et al., 2018, eq. 7) with double-DQN targets (van Hasselt et
al., 2016): per-agent Q-values of the actions taken are mixed into `Q_tot(s)`; the target is
`r + gamma * (1 - terminated) * Q_tot_target(s')` where each agent's next action is the online
network's argmax over its **legal** actions, valued by the target network and mixed by the
**target** mixer. Without a mixer (IQL) each agent learns on its own TD error against the team
reward. Shapes: `B` batch, `L` sequence length, `A` agents, `C, H, W` observation, `U` actions,
`S` recurrent state.

Feed-forward and recurrent agents share one path: a transition is a sequence of one step whose
stored state is empty, so there is one loss, unrolled over time.
"""

from __future__ import annotations

import copy
import time
from typing import Callable

import lightning as L
import torch
import torch.nn.functional as F
from tensordict import TensorDict
from torchmetrics import MeanMetric

from ..data import TrainingBatch
from ..exploration import epsilon_at
from ..mixers import ALIASES as MIXER_ALIASES
from ..mixers import Mixer, global_state
from ..networks import AgentQNetworks, TeamNetwork
from ..parts import build, describe
from ..policy import EpsilonGreedyPolicy, GreedyPolicy
from .targets import double_q_next_values, td_target

EPISODE_METRICS = ("episode_return", "win", "tie", "score", "food_returned", "length")

NetworkFactory = Callable[[int, tuple[int, int, int], bool], TeamNetwork]  # (n_agents, obs_shape, recurrent)
MixerFactory = Callable[[int, tuple[int, int, int]], Mixer]  # (n_agents, state_shape)


class ValueDecompositionModule(L.LightningModule):
    """Agent Q-networks, an optional mixer, their targets, and the double-DQN TD loss.

    Args:
        n_agents, obs_shape, recurrent, burn_in: linked from the data module: A, each agent's padded
            observation `(C, H, W)`, whether it stores sequences (then recurrent agents train on them,
            the first `burn_in` steps of each only warming up the state).
        network: the agents' Q-networks, a `TeamNetwork` class called with `(n_agents, obs_shape,
            recurrent)`; in YAML `{class_path: marl_lightning.networks.AgentQNetworks, init_args: {...}}`.
        mixer: a `Mixer` class called with `(n_agents, state_shape)` (`class_path` / `init_args` in
            YAML; your own subclass works the same way), a short name (`qmix`, `vdn`, `attention`), or
            `None` for IQL.
        gamma: discount.
        lr, mixer_lr: Adam learning rates of the agent networks and of the mixer (default: `lr`).
        grad_clip: maximum gradient norm (applied here; leave `trainer.gradient_clip_val` unset).
        target_update: `"hard"` (copy every `target_update_interval` gradient steps) or `"soft"`
            (Polyak averaging with `tau` after every step).
        epsilon_start, epsilon_end, epsilon_decay_steps, epsilon_schedule: exploration, as a
            function of environment steps (`"linear"` or `"exponential"`).
        huber_delta: the Huber loss's threshold.
    """

    def __init__(self, n_agents: int = 2, obs_shape: tuple[int, int, int] = (8, 20, 20), recurrent: bool = False,
                 burn_in: int = 0, network: NetworkFactory = AgentQNetworks, mixer: str | MixerFactory | None = "qmix",
                 gamma: float = 0.99, lr: float = 5e-4, mixer_lr: float | None = None, grad_clip: float = 10.0,
                 target_update: str = "hard", target_update_interval: int = 200, tau: float = 0.005,
                 epsilon_start: float = 1.0, epsilon_end: float = 0.05, epsilon_decay_steps: int = 50_000,
                 epsilon_schedule: str = "linear", huber_delta: float = 1.0):
        super().__init__()
        self.save_hyperparameters()
        self.hparams.network, self.hparams.mixer = describe(self.hparams.network), describe(self.hparams.mixer)  # plain dicts
        if target_update not in ("hard", "soft"):
            raise ValueError(f"target_update must be 'hard' or 'soft', got {target_update!r}")
        epsilon_at(0, epsilon_start, epsilon_end, epsilon_decay_steps, epsilon_schedule)  # validates the schedule
        obs_shape = tuple(obs_shape)
        self.agents: TeamNetwork = build(network, TeamNetwork, {}, n_agents, obs_shape, recurrent)
        state_shape = (n_agents * obs_shape[0], *obs_shape[1:])  # the mixer's global state (A*C, H, W)
        self.mixer: Mixer | None = None if mixer is None else build(mixer, Mixer, MIXER_ALIASES, n_agents, state_shape)
        self.target_agents = copy.deepcopy(self.agents).requires_grad_(False)
        self.target_mixer = copy.deepcopy(self.mixer).requires_grad_(False) if self.mixer else None
        self.register_buffer("env_steps", torch.zeros((), dtype=torch.long))  # saved in checkpoints
        # each rank logs its own games' averages: syncing inside compute() would be a collective call
        # that ranks without finished games never make (a DDP hang)
        self.episode_metrics = torch.nn.ModuleDict({name: MeanMetric(sync_on_compute=False) for name in EPISODE_METRICS})
        self._clock: tuple[float, int] | None = None

    # -- acting ---------------------------------------------------------------------------------
    @property
    def epsilon(self) -> float:
        h = self.hparams
        return epsilon_at(int(self.env_steps), h.epsilon_start, h.epsilon_end, h.epsilon_decay_steps, h.epsilon_schedule)

    def policy(self) -> GreedyPolicy:
        """The greedy player of the live networks (evaluation, `load_policy`, export)."""
        return GreedyPolicy(self.agents, self.hparams.obs_shape)

    def exploration_policy(self, generator: torch.Generator) -> EpsilonGreedyPolicy:
        """Epsilon-greedy over legal actions with the current epsilon, drawing from `generator`."""
        return EpsilonGreedyPolicy(self.agents, self.hparams.obs_shape, lambda: self.epsilon, generator)

    # -- learning -------------------------------------------------------------------------------
    def td_loss(self, batch: TensorDict) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        """The TD loss of a batch; returns (loss, |TD error| per sampled item for priorities, diagnostics)."""
        gamma = self.hparams.gamma
        q_taken, next_values, obs, next_obs, reward, terminated, weight = self._values(batch)
        if self.mixer is None:  # IQL: every agent against the team reward
            prediction = q_taken  # (M, A)
            target = td_target(reward[:, None], terminated[:, None], next_values, gamma)  # (M, A)
        else:
            prediction = self.mixer(q_taken, global_state(obs))  # (M,)
            with torch.no_grad():
                next_q_tot = self.target_mixer(next_values, global_state(next_obs))  # (M,)
            target = td_target(reward, terminated, next_q_tot, gamma)  # (M,)
        td_error = target - prediction
        elementwise = F.huber_loss(prediction, target, delta=self.hparams.huber_delta, reduction="none")
        if elementwise.dim() == 2:  # IQL: average the agents' losses and errors
            elementwise, td_error = elementwise.mean(dim=1), td_error.abs().mean(dim=1)
        loss = (weight * elementwise).mean()
        item_error = td_error.abs().detach().view(batch.batch_size[0], -1).mean(dim=1)  # (B,): per transition or sequence
        diagnostics = {"q_taken_mean": q_taken.mean(), "target_mean": target.mean(), "td_error_abs": td_error.abs().mean()}
        return loss, item_error, diagnostics

    def _values(self, batch: TensorDict):
        """Per-agent Q of the actions taken and double-DQN next values, `(M, A)` each, and the rest `(M, ...)`.

        A batch of sequences `(B, L, ...)` (a batch of transitions is one of sequences of length 1 with
        an empty stored state): unroll the agents from their stored state, burn in the first steps
        without gradient, and flatten the trained steps to `M = B * (L - burn_in)`. The next value of
        step t comes from one more step on `next_obs[t]` from the state after t (inside an episode
        that is step t + 1; for the last step of a game, its final observation), for the online
        network and, from its own unroll, for the target network.
        """
        burn = self.hparams.burn_in
        if "done" not in batch.keys():  # transitions: sequences of one step
            sequences = batch.exclude("index", "priority_weight").unsqueeze(1)  # (B, 1, ...)
            sequences["done"] = sequences["terminated"]
            sequences.batch_size = sequences.batch_size[:1]
            sequences["hidden"] = self.agents.initial_state(batch.batch_size[0], self.device)  # (B, A, 0)
            sequences["priority_weight"] = batch["priority_weight"]
            batch, burn = sequences, 0
        obs, next_obs = batch["obs"].float(), batch["next_obs"].float()  # (B, L, A, C, H, W)
        b, length = obs.shape[:2]
        done = batch["done"]
        starts = torch.zeros_like(done)
        starts[:, 1:] = done[:, :-1]  # an episode starts after a step that ended one
        h0 = batch["hidden"]  # (B, A, S)
        with torch.no_grad():
            _, h_burn = self.agents.unroll(obs[:, :burn], h0, starts[:, :burn]) if burn else (None, h0[:, None])
            if self.agents.state_size:
                _, h_target = self.target_agents.unroll(obs, h0, starts)  # (B, L, A, S)
            else:
                h_target = h0[:, None].expand(b, length, *h0.shape[1:])  # feed-forward: nothing to unroll
        q, h_online = self.agents.unroll(obs[:, burn:], h_burn[:, -1], starts[:, burn:])  # (B, T, A, U), (B, T, A, S)
        t = length - burn
        flat = lambda x: x[:, burn:].reshape(b * t, *x.shape[2:]) if x.shape[1] == length else x.reshape(b * t, *x.shape[2:])  # noqa: E731
        q_taken = q.gather(-1, batch["action"][:, burn:].unsqueeze(-1)).squeeze(-1).reshape(b * t, -1)  # (M, A)
        with torch.no_grad():
            online_next, _ = self.agents(flat(next_obs), flat(h_online.detach()))  # (M, A, U)
            target_next, _ = self.target_agents(flat(next_obs), flat(h_target))
            next_values = double_q_next_values(online_next, target_next, flat(batch["next_legal"]))  # (M, A)
        weight = batch["priority_weight"][:, None].expand(b, t).reshape(-1)
        return q_taken, next_values, flat(obs), flat(next_obs), flat(batch["reward"]), flat(batch["terminated"]), weight

    def training_step(self, batch: TrainingBatch, batch_idx: int) -> torch.Tensor:
        self.env_steps += batch.env_steps
        for name, values in batch.episodes.items():
            self.episode_metrics[name].update(torch.as_tensor(values, dtype=torch.float32))
        loss, td_error, diagnostics = self.td_loss(batch.sample)
        batch.report_td_error(td_error)  # prioritized replay: the buffer owns the priorities
        self.log("train/td_loss", loss, prog_bar=False)
        for name, value in diagnostics.items():
            self.log(f"train/{name}", value)
        self.log("train/epsilon", self.epsilon)
        self.log("rollout/env_steps", self.env_steps.float())
        self._log_speed()
        for name, metric in self.episode_metrics.items():
            if metric.update_count:
                self.log(f"rollout/{name}", metric.compute(), prog_bar=name == "win")
                metric.reset()
        return loss

    def on_train_start(self) -> None:
        self._started = time.perf_counter()

    def _log_speed(self) -> None:
        """Environment steps per second of wall-clock training (rollout plus learning), and minutes so far."""
        now, steps = time.perf_counter(), int(self.env_steps)
        if self._clock is not None and now > self._clock[0]:
            self.log("rollout/sps", (steps - self._clock[1]) / (now - self._clock[0]), prog_bar=True)
        self._clock = (now, steps)
        self.log("rollout/minutes", (now - getattr(self, "_started", now)) / 60)

    def on_before_optimizer_step(self, optimizer) -> None:
        norm = torch.nn.utils.clip_grad_norm_(self.parameters(), self.hparams.grad_clip)
        self.log("train/grad_norm", norm)

    def optimizer_step(self, *args, **kwargs) -> None:
        """The gradient step, then the target update, so a checkpoint taken after it holds both."""
        super().optimizer_step(*args, **kwargs)
        h = self.hparams
        if h.target_update == "soft":
            self._sync_targets(h.tau)
        elif (self.global_step + 1) % h.target_update_interval == 0:  # global_step counts this step after the hook
            self._sync_targets(1.0)

    def train(self, mode: bool = True):
        """Target networks always evaluate (batch norm uses running statistics there, never batch ones)."""
        super().train(mode)
        self.target_agents.eval()
        if self.target_mixer is not None:
            self.target_mixer.eval()
        return self

    @torch.no_grad()
    def _sync_targets(self, tau: float) -> None:
        pairs = [(self.agents, self.target_agents)] + ([(self.mixer, self.target_mixer)] if self.mixer else [])
        for online, target in pairs:
            for p, tp in zip(online.state_dict().values(), target.state_dict().values()):
                if tp.dtype.is_floating_point:
                    tp.lerp_(p, tau)
                else:
                    tp.copy_(p)

    def configure_optimizers(self):
        h = self.hparams
        groups = [{"params": self.agents.parameters(), "lr": h.lr, "name": "agents"}]
        if self.mixer is not None:
            groups.append({"params": self.mixer.parameters(), "lr": h.mixer_lr or h.lr, "name": "mixer"})
        return torch.optim.Adam(groups)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        """Name the learner, so `load_policy` rebuilds it from the checkpoint's hyperparameters alone."""
        checkpoint["learner"] = f"{type(self).__module__}.{type(self).__qualname__}"
