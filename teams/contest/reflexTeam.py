# reflexTeam.py: the classic reflex team of the Berkeley contest's starter kit, as a contest team file.
#
# An offensive and a defensive agent score each legal action by features of the successor state
# times weights, and play the best one (ties at random). It is the course's baselineTeam (the
# offensive agent heads home only once it has eaten all the food it attacks), the same team as
# marl-lightning's batched `baseline`, and it runs unchanged in the contest's own capture.py:
#
#     python -m marl_lightning.evaluate random contest:teams/contest/reflexTeam.py --layouts bloxCapture
#     python capture.py -r teams/contest/reflexTeam.py -b baselineTeam     (in the contest framework)

import random

import util
from captureAgents import CaptureAgent
from game import Directions
from util import nearestPoint


def createTeam(firstIndex, secondIndex, isRed, first="OffensiveReflexAgent", second="DefensiveReflexAgent"):
    """The team's two agents: the first index attacks, the second defends."""
    return [eval(first)(firstIndex), eval(second)(secondIndex)]


class ReflexCaptureAgent(CaptureAgent):
    """Chooses the action whose successor scores best: features times weights."""

    def registerInitialState(self, gameState):
        self.start = gameState.getAgentPosition(self.index)
        CaptureAgent.registerInitialState(self, gameState)

    def chooseAction(self, gameState):
        actions = gameState.getLegalActions(self.index)
        values = [self.evaluate(gameState, a) for a in actions]
        maxValue = max(values)
        bestActions = [a for a, v in zip(actions, values) if v == maxValue]
        return random.choice(bestActions)

    def getSuccessor(self, gameState, action):
        """The state after this agent's action (a second step if it ends halfway between cells)."""
        successor = gameState.generateSuccessor(self.index, action)
        pos = successor.getAgentState(self.index).getPosition()
        if pos != nearestPoint(pos):
            return successor.generateSuccessor(self.index, action)
        return successor

    def evaluate(self, gameState, action):
        features = self.getFeatures(gameState, action)
        weights = self.getWeights(gameState, action)
        return features * weights

    def getFeatures(self, gameState, action):
        features = util.Counter()
        features["successorScore"] = self.getScore(self.getSuccessor(gameState, action))
        return features

    def getWeights(self, gameState, action):
        return {"successorScore": 1.0}


class OffensiveReflexAgent(ReflexCaptureAgent):
    """Eats the nearest food; once none is left to attack, heads home to its start."""

    def getFeatures(self, gameState, action):
        features = util.Counter()
        successor = self.getSuccessor(gameState, action)
        foodList = self.getFood(successor).asList()
        if len(self.getFood(gameState).asList()) == 0:
            features["distanceHome"] = self.getMazeDistance(successor.getAgentPosition(self.index), self.start)
            return features
        features["successorScore"] = -len(foodList)
        if len(foodList) > 0:
            myPos = successor.getAgentState(self.index).getPosition()
            features["distanceToFood"] = min(self.getMazeDistance(myPos, food) for food in foodList)
        return features

    def getWeights(self, gameState, action):
        return {"successorScore": 100, "distanceToFood": -1, "distanceHome": -1}


class DefensiveReflexAgent(ReflexCaptureAgent):
    """Stays a ghost on its own half and chases the invaders it can see."""

    def getFeatures(self, gameState, action):
        features = util.Counter()
        successor = self.getSuccessor(gameState, action)
        myState = successor.getAgentState(self.index)
        myPos = myState.getPosition()

        features["onDefense"] = 1
        if myState.isPacman:
            features["onDefense"] = 0

        enemies = [successor.getAgentState(i) for i in self.getOpponents(successor)]
        invaders = [a for a in enemies if a.isPacman and a.getPosition() is not None]
        features["numInvaders"] = len(invaders)
        if len(invaders) > 0:
            features["invaderDistance"] = min(self.getMazeDistance(myPos, a.getPosition()) for a in invaders)

        if action == Directions.STOP:
            features["stop"] = 1
        rev = Directions.REVERSE[gameState.getAgentState(self.index).configuration.direction]
        if action == rev:
            features["reverse"] = 1
        return features

    def getWeights(self, gameState, action):
        return {"numInvaders": -1000, "onDefense": 100, "invaderDistance": -10, "stop": -100, "reverse": -2}
