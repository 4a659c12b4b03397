"""The course-compatible environment: the course notebook's calls, run on our engine.

`gymPacMan_parallel_env` keeps the course class's constructor, `reset`, `step`, `get_Observation`,
`agents`, `layout` and `game.state`, so a notebook written for the course runs unchanged. It is an
adapter only: every rule comes from `engine.step`. The deliberate differences (SPEC.md) are in
`docs/environments.md`: observations show the state after the whole step, a game ends after `length` steps, and an
agent returning home never eats its own team's food.
"""

from __future__ import annotations

import numpy as np
import torch

from . import engine
from .contest.capture import GameState as ContestGameState
from .contest_maze import contest_maze
from .layout import Layout
from .layout_names import load_layout
from .opponents import resolve_opponent
from .rules import ACTION_NAMES, BLUE, NUM_AGENTS, RED, RewardConfig
from .vec_env import VecCaptureEnv

_ACTION_INDEX = {name: i for i, name in enumerate(ACTION_NAMES)}
COURSE_SEEDS = 99_999_999  # the course's engine draws its random maze's seed up to this


class OpponentAgent:
    """Stands in `env.agents` for an opponent-controlled agent, as the course's agent objects do."""

    def __init__(self, index: int, team_name: str):
        self.index, self.team_name = index, team_name

    def __repr__(self) -> str:
        return f"<{self.team_name} agent {self.index}>"


class _Game:
    """`env.game`: holds `state`, the contest-style view of the current game."""

    def __init__(self, state: engine.GameState, length: int):
        self.state = ContestGameState(state, 0, length)


class gymPacMan_parallel_env:  # noqa: N801 - the course's class name
    """Drop-in replacement for the course's environment class (see SPEC.md).

    Args:
        layout_file: path of a `.lay` file, or the name of one of our maps. A file that does not exist
            plays a random maze of the course's generator instead (drawn as for `random_layout`), as the
            course's environment does ("Loaded random layout"), with one warning line naming the file (a
            malformed file is an error).
        display: show the game live in a window where a display exists; elsewhere record it and save
            it as a GIF when it ends (the first save says where).
        display_keep: GIFs of this environment kept on disk when there is no display: the newest ones
            (older ones are deleted, so a long run does not fill the disk).
        length: time limit in steps (the game ends after `length` steps).
        reward_forLegalAction, defenceReward: the course's reward switches.
        random_layout: a new maze of the course's generator at every reset, as the course plays: the
            course's engine draws a seed with `random.randint(0, 99999999)`; here it comes from this
            environment's generator (`seed=`), in 1 ... 99999999 (`contest_<seed>`, `gymPacMan.contest_maze`).
        enemieName: the opponent team for red (`randomTeam`, `randomTeam.py`, `agents/randomTeam.py`).
        self_play: the caller drives all four agents.
    """

    metadata = {"render_modes": ["human", "ansi", "rgb_array"], "name": "gymPacMan_v1"}

    def __init__(
        self,
        layout_file: str = "tinyMaze",
        display: bool = False,
        length: int = 299,
        reward_forLegalAction: bool = True,
        defenceReward: bool = True,
        random_layout: bool = False,
        enemieName: str = "randomTeam",
        self_play: bool = False,
        seed: int | None = None,
        display_keep: int = 10,
    ):
        if display_keep < 1:
            raise ValueError(f"display_keep must be at least 1, got {display_keep}")
        from .render import GameDisplay

        self._display = GameDisplay(keep=display_keep) if display else None  # live, or GIFs where no display exists
        self.display, self.display_keep = display, display_keep
        self.length = length
        self.reward_forLegalAction = reward_forLegalAction
        self.defenceReward = defenceReward
        self.random_layout = random_layout
        self.self_play = self_play
        self.rewards = RewardConfig(legal_action=reward_forLegalAction, defence=defenceReward)
        self.rng = np.random.default_rng(seed)
        self._missing_layouts: set[str] = set()  # layout files warned about once
        self.layout = self._random_maze() if random_layout else self._load(layout_file)
        self._set_team(enemieName)
        self.steps = 0
        self._new_game()

    # -- the course API -------------------------------------------------------------------------
    def reset(self, layout_file: str = "None", enemieName: str = "None"):
        """Start a new game; returns `(observations, {"legal_actions": ...})` keyed like `env.agents`."""
        if layout_file not in ("None", None):
            self.layout = self._load(layout_file)
        if self.random_layout:
            self.layout = self._random_maze()
        if enemieName != "None" and enemieName is not None:
            self._set_team(enemieName)
        self._new_game()
        return self._observations(), {"legal_actions": self._legal()}

    def step(self, actions):
        """Play one step: `actions` is a dict keyed like the observations, or a list by agent index.

        Returns `(observations, rewards, terminations, info)`; `info` has `legal_actions`,
        `score_change` (red-positive) and `truncated` (the game ended by the time limit).
        """
        if self._over:
            raise RuntimeError("the game is over; call reset() first")
        controlled = self._env.controlled
        joint = np.array([[self._action(actions, int(i)) for i in controlled]])
        _, _, terminated, truncated, info = self._env.step(joint)
        self.steps += 1
        over = bool(terminated[0] or truncated[0])
        self._over = over
        red_reward, blue_reward = (float(r) for r in info["rewards"][0])
        rewards = {self.agents[i]: (red_reward if i % 2 == RED else blue_reward) for i in range(NUM_AGENTS)}
        terminations = {agent: over for agent in self.agents}
        if self._display is not None:
            self._display.show(self._state, over)
        info = {
            "legal_actions": self._legal(),
            "score_change": int(info["score_change"][0]),
            "truncated": bool(truncated[0]),
        }
        return self._observations(), rewards, terminations, info

    def get_Observation(self, agent_index: int) -> torch.Tensor:  # noqa: N802 - the course's name
        """Agent `agent_index`'s observation `(8, H, W)` float32, channels as in SPEC.md."""
        if not 0 <= int(agent_index) < NUM_AGENTS:
            raise ValueError(f"agent_index must be 0-3, got {agent_index!r}")
        return torch.from_numpy(engine.observe(self._state, [int(agent_index)])[0, 0])

    def render(self, mode: str = "ansi"):
        from . import render

        if mode == "rgb_array":
            return render.render_rgb(self._state, 0)
        return render.render_ansi(self._state, 0)

    # -- internals ------------------------------------------------------------------------------
    def _load(self, layout_file: str) -> Layout:
        """The layout, or, where no such file exists, a random maze as the course's environment plays."""
        try:
            return load_layout(layout_file)
        except FileNotFoundError:
            if str(layout_file) not in self._missing_layouts:
                self._missing_layouts.add(str(layout_file))
                print(f"gymPacMan: no layout file {str(layout_file)!r}; playing a random 20 x 20 maze of the course's "
                      "generator instead, as the course's environment does ('Loaded random layout')")
            return self._random_maze()

    def _random_maze(self) -> Layout:
        """The course's maze for a seed in 1 ... 99999999 (the course draws 0 ... 99999999 and plays 0 as
        'no seed', a random one)."""
        return contest_maze(int(self.rng.integers(1, COURSE_SEEDS + 1)))

    def _set_team(self, name: str) -> None:
        self.enemieName = name
        self.opponent = None if self.self_play else resolve_opponent(name, team=RED)
        self.agents = [
            i if (self.self_play or i % 2 == BLUE) else OpponentAgent(i, self.opponent.name) for i in range(NUM_AGENTS)
        ]

    def _new_game(self) -> None:
        opponent = "random" if self.opponent is None else self.opponent
        self._env = VecCaptureEnv(self.layout, 1, opponent, self.self_play, self.length, self.rewards, autoreset=False)
        self._env.rng = self.rng  # one generator for mazes and opponents across games
        self._env.reset()
        self._state = self._env.state
        self.game = _Game(self._state, self.length)
        self.steps = 0
        self._over = False
        if self._display is not None:
            self._display.start(self._state, self.layout.name)

    def _action(self, actions, agent: int) -> int:
        key = self.agents[agent]
        try:
            value = actions[key]
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"no action for agent {agent} (key {key!r}) in {actions!r}") from None
        if isinstance(value, str):
            if value not in _ACTION_INDEX:
                raise ValueError(f"unknown action {value!r} for agent {agent}; use 0-4 or one of {list(ACTION_NAMES)}")
            return _ACTION_INDEX[value]
        if isinstance(value, torch.Tensor):
            value = value.item()
        if isinstance(value, (bool, np.bool_)) or not float(value).is_integer() or not 0 <= int(value) <= 4:
            raise ValueError(
                f"action {value!r} for agent {agent} is out of range: 0 North, 1 East, 2 South, 3 West, 4 Stop"
            )
        return int(value)

    def _observations(self) -> dict:
        obs = torch.from_numpy(engine.observe(self._state, np.arange(NUM_AGENTS))[0])  # (4, 8, H, W)
        return {self.agents[i]: obs[i] for i in range(NUM_AGENTS)}

    def _legal(self) -> dict:
        mask = engine.legal_actions(self._state)[0]
        return {self.agents[i]: [int(a) for a in np.flatnonzero(mask[i])] for i in range(NUM_AGENTS)}
