"""MAPPO and IPPO: PPO for the two blue agents with a centralised or an independent critic.

MAPPO (Yu et al., 2022): the agents' actor (one network shared with a one-hot agent id, or one each)
draws from a softmax over the **legal** actions; a centralised critic values the global state (both
agents' observations, with the time and score planes where they are on); advantages come from GAE
over each rollout of every game (a game cut by the time limit bootstraps from where it stopped, unless
the agents observe the clock); each rollout is learned from in `epochs` shuffled passes of
`minibatches` parts with the clipped surrogate, a clipped value loss and an entropy bonus that decays
over environment steps. With `centralised_critic: false` every agent has its own value of its own
observation and its own advantage: IPPO (de Witt et al., 2020), the same code otherwise.

The actor is a `TeamNetwork`, so the greedy player of a checkpoint (`policy()`: the most probable
legal action) plays through `load_policy`, evaluation, tournaments, leagues and the contest export
exactly as a QMIX team does.

Shapes: `T` rollout steps, `N` games, `B` samples of a minibatch, `A` agents, `U` actions, `V` values
per game (1 centralised, `A` independent).
"""

from __future__ import annotations

import copy

from typing import Any, Callable, Mapping, Sequence

import torch
from tensordict import TensorDict
from torch import nn

from ..critics import CriticFactory, ValueCritic
from ..data.batch import TrainingBatch
from ..data.onpolicy import RolloutBuffer
from ..networks import AgentQNetworks, NetworkFactory, TeamNetwork
from ..parts import build, describe
from ..policy import BoltzmannPolicy, GreedyPolicy
from ..schedules import decay_at
from .base import Learner
from .spec import LearnerSpec
from .policy_losses import clipped_surrogate, clipped_value_loss, entropy, gae, kl_divergence, legal_log_probs

EVAL_CHUNK = 4096  # frames the networks see at once when a rollout is prepared


class MAPPOModule(Learner):
    """The actor, the critic and PPO's losses.

    Args:
        n_agents: A, the agents of the learning team (linked from the data module).
        obs_shape: each agent's padded observation `(C, H, W)` (linked from the data module).
        planes: the extra observation planes the data module adds (linked).
        actor: the agents' policy networks, a `TeamNetwork` class called with `(n_agents, obs_shape)`
            whose outputs are the actions' logits (in YAML `{class_path: marl_lightning.networks.AgentQNetworks,
            init_args: {...}}`; feed-forward).
        critic: a value network called with `(n_agents, obs_shape, centralised)` returning `(B, V)`
            (`marl_lightning.critics.ValueCritic` and its `init_args`).
        centralised_critic: MAPPO's critic of the global state (`true`), or IPPO's per-agent critics.
        gamma: discount.
        gae_lambda: GAE's lambda (0: one-step TD advantages, 1: Monte-Carlo returns).
        rollout_length: vector steps of every game collected per update (`T`; linked from the data module,
            which collects them).
        epochs: passes over each rollout (linked from the data module, which serves them).
        minibatches: parts of a pass, a gradient step each (linked from the data module).
        clip: the surrogate's ratio clip.
        value_clip: how far the critic's value may move from the rollout's in the value loss (`null`:
            unclipped).
        value_coef: weight of the value loss.
        entropy_start: the entropy bonus' weight at the first environment step.
        entropy_end: its weight after the decay.
        entropy_decay_steps: environment steps of its linear decay.
        normalize_advantages: advantages standardised per minibatch.
        reward_scale: rewards are multiplied by it (the game pays 0.01 to 20+).
        lr: Adam's learning rate of the actor.
        critic_lr: Adam's learning rate of the critic (default: `lr`).
        grad_clip: maximum gradient norm of both, clipped by the learner (the one clipping in effect;
            leave `trainer.gradient_clip_val` unset).
        init_from: a checkpoint whose agents' networks start the actor (an imitation clone with the same
            `actor` network; `None`: fresh).
        kickstart: kickstarting (Schmitt et al., 2018): the weight, at the first environment step, of the
            distillation loss `KL(clone || actor)` towards the actor `init_from` started as, kept frozen; it
            decays linearly to 0 over `kickstart_decay_steps` environment steps, so the actor leans on its
            teacher at first and on its own returns later (0: off).
        kickstart_decay_steps: environment steps of that decay.
    """

    spec = LearnerSpec(stream="rollout", frozen=("clone",), learning_only=("critic", "clone"), value=("critic",),
                       fixed_settings=("actor", "critic", "centralised_critic"), short_name="mappo")
    train_metric_names = ("loss", "policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction",
                          "advantage_mean", "value_mean", "grad_norm", "kickstart_kl")

    def __init__(self, n_agents: int = 2, obs_shape: tuple[int, int, int] = (8, 20, 20), planes: Sequence[str] = (),
                 actor: NetworkFactory = AgentQNetworks, critic: CriticFactory = ValueCritic,
                 centralised_critic: bool = True, gamma: float = 0.99, gae_lambda: float = 0.95,
                 rollout_length: int = 32, epochs: int = 4, minibatches: int = 4, clip: float = 0.2,
                 value_clip: float | None = 0.2, value_coef: float = 0.5, entropy_start: float = 0.01,
                 entropy_end: float = 0.001, entropy_decay_steps: int = 1_000_000, normalize_advantages: bool = True,
                 reward_scale: float = 1.0, lr: float = 5e-4, critic_lr: float | None = None, grad_clip: float = 10.0,
                 init_from: str | None = None, kickstart: float = 0.0, kickstart_decay_steps: int = 1_000_000):
        super().__init__()
        self.save_hyperparameters(logger=False)  # the loggers get the whole config once (cli.LoggedConfigCallback)
        self.hparams.actor, self.hparams.critic = describe(self.hparams.actor), describe(self.hparams.critic)
        if not 0.0 <= gae_lambda <= 1.0 or clip <= 0.0:
            raise ValueError(f"need gae_lambda in [0, 1] and clip > 0, got {gae_lambda} and {clip}")
        obs_shape = tuple(obs_shape)
        self.agents: TeamNetwork = build(actor, TeamNetwork, {}, n_agents, obs_shape)
        if self.agents.state_size:
            raise ValueError("MAPPO's actors are feed-forward here: give the actor without `recurrent: true`")
        self.critic: nn.Module = build(critic, nn.Module, {}, n_agents, obs_shape, centralised_critic)
        if kickstart and not init_from:
            raise ValueError("model.kickstart distils towards the clone model.init_from names: give model.init_from too")
        # the clone the actor started as, frozen (kickstarting); in checkpoints, so a resume keeps it
        self.clone: TeamNetwork | None = copy.deepcopy(self.agents) if kickstart else None

    @classmethod
    def algorithm_name(cls, settings: Mapping[str, Any]) -> str:
        """`mappo`, or `ippo` without the centralised critic."""
        return "mappo" if settings.get("centralised_critic", True) else "ippo"

    # -- acting ---------------------------------------------------------------------------------
    @property
    def entropy_coef(self) -> float:
        h = self.hparams
        return decay_at(self._env_steps, h.entropy_start, h.entropy_end, h.entropy_decay_steps, "linear")

    @property
    def kickstart_coef(self) -> float:
        h = self.hparams
        return decay_at(self._env_steps, h.kickstart, 0.0, h.kickstart_decay_steps, "linear") if h.kickstart else 0.0

    def state_value(self, obs: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
        """The critic's value of states `(M, A, C, H, W)`: `(M,)` (the agents' mean for IPPO's; play-time lookahead)."""
        return self.critic_value(obs)

    def agents_loaded(self) -> None:
        """Kickstarting keeps the clone the actor starts as."""
        if self.clone is not None:
            self.clone.load_state_dict(self.agents.state_dict())

    def train(self, mode: bool = True):
        """The frozen clone always evaluates."""
        super().train(mode)
        if self.clone is not None:
            self.clone.eval()
        return self

    def policy(self) -> GreedyPolicy:
        """The most probable legal action of each agent (evaluation, `load_policy`, export)."""
        return GreedyPolicy(self.agents, self.hparams.obs_shape, self.hparams.planes)

    def exploration_policy(self, generator: torch.Generator) -> GreedyPolicy:
        """Actions drawn from the actor's legal-action distribution (a softmax at temperature 1)."""
        return BoltzmannPolicy(self.agents, self.hparams.obs_shape, self.hparams.planes, lambda: 1.0, generator)

    def _log_probs(self, obs: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
        """`(B, A, C, H, W)`, `(B, A, U)` -> legal log-probabilities `(B, A, U)`."""
        logits, _ = self.agents(obs, self.agents.initial_state(obs.shape[0], obs.device))
        return legal_log_probs(logits, legal)

    # -- turning a rollout into samples -----------------------------------------------------------
    @torch.no_grad()
    def prepare_rollout(self, rollout: RolloutBuffer, now: torch.Tensor,
                        decode: Callable[[torch.Tensor], torch.Tensor]) -> TensorDict:
        """The samples `(T*N,)` of a collected rollout: its frames with the log-probability of each action
        taken under the rollout's policy, the critic's values, GAE advantages and returns. `now`
        `(N, A, C, H, W)` (uint8) is what the games see after the rollout; `decode` makes floats of codes."""
        h = self.hparams
        frames = rollout.frames()  # (T, N)
        t, n = frames.batch_size
        was_training = self.training
        self.eval()
        try:
            codes = torch.cat([frames["obs"], now[None]]).flatten(0, 1)  # ((T+1)*N, A, C, H, W)
            values = self._chunked(lambda c: self.critic(decode(c)), codes).unflatten(0, (t + 1, n))  # (T+1, N, V)
            log_probs = self._chunked(lambda x: self._taken_log_prob(decode(x[0]), x[1], x[2]),
                                      (frames["obs"].flatten(0, 1), frames["legal"].flatten(0, 1),
                                       frames["action"].flatten(0, 1))).unflatten(0, (t, n))  # (T, N, A)
            next_value = values[1:].clone()  # the state after each step...
            steps, games, final = rollout.final_frames()
            if final is not None:  # ...or the one a game ended in
                next_value[steps.to(self.device), games.to(self.device)] = self._chunked(lambda c: self.critic(decode(c)), final["obs"])
            teacher = {}
            if self.clone is not None and self.kickstart_coef:  # the frozen clone's view of each frame, once, not every epoch
                teacher["teacher_log_probs"] = self._chunked(lambda x: self._clone_log_probs(decode(x[0]), x[1]), (
                    frames["obs"].flatten(0, 1), frames["legal"].flatten(0, 1))).unflatten(0, (t, n))  # (T, N, A, U)
        finally:
            self.train(was_training)
        advantage, returns = gae(frames["reward"] * h.reward_scale, values[:-1], next_value, frames["terminated"],
                                 frames["terminated"] | frames["truncated"], h.gamma, h.gae_lambda)
        return TensorDict({
            "obs": frames["obs"], "legal": frames["legal"], "action": frames["action"],
            "log_prob": log_probs, "value": values[:-1], "advantage": advantage, "return": returns, **teacher,
        }, batch_size=[t, n]).flatten(0, 1)

    def _clone_log_probs(self, obs: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
        """The frozen clone's legal log-probabilities `(B, A, U)` (kickstarting's teacher)."""
        return legal_log_probs(self.clone(obs, self.clone.initial_state(obs.shape[0], obs.device))[0], legal)

    def _taken_log_prob(self, obs: torch.Tensor, legal: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        return self._log_probs(obs, legal).gather(-1, action.long()[..., None]).squeeze(-1)  # (B, A)

    @staticmethod
    def _chunked(fn: Callable, inputs) -> torch.Tensor:
        """`fn` over the leading dimension of `inputs` (a tensor or a tuple of them) in chunks."""
        size = (inputs[0] if isinstance(inputs, tuple) else inputs).shape[0]
        parts = []
        for start in range(0, size, EVAL_CHUNK):
            part = tuple(x[start:start + EVAL_CHUNK] for x in inputs) if isinstance(inputs, tuple) else inputs[start:start + EVAL_CHUNK]
            parts.append(fn(part))
        return torch.cat(parts)

    # -- learning -------------------------------------------------------------------------------
    def ppo_loss(self, sample: TensorDict) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The loss of one minibatch `(B,)`: surrogate + value_coef * value loss - entropy_coef * entropy."""
        h = self.hparams
        obs, legal = sample["obs"], sample["legal"]  # (B, A, C, H, W), (B, A, U)
        log_probs = self._log_probs(obs, legal)  # (B, A, U)
        taken = log_probs.gather(-1, sample["action"].long()[..., None]).squeeze(-1)  # (B, A)
        advantage = sample["advantage"]  # (B, V)
        if h.normalize_advantages:
            advantage = (advantage - advantage.mean()) / (advantage.std() + 1e-8)
        advantage = advantage.expand(-1, taken.shape[1]) if advantage.shape[1] == 1 else advantage  # (B, A)
        policy_loss, clipped = clipped_surrogate(taken, sample["log_prob"], advantage, h.clip)
        value = self.critic(obs)  # (B, V)
        value_loss = clipped_value_loss(value, sample["value"], sample["return"], h.value_clip)
        spread = entropy(log_probs, legal)  # (B, A)
        loss = policy_loss.mean() + h.value_coef * value_loss.mean() - self.entropy_coef * spread.mean()
        if self.clone is not None and self.kickstart_coef:
            teacher = sample.get("teacher_log_probs")  # (B, A, U) the clone's, from `prepare_rollout`
            if teacher is None:  # samples prepared before the clone was kept with them (an older checkpoint)
                with torch.no_grad():
                    teacher = self._clone_log_probs(obs, legal)
            distillation = kl_divergence(teacher, log_probs, legal)  # (B, A) KL(clone || actor)
            loss = loss + self.kickstart_coef * distillation.mean()
        log_ratio = taken - sample["log_prob"]
        diagnostics = {
            "policy_loss": policy_loss.mean(), "value_loss": value_loss.mean(), "entropy": spread.mean(),
            "approx_kl": ((log_ratio.exp() - 1) - log_ratio).mean(),  # Schulman's low-variance estimator
            "clip_fraction": clipped.float().mean(), "advantage_mean": sample["advantage"].mean(),
            "value_mean": value.mean(),
        }
        if self.clone is not None and self.kickstart_coef:
            diagnostics["kickstart_kl"] = distillation.mean()
        return loss, diagnostics

    def training_step(self, batch: TrainingBatch, batch_idx: int) -> torch.Tensor:
        self.count(batch)
        loss, diagnostics = self.ppo_loss(batch.sample)
        self.record({"loss": loss, **diagnostics}, batch.stats)
        return loss

    def logged_scalars(self) -> dict[str, float]:
        kickstart = {"train/kickstart_coef": self.kickstart_coef} if self.clone is not None else {}
        return {"train/entropy_coef": self.entropy_coef, **kickstart, **super().logged_scalars()}

    def configure_optimizers(self):
        h = self.hparams
        return torch.optim.Adam([{"params": self.agents.parameters(), "lr": h.lr, "name": "actor"},
                                 {"params": self.critic.parameters(), "lr": h.critic_lr or h.lr, "name": "critic"}])
