"""TD targets as pure functions (the equations, one place each)."""

from __future__ import annotations

import torch

from ..exploration import masked_argmax


def td_target(reward: torch.Tensor, terminated: torch.Tensor, next_value: torch.Tensor, gamma: float) -> torch.Tensor:
    """`r + gamma * (1 - terminated) * next_value`; a truncated game (time limit) still bootstraps.

    Shapes broadcast: reward, terminated `(B,)` (or `(B, 1)` against per-agent values `(B, A)`).
    """
    return reward + gamma * (1.0 - terminated.float()) * next_value


def double_q_next_values(online_next_q: torch.Tensor, target_next_q: torch.Tensor, next_legal: torch.Tensor) -> torch.Tensor:
    """Double DQN: each agent's next action is the online argmax over its legal actions, valued by the
    target network. `(B, A, U)` x2, `(B, A, U)` bool -> `(B, A)`."""
    next_action = masked_argmax(online_next_q, next_legal).unsqueeze(-1)  # (B, A, 1)
    return target_next_q.gather(-1, next_action).squeeze(-1)
