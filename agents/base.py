"""The interface every opponent team implements, so the environments can plug any of them in.

A team plays one colour in all N games of a batch at once: it reads the batched `GameState`
and the legal-action masks and returns one action per game for each of its two agents.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

from gymPacMan.distances import DistanceTables
from gymPacMan.engine import GameState
from gymPacMan.rules import RED, TEAM_AGENTS, TEAM_NAMES

if TYPE_CHECKING:
    import torch


class Team(ABC):
    """A pair of agents of one colour, acting in every game of a batch.

    Args:
        team: `RED` (0, agents 0 and 2) or `BLUE` (1, agents 1 and 3).
    """

    name: str = "team"
    _time_limit: int = 300  # `time_limit` until it is set
    # (N,) bool or None: games this team lost in its last `act` by the contest's discipline (it raised
    # or ran out of time; `agents.ContestTeam`); the environment ends them as the contest does.
    forfeits: np.ndarray | None = None
    # (N,) bool or None: the games this team plays; a `MixtureTeam` sets it so that a costly member
    # (a contest team) computes only its own games. None: all of them.
    in_play: np.ndarray | None = None
    # In the contest's turn-by-turn game (`VecCaptureEnv(turns="contest")`) the environment asks a team at each
    # of its agents' turns and sets, for that call: movers `(N, 2)` bool, the team's agents (in index order)
    # whose turn it is in each game (only their actions are played), and first_mover `(N,)`, each game's
    # first agent of the step. None in the course's game, where both agents choose at the step's start. A
    # team may skip the work of agents not moving (a contest team asks only the agents whose turn it is).
    movers: np.ndarray | None = None
    first_mover: np.ndarray | None = None
    # the attributes, numpy arrays, that hold the team's memory of the games in progress (`state_dict`)
    memory_arrays: tuple[str, ...] = ()

    def __init__(self, team: int = RED):
        if team not in (0, 1):
            raise ValueError(f"team must be 0 (red) or 1 (blue), got {team!r}")
        self.team = team
        self.agents = TEAM_AGENTS[team]

    def members(self) -> Sequence[Team]:
        """The teams this one plays (or plans) through: an `AgentwiseTeam`'s two, a `MixtureTeam`'s members.
        They get the game length when this team does. None by default (a team that plays alone)."""
        return ()

    @property
    def time_limit(self) -> int:
        """The game length in steps; the environment sets it to its own. Setting it sets every member's
        (`members`): a composite of composites passes it down to its leaves. A composite that takes a member
        in later gives it the current one."""
        return self._time_limit

    @time_limit.setter
    def time_limit(self, value: int) -> None:
        self._time_limit = value
        for member in self.members():
            member.time_limit = value

    def reset(self, state: GameState, games: np.ndarray) -> None:
        """Called when `games` (indices into the batch) start; teams with per-game memory clear it."""

    def state_dict(self) -> dict:
        """The team's memory of the games in progress, as tensors or plain Python (for checkpoints that
        resume exactly). A team without memory has none; a team whose memory is numpy arrays names them in
        `memory_arrays`; any other overrides this and `load_state_dict`."""
        return arrays_state(self, self.memory_arrays)

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore `state_dict()`; the environment first calls `reset(state, all games)` on the restored
        games, so this only has to overwrite the memory."""
        load_arrays(self, state_dict, self.memory_arrays)

    def bind(self, state: GameState) -> bool:
        """True (once) when `state` is not the batch this team has been playing: a new environment, or
        one team object shared by two environments. Teams with memory then start afresh on all games."""
        if getattr(self, "_bound_state", None) is state:
            return False
        self._bound_state = state
        return True

    @abstractmethod
    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Choose actions.

        Args:
            state: the batch of N games at the start of the step (in the turn-by-turn game: when the agents
                that `movers` names are to move).
            legal: `(N, 4, 5)` bool legal-action masks of all four agents.
            rng: the environment's generator; use it for every random choice (reproducible runs).

        Returns:
            `(N, 2)` int64 actions of this team's agents, in index order.
        """

    def __repr__(self) -> str:
        return f"{type(self).__name__}({TEAM_NAMES[self.team]})"


class DistanceTeam(Team):
    """A team that plans with maze distances: it keeps the distance tables of its batch's layouts
    (`distances`), brought up to date when games start and when it meets a new batch."""

    def __init__(self, team: int = RED):
        super().__init__(team)
        self.distances = DistanceTables()

    def reset(self, state: GameState, games: np.ndarray) -> None:
        self.distances.update(state, np.arange(state.num_games) if self.bind(state) else games)

    def _tables_for(self, state: GameState) -> None:
        """Call at the start of `act`: the tables of a batch it has not played before."""
        if self.bind(state):
            self.distances.update(state, np.arange(state.num_games))


def arrays_state(obj, names: Sequence[str]) -> dict[str, torch.Tensor]:
    """`obj`'s numpy arrays `names` as tensors (copies), for a `state_dict` that `torch.load(weights_only=True)`
    reads back."""
    if not names:
        return {}
    import torch

    return {name: torch.from_numpy(getattr(obj, name).copy()) for name in names}


def load_arrays(obj, state: Mapping[str, torch.Tensor], names: Sequence[str]) -> None:
    """Overwrite `obj`'s arrays `names`, in place, with what `arrays_state` saved (bit for bit)."""
    for name in names:
        getattr(obj, name)[...] = state[name].numpy()


def sample_legal(legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random legal action per row: legal `(..., 5)` bool -> `(...)` int64."""
    counts = legal.sum(-1)
    choice = (rng.random(counts.shape) * counts).astype(np.int64)  # which legal action, 0-based
    return (np.cumsum(legal, axis=-1) <= choice[..., None]).sum(-1).astype(np.int64)
