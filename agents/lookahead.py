"""One-step lookahead at play time: a trained team's moves re-ranked by the engine's exact step and a learned
value of where each leads.

For each game, each agent's `top_k` moves by the policy's own scores give up to `top_k ** 2` joint moves;
the opponents' moves are predicted by a model team (the heuristic team by default); every joint move is
played on a copy of the game with the engine's own step, and scored as the team's reward for that step plus
the discounted value of the state it leads to (`value`, e.g. MAPPO's critic or QMIX's mixed greedy Q;
nothing after a game's end). The best-scoring joint move is played. The policy sees the game as blue,
through the map's symmetry for red (`PolicyTeam`), and so does the value.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from gymPacMan import engine
from gymPacMan.engine import GameState
from gymPacMan.rules import NUM_ACTIONS, RED, TEAM_AGENTS, RewardConfig
from gymPacMan.views import RedView

from .base import Team
from .policy_team import Policy, PolicyTeam

ValueFn = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (obs (M, 2, C, H, W), legal (M, 2, U)) -> (M,) values


class LookaheadTeam(Team):
    """A policy's moves re-ranked by a one-step lookahead (module docstring).

    Args:
        policy: the trained policy (`act`, `initial_state`, and `q_values(obs) -> ((N, 2, U), state)` for
            ranking moves; `marl_lightning.load_policy` gives one).
        value: the learned value of a state, as the team sees it: `value(obs, legal) -> (M,)`, in the units
            of the policy's rewards times `reward_scale`.
        opponent: the model of the opponents' next moves (a team of the other colour is made from it).
        team: this team's colour.
        top_k: moves per agent considered (the policy's best ones).
        gamma: the discount of the value.
        reward_scale: the learner's reward scale (the value is in its units).
        potential: `potential(state) -> (M,)`, the team's shaping potential the value was learned with, in
            the value's units (a value learned on shaped rewards is `V - Phi`: `Phi` is added back), or None.
        rewards: the game's reward settings.
        zero_sum: the value was learned on the team's reward minus the opponents'.
    """

    name = "lookahead"

    def __init__(self, policy: Policy, value: ValueFn, opponent: str | Team = "heuristic", team: int = RED,
                 top_k: int = 2, gamma: float = 0.99, reward_scale: float = 1.0,
                 potential: Callable[[GameState], np.ndarray] | None = None, rewards: RewardConfig = RewardConfig(),
                 zero_sum: bool = False):
        super().__init__(team)
        from . import make_team

        if not 1 <= top_k <= NUM_ACTIONS:
            raise ValueError(f"top_k must be 1 to {NUM_ACTIONS}, got {top_k}")
        self.player = PolicyTeam(policy, team=team, name=getattr(policy, "name", None))
        self.value, self.top_k, self.gamma, self.reward_scale = value, top_k, gamma, reward_scale
        self.potential, self.rewards, self.zero_sum = potential, engine.reward_params(rewards), zero_sum
        self.model = opponent if isinstance(opponent, Team) else make_team(opponent, team=1 - team)
        if self.model.team == team:
            raise ValueError(f"the opponent model {self.model!r} plays this team's colour")

    def members(self) -> tuple[Team, Team]:
        return self.player, self.model  # the policy it plays through and its model of the opponents

    def reset(self, state: GameState, games: np.ndarray) -> None:
        self.player.reset(state, games)
        self.model.reset(state, games)

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, k = state.num_games, self.top_k
        view = RedView.of(state) if self.team == RED else None
        obs, own_legal = self.player.observe(state, legal, view)  # (N, 2, C, H, W), (N, 2, U) as the team sees it
        scores = np.asarray(self.player.policy.q_values(obs, self.player.memory)[0].cpu())  # (N, 2, U)
        scores = np.where(own_legal, scores, -np.inf)
        best = np.argsort(-scores, axis=-1, kind="stable")[:, :, :k]  # (N, 2, k) each agent's top moves, in the view
        usable = np.take_along_axis(own_legal, best, axis=-1)  # (N, 2, k): fewer legal moves than k
        joint = np.stack(np.meshgrid(np.arange(k), np.arange(k), indexing="ij"), -1).reshape(-1, 2)  # (k*k, 2)
        seen = np.stack([best[:, 0, joint[:, 0]], best[:, 1, joint[:, 1]]], axis=-1)  # (N, k*k, 2) joint moves, view
        valid = usable[:, 0, joint[:, 0]] & usable[:, 1, joint[:, 1]]  # (N, k*k)
        real = seen if view is None else np.stack([view.real_actions(seen[:, j]) for j in range(k * k)], axis=1)
        predicted = self.model.act(state, legal, rng)  # (N, 2) the opponents' moves, by the model
        children = state.select(np.repeat(np.arange(n), k * k))  # (N*k*k,) a copy of each game per joint move
        actions = np.empty((n * k * k, 4), dtype=np.int64)
        actions[:, list(TEAM_AGENTS[self.team])] = real.reshape(-1, 2)
        actions[:, list(TEAM_AGENTS[1 - self.team])] = np.repeat(predicted, k * k, axis=0)
        result = engine.step(children, actions, self.time_limit, self.rewards)
        child_legal = engine.legal_actions(children)
        child_view = RedView.of(children) if self.team == RED else None
        child_obs, child_own = self.player.observe(children, child_legal, child_view)
        ended = result.terminated | result.truncated
        value = np.where(ended, 0.0, np.asarray(self.value(child_obs, child_own), dtype=np.float64))  # (N*k*k,)
        if self.potential is not None:  # the value learned on shaped rewards is V - Phi: add Phi back
            value = value + np.where(ended, 0.0, self.potential(children))
        reward = result.rewards[:, self.team] - (result.rewards[:, 1 - self.team] if self.zero_sum else 0.0)
        score = self.reward_scale * reward + self.gamma * value  # (N*k*k,)
        score = np.where(valid.reshape(-1), score, -np.inf).reshape(n, k * k)
        choice = score.argmax(axis=1)  # ties: the policy's own order first
        return real[np.arange(n), choice]

    def state_dict(self) -> dict:
        return {"player": self.player.state_dict(), "model": self.model.state_dict()}

    def load_state_dict(self, state_dict: dict) -> None:
        self.player.load_state_dict(state_dict["player"])
        self.model.load_state_dict(state_dict["model"])


__all__ = ["LookaheadTeam"]
