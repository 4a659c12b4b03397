"""The action choosers: how Q-values (or logits) over the five moves become actions, legal moves only.

`masked_argmax` (greedy), `epsilon_greedy` and `boltzmann` (exploring, every draw from a given generator so a
run replays bit for bit). The players of `policy` and the explorations of `exploration` choose through these,
as the learners' targets do (`learners.targets`).
"""

from __future__ import annotations

import torch


def masked_argmax(q: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
    """Greedy legal actions: q `(..., U)`, legal `(..., U)` bool -> `(...)`."""
    return q.masked_fill(~legal, float("-inf")).argmax(dim=-1)


def epsilon_greedy(q: torch.Tensor, legal: torch.Tensor, epsilon: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """With probability epsilon a uniformly random legal action, else the greedy legal one: `(..., U)` -> `(...)`.

    `generator` (a `torch.Generator`) makes the draws reproducible apart from any other use of torch's
    global generator; the collector keeps one and saves it in checkpoints.
    """
    greedy = masked_argmax(q, legal)
    device = generator.device if generator is not None else q.device  # draws come from the generator's device
    random_scores = torch.rand(legal.shape, generator=generator, device=device).to(q.device).masked_fill(~legal, -1.0)
    random_action = random_scores.argmax(dim=-1)
    explore = torch.rand(greedy.shape, generator=generator, device=device).to(q.device) < epsilon
    return torch.where(explore, random_action, greedy)


def boltzmann(q: torch.Tensor, legal: torch.Tensor, temperature: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """A legal action drawn from `softmax(q / temperature)` over the legal actions (Gumbel-max): `(..., U)` -> `(...)`."""
    device = generator.device if generator is not None else q.device
    uniform = torch.rand(legal.shape, generator=generator, device=device).to(q.device).clamp_(1e-12, 1.0)
    scores = q / max(temperature, 1e-8) - torch.log(-torch.log(uniform))
    return masked_argmax(scores, legal)
