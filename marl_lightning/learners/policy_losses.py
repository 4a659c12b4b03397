"""The policy-gradient equations, one place each: a categorical policy over the legal actions, GAE,
PPO's clipped surrogate and its clipped value loss.

Shapes are time-major where time matters: `T` steps of a rollout, `N` games, `V` values per game
(1 for a centralised critic, one per agent for independent ones), `A` agents, `U` actions.
"""

from __future__ import annotations

import torch


def legal_log_probs(logits: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
    """Log-probabilities of a softmax over the legal actions only: `(..., U)` -> `(..., U)`, `-inf`
    where an action is illegal (so it is never drawn and its gradient is zero)."""
    return logits.masked_fill(~legal, float("-inf")).log_softmax(dim=-1)


def entropy(log_probs: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
    """Entropy of the legal-action distribution: `(..., U)` -> `(...)` (illegal actions contribute 0)."""
    return -(log_probs.exp() * log_probs.masked_fill(~legal, 0.0)).sum(dim=-1)


def kl_divergence(teacher_log_probs: torch.Tensor, log_probs: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
    """`KL(teacher || policy)` over the legal actions, from both legal log-probabilities (`legal_log_probs`):
    `(..., U)` -> `(...)`; what distilling a policy towards a teacher minimises (kickstarting, a clone's KL)."""
    return (teacher_log_probs.exp() * (teacher_log_probs - log_probs).masked_fill(~legal, 0.0)).sum(dim=-1)


def gae(reward: torch.Tensor, value: torch.Tensor, next_value: torch.Tensor, terminated: torch.Tensor,
        ended: torch.Tensor, gamma: float, lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation (Schulman et al., 2016) over a rollout.

    Args:
        reward: `(T, N)` the team reward after each step.
        value: `(T, N, V)` the critic's value of the state each step was taken in.
        next_value: `(T, N, V)` its value of the state after the step: the next step's state, or, where
            the game ended, the state it ended in (a game cut by the time limit bootstraps from it), or
            after the rollout's last step, the state the games are in now.
        terminated: `(T, N)` the game ended for good (no value after it).
        ended: `(T, N)` the game ended, terminated or cut (the sum of advantages stops there).

    Returns:
        advantages `(T, N, V)` and the returns the critic learns, `advantages + value`.
    """
    live = (~terminated).to(value.dtype)[..., None]  # (T, N, 1)
    going_on = (~ended).to(value.dtype)[..., None]
    delta = reward[..., None] + gamma * live * next_value - value  # (T, N, V) the one-step TD errors
    advantages = torch.zeros_like(value)
    running = torch.zeros_like(value[0])
    for t in reversed(range(value.shape[0])):
        running = delta[t] + gamma * lam * going_on[t] * running
        advantages[t] = running
    return advantages, advantages + value


def clipped_surrogate(log_prob: torch.Tensor, old_log_prob: torch.Tensor, advantage: torch.Tensor,
                      clip: float) -> tuple[torch.Tensor, torch.Tensor]:
    """PPO's clipped surrogate objective as a loss to minimise (Schulman et al., 2017, eq. 7), per element,
    and whether each element was clipped: `-min(r A, clip(r, 1 - clip, 1 + clip) A)` with
    `r = exp(log_prob - old_log_prob)`."""
    ratio = (log_prob - old_log_prob).exp()
    clipped_ratio = ratio.clamp(1.0 - clip, 1.0 + clip)
    loss = -torch.minimum(ratio * advantage, clipped_ratio * advantage)
    return loss, (ratio - clipped_ratio).abs() > 1e-8


def clipped_value_loss(value: torch.Tensor, old_value: torch.Tensor, returns: torch.Tensor,
                       clip: float | None) -> torch.Tensor:
    """Half the squared error of the critic, per element; with `clip`, the larger of it and the error of
    the value moved at most `clip` from the rollout's (PPO2's value clipping, as MAPPO uses it)."""
    loss = (value - returns) ** 2
    if clip is not None:
        moved = old_value + (value - old_value).clamp(-clip, clip)
        loss = torch.maximum(loss, (moved - returns) ** 2)
    return 0.5 * loss
