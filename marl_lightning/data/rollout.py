"""Collecting experience: step the vectorised environment with the current policy into the buffer."""

from __future__ import annotations

import numpy as np
import torch
from tensordict import TensorDict
from tqdm import tqdm

from gymPacMan import EpisodeResults, VecCaptureEnv
from gymPacMan.planes import plane_scales

from .replay import ReplayBuffer
from .rewards import RewardShaper


class ObservationCodec:
    """Observations as uint8 and back, exactly: every channel is an integer 0-255 times its scale
    (`gymPacMan.planes.plane_scales`; 1 for the course's 8 channels)."""

    def __init__(self, scales):
        self.scales = torch.as_tensor(np.asarray(scales), dtype=torch.float32)  # (C,)
        self._on: dict[torch.device, torch.Tensor] = {}  # the scales on each device they were needed on

    def _scales(self, device: torch.device) -> torch.Tensor:
        if device not in self._on:
            self._on[device] = self.scales.to(device)[:, None, None]  # (C, 1, 1)
        return self._on[device]

    def encode(self, obs: torch.Tensor) -> torch.Tensor:
        """`(..., C, H, W)` float -> uint8; uint8 codes (`VecCaptureEnv(encoded=True)`) are returned as they are."""
        if obs.dtype == torch.uint8:
            return obs
        return torch.round(obs / self._scales(obs.device)).to(torch.uint8)

    def decode(self, obs: torch.Tensor) -> torch.Tensor:
        """`(..., C, H, W)` uint8 -> float32."""
        return obs * self._scales(obs.device)  # uint8 times float32: float32, in one pass


class Collector:
    """Runs `env` with a policy and writes every step into `buffer` (`data.replay.ReplayBuffer`).

    Each vector step writes, per game, the observation the agents acted on (uint8), their legal masks,
    the actions, the team reward (as `shaper` makes it, `data.rewards.RewardShaper`; blue's team reward
    without one), whether the game terminated (with `limit_is_terminal`, when the time limit cut it too:
    for agents that observe the clock the limit is the end) or was cut by the time limit, and the
    policy's state before acting; a game that ended also writes the observation it ended in. The policy is any `act(obs, legal, state) -> (actions,
    state)` (`marl_lightning.policy`); the collector keeps each game's state, clears it when the game
    ends, and owns `generator`, the exploration generator an exploring policy draws from (saved with
    the games in `state_dict`).

    The observations and masks travel to the buffer's device once a step, as bytes (an env made with
    `encoded=True` gives them so; float observations are encoded first); the policy acts on them
    there, and only its actions come back to the host, where the games are.
    """

    def __init__(self, env: VecCaptureEnv, buffer: ReplayBuffer, shaper: RewardShaper | None = None,
                 limit_is_terminal: bool = False, generator: torch.Generator | None = None):
        self.env, self.buffer, self.shaper, self.limit_is_terminal = env, buffer, shaper, limit_is_terminal
        self.codec = ObservationCodec(plane_scales(env.planes))
        self.generator = generator if generator is not None else torch.Generator().manual_seed(0)
        self.obs, info = env.reset()
        self.legal = info["legal"]
        self.state: torch.Tensor | None = None  # (N, A, S) the policy's state of each game

    def collect(self, policy, steps: int, progress: str | None = None) -> list[EpisodeResults]:
        """Play `steps` vector steps (`steps * N` transitions); returns the results of the games that ended.
        `progress`: a bar of that name for the steps (the replay's warm-up, minutes before the first gradient step)."""
        ended, device, n = [], self.buffer.device, self.env.num_envs
        for _ in tqdm(range(steps), desc=progress, unit="step", leave=False, position=1, disable=progress is None):
            seen = TensorDict({
                "obs": self.codec.encode(torch.from_numpy(self.obs)),  # (N, A, C, H, W) uint8
                "legal": torch.from_numpy(self.legal),  # (N, A, U)
            }, batch_size=[n]).to(device)  # the one transfer of the step's observations
            if self.state is None:
                self.state = policy.initial_state(n)
            state_before = self.state
            before = self.shaper.potential(self.env.state) if self.shaper is not None else None
            actions, self.state = policy.act(self.codec.decode(seen["obs"]), seen["legal"], self.state)
            actions = actions.cpu()
            next_obs, reward, terminated, truncated, info = self.env.step(actions.numpy())
            if self.shaper is not None:
                reward = self.shaper(info, before, self.env)
            done = torch.from_numpy(info["done"])
            finished = torch.nonzero(done).squeeze(1)  # the games that ended with this step
            terminated = terminated | (truncated & self.limit_is_terminal)  # the clock is observed: the limit ends it
            self.buffer.add(TensorDict({
                **seen,
                "action": actions.to(torch.uint8),  # (N, A)
                "reward": torch.as_tensor(reward, dtype=torch.float32),  # (N,)
                "terminated": torch.from_numpy(terminated),  # (N,)
                "truncated": torch.from_numpy(truncated),  # (N,)
                "state": state_before.detach().float(),  # (N, A, S)
            }, batch_size=[n]), finished, TensorDict({
                "obs": self.codec.encode(torch.from_numpy(info["final_observation"][finished.numpy()])),  # (k, A, C, H, W)
                "legal": torch.from_numpy(info["final_legal"][finished.numpy()]),
            }, batch_size=[len(finished)]))
            self.state = self.state * (~done).to(self.state.device, self.state.dtype)[:, None, None]  # new games start afresh
            self.obs, self.legal = next_obs, info["legal"]
            if len(info["episodes"]):
                ended.append(info["episodes"])
        return ended

    def state_dict(self) -> dict:
        """The games in progress, the exploration generator and the policy's state of each game: with the
        buffer, all a resumed run needs to go on exactly."""
        return {
            "env": self.env.state_dict(),
            "generator": self.generator.get_state(),
            "hidden": None if self.state is None else self.state.cpu(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.env.load_state_dict(state["env"])
        self.obs, self.legal = self.env.observe(), self.env.legal_actions()  # what the last step returned
        self.generator.set_state(state["generator"])
        self.state = state["hidden"]


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
