"""A mixture of opponents: each game of a batch is played by one team drawn, when the game starts,
from weighted members (`{"random": 0.5, "baseline": 0.5}`), so one training run meets several.

Members may come and go (`add`, `remove`): a self-play league keeps frozen snapshots of the learner in a
mixture (`marl_lightning.data.league`), each playing through `PolicyTeam`. The mixture counts, per member,
the games it played to the end and how many its side lost, which is what prioritised fictitious
self-play samples by.

Each member plays only its own games (it is told which in `in_play`: the search team searches, and a
trained policy runs its networks, for those games only), so a costly member costs in proportion to its share.
The draws come from the mixture's own generator, saved with its memory for exact resumes.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from gymPacMan.engine import GameState
from gymPacMan.opponents import of_colour
from gymPacMan.rules import STOP

from .base import Team


def make_mixture(weights: Mapping[str, float], member: Callable[[str], Team], team: int = 0, seed: int = 0) -> "MixtureTeam":
    """The `MixtureTeam` a spec `{entrant: weight}` names, each member built by `member(entrant)` (for colour
    `team`); `seed` seeds the draws. The one place a mixture spec becomes a team (`agents.make_team`,
    `marl_lightning.entrants.make_entrant`)."""
    if not weights:
        raise ValueError("a mixture needs at least one member and a weight for each")
    return MixtureTeam({name: member(name) for name in weights}, weights, team=team, seed=seed)


class MixtureTeam(Team):
    """Args: members: `{name: team}`, already built for colour `team` (none: an empty pool, which plays no
    game until a member joins); weights: `{name: weight}`, one per member (they need not sum to 1);
    seed: the draws' generator."""

    name = "mixture"

    def __init__(self, members: Mapping[str, Team], weights: Mapping[str, float], team: int = 0, seed: int = 0):
        super().__init__(team)
        if set(members) != set(weights):
            raise ValueError("a mixture needs at least one member and a weight for each")
        self.names = list(members)
        self._members = [members[n] for n in self.names]
        self.rng = np.random.default_rng(seed)
        self.assignment = np.zeros(0, dtype=np.int64)  # (N,) which member plays each game, -1 none
        self.games = np.zeros(len(self._members), dtype=np.int64)  # (members,) games played to the end
        self.lost = np.zeros(len(self._members), dtype=np.int64)  # (members,) of those, games the member's side lost
        self.weights = np.zeros(0)
        self.set_weights(weights)

    def set_weights(self, weights: Mapping[str, float] | Sequence[float] | np.ndarray) -> None:
        """New weights (by name, or one per member in order) for the games that start from now on (a
        curriculum's next stage, a league's sampling); games in progress keep their opponent."""
        by_name = isinstance(weights, Mapping)
        values = np.array([weights.get(n, -1.0) for n in self.names] if by_name else weights, dtype=np.float64)
        if (by_name and set(weights) != set(self.names)) or values.shape != (len(self.names),) or (values < 0).any() \
                or (len(values) and values.sum() <= 0):
            shown = dict(weights) if by_name else list(weights)
            raise ValueError(f"mixture weights must be non-negative with a positive sum, one per member of {self.names}; "
                             f"got {shown}")
        self.weights = values
        self.probabilities = values / values.sum() if len(values) else values
        if self.names:
            self.name = "+".join(f"{n}:{w:g}" for n, w in zip(self.names, values))

    # -- members that come and go ---------------------------------------------------------------
    def members(self) -> tuple[Team, ...]:
        """The members, in order (`names` names them)."""
        return tuple(self._members)

    def add(self, member: Team, name: str, weight: float = 1.0) -> None:
        """A new member (built for this mixture's colour), drawn from the games that start from now on."""
        of_colour(member, self.team)
        member.time_limit = self.time_limit
        self._members.append(member)
        self.names.append(name)
        self.games, self.lost = np.append(self.games, 0), np.append(self.lost, 0)
        self.set_weights(np.append(self.weights, weight))

    def remove(self, index: int) -> None:
        """Drop a member; its games in progress finish with the member that takes its place (the first)."""
        del self._members[index], self.names[index]
        self.games, self.lost = np.delete(self.games, index), np.delete(self.lost, index)
        self.assignment = np.where(self.assignment > index, self.assignment - 1, np.where(self.assignment == index, 0, self.assignment))
        if not self._members:
            self.assignment[:] = -1
        weights = np.delete(self.weights, index)
        self.set_weights(weights if weights.sum() > 0 else np.ones(len(weights)))

    # -- playing --------------------------------------------------------------------------------
    def reset(self, state: GameState, games: np.ndarray) -> None:
        games = np.asarray(games)
        if self.bind(state) or self.assignment.shape[0] != state.num_games:
            self.assignment = np.full(state.num_games, -1, dtype=np.int64)
            games = np.arange(state.num_games)
        if self._members:
            self.assignment[games] = self.rng.choice(len(self._members), size=len(games), p=self.probabilities)
        for k, member in enumerate(self._members):
            member.in_play = self.assignment == k
            member.reset(state, games)

    def act(self, state: GameState, legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if self.assignment.shape[0] != state.num_games:
            self.reset(state, np.arange(state.num_games))
        out = np.full((state.num_games, 2), STOP, dtype=np.int64)
        self.forfeits = np.zeros(state.num_games, dtype=np.bool_)
        playing = np.ones(state.num_games, dtype=np.bool_) if self.in_play is None else self.in_play  # a mixture in a mixture
        for k, member in enumerate(self._members):
            mine = (self.assignment == k) & playing
            if mine.any():
                member.in_play = mine
                out[mine] = member.act(state, legal, rng)[mine]
                if member.forfeits is not None:
                    self.forfeits |= member.forfeits & mine
        return out

    def games_ended(self, games: np.ndarray, winner: np.ndarray) -> None:
        """Count finished games' results (`winner`: +1 red, -1 blue, 0 tie) for the members that played them,
        and pass them on to those members (a mixture in a mixture counts its own)."""
        games, winner = np.asarray(games, dtype=np.int64), np.asarray(winner)
        played = np.full(len(games), -1, dtype=np.int64)
        known = games < self.assignment.shape[0]
        played[known] = self.assignment[games[known]]
        lost = winner == (1 if self.team == 1 else -1)  # the other side won
        for k, member in enumerate(self._members):
            mine = played == k
            if mine.any():
                self.games[k] += int(mine.sum())
                self.lost[k] += int((lost & mine).sum())
                if hasattr(member, "games_ended"):
                    member.games_ended(games[mine], winner[mine])

    def state_dict(self) -> dict:
        import torch

        return {"assignment": torch.from_numpy(self.assignment.copy()), "rng": self.rng.bit_generator.state,
                "members": [m.state_dict() for m in self._members]}

    def load_state_dict(self, state_dict: dict) -> None:
        """The games' members and the draws' generator (members that come and go are their owner's to
        restore first, as a league restores its snapshots)."""
        self.assignment = state_dict["assignment"].numpy().copy()
        if "rng" in state_dict:  # a league pool saved before pools and mixtures were one class kept its own
            self.rng.bit_generator.state = state_dict["rng"]
        for member, saved in zip(self._members, state_dict["members"]):
            member.load_state_dict(saved)
