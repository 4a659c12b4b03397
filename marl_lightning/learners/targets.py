"""TD targets as pure functions (the equations, one place each).

Windows of steps `(B, L, ...)`: `reward[:, i]` follows step i, `terminated[:, i]` / `ended[:, i]` say the
game terminated / ended (terminated or cut by the time limit) with it, and `values[:, i]` is the
bootstrap value of the frame after step i (the final observation where the game ended). A trailing
agent axis `(B, L, A)` works the same (IQL). A game that terminates contributes nothing after its
last reward; one cut by the time limit bootstraps from where it stopped.
"""

from __future__ import annotations

import torch

from ..acting import masked_argmax


def double_q_values(online_q: torch.Tensor, target_q: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
    """Double DQN: each agent's action is the online argmax over its legal actions, valued by the target
    network. `(..., A, U)` x2, `(..., A, U)` bool -> `(..., A)`."""
    action = masked_argmax(online_q, legal).unsqueeze(-1)  # (..., A, 1)
    return target_q.gather(-1, action).squeeze(-1)


def n_step_returns(reward: torch.Tensor, terminated: torch.Tensor, ended: torch.Tensor, values: torch.Tensor,
                   gamma: float, n: int, steps: int) -> torch.Tensor:
    """The n-step return of each of the first `steps` steps of the windows (`L >= steps + n - 1`):
    `sum_k gamma^k r_{t+k} + gamma^n V(s_{t+n})`, stopped at the game's end (`(B, steps, ...)`)."""
    partial, offset, discount = n_step_bootstrap(reward, terminated, ended, gamma, n, steps)
    step = torch.arange(steps, device=values.device).view(1, steps, *([1] * (values.dim() - 2)))
    return partial + discount * values.gather(1, step + offset)  # V of the frame after step t + offset


def n_step_bootstrap(reward: torch.Tensor, terminated: torch.Tensor, ended: torch.Tensor, gamma: float, n: int,
                     steps: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The n-step return of each of the first `steps` steps taken apart, so that a learner evaluates one
    frame per step: the return is `partial + discount * V(frame t + 1 + offset)`, where the frame is the
    one `n` steps on, or the final one of a game that ended sooner (`discount` is 0 if it terminated).

    Returns `partial`, `offset` (long, 0 to n - 1) and `discount`, each `(B, steps, ...)`.
    """
    partial = torch.zeros_like(reward[:, :steps])
    offset = torch.full_like(partial, n - 1, dtype=torch.long)
    discount = torch.zeros_like(partial)
    scale, alive = 1.0, torch.ones_like(partial)
    for k in range(n):
        at = slice(k, k + steps)
        partial = partial + alive * scale * reward[:, at]
        scale = scale * gamma
        end = ended[:, at].float() * alive
        offset = torch.where(end.bool(), k, offset)
        discount = discount + end * scale * (1.0 - terminated[:, at].float())
        alive = alive * (1.0 - ended[:, at].float())
    return partial, offset, discount + alive * scale


def lambda_returns(reward: torch.Tensor, terminated: torch.Tensor, ended: torch.Tensor, values: torch.Tensor,
                   gamma: float, lam: float) -> torch.Tensor:
    """The lambda-return of every step of the windows, backwards from the window's end (which
    bootstraps fully): `G_t = r_t + gamma * ((1 - lam) V(s_{t+1}) + lam G_{t+1})`, stopped at the game's
    end (`(B, L, ...)`)."""
    length = reward.shape[1]
    out = torch.empty_like(values)
    live = 1.0 - terminated.float()
    following = values[:, -1]
    for i in reversed(range(length)):
        blend = values[:, i] if i == length - 1 else (1.0 - lam) * values[:, i] + lam * following
        bootstrap = torch.where(ended[:, i], values[:, i], blend)
        out[:, i] = reward[:, i] + gamma * live[:, i] * bootstrap
        following = out[:, i]
    return out


def large_margin_loss(q: torch.Tensor, legal: torch.Tensor, action: torch.Tensor, margin: float) -> torch.Tensor:
    """DQfD's supervised loss (Hester et al., 2018, eq. 2): `max_a [Q(s, a) + l(a_E, a)] - Q(s, a_E)` over the
    legal moves, with `l = margin` for every move but the demonstrator's `a_E` (0 for it), so the demonstrated
    move must lead the others by the margin. `q` `(..., U)`, `legal` `(..., U)` bool, `action` `(...)` -> `(...)`."""
    penalty = torch.full_like(q, margin).scatter(-1, action.long()[..., None], 0.0)
    best = (q + penalty).masked_fill(~legal, float("-inf")).amax(dim=-1)
    return best - q.gather(-1, action.long()[..., None]).squeeze(-1)
