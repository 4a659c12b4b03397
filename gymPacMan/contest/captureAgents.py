"""The contest's `captureAgents`: `CaptureAgent`, the base class of every contest team's agents.

It keeps the observation history, knows its team and the maze distances, and offers the helpers
teams call (`getFood`, `getOpponents`, `getMazeDistance`, ...); a team overrides `chooseAction`
(and usually `registerInitialState`, calling this one too).
"""

from __future__ import annotations

import random

from . import distanceCalculator
from .game import Agent
from .util import missing, nearestPoint


class CaptureAgent(Agent):
    """An agent of a capture team (the contest's API)."""

    def __init__(self, index: int, timeForComputing: float = 0.1):
        self.index = index
        self.red = None
        self.agentsOnTeam = None
        self.distancer = None
        self.observationHistory = []
        self.timeForComputing = timeForComputing
        self.display = None

    def registerInitialState(self, gameState) -> None:
        """Called once with the start of the game (teams compute what they need here)."""
        self.red = gameState.isOnRedTeam(self.index)
        self.distancer = distanceCalculator.Distancer(gameState.data.layout)
        self.distancer.getMazeDistances()

    def final(self, gameState) -> None:
        self.observationHistory = []

    def registerTeam(self, agentsOnTeam) -> None:
        self.agentsOnTeam = agentsOnTeam

    def observationFunction(self, gameState):
        return gameState.makeObservation(self.index)

    def debugDraw(self, cells, color, clear=False) -> None:
        """Drawing is for the contest's display; here it does nothing."""

    def debugClear(self) -> None:
        """Drawing is for the contest's display; here it does nothing."""

    def getAction(self, gameState):
        self.observationHistory.append(gameState)
        position = gameState.getAgentState(self.index).getPosition()
        if position != nearestPoint(position):  # halfway between cells (never in this engine)
            return gameState.getLegalActions(self.index)[0]
        return self.chooseAction(gameState)

    def chooseAction(self, gameState):
        """Override this: return one of `gameState.getLegalActions(self.index)`."""
        raise NotImplementedError(f"{type(self).__name__} must implement chooseAction(gameState)")

    # -- helpers --------------------------------------------------------------------------------
    def getFood(self, gameState):
        """The food this agent's team eats (on the opponents' half)."""
        return gameState.getBlueFood() if self.red else gameState.getRedFood()

    def getFoodYouAreDefending(self, gameState):
        return gameState.getRedFood() if self.red else gameState.getBlueFood()

    def getCapsules(self, gameState):
        return gameState.getBlueCapsules() if self.red else gameState.getRedCapsules()

    def getCapsulesYouAreDefending(self, gameState):
        return gameState.getRedCapsules() if self.red else gameState.getBlueCapsules()

    def getOpponents(self, gameState) -> list[int]:
        return gameState.getBlueTeamIndices() if self.red else gameState.getRedTeamIndices()

    def getTeam(self, gameState) -> list[int]:
        return gameState.getRedTeamIndices() if self.red else gameState.getBlueTeamIndices()

    def getScore(self, gameState) -> int:
        """The score from this team's side (positive when it leads)."""
        return gameState.getScore() if self.red else -gameState.getScore()

    def getMazeDistance(self, pos1, pos2) -> int:
        return self.distancer.getDistance(pos1, pos2)

    def getPreviousObservation(self):
        return self.observationHistory[-2] if len(self.observationHistory) > 1 else None

    def getCurrentObservation(self):
        return self.observationHistory[-1]

    def displayDistributionsOverPositions(self, distributions) -> None:
        """Drawing is for the contest's display; here it does nothing."""


class RandomAgent(CaptureAgent):
    """A random legal action each move."""

    def chooseAction(self, gameState):
        return random.choice(gameState.getLegalActions(self.index))


def __getattr__(name: str):
    raise missing("the contest module 'captureAgents'", name)
