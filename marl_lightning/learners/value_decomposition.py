"""Value-decomposition learners: IQL (no mixer), VDN, QMIX and the attention mixer, one module.

The loss (`td_loss`) is QMIX's (Rashid et al., 2018, eq. 7) with double-DQN targets (van Hasselt et
al., 2016): per-agent Q-values of the actions taken are mixed into `Q_tot(s)`; a target bootstraps
from `Q_tot_target(s')`, where each agent's next action is the online network's argmax over its
**legal** actions, valued by the target network and mixed by the **target** mixer. Without a mixer
(IQL) each agent learns on its own TD error against the team reward.

Every sample is a window of one game's steps (`data.replay`): `burn_in` steps that only warm a
recurrent state up, the trained steps, and `n_step - 1` steps of look-ahead. A trained step's target
is its n-step return (`targets.n_step_returns`) or, with `td_lambda`, its lambda-return over the
rest of the window (`targets.lambda_returns`); a game that ended within it stops the sum there
(bootstrapping from the final observation when the time limit cut it, and the learner does not
observe the clock). Feed-forward and recurrent agents share this one path.

Shapes: `B` batch, `W` steps in a window (`W + 1` frames), `T` trained steps, `A` agents, `C, H, W`
observation, `U` actions, `S` recurrent state.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Mapping, Sequence

import torch
import torch.nn.functional as F
from tensordict import TensorDict

from ..acting import masked_argmax
from ..data.batch import TrainingBatch
from ..exploration import ALIASES as EXPLORATION_ALIASES
from ..exploration import Exploration, make_exploration
from ..mixers import ALIASES as MIXER_ALIASES
from ..mixers import Mixer, global_state
from ..networks import AgentQNetworks, NetworkFactory, TeamNetwork
from ..parts import build, describe
from ..policy import GreedyPolicy
from ..policy_value import PolicyValueQNetworks
from ..schedules import LR_SCHEDULES, decay_at, lr_schedule_factor
from .base import Learner
from .policy_losses import kl_divergence, legal_log_probs
from .spec import LearnerSpec
from .targets import double_q_values, lambda_returns, large_margin_loss, n_step_bootstrap, n_step_returns

MixerFactory = Callable[[int, tuple[int, int, int]], Mixer]  # (n_agents, state_shape)


def mixer_name(mixer: Any) -> str:
    """A short name for run names: `qmix`, `vdn`, `attention`, `iql` (no mixer), or a mixer's class name."""
    if mixer is None:
        return "iql"
    if isinstance(mixer, str):
        return mixer
    class_path = mixer.get("class_path", "") if hasattr(mixer, "get") else getattr(mixer, "class_path", "")
    short = {c.__qualname__: name for name, c in MIXER_ALIASES.items()}  # (by `marl_lightning.mixers.QMixer` too)
    class_name = class_path.rpartition(".")[2]
    return short.get(class_name, class_name.lower() or "mixer")


class ValueDecompositionModule(Learner):
    """Agent Q-networks, an optional mixer, their targets, and the double-DQN TD loss.

    Args:
        n_agents: A, the agents of the learning team (linked from the data module).
        obs_shape: each agent's padded observation `(C, H, W)` (linked from the data module).
        planes: the extra observation planes the data module adds (linked).
        burn_in: steps of a sampled window that only warm a recurrent state up (linked from `data.replay.burn_in`).
        n_step: steps of look-ahead of the targets (linked from `data.replay.n_step`).
        network: the agents' Q-networks, a `TeamNetwork` class called with `(n_agents, obs_shape)`; in
            YAML `{class_path: marl_lightning.networks.AgentQNetworks, init_args: {...}}` (`recurrent:
            true` there for GRU agents, trained on windows with `data.replay.sequence_length`, `data.replay.burn_in`).
        mixer: a `Mixer` class called with `(n_agents, state_shape)` (`class_path` / `init_args` in
            YAML; your own subclass works the same way), a short name (`qmix`, `vdn`, `attention`), or
            `None` for IQL.
        gamma: discount.
        td_lambda: lambda-returns over each window's steps after the burn-in (`None`: n-step returns).
        reward_scale: rewards are multiplied by it in the targets (the game pays 0.01 to 20+).
        loss: `"huber"` (with `huber_delta`) or `"mse"`: a Huber loss with a small delta shrinks the rare
            large targets (a won game) as much as it damps noise.
        huber_delta: where the Huber loss turns from quadratic to linear.
        lr: Adam's learning rate of the agent networks.
        mixer_lr: Adam's learning rate of the mixer (default: `lr`).
        lr_schedule: `"constant"`, or `"linear"` / `"cosine"` decay to `lr_end_factor` of the rate over
            `lr_decay_steps` gradient steps.
        lr_decay_steps: gradient steps of the learning-rate decay.
        lr_end_factor: the decayed rate's share of the initial one.
        grad_clip: maximum gradient norm, clipped by the learner (the one clipping in effect; leave
            `trainer.gradient_clip_val` unset, or both clip).
        target_update: `"hard"` (copy every `target_update_interval` gradient steps) or `"soft"`
            (Polyak averaging with `tau` after every step).
        target_update_interval: gradient steps between hard target copies.
        tau: the soft update's step towards the online networks.
        exploration: how the collector's games are played while the learner trains, an `Exploration`
            (`marl_lightning.exploration`): `{class_path: marl_lightning.exploration.EpsilonGreedy, init_args:
            {start: 1.0, end: 0.05, decay_steps: 50000, schedule: linear}}` in YAML (`Boltzmann`, softmax over
            the legal Q-values at a temperature, takes the same settings; your own subclass works the same
            way), or a short name, `epsilon` / `boltzmann`, for the class with its defaults. Not fixed: a
            resume may change it.
        init_from: a checkpoint whose agents' networks start this run's (an imitation clone,
            `ImitationModule`, with the same `network`); the targets start as copies. `None`: fresh.
        demo_margin: the weight of DQfD's large-margin loss (`targets.large_margin_loss`) on the windows drawn
            from demonstrations (`data.demonstrations`, `data.demonstrations.share`), added to the TD loss they share
            with the learner's own windows (0: off).
        margin: the margin the demonstrated move must lead the others by.
        evaluation_steps: gradient steps at the start of a run in which the agents' policy does not move (the
            `policy` of `policy_value.PolicyValueQNetworks`; every agent weight of other networks): the value
            head and the mixer first fit the values of the games the starting policy plays (policy
            evaluation), so the first improvements follow a fitted value, not a random mixer's.
        policy_lr: Adam's learning rate of the policy of `PolicyValueQNetworks` (default: `lr`, which the
            value head keeps): a clone improves best in small steps.
        clone_kl: the weight of `KL(clone || softmax(Q / temperature))` over the legal moves of the trained steps,
            where the clone is the policy `init_from` started the agents as, kept frozen, and the temperature is
            the network's (`PolicyValueQNetworks.temperature`; 1 for others, whose clone's Q are its logits):
            conservative improvement (as kickstarting, Schmitt et al., 2018). 0: off.
        clone_kl_end: the weight after `clone_kl_decay_steps` gradient steps, decaying linearly (default:
            `clone_kl`, constant).
        clone_kl_decay_steps: gradient steps of that decay.
    """

    train_metric_names = ("td_loss", "q_taken_mean", "target_mean", "td_error_abs", "grad_norm", "margin_loss", "clone_kl",
                          "clone_agreement")
    spec = LearnerSpec(stream="replay", frozen=("target_agents", "target_mixer", "clone"),
                       learning_only=("target_agents", "target_mixer", "clone"), fixed_settings=("network", "mixer"),
                       short_name="value_decomposition")

    def __init__(self, n_agents: int = 2, obs_shape: tuple[int, int, int] = (8, 20, 20), planes: Sequence[str] = (),
                 burn_in: int = 0, n_step: int = 1, network: NetworkFactory = AgentQNetworks,
                 mixer: str | MixerFactory | None = "qmix", gamma: float = 0.99, td_lambda: float | None = None,
                 reward_scale: float = 1.0, loss: str = "huber", huber_delta: float = 1.0, lr: float = 5e-4,
                 mixer_lr: float | None = None, lr_schedule: str = "constant", lr_decay_steps: int = 100_000,
                 lr_end_factor: float = 0.1, grad_clip: float = 10.0, target_update: str = "hard",
                 target_update_interval: int = 200, tau: float = 0.005, exploration: str | Exploration = "epsilon",
                 init_from: str | None = None, demo_margin: float = 0.0, margin: float = 0.8,
                 evaluation_steps: int = 0, policy_lr: float | None = None, clone_kl: float = 0.0,
                 clone_kl_end: float | None = None, clone_kl_decay_steps: int = 100_000):
        super().__init__()
        self.save_hyperparameters(logger=False)  # the loggers get the whole config once (cli.LoggedConfigCallback)
        self.hparams.network, self.hparams.mixer = describe(self.hparams.network), describe(self.hparams.mixer)  # plain dicts
        self.exploration = make_exploration(exploration)
        self.hparams.exploration = self.exploration.config()  # a class_path dict, as the mixer's
        for name, value, choices in (("target_update", target_update, ("hard", "soft")), ("loss", loss, ("huber", "mse")),
                                     ("lr_schedule", lr_schedule, LR_SCHEDULES)):
            if value not in choices:
                raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
        if td_lambda is not None and not 0.0 <= td_lambda <= 1.0:
            raise ValueError(f"td_lambda must be in [0, 1] (or null), got {td_lambda}")
        obs_shape = tuple(obs_shape)
        self.agents: TeamNetwork = build(network, TeamNetwork, {}, n_agents, obs_shape)
        state_shape = (n_agents * obs_shape[0], *obs_shape[1:])  # the mixer's global state (A*C, H, W)
        self.mixer: Mixer | None = (None if mixer is None else
                                    build(mixer, Mixer, MIXER_ALIASES, n_agents, state_shape, nullable=True))
        if clone_kl and not init_from:
            raise ValueError("model.clone_kl keeps the agents near the clone model.init_from names: give model.init_from too")
        if clone_kl and self.agents.state_size:
            raise ValueError("model.clone_kl compares each frame's moves with the clone's: give feed-forward agents "
                             "(without `recurrent: true`)")
        if evaluation_steps < 0 or clone_kl < 0:
            raise ValueError(f"evaluation_steps and clone_kl must be >= 0, got {evaluation_steps} and {clone_kl}")
        # the policy the agents started as, frozen; in checkpoints, so a resume keeps it
        self.clone: TeamNetwork | None = copy.deepcopy(self._policy_part()) if clone_kl else None
        self.target_agents = copy.deepcopy(self.agents)
        self.target_mixer = copy.deepcopy(self.mixer) if self.mixer else None

    @classmethod
    def algorithm_name(cls, settings: Mapping[str, Any]) -> str:
        """`qmix`, `vdn`, `attention`, `iql` (no mixer) or a mixer's class name; `_rnn` after it for recurrent agents."""
        name = mixer_name(settings.get("mixer", "qmix"))
        return name + "_rnn" if settings.get("network.init_args.recurrent", False) else name

    @classmethod
    def upgraded_settings(cls, settings: Mapping[str, Any]) -> dict[str, Any]:
        """Older checkpoints kept the exploration as separate settings, `exploration: epsilon` (or `boltzmann`) and
        `epsilon_start`, `_end`, `_decay_steps`, `_schedule` (`temperature_*` for Boltzmann): they become the
        `exploration` part those describe, so those runs still load."""
        settings = dict(settings)
        old = {prefix: {key: settings.pop(f"{prefix}_{key}") for key in ("start", "end", "decay_steps", "schedule")
                        if f"{prefix}_{key}" in settings} for prefix in ("epsilon", "temperature")}
        kind = settings.get("exploration", "epsilon")
        if any(old.values()) and isinstance(kind, str) and kind in EXPLORATION_ALIASES:
            chosen = EXPLORATION_ALIASES[kind]
            settings["exploration"] = {"class_path": f"{chosen.__module__}.{chosen.__qualname__}",
                                       "init_args": old["temperature" if kind == "boltzmann" else "epsilon"]}
        return settings

    # -- acting ---------------------------------------------------------------------------------
    @property
    def exploration_rate(self) -> float:
        """The exploration's rate now (epsilon, or a temperature), after the environment steps collected so far (or
        the share of the run's budget used, for an exploration with `decay_fraction`)."""
        if getattr(self.exploration, "decay_fraction", None) is None:  # (a subclass's own `rate(env_steps)` too)
            return self.exploration.rate(self._env_steps)
        return self.exploration.rate(self._env_steps, self.run_progress())

    def policy(self) -> GreedyPolicy:
        """The greedy player of the live networks (evaluation, `load_policy`, export)."""
        return GreedyPolicy(self.agents, self.hparams.obs_shape, self.hparams.planes)

    def exploration_policy(self, generator: torch.Generator) -> GreedyPolicy:
        """The exploration's player of the live networks (epsilon-greedy, Boltzmann... over legal actions), at
        its rate for the environment steps collected when it acts, drawing from `generator`."""
        h = self.hparams
        return self.exploration.policy(self.agents, h.obs_shape, h.planes, lambda: self.exploration_rate, generator)

    # -- learning -------------------------------------------------------------------------------
    def td_loss(self, sample: TensorDict) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        """The TD loss of a batch of windows; returns (loss, |TD error| per window for priorities, diagnostics)."""
        h = self.hparams
        burn, steps = h.burn_in, sample["mask"].shape[1]
        trained = steps - burn - (h.n_step - 1)
        obs = sample["obs"]  # (B, W+1, A, C, H, W)
        q, after = self._online(obs, sample["state"], burn, trained)  # (B, T, A, U) with gradient
        q_taken = q.gather(-1, sample["action"][:, burn:burn + trained].long().unsqueeze(-1)).squeeze(-1)  # (B, T, A)
        reward = sample["reward"][:, burn:steps] * h.reward_scale  # (B, W - burn): the rewards targets sum
        terminated, ended = sample["terminated"][:, burn:steps], (sample["terminated"] | sample["truncated"])[:, burn:steps]
        if self.mixer is None:  # IQL: every agent against the team reward
            reward, terminated, ended = reward[..., None], terminated[..., None], ended[..., None]
        with torch.no_grad():
            if h.td_lambda is None and not self.agents.state_size:  # n steps, feed-forward: one frame a step
                partial, offset, discount = n_step_bootstrap(reward, terminated, ended, h.gamma, h.n_step, trained)
                frames = burn + 1 + torch.arange(trained, device=obs.device)[None, :] + (
                    offset if self.mixer is not None else offset[..., 0])  # (B, T) the frame each step bootstraps from
                target = partial + discount * self._mixed_values(sample, frames)
            else:  # every frame after the burn-in, the networks unrolled through them
                frames = torch.arange(burn + 1, steps + 1, device=obs.device).expand(obs.shape[0], -1)
                values = self._mixed_values(sample, frames, q.detach(), after)
                if h.td_lambda is None:
                    target = n_step_returns(reward, terminated, ended, values, h.gamma, h.n_step, trained)
                else:
                    target = lambda_returns(reward, terminated, ended, values, h.gamma, h.td_lambda)[:, :trained]
        if self.mixer is None:
            prediction = q_taken  # (B, T, A)
        else:
            b, t = q_taken.shape[:2]
            state = global_state(obs[:, burn:burn + t].flatten(0, 1))  # (B*T, A*C, H, W)
            prediction = self.mixer(q_taken.reshape(b * t, -1), state).view(b, t)
        mask = sample["mask"][:, burn:burn + trained]  # (B, T) the step belongs to the window's game
        if prediction.dim() == 3:
            mask = mask[..., None].expand_as(prediction)
        td_error = (target - prediction) * mask
        if h.loss == "mse":
            elementwise = F.mse_loss(prediction, target, reduction="none")
        else:
            elementwise = F.huber_loss(prediction, target, delta=h.huber_delta, reduction="none")
        weight = sample["priority_weight"].view(-1, *([1] * (elementwise.dim() - 1)))
        loss = (weight * elementwise * mask).sum() / mask.sum().clamp(min=1)
        window_error = td_error.abs().flatten(1).sum(1) / mask.flatten(1).sum(1).clamp(min=1)  # (B,)
        valid = mask.bool()
        diagnostics = {"q_taken_mean": q_taken.mean(), "target_mean": target[valid].mean(),
                       "td_error_abs": td_error.abs()[valid].mean()}
        if h.demo_margin and "demo" in sample.keys() and bool(sample["demo"].any()):
            demo = sample["demo"]  # (B,) windows drawn from demonstrations
            legal, action = sample["legal"][:, burn:burn + trained], sample["action"][:, burn:burn + trained]  # (B, T, A, U), (B, T, A)
            supervised = large_margin_loss(q[demo], legal[demo], action[demo], h.margin)  # (D, T, A)
            steps = sample["mask"][demo][:, burn:burn + trained, None].expand_as(supervised)
            margin_loss = (supervised * steps).sum() / steps.sum().clamp(min=1)
            loss = loss + h.demo_margin * margin_loss
            diagnostics["margin_loss"] = margin_loss.detach()
        if self.clone is not None:
            legal = sample["legal"][:, burn:burn + trained]  # (B, T, A, U)
            kl, agreement = self._clone_kl(obs[:, burn:burn + trained], legal, q)  # (B, T, A) each
            steps = sample["mask"][:, burn:burn + trained, None].expand_as(kl)
            kl = (kl * steps).sum() / steps.sum().clamp(min=1)
            loss = loss + self.clone_kl_coef * kl
            diagnostics["clone_kl"] = kl.detach()
            diagnostics["clone_agreement"] = (agreement * steps).sum() / steps.sum().clamp(min=1)
        return loss, window_error.detach(), diagnostics

    @property
    def clone_kl_coef(self) -> float:
        """`clone_kl`'s weight now, after the gradient steps so far."""
        h = self.hparams
        end = h.clone_kl if h.clone_kl_end is None else h.clone_kl_end
        return decay_at(self.global_step, h.clone_kl, end, h.clone_kl_decay_steps, "linear")

    def _clone_kl(self, obs: torch.Tensor, legal: torch.Tensor, q: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """`KL(clone || softmax(q / temperature))` over the legal moves `(B, T, A)`, and whether the greedy moves
        agree (`(B, T, A)` float), for observations `(B, T, A, C, H, W)` and the online Q `(B, T, A, U)`."""
        with torch.no_grad():
            flat = obs.flatten(0, 1)
            logits = self.clone(flat, self.clone.initial_state(flat.shape[0], flat.device))[0].unflatten(0, obs.shape[:2])
            teacher = legal_log_probs(logits, legal)
        temperature = getattr(self.agents, "temperature", 1.0)
        kl = kl_divergence(teacher, legal_log_probs(q / temperature, legal), legal)
        agreement = (masked_argmax(q.detach(), legal) == masked_argmax(logits, legal)).float()
        return kl, agreement

    def _policy_part(self) -> torch.nn.Module:
        """The agents' policy: `PolicyValueQNetworks.policy`, or the whole network of any other kind."""
        return self.agents.policy if isinstance(self.agents, PolicyValueQNetworks) else self.agents

    def _online(self, obs: torch.Tensor, state: torch.Tensor, burn: int, trained: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The online agents from the stored state: the burn-in without gradient, then the trained steps with
        it. Returns their Q-values `(B, T, A, U)` and the states after them `(B, T, A, S)`."""
        with torch.no_grad():
            _, after_burn = self.agents.unroll(obs[:, :burn], state) if burn else (None, state[:, None])
        return self.agents.unroll(obs[:, burn:burn + trained], after_burn[:, -1])

    def _mixed_values(self, sample: TensorDict, frames: torch.Tensor, q: torch.Tensor | None = None,
                      after: torch.Tensor | None = None) -> torch.Tensor:
        """Double-DQN values of the frames `frames` `(B, F)` (indices into the window), mixed by the target
        mixer: `(B, F)` (IQL: per agent, `(B, F, A)`).

        Feed-forward agents (`q` None) see those frames alone. Recurrent agents need the frames in order,
        `frames` being every one after the burn-in: the online agents go on from the trained steps
        (`q`, `after`) through the look-ahead, and the target agents unroll the whole window from the
        stored state.
        """
        obs, legal = sample["obs"], sample["legal"]
        b, f = frames.shape
        rows = torch.arange(b, device=obs.device)[:, None]
        seen, legal = obs[rows, frames], legal[rows, frames]  # (B, F, A, C, H, W), (B, F, A, U)
        if q is None:
            state = self.agents.initial_state(b * f, obs.device)
            online = self.agents(seen.flatten(0, 1), state)[0].unflatten(0, (b, f))
            target = self.target_agents(seen.flatten(0, 1), state)[0].unflatten(0, (b, f))
        else:
            trained = q.shape[1]
            q_ahead, _ = self.agents.unroll(obs[:, frames[0, 0] + trained - 1:], after[:, -1])
            online = torch.cat([q[:, 1:], q_ahead], dim=1)  # frames burn+1..W
            target, _ = self.target_agents.unroll(obs, sample["state"])
            target = target[:, frames[0, 0]:]
        values = double_q_values(online, target, legal)  # (B, F, A)
        if self.mixer is None:
            return values
        return self.target_mixer(values.flatten(0, 1), global_state(seen.flatten(0, 1))).view(b, f)

    def training_step(self, batch: TrainingBatch, batch_idx: int) -> torch.Tensor:
        self.count(batch)
        loss, td_error, diagnostics = self.td_loss(batch.sample)
        batch.report_td_error(td_error)  # prioritized replay: the buffer owns the priorities
        self.record({"td_loss": loss, **diagnostics}, batch.stats)
        return loss

    @torch.no_grad()
    def state_value(self, obs: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
        """The team's value of states `(M, A, C, H, W)` with masks `(M, A, U)`: each agent's best legal Q, mixed
        by the mixer (summed without one): `(M,)` (play-time lookahead; the online networks, which a slim
        checkpoint keeps)."""
        was_training = self.training
        self.eval()
        try:
            q, _ = self.agents(obs, self.agents.initial_state(obs.shape[0], obs.device))
            best = q.masked_fill(~legal, float("-inf")).amax(-1)  # (M, A)
            return best.sum(-1) if self.mixer is None else self.mixer(best, global_state(obs))
        finally:
            self.train(was_training)

    def on_fit_start(self) -> None:
        """An exploration decayed over a share of the run needs the run's budget (checked before any game)."""
        if getattr(self.exploration, "decay_fraction", None) is not None and self.run_progress() is None:
            raise ValueError("model.exploration.init_args.decay_fraction decays over a share of the run: give the run a "
                             "budget, trainer.max_steps or trainer.max_time")
        super().on_fit_start()

    def agents_loaded(self) -> None:
        """The targets start where the loaded agents are; `clone_kl` keeps the policy they start from."""
        self.target_agents.load_state_dict(self.agents.state_dict())
        if self.clone is not None:
            self.clone.load_state_dict(self._policy_part().state_dict())

    def logged_scalars(self) -> dict[str, float]:
        return {self.exploration.metric: self.exploration_rate, **super().logged_scalars()}

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
        if self.clone is not None:
            self.clone.eval()
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
        """Adam with a group each for the agents (their policy and value apart, for `PolicyValueQNetworks`) and the
        mixer; the learning-rate schedule, and the policy held still for the first `evaluation_steps`."""
        h = self.hparams
        if isinstance(self.agents, PolicyValueQNetworks):
            groups = [{"params": self.agents.policy.parameters(), "lr": h.policy_lr or h.lr, "name": "policy"},
                      {"params": self.agents.value.parameters(), "lr": h.lr, "name": "value"}]
        else:
            groups = [{"params": self.agents.parameters(), "lr": h.policy_lr or h.lr, "name": "agents"}]
        if self.mixer is not None:
            groups.append({"params": self.mixer.parameters(), "lr": h.mixer_lr or h.lr, "name": "mixer"})
        optimizer = torch.optim.Adam(groups)
        if h.lr_schedule == "constant" and not h.evaluation_steps:
            return optimizer
        factors = [self._lr_factor(frozen=h.evaluation_steps if group["name"] in ("policy", "agents") else 0)
                   for group in groups]
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factors)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    def _lr_factor(self, frozen: int) -> Callable[[int], float]:
        """The learning rate's factor at a gradient step: 0 for the first `frozen` steps, then the schedule's."""
        h = self.hparams
        return lambda step: 0.0 if step < frozen else lr_schedule_factor(h.lr_schedule, step, h.lr_decay_steps, h.lr_end_factor)
