"""Imitation: behaviour cloning of a teacher's moves, with DAgger rounds (Ross et al., 2011).

The agents' networks are trained as policies: their five outputs are logits of a softmax over the
**legal** moves (`policy_losses.legal_log_probs`), and the loss is the cross-entropy of the teacher's
move (`bc_loss`). The same networks then play greedily (the most probable legal move), are evaluated,
exported and checkpointed like any learner's, and start the reinforcement learners
(`model.init_from`: QMIX/VDN with demonstrations in replay, MAPPO kickstarted towards the clone).

The data module streams batches of demonstrations (`data.demonstrations`, recorded by
`python -m marl_lightning.demos`) and, with `data.dagger`, runs DAgger rounds: the clone plays, the
teacher labels the states it visits, and the labels join the data.

Shapes: `B` batch, `A` agents, `C, H, W` observation, `U` actions.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch

from ..data import TrainingBatch
from ..networks import AgentQNetworks, TeamNetwork
from ..parts import build, describe
from ..policy import BoltzmannPolicy, GreedyPolicy
from .base import Learner
from .policy_losses import entropy, legal_log_probs

NetworkFactory = Callable[[int, tuple[int, int, int]], TeamNetwork]


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
    """The agents' networks cloned from a teacher's moves (`bc_loss`).

    Args:
        n_agents, obs_shape, planes: linked from the data module.
        network: the agents' networks, a `TeamNetwork` (as for `ValueDecompositionModule`; feed-forward).
        lr: Adam's learning rate.
        weight_decay: Adam's (decoupled, AdamW) weight decay.
        label_smoothing: the share of each target spread over the legal moves (0: none).
        grad_clip: maximum gradient norm.
        explore_temperature: how the clone plays in DAgger rounds: 0 (the default) greedily, above 0 by
            sampling its softmax at that temperature.
    """

    imitation = True  # the data module streams demonstrations (`data.demonstrations`, `data.dagger`)
    train_metric_names = ("bc_loss", "accuracy", "entropy", "grad_norm")

    def __init__(self, n_agents: int = 2, obs_shape: tuple[int, int, int] = (8, 20, 20), planes: Sequence[str] = (),
                 network: NetworkFactory = AgentQNetworks, lr: float = 1e-3, weight_decay: float = 0.0,
                 label_smoothing: float = 0.0, grad_clip: float = 10.0, explore_temperature: float = 0.0):
        super().__init__()
        self.save_hyperparameters(logger=False)  # the loggers get the whole config once (cli.LoggedConfigCallback)
        self.hparams.network = describe(self.hparams.network)
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
        self.agents: TeamNetwork = build(network, TeamNetwork, {}, n_agents, tuple(obs_shape))
        if self.agents.state_size:
            raise ValueError("imitation trains feed-forward networks (a recurrent network needs sequences: not supported here)")

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
        with torch.no_grad():
            spread = entropy(legal_log_probs(logits.detach(), legal), legal).mean()
        self.record({"bc_loss": loss.mean(), "accuracy": correct.float().mean(), "entropy": spread}, batch.stats)
        return loss.mean()

    def configure_optimizers(self):
        h = self.hparams
        return torch.optim.AdamW(self.agents.parameters(), lr=h.lr, weight_decay=h.weight_decay)


__all__ = ["ImitationModule", "bc_loss"]
