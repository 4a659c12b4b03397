"""Collecting experience: step the vectorised environment with the current policy into the buffer."""

from __future__ import annotations

import numpy as np
import torch
from tensordict import TensorDict

from gymPacMan import EpisodeResults, VecCaptureEnv

from .replay import ReplayBuffer


class Collector:
    """Runs `env` with a policy and writes its experience into `buffer`.

    Transitions (`sequence_length == 0`), one per game and step: `obs`, `next_obs` `(N, A, C, H, W)`
    uint8 (observations are small integers; a quarter of the memory of float32), `legal`,
    `next_legal` `(N, A, U)` bool, `action` `(N, A)` int64, `reward` `(N,)` float32, `terminated`
    `(N,)` bool. `next_obs` of a game that ended is its final observation, so a truncated game
    bootstraps from where it stopped.

    Sequences (`sequence_length = L > 0`, for recurrent agents): every `L - burn_in` steps each game
    writes its last L steps, the same fields with a time axis `(N, L, ...)`, plus `done` `(N, L)` (the
    game ended at that step) and `hidden` `(N, A, S)`, the acting policy's state before the first
    step (stored state, as in R2D2); consecutive sequences overlap by `burn_in` steps.

    The policy is any `act(obs, legal, state) -> (actions, state)` (`marl_lightning.policy`); the
    collector keeps each game's state and clears it when the game ends, and owns `generator`, the
    exploration generator an exploring policy draws from (saved with the games in `state_dict`).
    """

    def __init__(self, env: VecCaptureEnv, buffer: ReplayBuffer, sequence_length: int = 0, burn_in: int = 0,
                 generator: torch.Generator | None = None):
        if sequence_length and not 0 <= burn_in < sequence_length:
            raise ValueError(f"burn_in must be in [0, sequence_length), got {burn_in} and {sequence_length}")
        self.env, self.buffer = env, buffer
        self.sequence_length, self.stride = sequence_length, sequence_length - burn_in
        self.generator = generator if generator is not None else torch.Generator().manual_seed(0)
        self.obs, info = env.reset()
        self.legal = info["legal"]
        self.state: torch.Tensor | None = None  # (N, A, S) the policy's state of each game
        self._window: list[TensorDict] = []  # the last L steps, each (N, ...), in sequence mode

    def collect(self, policy, steps: int) -> list[EpisodeResults]:
        """Play `steps` vector steps (`steps * N` transitions); returns the results of the games that ended."""
        ended = []
        for _ in range(steps):
            obs = torch.from_numpy(self.obs)
            legal = torch.from_numpy(self.legal)
            if self.state is None:
                self.state = policy.initial_state(self.env.num_envs)
            state_before = self.state
            actions, self.state = policy.act(obs, legal, self.state)
            actions = actions.cpu()
            next_obs, reward, terminated, truncated, info = self.env.step(actions.numpy())
            step = TensorDict({
                "obs": obs.to(torch.uint8),
                "legal": legal,
                "action": actions.long(),
                "reward": torch.from_numpy(reward).float(),
                "terminated": torch.from_numpy(terminated),
                "next_obs": torch.from_numpy(info["final_observation"]).to(torch.uint8),
                "next_legal": torch.from_numpy(info["final_legal"]),
            }, batch_size=[self.env.num_envs])
            done = torch.from_numpy(info["done"])
            if self.sequence_length:
                step["done"] = done
                step["hidden"] = state_before.cpu()
                self._add_to_window(step)
            else:
                self.buffer.extend(step)
            self.state = self.state * (~done).to(self.state.dtype).to(self.state.device)[:, None, None]  # new games start afresh
            self.obs, self.legal = next_obs, info["legal"]
            if len(info["episodes"]):
                ended.append(info["episodes"])
        return ended

    def state_dict(self) -> dict:
        """The games in progress, the exploration generator, the policy's state of each game and the
        sequence being assembled: with the buffer, all a resumed run needs to go on exactly."""
        return {
            "env": self.env.state_dict(),
            "generator": self.generator.get_state(),
            "hidden": None if self.state is None else self.state.cpu(),
            "window": [step.to_dict() for step in self._window],
        }

    def load_state_dict(self, state: dict) -> None:
        self.env.load_state_dict(state["env"])
        self.obs, self.legal = self.env.observe(), self.env.legal_actions()  # what the last step returned
        self.generator.set_state(state["generator"])
        self.state = state["hidden"]
        n = self.env.num_envs
        self._window = [TensorDict(step, batch_size=[n]) for step in state["window"]]

    def _add_to_window(self, step: TensorDict) -> None:
        self._window.append(step)
        if len(self._window) == self.sequence_length:
            sequence = torch.stack(self._window, dim=1).to_tensordict()  # (N, L, ...)
            sequence.batch_size = sequence.batch_size[:1]  # one buffer item per game: (N,)
            sequence["hidden"] = self._window[0]["hidden"]  # (N, A, S) before the first step
            self.buffer.extend(sequence)
            self._window = self._window[self.stride:]


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
