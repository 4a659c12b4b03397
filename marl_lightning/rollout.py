"""Collecting experience: step the vectorised environment with the current policy into the buffer."""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from tensordict import TensorDict

from gymPacMan import EpisodeResults, VecCaptureEnv

from .replay import ReplayBuffer

Policy = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # obs (N, A, C, H, W), legal (N, A, U) -> (N, A)


class Collector:
    """Runs `env` with a policy and writes one transition per game and step into `buffer`.

    A transition (batch `N` per step): `obs`, `next_obs` `(N, A, C, H, W)` uint8 (observations are
    small integers; a quarter of the memory of float32), `legal`, `next_legal` `(N, A, U)` bool,
    `action` `(N, A)` int64, `reward` `(N,)` float32, `terminated` `(N,)` bool. `next_obs` of a game
    that ended is its final observation, so a truncated game bootstraps from where it stopped.
    """

    def __init__(self, env: VecCaptureEnv, buffer: ReplayBuffer):
        self.env, self.buffer = env, buffer
        self.obs, info = env.reset()
        self.legal = info["legal"]
        self.env_steps = 0  # transitions collected by this collector

    def collect(self, policy: Policy, steps: int) -> list[EpisodeResults]:
        """Play `steps` vector steps (`steps * N` transitions); returns the results of the games that ended."""
        ended = []
        for _ in range(steps):
            obs = torch.from_numpy(self.obs)
            legal = torch.from_numpy(self.legal)
            actions = policy(obs, legal).cpu()
            next_obs, reward, terminated, truncated, info = self.env.step(actions.numpy())
            self.buffer.extend(TensorDict({
                "obs": obs.to(torch.uint8),
                "legal": legal,
                "action": actions.long(),
                "reward": torch.from_numpy(reward).float(),
                "terminated": torch.from_numpy(terminated),
                "next_obs": torch.from_numpy(info["final_observation"]).to(torch.uint8),
                "next_legal": torch.from_numpy(info["final_legal"]),
            }, batch_size=[self.env.num_envs]))
            self.obs, self.legal = next_obs, info["legal"]
            self.env_steps += self.env.num_envs
            if len(info["episodes"]):
                ended.append(info["episodes"])
        return ended


def summarize(results: list[EpisodeResults]) -> dict[str, np.ndarray]:
    """Per-game arrays of the ended games: return (blue), win, tie, score (blue-positive), food returned, length."""
    if not results:
        return {}
    cat = lambda name: np.concatenate([getattr(r, name) for r in results])  # noqa: E731
    outcome = cat("outcome")
    return {
        "episode_return": cat("episode_return")[:, 1],
        "win": (outcome > 0).astype(np.float64),
        "tie": (outcome == 0).astype(np.float64),
        "score": -cat("score").astype(np.float64),
        "food_returned": cat("food_returned")[:, 1].astype(np.float64),
        "length": cat("length").astype(np.float64),
    }
