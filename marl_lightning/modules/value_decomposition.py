"""Value-decomposition learners: IQL (no mixer), VDN, QMIX and the attention mixer, one module.

The loss (`td_loss`) is QMIX's (Rashid et al., 2018, eq. 7) with double-DQN targets (van Hasselt et
al., 2016): per-agent Q-values of the actions taken are mixed into `Q_tot(s)`; the target is
`r + gamma * (1 - terminated) * Q_tot_target(s')` where each agent's next action is the online
network's argmax over its **legal** actions, valued by the target network and mixed by the
**target** mixer. Without a mixer (IQL) each agent learns on its own TD error against the team
reward. Shapes: `B` batch, `A` agents, `C, H, W` observation, `U` actions.
"""

from __future__ import annotations

import copy
import time

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F
from tensordict import TensorDict
from torchmetrics import MeanMetric

from gymPacMan import EpisodeResults

from ..exploration import epsilon_at, epsilon_greedy, masked_argmax
from ..mixers import MIXERS, global_state
from ..networks import AgentQNetworks
from ..rollout import summarize
from ..targets import double_q_next_values, td_target

EPISODE_METRICS = ("episode_return", "win", "tie", "score", "food_returned", "length")


class ValueDecompositionModule(L.LightningModule):
    """Agent Q-networks, an optional mixer, their targets, and the double-DQN TD loss.

    Args:
        n_agents, grid_shape: linked from the data module (A and the padded `(H, W)`).
        mixer: `None` (IQL), `"vdn"`, `"qmix"` or `"attention"`.
        mixer_embed: width of the mixing network.
        shared: one Q-network for all agents (with an agent-id input) or one per agent.
        channels, hidden, batch_norm, pooling: the agent network (`AgentCNN`).
        gamma: discount.
        lr, mixer_lr: Adam learning rates of the agent networks and of the mixer (default: `lr`).
        grad_clip: maximum gradient norm.
        target_update: `"hard"` (copy every `target_update_interval` gradient steps) or `"soft"`
            (Polyak averaging with `tau` after every step).
        epsilon_start, epsilon_end, epsilon_decay_steps, epsilon_schedule: exploration, as a
            function of environment steps (`"linear"` or `"exponential"`).
        huber_delta: the Huber loss's threshold.
        recurrent, burn_in: linked from the data module (`data.sequence_length > 0`): GRU agents
            trained on stored sequences whose first `burn_in` steps only warm up the hidden state.
    """

    def __init__(self, n_agents: int = 2, grid_shape: tuple[int, int] = (20, 20), mixer: str | None = "qmix",
                 mixer_embed: int = 32, shared: bool = True, channels: tuple[int, ...] = (16, 32, 64),
                 hidden: int = 64, batch_norm: bool = False, pooling: str = "flatten", gamma: float = 0.99,
                 lr: float = 5e-4, mixer_lr: float | None = None, grad_clip: float = 10.0,
                 target_update: str = "hard", target_update_interval: int = 200, tau: float = 0.005,
                 epsilon_start: float = 1.0, epsilon_end: float = 0.05, epsilon_decay_steps: int = 50_000,
                 epsilon_schedule: str = "linear", huber_delta: float = 1.0, recurrent: bool = False,
                 burn_in: int = 0):
        super().__init__()
        self.save_hyperparameters()
        if mixer is not None and mixer not in MIXERS:
            raise ValueError(f"unknown mixer {mixer!r}; choose one of {sorted(MIXERS)} or null (IQL)")
        if target_update not in ("hard", "soft"):
            raise ValueError(f"target_update must be 'hard' or 'soft', got {target_update!r}")
        epsilon_at(0, epsilon_start, epsilon_end, epsilon_decay_steps, epsilon_schedule)  # validates the schedule
        self.agents = AgentQNetworks(n_agents, tuple(grid_shape), shared=shared, recurrent=recurrent,
                                     channels=tuple(channels), hidden=hidden, batch_norm=batch_norm, pooling=pooling)
        self.mixer = MIXERS[mixer](n_agents=n_agents, embed=mixer_embed) if mixer else None
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

    @torch.no_grad()
    def q_values(self, obs: torch.Tensor, hidden: torch.Tensor | None = None):
        """Q-values of the online agents in evaluation mode: `(N, A, C, H, W)` -> `(N, A, U)`
        (recurrent agents: also the next hidden state `(N, A, hidden)`; `None` starts from zeros)."""
        was_training = self.agents.training
        self.agents.eval()
        obs = obs.to(self.device, torch.float32)
        if self.hparams.recurrent:
            hidden = self.agents.initial_state(obs.shape[0], self.device) if hidden is None else hidden.to(self.device)
            out = self.agents(obs, hidden)
        else:
            out = self.agents(obs)
        self.agents.train(was_training)
        return out

    def explore(self, obs: torch.Tensor, legal: torch.Tensor, hidden: torch.Tensor | None = None,
                generator: torch.Generator | None = None):
        """Epsilon-greedy legal actions `(N, A)` for collecting experience (recurrent: and the next hidden
        state); random draws come from `generator` (the collector's)."""
        if self.hparams.recurrent:
            q, hidden = self.q_values(obs, hidden)
            return epsilon_greedy(q, legal.to(self.device), self.epsilon, generator).cpu(), hidden
        return epsilon_greedy(self.q_values(obs), legal.to(self.device), self.epsilon, generator).cpu()

    def greedy(self, obs: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
        """Greedy legal actions `(N, A)` of feed-forward agents (evaluation)."""
        return masked_argmax(self.q_values(obs), legal.to(self.device)).cpu()

    def greedy_actor(self) -> "GreedyActor":
        """A greedy player for evaluation games that keeps recurrent agents' memory per game."""
        return GreedyActor(self)

    def record_episodes(self, results: list[EpisodeResults]) -> None:
        for name, values in summarize(results).items():
            self.episode_metrics[name].update(torch.as_tensor(values, dtype=torch.float32))

    # -- learning -------------------------------------------------------------------------------
    def td_loss(self, batch: TensorDict) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        """The TD loss of a batch; returns (loss, |TD error| per sampled item for priorities, diagnostics)."""
        gamma = self.hparams.gamma
        q_taken, next_values, obs, next_obs, reward, terminated, weight = (
            self._sequence_values(batch) if self.hparams.recurrent else self._transition_values(batch))
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

    def _transition_values(self, batch: TensorDict):
        """Per-agent Q of the actions taken and double-DQN next values, `(B, A)` each, and the rest `(B, ...)`."""
        obs, next_obs = batch["obs"].float(), batch["next_obs"].float()  # (B, A, C, H, W)
        q_taken = self.agents(obs).gather(-1, batch["action"].unsqueeze(-1)).squeeze(-1)  # (B, A)
        with torch.no_grad():
            next_values = double_q_next_values(self.agents(next_obs), self.target_agents(next_obs), batch["next_legal"])
        return q_taken, next_values, obs, next_obs, batch["reward"], batch["terminated"], batch["priority_weight"]

    def _sequence_values(self, batch: TensorDict):
        """The same for sequences `(B, L, ...)`: unroll the GRU agents from their stored state, burn in
        the first steps without gradient, and flatten the trained steps to `M = B * (L - burn_in)`.

        The next value of step t comes from one more step on `next_obs[t]` from the hidden state after
        t (for a step inside an episode that is just step t + 1; for the last step of a game, its final
        observation), for the online network and, from its own unroll, for the target network.
        """
        burn = self.hparams.burn_in
        obs, next_obs = batch["obs"].float(), batch["next_obs"].float()  # (B, L, A, C, H, W)
        b, length = obs.shape[:2]
        done = batch["done"]
        starts = torch.zeros_like(done)
        starts[:, 1:] = done[:, :-1]  # an episode starts after a step that ended one
        h0 = batch["hidden"]  # (B, A, hidden)
        with torch.no_grad():
            _, h_burn = self.agents.unroll(obs[:, :burn], h0, starts[:, :burn]) if burn else (None, h0[:, None])
            _, h_target = self.target_agents.unroll(obs, h0, starts)  # (B, L, A, hidden)
        q, h_online = self.agents.unroll(obs[:, burn:], h_burn[:, -1], starts[:, burn:])  # (B, T, A, U), (B, T, A, hidden)
        t = length - burn
        flat = lambda x: x[:, burn:].reshape(b * t, *x.shape[2:]) if x.shape[1] == length else x.reshape(b * t, *x.shape[2:])  # noqa: E731
        q_taken = q.gather(-1, batch["action"][:, burn:].unsqueeze(-1)).squeeze(-1).reshape(b * t, -1)  # (M, A)
        with torch.no_grad():
            online_next, _ = self.agents(flat(next_obs), flat(h_online.detach()))  # (M, A, U)
            target_next, _ = self.target_agents(flat(next_obs), flat(h_target))
            next_values = double_q_next_values(online_next, target_next, flat(batch["next_legal"]))  # (M, A)
        weight = batch["priority_weight"][:, None].expand(b, t).reshape(-1)
        return q_taken, next_values, flat(obs), flat(next_obs), flat(batch["reward"]), flat(batch["terminated"]), weight

    def training_step(self, batch: TensorDict, batch_idx: int) -> torch.Tensor:
        loss, td_error, diagnostics = self.td_loss(batch)
        self.trainer.datamodule.buffer.update_priority(batch["index"], td_error)
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


class GreedyActor:
    """Greedy legal actions for evaluation games; recurrent agents keep a hidden state per game,
    cleared when a game starts (`reset_games`, called by `agents.PolicyTeam`)."""

    def __init__(self, module: ValueDecompositionModule):
        self.module, self.hidden = module, None

    def reset_games(self, games: np.ndarray, num_games: int) -> None:
        if self.hidden is not None and self.hidden.shape[0] == num_games:
            self.hidden[torch.as_tensor(games, dtype=torch.long)] = 0.0
        else:
            self.hidden = None

    def __call__(self, obs: np.ndarray, legal: np.ndarray) -> torch.Tensor:
        obs, legal = torch.as_tensor(obs), torch.as_tensor(legal)
        if not self.module.hparams.recurrent:
            return self.module.greedy(obs, legal)
        if self.hidden is not None and self.hidden.shape[0] != obs.shape[0]:
            self.hidden = None
        q, self.hidden = self.module.q_values(obs, self.hidden)
        return masked_argmax(q, legal.to(q.device)).cpu()
