"""A read-only view of one game that answers the Berkeley contest's `GameState` calls.

Course code (and exported contest teams) read the game through calls like `getBlueFood().data[x][y]`,
`getAgentState(i).numCarrying` or `getLegalActions(i)`. This view answers them from the engine's
arrays, so such code runs unchanged against `gymPacMan_parallel_env(...).game.state`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from .engine import GameState
from .rules import ACTION_NAMES, NUM_AGENTS, TEAM_AGENTS, BLUE, RED


class Grid:
    """The contest's boolean grid: `grid[x][y]` and `grid.data[x][y]`, `y = 0` at the bottom."""

    def __init__(self, cells_yx: np.ndarray):
        self.data = cells_yx.T.tolist()  # [x][y]
        self.width, self.height = cells_yx.shape[1], cells_yx.shape[0]

    def __getitem__(self, x: int) -> list[bool]:
        return self.data[x]

    def count(self, item: bool = True) -> int:
        return sum(column.count(item) for column in self.data)

    def asList(self, key: bool = True) -> list[tuple[int, int]]:
        return [(x, y) for x in range(self.width) for y in range(self.height) if self.data[x][y] == key]

    def __repr__(self) -> str:
        return f"Grid({self.width} x {self.height}, {self.count()} set)"


@dataclass
class Configuration:
    pos: tuple[int, int]
    direction: str

    def getPosition(self) -> tuple[int, int]:
        return self.pos

    def getDirection(self) -> str:
        return self.direction


@dataclass
class AgentState:
    """The fields of the contest's `AgentState` that agents read."""

    configuration: Configuration
    start: Configuration
    isPacman: bool
    numCarrying: int
    numReturned: int
    scaredTimer: int

    def getPosition(self) -> tuple[int, int]:
        return self.configuration.pos

    def getDirection(self) -> str:
        return self.configuration.direction


class ContestStateView:
    """One game (`game`) of a batched `GameState`, seen through the contest's API.

    The view reads the arrays when called, so it always shows the current state of the game.
    """

    def __init__(self, state: GameState, game: int = 0, length: int | None = None):
        self._state, self._game, self._length = state, game, length

    @property
    def data(self) -> SimpleNamespace:
        """`data.timeleft`: moves left in the game (four a step), as the contest counts them, at the start
        of the current step (`None` when the game's length is not known)."""
        t = int(self._state.t[self._game])
        return SimpleNamespace(timeleft=None if self._length is None else NUM_AGENTS * (self._length - t))

    # -- board ----------------------------------------------------------------------------------
    def _cells(self, array: np.ndarray) -> np.ndarray:
        s, g = self._state, self._game
        return array[g, : s.height[g], : s.width[g]]

    def _half(self, red: bool) -> np.ndarray:
        w = int(self._state.width[self._game])
        return (2 * np.arange(w) < w) == red

    def getWalls(self) -> Grid:
        return Grid(self._cells(self._state.walls))

    def getFood(self) -> Grid:
        return Grid(self._cells(self._state.food))

    def getRedFood(self) -> Grid:
        return Grid(self._cells(self._state.food) & self._half(True))

    def getBlueFood(self) -> Grid:
        return Grid(self._cells(self._state.food) & self._half(False))

    def getCapsules(self) -> list[tuple[int, int]]:
        return [(int(x), int(y)) for y, x in np.argwhere(self._cells(self._state.capsules))]

    def getRedCapsules(self) -> list[tuple[int, int]]:
        return [c for c in self.getCapsules() if self.isRed(c)]

    def getBlueCapsules(self) -> list[tuple[int, int]]:
        return [c for c in self.getCapsules() if not self.isRed(c)]

    def hasWall(self, x: int, y: int) -> bool:
        return bool(self._state.walls[self._game, y, x])

    def hasFood(self, x: int, y: int) -> bool:
        return bool(self._state.food[self._game, y, x])

    def isRed(self, position) -> bool:
        x = position[0] if not hasattr(position, "getPosition") else position.getPosition()[0]
        return 2 * x < int(self._state.width[self._game])

    # -- agents ---------------------------------------------------------------------------------
    def getNumAgents(self) -> int:
        return NUM_AGENTS

    def getRedTeamIndices(self) -> list[int]:
        return list(TEAM_AGENTS[RED])

    def getBlueTeamIndices(self) -> list[int]:
        return list(TEAM_AGENTS[BLUE])

    def isOnRedTeam(self, agent: int) -> bool:
        return agent % 2 == RED

    def getAgentPosition(self, agent: int) -> tuple[int, int]:
        x, y = self._state.pos[self._game, agent]
        return int(x), int(y)

    def getInitialAgentPosition(self, agent: int) -> tuple[int, int]:
        x, y = self._state.starts[self._game, agent]
        return int(x), int(y)

    def getAgentState(self, agent: int) -> AgentState:
        s, g = self._state, self._game
        return AgentState(
            configuration=Configuration(self.getAgentPosition(agent), ACTION_NAMES[int(s.heading[g, agent])]),
            start=Configuration(self.getInitialAgentPosition(agent), ACTION_NAMES[-1]),
            isPacman=bool(s.is_pacman[g, agent]),
            numCarrying=int(s.carrying[g, agent]),
            numReturned=int(s.returned[g, agent]),
            scaredTimer=int(s.scared[g, agent]),
        )

    def getLegalActions(self, agent: int = 0) -> list[str]:
        from .engine import legal_actions

        mask = legal_actions(self._state.select(self._game))[0, agent]
        return [ACTION_NAMES[a] for a in np.flatnonzero(mask)]

    def getScore(self) -> int:
        return int(self._state.score[self._game])

    def isOver(self) -> bool:
        """Won by a team (the time limit is the environment's to judge)."""
        from .engine import game_won

        return bool(game_won(self._state)[self._game])
