"""A self-play league: frozen snapshots of the learner, kept in a capped pool, as opponents.

Every `every_n_steps` gradient steps the learner's greedy team is copied (frozen, on the CPU) into the
pool (an `agents.MixtureTeam` whose members come and go); past `pool_size` the oldest snapshot leaves. A
share `share` of the training games is played against the pool (the rest against the configured opponents
or curriculum); each such game's snapshot is drawn by `sampling`:

- `uniform`: every snapshot alike;
- `latest`: the newest first, each older one half as likely as the next;
- `pfsp`: prioritised fictitious self-play, weight `(1 - w) ** pfsp_power` where `w` is the learner's
  win rate against that snapshot (with one win and one loss as a prior), so the snapshots it still loses
  to come most.

Snapshots play red through the map's symmetry (`agents.PolicyTeam`). The league keeps Elo ratings
(K = 16) of the learner and of every snapshot from the pool games, and reports `league/elo`,
`league/pool`, and the learner's win rate against the pool.

    data:
      league: {every_n_steps: 2000, pool_size: 8, share: 0.5, sampling: pfsp}

The settings are typed (`LeagueConfig`, frozen; the command line and YAML are checked against it, an
unknown or misspelt key refused by name); `League` holds them and the league's state (the pool, its
snapshots and their Elo ratings).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import torch

from agents import MixtureTeam, PolicyTeam

from ..policy import GreedyPolicy

Sampling = Literal["uniform", "latest", "pfsp"]
SAMPLINGS = get_args(Sampling)
ELO_K = 16.0


@dataclass(frozen=True)
class LeagueConfig:
    """`data.league`: a self-play league's settings.

    Args:
        every_n_steps: gradient steps between snapshots of the learner (at least 1).
        pool_size: snapshots kept, the oldest leaving first (at least 1).
        share: the share of the training games played against the pool once it holds a snapshot, in (0, 1).
        sampling: how a game's snapshot is drawn: `uniform`, `latest` (the newest first, each older one half
            as likely) or `pfsp` (weight `(1 - learner's win rate) ** pfsp_power`).
        pfsp_power: PFSP's exponent (non-negative; 0 is uniform).
    """

    every_n_steps: int = 2000
    pool_size: int = 8
    share: float = 0.5
    sampling: Sampling = "pfsp"
    pfsp_power: float = 2.0

    def __post_init__(self):
        if self.sampling not in SAMPLINGS:
            raise ValueError(f"data.league.sampling must be one of {', '.join(SAMPLINGS)}, got sampling={self.sampling!r}")
        for key in ("every_n_steps", "pool_size"):
            if getattr(self, key) < 1:
                raise ValueError(f"data.league.{key} must be at least 1, got {key}={getattr(self, key)}")
        if not 0 < self.share < 1:
            raise ValueError(f"data.league.share (of the training games played against the pool) must be in (0, 1), "
                             f"got share={self.share}")
        if not self.pfsp_power >= 0:
            raise ValueError(f"data.league.pfsp_power must be non-negative, got pfsp_power={self.pfsp_power}")


@dataclass
class League:
    """A league's settings (`config`) and its state: the learner's Elo, the pool and its snapshots."""

    config: LeagueConfig = field(default_factory=LeagueConfig)
    elo: float = 1500.0  # the learner's
    snapshots: list[dict] = field(default_factory=list)  # per pool member: step, elo, and (saved) weights
    next_snapshot: int = 0
    pool: MixtureTeam | None = None

    def __post_init__(self):
        if self.next_snapshot == 0:
            self.next_snapshot = self.config.every_n_steps

    # -- the pool -------------------------------------------------------------------------------
    def maybe_snapshot(self, step: int, learner) -> bool:
        """Add a snapshot of `learner` (the LightningModule) once `every_n_steps` more gradient steps have passed."""
        if step < self.next_snapshot:
            return False
        self.next_snapshot = step + self.config.every_n_steps
        self.add(frozen_policy(learner), {"step": step, "elo": self.elo})
        return True

    def add(self, policy: GreedyPolicy, info: dict) -> None:
        name = f"snapshot@{info['step']}"
        self.pool.add(PolicyTeam(policy, team=self.pool.team, name=name), name)
        self.snapshots.append(dict(info))
        if len(self.pool.members()) > self.config.pool_size:
            self.pool.remove(0)
            del self.snapshots[0]
        self.pool.set_weights(self.sampling_weights())

    def sampling_weights(self) -> np.ndarray:
        n = len(self.pool.members())
        if self.config.sampling == "uniform":
            return np.ones(n)
        if self.config.sampling == "latest":
            return 0.5 ** np.arange(n - 1, -1, -1, dtype=np.float64)
        learner_wins = self.pool.lost + 1.0  # a win and a loss as a prior
        win_rate = learner_wins / (self.pool.games + 2.0)
        return np.maximum((1 - win_rate) ** self.config.pfsp_power, 1e-3)

    def game_weights(self) -> dict[str, float]:
        """The training games' weights: `share` against the pool once it holds a snapshot, the rest against
        the configured opponents (the `opponents` and `league` members of the training opponent)."""
        share = self.config.share if self.pool.members() else 0.0
        return {"opponents": 1 - share, "league": share}

    # -- results --------------------------------------------------------------------------------
    def record(self, before_games: np.ndarray, before_lost: np.ndarray) -> None:
        """Update the Elo ratings from the pool games that ended since the counts `before_*`."""
        for k in range(len(self.pool.members())):
            played = int(self.pool.games[k] - (before_games[k] if k < len(before_games) else 0))
            lost = int(self.pool.lost[k] - (before_lost[k] if k < len(before_lost) else 0))
            for result in [1.0] * lost + [0.0] * (played - lost):  # 1: the learner won (ties count as losses here)
                expected = 1 / (1 + 10 ** ((self.snapshots[k]["elo"] - self.elo) / 400))
                self.elo += ELO_K * (result - expected)
                self.snapshots[k]["elo"] -= ELO_K * (result - expected)
        self.pool.set_weights(self.sampling_weights())

    def stats(self) -> dict[str, float]:
        games, lost = self.pool.games.sum(), self.pool.lost.sum()
        out = {"league/elo": self.elo, "league/pool": float(len(self.pool.members()))}
        if games:
            out["league/win_rate_vs_pool"] = float(lost / games)
        return out

    # -- checkpoints ----------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "elo": self.elo, "next_snapshot": self.next_snapshot, "snapshots": [dict(s) for s in self.snapshots],
            "weights": [{k: v.detach().cpu().clone() for k, v in m.policy.network.state_dict().items()} for m in self.pool.members()],
            "games": torch.from_numpy(self.pool.games.copy()), "lost": torch.from_numpy(self.pool.lost.copy()),
            "rng": self.pool.rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict, learner) -> None:
        self.elo, self.next_snapshot = float(state["elo"]), int(state["next_snapshot"])
        self.snapshots = []
        while self.pool.members():
            self.pool.remove(0)
        for info, weights in zip(state["snapshots"], state["weights"]):
            policy = frozen_policy(learner)
            policy.network.load_state_dict(weights)
            self.add(policy, info)
        self.pool.games, self.pool.lost = state["games"].numpy().copy(), state["lost"].numpy().copy()
        self.pool.rng.bit_generator.state = state["rng"]
        self.pool.set_weights(self.sampling_weights())


def frozen_policy(learner) -> GreedyPolicy:
    """The learner's greedy team with its own copy of the networks, on the CPU, never trained."""
    live = learner.policy()
    network = copy.deepcopy(live.network).cpu().eval()
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    return GreedyPolicy(network, live.obs_shape, live.planes)
