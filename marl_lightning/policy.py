"""Players: the one greedy player every trained team plays through, and its exploring variants (epsilon-greedy,
Boltzmann), each choosing through `acting`. `loading.load_policy` gives a checkpoint's greedy player.

Every policy acts the same way, feed-forward or recurrent: `act(obs, legal, state) -> (actions, state)`
with `obs` `(N, A, C, h, w)` (padded here to the trained grid), `legal` `(N, A, 5)` bool, `state`
`(N, A, S)` (`initial_state(N)` at a game's start; empty for feed-forward agents) and `actions`
`(N, A)` int64 on the CPU. `agents.PolicyTeam` keeps each game's state and clears it when a game
starts, so evaluation, tournaments, self-play and the contest export all play through `GreedyPolicy`.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch

from .acting import boltzmann, epsilon_greedy, masked_argmax
from .networks import TeamNetwork


class GreedyPolicy:
    """The greedy legal action of each agent under a team network (the live one while training).

    Args:
        network: the team's Q-networks (`TeamNetwork`).
        obs_shape: `(C, H, W)` the network was built for; smaller boards are zero-padded up to it.
        planes: the extra observation planes it was trained with (`gymPacMan.planes`); `agents.PolicyTeam`
            builds them.
    """

    def __init__(self, network: TeamNetwork, obs_shape: tuple[int, int, int], planes: Sequence[str] = ()):
        self.network, self.obs_shape, self.planes = network, tuple(obs_shape), tuple(planes)

    @property
    def device(self) -> torch.device:
        return next(self.network.parameters()).device

    def initial_state(self, num_games: int) -> torch.Tensor:
        """`(N, A, S)` zeros: the state before a game's first step."""
        return self.network.initial_state(num_games, self.device)

    def q_values(self, obs, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Q-values `(N, A, U)` of the network in evaluation mode (its own mode is left as it was), and the next
        state. The network runs in inference mode (no autograd records: acting never trains); what it returns
        is copied out of it, so that callers may update it in place (a team's memory of each game)."""
        with torch.inference_mode():
            obs = self._padded(torch.as_tensor(obs).to(self.device, torch.float32))
            state = self.initial_state(obs.shape[0]) if state is None else state.to(self.device)
            was_training = self.network.training
            self.network.eval()
            try:
                q, state = self.network(obs, state)
            finally:
                self.network.train(was_training)
        return q.clone(), state.clone()

    def act(self, obs, legal, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Greedy legal actions `(N, A)` and the next state (see the module docstring). One game's
        `(A, C, h, w)` observation and `(A, 5)` mask (and `(A, S)` state) give `(A,)` actions and an `(A, S)`
        state, as torch modules take unbatched input."""
        obs, legal = torch.as_tensor(obs), torch.as_tensor(legal)
        if obs.dim() == 4 and legal.dim() == 2:  # one game: a batch of one
            actions, state = self.act(obs[None], legal[None], None if state is None else torch.as_tensor(state)[None])
            return actions[0], state[0]
        q, state = self.q_values(obs, state)
        return self.choose(q, legal).cpu(), state

    def choose(self, q: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
        return masked_argmax(q, legal.to(q.device))

    def _padded(self, obs: torch.Tensor) -> torch.Tensor:
        """`(N, A, C, h, w)` zero-padded to the trained grid `(N, A, C, H, W)` (as it is for a size-free network)."""
        if obs.dim() != 5 or obs.shape[2] != self.obs_shape[0]:
            raise ValueError(f"observations must be (games, agents, {self.obs_shape[0]}, H, W), got {tuple(obs.shape)}")
        if self.network.size_free:
            return obs
        h, w = obs.shape[-2:]
        if h > self.obs_shape[1] or w > self.obs_shape[2]:
            raise ValueError(f"observations of {h} x {w} are larger than the trained grid {self.obs_shape[1]} x {self.obs_shape[2]}")
        return pad_to(obs, self.obs_shape[1:])


class SamplingPolicy(GreedyPolicy):
    """A player that draws its actions at a rate `rate()` read when it acts (the learner's schedule), every draw
    from `generator` (the collector's, saved in checkpoints): the base of the exploring players."""

    def __init__(self, network: TeamNetwork, obs_shape: tuple[int, int, int], planes: Sequence[str],
                 rate: Callable[[], float], generator: torch.Generator):
        super().__init__(network, obs_shape, planes)
        self.rate, self.generator = rate, generator


class EpsilonGreedyPolicy(SamplingPolicy):
    """With probability `rate()` (epsilon) a uniformly random legal action, else the greedy one."""

    def choose(self, q: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
        return epsilon_greedy(q, legal.to(q.device), self.rate(), self.generator)


class BoltzmannPolicy(SamplingPolicy):
    """A legal action drawn from the softmax of the Q-values (or logits) at temperature `rate()`."""

    def choose(self, q: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
        return boltzmann(q, legal.to(q.device), self.rate(), self.generator)


def pad_to(obs: torch.Tensor, grid_shape: Sequence[int]) -> torch.Tensor:
    """`(..., C, h, w)` zero-padded to `(..., C, H, W)`: a smaller board in the grid a network was built for."""
    h, w = obs.shape[-2:]
    if (h, w) == tuple(grid_shape):
        return obs
    out = obs.new_zeros((*obs.shape[:-2], *grid_shape))
    out[..., :h, :w] = obs
    return out
