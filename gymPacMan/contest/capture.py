"""The contest's `capture` module: its `GameState`, one game seen through the calls contest teams make.

`GameState` answers the Berkeley contest's calls (`getLegalActions`, `generateSuccessor`,
`getAgentState`, `getBlueFood().data[x][y]`, `data.timeleft`, ...) from the engine's arrays, so a
contest team, course code reading `env.game.state`, or the `myTeam.py` our export writes runs
unchanged against this engine. `generateSuccessor` plays one agent's move by the engine's own
compiled rule (`gymPacMan.engine.move_agent`) on a copy.

Observations (`makeObservation(index)`) come in two kinds, the `observation` setting of a contest team:
- `"contest"`: as the contest's `capture.py` gives them: an opponent farther than `SIGHT_RANGE` (5,
  Manhattan) from both agents of the observer's team is hidden (`getAgentPosition` is `None`, its
  `configuration` is `None`, it does not collide in successors), and `getAgentDistances()` holds a
  noisy Manhattan distance to every agent (true distance plus a uniform -6..6).
- `"course"`: as the course environment gives them: every position is shown, and
  `getAgentDistances()` holds the true Manhattan distances.

A call the contest has and this `GameState` does not fails with an `AttributeError` naming it.
"""

from __future__ import annotations

import random
from typing import Sequence

import numpy as np

from .. import engine
from ..rules import ACTION_NAMES, BLUE, NUM_AGENTS, RED, TEAM_AGENTS
from .game import AgentState, Configuration, Directions, Grid
from .util import manhattanDistance, missing

SIGHT_RANGE = 5  # Manhattan distance within which an opponent is seen (contest observations)
SONAR_NOISE_RANGE = 13  # the number of noise values: -6 .. 6
SONAR_NOISE_VALUES = [i - (SONAR_NOISE_RANGE - 1) / 2 for i in range(SONAR_NOISE_RANGE)]
SCARED_TIME = 40
OBSERVATIONS = ("contest", "course")
_HIDDEN = -1  # the cell a hidden agent is kept at in an observation's copy of the game: it meets nobody
_CONTEST_ORDER = [0, 2, 1, 3, 4]  # the contest lists legal actions North, South, East, West, Stop


def noisyDistance(pos1, pos2, rng=random) -> int:
    return int(manhattanDistance(pos1, pos2) + rng.choice(SONAR_NOISE_VALUES))


def action_index(action) -> int:
    """`"North"` -> 0 ... `"Stop"` -> 4 (the engine's numbering); anything else raises a `ValueError`."""
    try:
        return ACTION_NAMES.index(action)
    except ValueError:
        raise ValueError(f"{action!r} is not an action: the actions are {', '.join(ACTION_NAMES)}") from None


class Layout:
    """`data.layout`: the board's walls (`walls[x][y]`), `width` and `height`."""

    def __init__(self, wall_cells: np.ndarray):
        self.wall_cells = wall_cells  # (H, W) bool, [y, x]
        self.height, self.width = wall_cells.shape
        self.walls = Grid.from_cells(wall_cells)

    def isWall(self, pos) -> bool:
        x, y = pos
        return bool(self.wall_cells[y, x])

    def __getattr__(self, name):
        raise missing("the contest layout (GameState.data.layout)", name)


class GameStateData:
    """`state.data`: `timeleft` (moves left, four a step), `layout`, `score`, `scoreChange`, `agentStates`,
    `food`, `capsules`."""

    def __init__(self, state: "GameState"):
        self._of = state

    @property
    def scoreChange(self) -> int:
        """The score change of the move that made this state (0 for a game's own state and its copies), as
        the contest keeps it; teams may set it (the course's search teams zero it at their search's root)."""
        return self._of._score_change

    @scoreChange.setter
    def scoreChange(self, value: int) -> None:
        self._of._score_change = value

    @property
    def timeleft(self):
        return self._of._timeleft()

    @property
    def layout(self) -> Layout:
        return self._of._layout()

    @property
    def score(self) -> int:
        return self._of.getScore()

    @property
    def agentStates(self) -> list[AgentState]:
        return [self._of.getAgentState(i) for i in range(NUM_AGENTS)]

    @property
    def food(self) -> Grid:
        return self._of.getFood()

    @property
    def capsules(self) -> list[tuple[int, int]]:
        return self._of.getCapsules()

    def __getattr__(self, name):
        raise missing("the contest GameState.data", name)


class GameState:
    """Game `game` of a batched engine state, seen through the contest's `GameState` calls.

    Args:
        state: the engine's batch. The view reads it when called: a live game shows its current state;
            `snapshot` gives a copy that no later step changes (what contest agents receive).
        game: which game of the batch.
        length: the game's length in steps (for `data.timeleft`; `None` when not known).
        moves: moves already played in the current step (the contest counts `timeleft` per move).
        hidden: agents whose positions this observation does not show.
        distances: the agent distances of this observation (`getAgentDistances`).
        observation: the kind of observation `makeObservation` gives (`"contest"` or `"course"`).
    """

    def __init__(self, state: engine.GameState, game: int = 0, length: int | None = None, moves: int = 0,
                 hidden: Sequence[int] = (), distances: Sequence[int] | None = None, observation: str = "contest"):
        if observation not in OBSERVATIONS:
            raise ValueError(f"observation must be one of {OBSERVATIONS}, got {observation!r}")
        self._state, self._game, self._length, self._moves = state, game, length, moves
        self._observation = observation
        self._hidden = frozenset(hidden)
        self._distances = None if distances is None else list(distances)
        self._cached_layout = None
        self._frozen = False  # True for copies only this object changes (snapshots, successors, observations)
        self._agent_states: dict[int, AgentState] = {}
        self._score_change = 0  # `data.scoreChange`

    @classmethod
    def snapshot(cls, state: engine.GameState, game: int = 0, length: int | None = None, moves: int = 0,
                 observation: str = "contest") -> "GameState":
        """A copy of game `game` that later steps of the batch leave as it is."""
        copy = cls(state.select(game), 0, length, moves, observation=observation)
        copy._frozen = True
        return copy

    # -- the contest's own calls ----------------------------------------------------------------
    @property
    def data(self) -> GameStateData:
        return GameStateData(self)

    def deepCopy(self) -> "GameState":
        copy = GameState(self._state.select(self._game), 0, self._length, self._moves, self._hidden, self._distances,
                         self._observation)
        copy._cached_layout = self._cached_layout
        copy._frozen = True  # its arrays are its own: changed only before anyone reads them (successors, observations)
        return copy

    def generateSuccessor(self, agentIndex: int, action: str) -> "GameState":
        """The state after agent `agentIndex` plays `action`, by the engine's rule for one move. A won state has
        successors too, as in the contest's `capture.py` (a team's search may look past the end of the game)."""
        if agentIndex in self._hidden:
            raise ValueError(f"agent {agentIndex} is out of sight in this observation: its successor is unknown")
        move = action_index(action)
        if action not in self.getLegalActions(agentIndex):
            raise ValueError(f"illegal action {action!r} for agent {agentIndex} at {self.getAgentPosition(agentIndex)}")
        successor = self.deepCopy()
        engine.move_agent(successor._state, 0, agentIndex, move)
        successor._moves += 1
        successor._score_change = successor.getScore() - self.getScore()
        return successor

    def makeObservation(self, index: int, observation: str | None = None, rng=random) -> "GameState":
        """What agent `index` is shown: `observation` (default this state's kind; see the module docstring)."""
        observation = observation or self._observation
        if observation not in OBSERVATIONS:
            raise ValueError(f"observation must be one of {OBSERVATIONS}, got {observation!r}")
        seen = self.deepCopy()
        me = self.getAgentPosition(index)
        if observation == "course":
            seen._distances = [manhattanDistance(me, self.getAgentPosition(i)) for i in range(NUM_AGENTS)]
            return seen
        seen._distances = [noisyDistance(me, self.getAgentPosition(i), rng) for i in range(NUM_AGENTS)]
        team = TEAM_AGENTS[index % 2]
        hidden = [j for j in TEAM_AGENTS[1 - index % 2]
                  if all(manhattanDistance(self.getAgentPosition(j), self.getAgentPosition(i)) > SIGHT_RANGE for i in team)]
        seen._hidden = frozenset(hidden) | self._hidden
        seen._state.pos[0, hidden] = _HIDDEN
        return seen

    def getAgentDistances(self) -> list[int]:
        """The distances of this observation; empty for a state that is no agent's observation, as in the contest."""
        return [] if self._distances is None else list(self._distances)

    @staticmethod
    def getDistanceProb(trueDistance, noisyDistance) -> float:
        return 1.0 / SONAR_NOISE_RANGE if noisyDistance - trueDistance in SONAR_NOISE_VALUES else 0.0

    # -- board ----------------------------------------------------------------------------------
    def _cells(self, array: np.ndarray) -> np.ndarray:
        s, g = self._state, self._game
        return array[g, : s.height[g], : s.width[g]]

    def _half(self, red: bool) -> np.ndarray:
        w = int(self._state.width[self._game])
        return (2 * np.arange(w) < w) == red

    def _layout(self) -> Layout:
        if self._cached_layout is None:
            self._cached_layout = Layout(self._cells(self._state.walls).copy())
        return self._cached_layout

    def _timeleft(self):
        if self._length is None:
            return None
        return NUM_AGENTS * (self._length - int(self._state.t[self._game])) - self._moves

    def getWalls(self) -> Grid:
        return self._layout().walls.copy()

    def getFood(self) -> Grid:
        return Grid.from_cells(self._cells(self._state.food))

    def getRedFood(self) -> Grid:
        return Grid.from_cells(self._cells(self._state.food) & self._half(True))

    def getBlueFood(self) -> Grid:
        return Grid.from_cells(self._cells(self._state.food) & self._half(False))

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

    def isRed(self, configOrPos) -> bool:
        x = configOrPos.getPosition()[0] if hasattr(configOrPos, "getPosition") else configOrPos[0]
        return 2 * x < int(self._state.width[self._game])

    # -- agents ---------------------------------------------------------------------------------
    def getNumAgents(self) -> int:
        return NUM_AGENTS

    def getRedTeamIndices(self) -> list[int]:
        return list(TEAM_AGENTS[RED])

    def getBlueTeamIndices(self) -> list[int]:
        return list(TEAM_AGENTS[BLUE])

    def isOnRedTeam(self, agentIndex: int) -> bool:
        return agentIndex % 2 == RED

    def getAgentPosition(self, index: int):
        if index in self._hidden:
            return None
        x, y = self._state.pos[self._game, index]
        return int(x), int(y)

    def getInitialAgentPosition(self, agentIndex: int) -> tuple[int, int]:
        x, y = self._state.starts[self._game, agentIndex]
        return int(x), int(y)

    def getAgentState(self, index: int) -> AgentState:
        if self._frozen:  # a snapshot never changes: build each agent's state once
            cached = self._agent_states.get(index)
            if cached is None:
                cached = self._agent_states[index] = self._read_agent_state(index)
            return cached
        return self._read_agent_state(index)

    def _read_agent_state(self, index: int) -> AgentState:
        s, g = self._state, self._game
        agent = AgentState(Configuration(self.getInitialAgentPosition(index), Directions.STOP), bool(s.is_pacman[g, index]))
        position = self.getAgentPosition(index)
        agent.configuration = None if position is None else Configuration(position, ACTION_NAMES[int(s.heading[g, index])])
        agent.numCarrying = int(s.carrying[g, index])
        agent.numReturned = int(s.returned[g, index])
        agent.scaredTimer = int(s.scared[g, index])
        return agent

    def getLegalActions(self, agentIndex: int = 0) -> list[str]:
        """Stop and every direction not into a wall, in the contest's order (North, South, East, West, Stop)."""
        position = self.getAgentPosition(agentIndex)
        if position is None:
            raise ValueError(f"agent {agentIndex} is out of sight in this observation: its legal actions are unknown")
        legal = engine.legal_actions(self._state)[self._game, agentIndex]  # the engine's rule, this agent's row
        return [ACTION_NAMES[a] for a in _CONTEST_ORDER if legal[a]]

    def getScore(self) -> int:
        return int(self._state.score[self._game])

    def isOver(self) -> bool:
        """Won by a team (the time limit is the environment's to judge)."""
        return bool(engine.game_won(self._state)[self._game])

    # -- equality, as the contest's: search teams keep states in sets and dictionaries --------------
    def _key(self) -> tuple:
        """What the contest compares: each agent's position, direction and scared timer (an agent out of
        sight as `None`), the food, the capsules and the score; not who carries what."""
        agents = tuple(self.getAgentState(i) for i in range(NUM_AGENTS))
        return agents, self._cells(self._state.food).tobytes(), tuple(self.getCapsules()), self.getScore()

    def __eq__(self, other) -> bool:
        if not isinstance(other, GameState):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __getattr__(self, name):
        raise missing("the contest GameState", name)


def __getattr__(name: str):
    raise missing("the contest module 'capture'", name)
