"""Imitation: behaviour cloning of a teacher's moves, with DAgger rounds (Ross et al., 2011).

The agents' networks are trained as policies: their five outputs are logits of a softmax over the
**legal** moves (`policy_losses.legal_log_probs`), and the loss is the cross-entropy of the teacher's
move (`bc_loss`). The same networks then play greedily (the most probable legal move), are evaluated,
exported and checkpointed like any learner's, and start the reinforcement learners
(`model.init_from`: QMIX/VDN with demonstrations in replay, MAPPO kickstarted towards the clone).

The data module streams batches of demonstrations (`data.demonstrations`, recorded by
`marl demos`) and, with `data.demonstrations.dagger`, runs DAgger rounds: the clone plays, the
teacher labels the states it visits, and the labels join the data.

Shapes: `B` batch, `A` agents, `C, H, W` observation, `U` actions.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Sequence

import torch
import torch.nn.functional as F
from tensordict import TensorDict
from torch import nn

from ..critics import CriticFactory
from ..data.batch import TrainingBatch
from ..networks import AgentQNetworks, NetworkFactory, TeamNetwork
from ..parts import build, describe
from ..policy import BoltzmannPolicy, GreedyPolicy
from ..schedules import LR_SCHEDULES, lr_schedule_factor
from .base import Learner
from .policy_losses import entropy, legal_log_probs
from .spec import LearnerSpec
from .targets import n_step_bootstrap



def bc_loss(logits: torch.Tensor, legal: torch.Tensor, action: torch.Tensor,
            label_smoothing: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy of the teacher's moves under a softmax over the legal moves, per agent and sample.

    Args:
        logits: `(B, A, U)` the networks' outputs; legal: `(B, A, U)` bool; action: `(B, A)` the teacher's moves.
        label_smoothing: the share of the target spread evenly over the legal moves.

    Returns:
        the loss `(B, A)` and whether the most probable legal move is the teacher's `(B, A)`.
    """
    log_probs = legal_log_probs(logits, legal)  # (B, A, U), -inf where illegal
    taken = log_probs.gather(-1, action.long().unsqueeze(-1)).squeeze(-1)  # (B, A)
    loss = -taken
    if label_smoothing:
        spread = -(log_probs.masked_fill(~legal, 0.0)).sum(-1) / legal.sum(-1).clamp(min=1)  # (B, A) mean over legal moves
        loss = (1 - label_smoothing) * loss + label_smoothing * spread
    return loss, log_probs.argmax(-1) == action.long()


class ImitationModule(Learner):
    """The agents' networks cloned from a teacher's moves (`bc_loss`), and optionally a critic of the
    demonstrations' returns (the value MAPPO's critic starts from with `model.init_from`, and a play-time
    lookahead scores with: `lookahead:CKPT`).

    Args:
        n_agents, obs_shape, planes: linked from the data module.
        n_step: the critic's n-step returns (linked from `data.replay.n_step`).
        network: the agents' networks, a `TeamNetwork` (as for `ValueDecompositionModule`; feed-forward).
        critic: `None`, or a value network as MAPPO's (`marl_lightning.critics.ValueCritic`), learnt by n-step
            TD on windows of the demonstrations (`data.demonstrations.value_batch_size` of them a step) against a target
            critic that follows it softly (`tau`); the demonstrations' rewards must then be this run's.
        value_coef: the critic loss' weight.
        gamma: the critic's discount.
        reward_scale: rewards are multiplied by it for the critic.
        tau: the target critic's soft update.
        lr: Adam's learning rate.
        lr_schedule: `"constant"`, or `"linear"` / `"cosine"` decay to `lr_end_factor` of the rate over
            `lr_decay_steps` gradient steps (cloning to convergence: large steps first, then fine ones).
        lr_decay_steps: gradient steps of the learning-rate decay.
        lr_end_factor: the decayed rate's share of the initial one.
        weight_decay: Adam's (decoupled, AdamW) weight decay.
        label_smoothing: the share of each target spread over the legal moves (0: none).
        grad_clip: maximum gradient norm.
        explore_temperature: how the clone plays in DAgger rounds: 0 (the default) greedily, above 0 by
            sampling its softmax at that temperature.
        init_from: a checkpoint whose agents' networks (and critic, where both have one) start this run's: a clone
            of another game or view to carry on from (`recipe/imitation_contest` starts from the champion).
    """

    # the data module streams demonstrations (`data.demonstrations`, `data.demonstrations.dagger`); with a critic, windows too
    spec = LearnerSpec(stream="demonstrations", frozen=("target_critic",), learning_only=("critic", "target_critic"),
                       value=("critic",), fixed_settings=("network", "critic"), short_name="imitation")
    train_metric_names = ("bc_loss", "accuracy", "entropy", "grad_norm", "value_loss", "value_mean")

    def __init__(self, n_agents: int = 2, obs_shape: tuple[int, int, int] = (8, 20, 20), planes: Sequence[str] = (),
                 n_step: int = 1, network: NetworkFactory = AgentQNetworks, critic: CriticFactory | None = None,
                 value_coef: float = 0.5, gamma: float = 0.99, reward_scale: float = 1.0, tau: float = 0.01,
                 lr: float = 1e-3, lr_schedule: str = "constant", lr_decay_steps: int = 20_000, lr_end_factor: float = 0.05,
                 weight_decay: float = 0.0, label_smoothing: float = 0.0, grad_clip: float = 10.0,
                 explore_temperature: float = 0.0, init_from: str | None = None):
        super().__init__()
        self.save_hyperparameters(logger=False)  # the loggers get the whole config once (cli.LoggedConfigCallback)
        self.hparams.network, self.hparams.critic = describe(self.hparams.network), describe(self.hparams.critic)
        if lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {list(LR_SCHEDULES)}, got {lr_schedule!r}")
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
        self.agents: TeamNetwork = build(network, TeamNetwork, {}, n_agents, tuple(obs_shape))
        if self.agents.state_size:
            raise ValueError("imitation trains feed-forward networks (a recurrent network needs sequences: not supported here)")
        self.critic: nn.Module | None = None if critic is None else build(critic, nn.Module, {}, n_agents, tuple(obs_shape), True)
        self.target_critic = None if critic is None else copy.deepcopy(self.critic)
        self.spec = replace(type(self).spec, value_windows=critic is not None)  # the critic learns from reward windows

    def agents_loaded(self) -> None:
        """The target critic starts where a loaded critic is."""
        if self.critic is not None:
            self.target_critic.load_state_dict(self.critic.state_dict())

    def policy(self) -> GreedyPolicy:
        """The clone's greedy player: its most probable legal move."""
        return GreedyPolicy(self.agents, self.hparams.obs_shape, self.hparams.planes)

    def exploration_policy(self, generator: torch.Generator) -> GreedyPolicy:
        """How the clone plays in DAgger rounds (`explore_temperature`)."""
        h = self.hparams
        if not h.explore_temperature:
            return self.policy()
        return BoltzmannPolicy(self.agents, h.obs_shape, h.planes, lambda: h.explore_temperature, generator)

    def training_step(self, batch: TrainingBatch, batch_idx: int) -> torch.Tensor:
        self.count(batch)
        sample = batch.sample
        obs, legal, action = sample["obs"][:, 0], sample["legal"][:, 0], sample["action"][:, 0]  # (B, A, ...)
        logits, _ = self.agents(obs, self.agents.initial_state(obs.shape[0], obs.device))
        loss, correct = bc_loss(logits, legal, action, self.hparams.label_smoothing)
        loss = loss.mean()
        with torch.no_grad():
            spread = entropy(legal_log_probs(logits.detach(), legal), legal).mean()
        values = {"bc_loss": loss, "accuracy": correct.float().mean(), "entropy": spread}
        if self.critic is not None and batch.value_sample is not None:
            value_loss, value_mean = self.value_loss(batch.value_sample)
            loss = loss + self.hparams.value_coef * value_loss
            values.update(value_loss=value_loss, value_mean=value_mean)
        self.record(values, batch.stats)
        return loss

    def value_loss(self, windows: TensorDict) -> tuple[torch.Tensor, torch.Tensor]:
        """The critic's n-step TD loss on demonstration windows `(B, n + 1)` frames: `V(s_t)` against
        `sum_k gamma^k r_{t+k} + gamma^n V_target(s_{t+n})`, stopped at the game's end (`targets.n_step_bootstrap`)."""
        h = self.hparams
        obs = windows["obs"]  # (B, n+1, A, C, H, W)
        reward = windows["reward"][:, :-1] * h.reward_scale  # (B, n)
        terminated, ended = windows["terminated"][:, :-1], (windows["terminated"] | windows["truncated"])[:, :-1]
        partial, offset, discount = n_step_bootstrap(reward, terminated, ended, h.gamma, h.n_step, 1)  # (B, 1) each
        rows = torch.arange(obs.shape[0], device=obs.device)
        with torch.no_grad():
            target = partial[:, 0] + discount[:, 0] * self.target_critic(obs[rows, 1 + offset[:, 0]]).mean(-1)  # (B,)
        prediction = self.critic(obs[:, 0]).mean(-1)  # (B,)
        return F.smooth_l1_loss(prediction, target), prediction.detach().mean()

    def state_value(self, obs: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
        """The critic's value of states `(M, A, C, H, W)`: `(M,)` (play-time lookahead)."""
        return self.critic_value(obs)

    def optimizer_step(self, *args, **kwargs) -> None:
        """The gradient step, then the target critic's soft update."""
        super().optimizer_step(*args, **kwargs)
        if self.critic is not None:
            with torch.no_grad():
                for p, tp in zip(self.critic.parameters(), self.target_critic.parameters()):
                    tp.lerp_(p, self.hparams.tau)

    def configure_optimizers(self):
        h = self.hparams
        optimizer = torch.optim.AdamW(self.parameters(), lr=h.lr, weight_decay=h.weight_decay)  # the target critic has no gradient
        if h.lr_schedule == "constant":
            return optimizer
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: lr_schedule_factor(h.lr_schedule, step, h.lr_decay_steps, h.lr_end_factor))
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}


__all__ = ["ImitationModule", "bc_loss"]
