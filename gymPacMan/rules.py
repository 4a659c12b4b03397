"""Named constants of the game: actions, agent order, teams and reward values (SPEC.md)."""

from __future__ import annotations

from dataclasses import dataclass

# Actions, in the order of the action space and of every legal-action mask.
NORTH, EAST, SOUTH, WEST, STOP = 0, 1, 2, 3, 4
NUM_ACTIONS = 5
ACTION_NAMES = ("North", "East", "South", "West", "Stop")
# (dx, dy) per action; y grows upwards (North).
ACTION_DX = (0, 1, 0, -1, 0)
ACTION_DY = (1, 0, -1, 0, 0)
REVERSE = (SOUTH, WEST, NORTH, EAST, STOP)

# Agents move in index order; even indices are red, odd are blue.
NUM_AGENTS = 4
RED, BLUE = 0, 1
TEAM_NAMES = ("red", "blue")
TEAM_AGENTS = ((0, 2), (1, 3))
AGENT_NAMES = ("red_0", "blue_0", "red_1", "blue_1")  # agent index -> name used by the PettingZoo env

SCARED_TIME = 40
NUM_CHANNELS = 8


@dataclass(frozen=True)
class RewardConfig:
    """The team reward of SPEC.md; the two flags are the course env's constructor switches."""

    legal_action: bool = True  # +0.01 for each legal move of the team's agents
    defence: bool = True  # +0.25 for each opponent Pacman sent home during the team's move
    own_food_back: float = 1.0  # the team's own food count rose (a carrier was killed)
    ate_food: float = 0.1  # the opponents' food count fell during the move
    defence_value: float = 0.25
    legal_value: float = 0.01
    win_bonus: float = 20.0  # plus |score| / win_score_divisor, to the winner when a game ends
    win_score_divisor: float = 5.0


def team_of(agent: int) -> int:
    return agent % 2
