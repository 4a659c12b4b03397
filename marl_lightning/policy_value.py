"""Q-values from a policy: `Q_i(s, a) = V_i(s) + temperature * log pi_i(a | s)`, the way a value learner starts
from an imitation clone without forgetting it.

A clone's outputs are a policy's logits, not values: trained by the TD loss on the action taken alone, toward
targets of another scale, its argmax moves within a few dozen updates (the offline-to-online "unlearning
dip": Nair et al., 2020, AWAC; Nakamoto et al., 2023, Cal-QL; Uchendu et al., 2023, Jump-Start RL). Written as
a dueling head (Wang et al., 2016) whose advantage is the clone's log-policy at a small temperature (the soft-Q
view of a policy, Haarnoja et al., 2017), the greedy move is the clone's whatever the value head says, so the
learner can first fit the values of the clone's own games (the learner's `evaluation_steps`, the policy frozen)
and only then improve the policy through the same TD loss, held near the clone by `clone_kl`.

`PolicyValueQNetworks` is a `TeamNetwork` like any other (greedy play, export, evaluation see only its
Q-values); `model.init_from` a clone fills its `policy` (`load_agents_state`), the `value` starts fresh.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
import torch.nn.functional as F

from .networks import TeamNetwork
from .parts import build


class PolicyValueQNetworks(TeamNetwork):
    """`Q(s, a) = V(s) + temperature * log_softmax(logits(s))[a]`: a policy network (the clone's, the same
    class and settings as the clone's `network`) and a value network, both `TeamNetwork`s.

    Args:
        n_agents: A (from the learner).
        obs_shape: `(C, H, W)` (from the learner).
        policy: the policy network as a config gives it, `{class_path: ..., init_args: {...}}`: the clone's
            `network` exactly, so its weights load into it.
        value: the value network (the same form); `V_i(s)` is the mean of its outputs over the moves. `None`:
            the policy's class and settings, freshly initialised.
        temperature: the scale of the log-policy in Q: the Q gap between two moves is `temperature` times their
            logit gap. Choose it on the scale of one move's value (`reward_scale` x the game's rewards: ~0.01);
            a Boltzmann exploration at the same temperature samples the policy itself.

    >>> net = PolicyValueQNetworks(2, (8, 6, 10), policy={"class_path": "marl_lightning.networks.AgentQNetworks",
    ...                                                  "init_args": {"channels": [8], "hidden": 16}})
    >>> q, _ = net(torch.zeros(3, 2, 8, 6, 10), net.initial_state(3))
    >>> tuple(q.shape), torch.equal(q.argmax(-1), net.policy(torch.zeros(3, 2, 8, 6, 10), net.initial_state(3))[0].argmax(-1))
    ((3, 2, 5), True)
    """

    def __init__(self, n_agents: int, obs_shape: tuple[int, int, int], policy: Mapping[str, Any] | None = None,
                 value: Mapping[str, Any] | None = None, temperature: float = 0.01):
        super().__init__()
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0 (the log-policy's scale in Q), got {temperature}")
        policy = policy if policy is not None else {"class_path": "marl_lightning.networks.AgentQNetworks"}
        self.n_agents, self.temperature = n_agents, float(temperature)
        self.policy: TeamNetwork = build(dict(policy), TeamNetwork, {}, n_agents, tuple(obs_shape))
        self.value: TeamNetwork = build(dict(value if value is not None else policy), TeamNetwork, {}, n_agents,
                                        tuple(obs_shape))
        if self.policy.state_size or self.value.state_size:
            raise ValueError("PolicyValueQNetworks takes feed-forward networks (a recurrent policy or value is not "
                             "supported: give networks without `recurrent: true`)")
        self.size_free = bool(self.policy.size_free and self.value.size_free)

    def forward(self, obs: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """obs `(B, A, C, H, W)`, state `(B, A, 0)` -> Q-values `(B, A, U)`, state."""
        logits, _ = self.policy(obs, state)  # (B, A, U)
        value = self.value(obs, state)[0].mean(-1, keepdim=True)  # (B, A, 1)
        return value + self.temperature * F.log_softmax(logits, dim=-1), state

    def load_agents_state(self, weights: Mapping[str, torch.Tensor]) -> None:
        """A clone's agents (its policy's weights: the value stays as it is) or a `PolicyValueQNetworks`' own."""
        if any(key.startswith(("policy.", "value.")) for key in weights):
            self.load_state_dict(weights)
        else:
            self.policy.load_state_dict(weights)


__all__ = ["PolicyValueQNetworks"]
