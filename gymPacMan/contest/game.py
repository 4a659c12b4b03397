"""The contest's `game` module: directions, actions, configurations, agent states and the `Grid`
(the Berkeley API, written for this project; `y = 0` is the bottom row, grids are `[x][y]`).
"""

from __future__ import annotations

from itertools import compress, repeat

import numpy as np

from . import util
from .util import missing


class Directions:
    NORTH = "North"
    SOUTH = "South"
    EAST = "East"
    WEST = "West"
    STOP = "Stop"

    LEFT = {NORTH: WEST, SOUTH: EAST, EAST: NORTH, WEST: SOUTH, STOP: STOP}
    RIGHT = {y: x for x, y in LEFT.items()}
    REVERSE = {NORTH: SOUTH, SOUTH: NORTH, EAST: WEST, WEST: EAST, STOP: STOP}


class Configuration:
    """Where an agent is (`pos`, `(x, y)`) and which way it faces (`direction`)."""

    def __init__(self, pos, direction: str):
        self.pos, self.direction = pos, direction

    def getPosition(self):
        return self.pos

    def getDirection(self) -> str:
        return self.direction

    def isInteger(self) -> bool:
        x, y = self.pos
        return x == int(x) and y == int(y)

    def generateSuccessor(self, vector) -> "Configuration":
        dx, dy = vector
        direction = Actions.vectorToDirection(vector)
        if direction == Directions.STOP:
            direction = self.direction
        x, y = self.pos
        return Configuration((x + dx, y + dy), direction)

    def __eq__(self, other) -> bool:
        return other is not None and self.pos == other.pos and self.direction == other.direction

    def __hash__(self) -> int:
        return hash((self.pos, self.direction))

    def __repr__(self) -> str:
        return f"(x,y)={self.pos}, {self.direction}"


class AgentState:
    """What the game holds of one agent. `configuration` is `None` for an opponent out of sight."""

    def __init__(self, startConfiguration: Configuration, isPacman: bool):
        self.start = startConfiguration
        self.configuration = startConfiguration
        self.isPacman = isPacman
        self.scaredTimer = 0
        self.numCarrying = 0
        self.numReturned = 0

    def getPosition(self):
        return None if self.configuration is None else self.configuration.getPosition()

    def getDirection(self):
        return self.configuration.getDirection()

    def copy(self) -> "AgentState":
        state = AgentState(self.start, self.isPacman)
        state.configuration = self.configuration
        state.scaredTimer, state.numCarrying, state.numReturned = self.scaredTimer, self.numCarrying, self.numReturned
        return state

    def __eq__(self, other) -> bool:
        return other is not None and self.configuration == other.configuration and self.scaredTimer == other.scaredTimer

    def __hash__(self) -> int:
        return hash((hash(self.configuration), hash(self.scaredTimer)))

    def __repr__(self) -> str:
        return f"{'Pacman' if self.isPacman else 'Ghost'}: {self.configuration}"


class Grid:
    """A boolean (or any value) grid indexed `grid[x][y]`, `y = 0` the bottom row; `data` is that list of columns."""

    def __init__(self, width: int, height: int, initialValue=False, bitRepresentation=None):
        if bitRepresentation is not None:
            raise NotImplementedError("Grid(bitRepresentation=...) is not supported by marl-lightning's contest modules")
        self.width, self.height = width, height
        self.data = [[initialValue for _ in range(height)] for _ in range(width)]

    @classmethod
    def from_cells(cls, cells_yx: np.ndarray) -> "Grid":
        """A grid of an engine array `(H, W)` indexed `[y, x]`."""
        grid = cls.__new__(cls)
        grid.height, grid.width = int(cells_yx.shape[0]), int(cells_yx.shape[1])
        grid.data = cells_yx.T.tolist()
        return grid

    def __getitem__(self, i):
        return self.data[i]

    def __setitem__(self, key, item):
        self.data[key] = item

    def __eq__(self, other) -> bool:
        return other is not None and self.data == other.data

    def __hash__(self) -> int:
        return hash(tuple(tuple(column) for column in self.data))

    def copy(self) -> "Grid":
        grid = Grid.__new__(Grid)
        grid.width, grid.height = self.width, self.height
        grid.data = [column[:] for column in self.data]
        return grid

    def deepCopy(self) -> "Grid":
        return self.copy()

    def shallowCopy(self) -> "Grid":
        grid = Grid.__new__(Grid)
        grid.width, grid.height, grid.data = self.width, self.height, self.data
        return grid

    def count(self, item=True) -> int:
        return sum(column.count(item) for column in self.data)

    def asList(self, key=True) -> list[tuple[int, int]]:
        """The cells holding `key`, column by column (teams call this every move: kept in C loops)."""
        cells, rows = [], range(self.height)
        for x, column in enumerate(self.data):
            hits = column if key is True else [value == key for value in column]
            cells.extend(zip(repeat(x), compress(rows, hits)))
        return cells

    def __str__(self) -> str:
        rows = [[str(self.data[x][y])[0] for x in range(self.width)] for y in range(self.height)]
        return "\n".join("".join(row) for row in reversed(rows))

    def __repr__(self) -> str:
        return f"Grid({self.width} x {self.height})"


class Actions:
    """Conversions between directions and `(dx, dy)` vectors, and the moves a wall grid allows."""

    _directions = {Directions.NORTH: (0, 1), Directions.SOUTH: (0, -1), Directions.EAST: (1, 0),
                   Directions.WEST: (-1, 0), Directions.STOP: (0, 0)}
    _directionsAsList = list(_directions.items())  # the contest's order: North, South, East, West, Stop
    TOLERANCE = 0.001

    @staticmethod
    def reverseDirection(action: str) -> str:
        return Directions.REVERSE.get(action, action)

    @staticmethod
    def vectorToDirection(vector) -> str:
        dx, dy = vector
        if dy > 0:
            return Directions.NORTH
        if dy < 0:
            return Directions.SOUTH
        if dx < 0:
            return Directions.WEST
        if dx > 0:
            return Directions.EAST
        return Directions.STOP

    @staticmethod
    def directionToVector(direction: str, speed: float = 1.0):
        dx, dy = Actions._directions[direction]
        return dx * speed, dy * speed

    @staticmethod
    def getPossibleActions(config: Configuration, walls: Grid) -> list[str]:
        x, y = config.pos
        xi, yi = int(x + 0.5), int(y + 0.5)
        if abs(x - xi) + abs(y - yi) > Actions.TOLERANCE:
            return [config.getDirection()]
        return [d for d, (dx, dy) in Actions._directionsAsList if not walls[xi + dx][yi + dy]]

    @staticmethod
    def getLegalNeighbors(position, walls: Grid) -> list[tuple[int, int]]:
        x, y = position
        xi, yi = int(x + 0.5), int(y + 0.5)
        out = []
        for _, (dx, dy) in Actions._directionsAsList:
            nx, ny = xi + dx, yi + dy
            if 0 <= nx < walls.width and 0 <= ny < walls.height and not walls[nx][ny]:
                out.append((nx, ny))
        return out

    @staticmethod
    def getSuccessor(position, action: str):
        dx, dy = Actions.directionToVector(action)
        x, y = position
        return x + dx, y + dy


class Agent:
    """An agent of the contest: it has an `index` and chooses actions with `getAction(state)`."""

    def __init__(self, index: int = 0):
        self.index = index

    def getAction(self, state):
        util.raiseNotDefined()


def __getattr__(name: str):
    raise missing("the contest module 'game'", name)
