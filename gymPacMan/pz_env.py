"""A PettingZoo `ParallelEnv` for one game: the interoperability interface, not the fast path.

It is a thin adapter over `VecCaptureEnv` with one game and no auto-reset, so the rules are the
engine's. Agents are `blue_0` (agent 1) and `blue_1` (agent 3), plus `red_0` (agent 0) and
`red_1` (agent 2) in self-play; legal-action masks are in `infos[agent]["action_mask"]`.
`parallel_env(...)` and `env(...)` (the AEC form, through PettingZoo's `parallel_to_aec`) are the
factories PettingZoo's environments offer; `turn_env(...)` is the contest's turn-by-turn game, where each agent
acts at its own turn (`CaptureTurnEnv`, an AEC environment of its own). It needs the `pettingzoo` extra
(`pip install "marl-lightning[pettingzoo]"`).
"""

from __future__ import annotations

import warnings

import numpy as np

try:
    from gymnasium import spaces
    from pettingzoo import AECEnv, ParallelEnv
    from pettingzoo.utils.conversions import parallel_to_aec
except ImportError as exc:  # an optional interface: say how to get it
    raise ImportError(f"the PettingZoo interface needs gymnasium and pettingzoo ({exc}); "
                      "install them with: pip install \"marl-lightning[pettingzoo]\"") from exc

from .rules import AGENT_NAMES, NUM_ACTIONS, NUM_AGENTS, NUM_CHANNELS, RewardConfig, team_of
from .vec_env import LayoutSpec, VecCaptureEnv


class CaptureParallelEnv(ParallelEnv):
    """One Capture-the-Flag game with the PettingZoo parallel API.

    Args:
        layout: a layout name, path or `Layout` (or `"random"` for a new maze at each reset).
        opponent: the red team when not in self-play.
        self_play: the caller plays all four agents.
        length: time limit in steps (reported as a truncation).
        rewards: reward settings.
        render_mode: `None`, `"human"` (shown live where a display exists, else each game saved as a GIF:
            `render.GameDisplay`), `"ansi"` (`render()` gives text) or `"rgb_array"` (`render()` gives a frame).
        turns: `"simultaneous"` (the course's game) or `"contest"` (the contest's order from a drawn first mover:
            the opponent chooses at its turns, the caller's actions are given for the whole step; for each agent
            to choose at its own turn use `CaptureTurnEnv`, the AEC form).

    >>> env = CaptureParallelEnv("tinyMaze")
    >>> observations, infos = env.reset(seed=0)
    >>> sorted(observations)
    ['blue_0', 'blue_1']
    """

    metadata = {"name": "capture_the_flag_v0", "render_modes": ["human", "ansi", "rgb_array"], "render_fps": 20,
                "is_parallelizable": True}

    def __init__(
        self,
        layout: LayoutSpec = "tinyMaze",
        opponent="random",
        self_play: bool = False,
        length: int = 300,
        rewards: RewardConfig = RewardConfig(),
        render_mode: str | None = None,
        turns: str = "simultaneous",
    ):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        self.render_mode = render_mode
        self._env = VecCaptureEnv(layout, 1, opponent, self_play, length, rewards, seed=None, autoreset=False, turns=turns)
        self._indices = [int(i) for i in self._env.controlled]
        self.possible_agents = [AGENT_NAMES[i] for i in self._indices]
        self.agents: list[str] = []
        self._display = None
        if render_mode == "human":
            from .render import GameDisplay

            self._display = GameDisplay(fps=self.metadata["render_fps"])
        # channel 1 holds 1 + food carried, which is at most 1 + all the food on a map
        high, board = 1.0 + float(np.prod(self._env.grid_shape)), self._env.grid_shape
        self._observation_space = spaces.Box(0.0, high, shape=(NUM_CHANNELS, *board), dtype=np.float32)
        self._action_space = {a: spaces.Discrete(NUM_ACTIONS) for a in self.possible_agents}  # seeded apart
        # the global view `state()`: all four agents' observations in index order
        self.state_space = spaces.Box(0.0, high, shape=(NUM_AGENTS, NUM_CHANNELS, *board), dtype=np.float32)

    def observation_space(self, agent: str) -> spaces.Box:
        return self._observation_space

    def action_space(self, agent: str) -> spaces.Discrete:
        return self._action_space[agent]

    def reset(self, seed: int | None = None, options: dict | None = None):
        obs, info = self._env.reset(seed=seed)
        self.agents = list(self.possible_agents)
        if self._display is not None:
            self._display.start(self._env.state, self._env.layout_name(0))
        return self._split(obs[0]), self._infos(info["legal"][0])

    def step(self, actions: dict):
        if not self.agents:
            raise RuntimeError("the game is over; call reset() first")
        missing = [a for a in self.agents if a not in actions]
        unknown = [a for a in actions if a not in self.agents]
        if missing or unknown:
            raise ValueError(f"actions must have one entry for each of {self.agents}; missing {missing}, unknown {unknown}")
        for agent in self.agents:
            action = actions[agent]
            if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)) or not 0 <= action < NUM_ACTIONS:
                raise ValueError(f"action {action!r} of {agent} is not in its action space Discrete({NUM_ACTIONS})")
        joint = np.array([[actions[a] for a in self.agents]], dtype=np.int64)
        obs, rewards, terminated, truncated, info = self._env.step(joint)
        team_rewards = info["rewards"][0]
        observations = self._split(obs[0])
        reward = {a: float(team_rewards[team_of(i)]) for a, i in zip(self.agents, self._indices)}
        terminations = {a: bool(terminated[0]) for a in self.agents}
        truncations = {a: bool(truncated[0]) for a in self.agents}
        infos = self._infos(info["legal"][0], score=int(info["score"][0]))
        if terminated[0] or truncated[0]:
            self.agents = []
        if self._display is not None:
            self._display.show(self._env.state, over=not self.agents)
        return observations, reward, terminations, truncations, infos

    def state(self) -> np.ndarray:
        """The global view: all four agents' observations `(4, 8, H, W)` in index order."""
        from .engine import observe

        return observe(self._env.state, (0, 1, 2, 3))[0]

    def render(self):
        """`ansi`: the board as text; `rgb_array`: an `(H_px, W_px, 3)` frame; `human`: nothing to return, the
        game is shown as it is played (live where a display exists, else saved as a GIF when it ends)."""
        if self.render_mode is None:
            warnings.warn("render() called without a render_mode; pass render_mode='human', 'ansi' or 'rgb_array'")
            return None
        if self.render_mode == "human":
            return None
        from . import render

        if self.render_mode == "ansi":
            return render.render_ansi(self._env.state, 0)
        return render.render_rgb(self._env.state, 0)

    def close(self) -> None:
        if self._display is not None:
            self._display.close()

    @property
    def game_state(self):
        """The underlying batched `GameState` (one game)."""
        return self._env.state

    def _split(self, obs: np.ndarray) -> dict[str, np.ndarray]:
        return {a: obs[k] for k, a in enumerate(self.possible_agents)}

    def _infos(self, legal: np.ndarray, **extra) -> dict[str, dict]:
        return {a: {"action_mask": legal[k].astype(np.int8), **extra} for k, a in enumerate(self.possible_agents)}


class CaptureTurnEnv(AECEnv):
    """One game of the contest's turn-by-turn game (`VecCaptureEnv(turns="contest")`) with PettingZoo's AEC API:
    `agent_selection` is the contest's next mover among the caller's agents (the opponent's moves are played in
    between), and each `step(action)` plays that agent's move on the state the previous move left. A step of four
    moves ends with the team rewards of SPEC.md, given to both agents of each team; a game ends at the move that
    wins it. The arguments are `CaptureParallelEnv`'s; `infos[agent]["action_mask"]` holds the legal moves.

    >>> env = CaptureTurnEnv("tinyMaze")
    >>> env.reset(seed=0)
    >>> env.agent_selection in ("blue_0", "blue_1")
    True
    """

    metadata = {"name": "capture_the_flag_turns_v0", "render_modes": ["human", "ansi", "rgb_array"], "render_fps": 20,
                "is_parallelizable": False}

    def __init__(self, layout: LayoutSpec = "tinyMaze", opponent="random", self_play: bool = False, length: int = 300,
                 rewards: RewardConfig = RewardConfig(), render_mode: str | None = None):
        super().__init__()
        self._parallel = CaptureParallelEnv(layout, opponent, self_play, length, rewards, render_mode, turns="contest")
        self._env = self._parallel._env  # the game; the parallel form lends its spaces, infos and rendering
        self.render_mode = render_mode
        self.possible_agents = list(self._parallel.possible_agents)
        self.agents: list[str] = []
        self._play = None

    def observation_space(self, agent: str) -> spaces.Box:
        return self._parallel.observation_space(agent)

    def action_space(self, agent: str) -> spaces.Discrete:
        return self._parallel.action_space(agent)

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        self._env.reset(seed=seed)
        self.agents = list(self.possible_agents)
        self.rewards = {a: 0.0 for a in self.agents}
        self._cumulative_rewards = {a: 0.0 for a in self.agents}
        self.terminations = {a: False for a in self.agents}
        self.truncations = {a: False for a in self.agents}
        self.infos = self._parallel._infos(self._env.legal_actions()[0])
        self._play = self._env.play_turns()
        self._select()

    def observe(self, agent: str) -> np.ndarray:
        """The agent's observation of the game as it stands (SPEC.md's 8 channels)."""
        return self._env.observe()[0, self.possible_agents.index(agent)]

    def state(self) -> np.ndarray:
        return self._parallel.state()

    def step(self, action) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)) or not 0 <= action < NUM_ACTIONS:
            raise ValueError(f"action {action!r} of {agent} is not in its action space Discrete({NUM_ACTIONS})")
        self._cumulative_rewards[agent] = 0.0
        self.rewards = {a: 0.0 for a in self.agents}
        actions = np.full((1, len(self.possible_agents)), 4, dtype=np.int64)
        actions[0, self.possible_agents.index(agent)] = action
        self._play.send(actions)
        if self._play.asked is None:  # the step is over: its rewards; the next step, unless the game ended
            _, _, terminated, truncated, info = self._play.result
            team_rewards = info["rewards"][0]
            for a, i in zip(self.possible_agents, self._parallel._indices):
                self.rewards[a] = float(team_rewards[team_of(i)])
            self.infos = self._parallel._infos(info["legal"][0], score=int(info["score"][0]))
            self.terminations = {a: bool(terminated[0]) for a in self.agents}
            self.truncations = {a: bool(truncated[0]) for a in self.agents}
            if not (terminated[0] or truncated[0]):
                self._play = self._env.play_turns()
        else:
            self.infos = self._parallel._infos(self._env.legal_actions()[0])
        self._accumulate_rewards()
        self._select()

    def _select(self) -> None:
        """The next agent to act: the asked one, or (the game over) each agent in turn to be removed."""
        if any(self.terminations.values()) or any(self.truncations.values()) or self._play.asked is None:
            self._deads_step_first() if self.agents else None
            if self.agents and self.agent_selection not in self.agents:
                self.agent_selection = self.agents[0]
            return
        self.agent_selection = self.possible_agents[int(np.flatnonzero(self._play.asked[0])[0])]

    def render(self):
        return self._parallel.render()

    def close(self) -> None:
        self._parallel.close()


def turn_env(**kwargs) -> CaptureTurnEnv:
    """The contest's turn-by-turn game as a PettingZoo AEC environment (`CaptureTurnEnv`'s arguments)."""
    return CaptureTurnEnv(**kwargs)


def parallel_env(**kwargs) -> CaptureParallelEnv:
    """The parallel environment, as PettingZoo's environments offer it (`CaptureParallelEnv`'s arguments)."""
    return CaptureParallelEnv(**kwargs)


def env(**kwargs) -> AECEnv:
    """The AEC form (agents acting in turn) through PettingZoo's converter, with `CaptureParallelEnv`'s arguments."""
    return parallel_to_aec(parallel_env(**kwargs))
