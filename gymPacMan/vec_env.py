"""The vectorised training environment: N games stepped together, the red team played inside.

This is the fast path that training uses. The caller drives the blue agents (1 and 3), or all four
agents with `self_play=True`; an opponent team from `agents/` drives red otherwise. Finished games
reset automatically, and what they ended with comes back in `info` (the terminal observation for
bootstrapping a truncated game, and the game's results for logging).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Sequence

import numpy as np

from . import engine
from .contest_maze import TRAIN_SEEDS
from .layout import Layout
from .layout_names import expand_layout_names, generated_layout, load_layout
from .opponents import Opponent, resolve_opponent
from .planes import check_planes, num_channels, observe_with_planes
from .rules import BLUE, NUM_ACTIONS, RED, STOP, RewardConfig, TEAM_AGENTS

RANDOM_LAYOUT = "random"  # the layout name that asks for a fresh random maze at every reset
CONTEST_RANDOM_LAYOUT = "contest_random"  # a fresh maze of the course's generator (training seeds only) at every reset
BERKELEY_RANDOM_LAYOUT = "berkeley_random"  # a fresh maze of our reading of the Berkeley generator (training seeds only)
RANDOM_STREAMS = (RANDOM_LAYOUT, CONTEST_RANDOM_LAYOUT, BERKELEY_RANDOM_LAYOUT)
RANDOM_LAYOUT_SHAPE = (20, 20)
TURNS = ("simultaneous", "contest")  # the course's game; the Berkeley contest's turn-by-turn game

LayoutSpec = str | Path | Layout


@dataclass
class EpisodeResults:
    """Results of the games that ended in one step; every array has one entry per ended game.

    env_index: which game of the batch. score: final score (red-positive). winner: +1 red, -1 blue,
    0 tie. outcome: from the controlled team's view (blue, or blue in self-play), +1 win, 0 tie, -1 loss.
    food_returned: `(k, 2)` food returned by red and by blue. length: steps played. truncated: ended
    by the time limit. episode_return: `(k, 2)` summed team rewards `[red, blue]`. layout: layout names.
    """

    env_index: np.ndarray
    score: np.ndarray
    winner: np.ndarray
    outcome: np.ndarray
    food_returned: np.ndarray
    length: np.ndarray
    truncated: np.ndarray
    episode_return: np.ndarray
    layout: list[str]
    forfeited: np.ndarray

    def __len__(self) -> int:
        return int(self.env_index.shape[0])


def act_at_turn(team, state: engine.GameState, legal: np.ndarray, rng: np.random.Generator, movers: np.ndarray | None,
                first_mover: np.ndarray | None) -> np.ndarray:
    """`team.act` at its agents' turn in the turn-by-turn game: `movers` `(N, 2)` and `first_mover` `(N,)` set on
    the team for that call only (see `agents.Team.movers`; None: both agents choose, as in the course's game)."""
    team.movers, team.first_mover = movers, first_mover
    try:
        return team.act(state, legal, rng)
    finally:
        team.movers = team.first_mover = None


class TurnChooser(ABC):
    """The controlled team's side of the turn-by-turn game: `VecCaptureEnv.step(chooser)` asks it at each of
    its agents' turns, on the state the previous move left (`env.state`, `env.observe()`)."""

    # (N,) bool or None: games the team has lost by the contest's discipline in its last `choose`
    forfeits: np.ndarray | None = None

    @abstractmethod
    def choose(self, env: "VecCaptureEnv", movers: np.ndarray) -> np.ndarray:
        """`(N, A)` actions of the controlled agents; only those `movers` `(N, A)` bool marks are played."""


class TeamTurns(TurnChooser):
    """A `Team` (an `agents` team: a policy, a script, a contest team file) as the controlled team's chooser."""

    def __init__(self, team):
        self.team = team
        self.seconds = 0.0  # the team's thinking time, summed over its calls (for a match's seconds per move)

    def choose(self, env: "VecCaptureEnv", movers: np.ndarray) -> np.ndarray:
        started = time.perf_counter()
        actions = act_at_turn(self.team, env.state, engine.legal_actions(env.state), env.rng, movers, env.first_mover)
        self.seconds += time.perf_counter() - started
        self.forfeits = self.team.forfeits
        return actions


class TurnPlay:
    """One step of the turn-by-turn game in progress (`VecCaptureEnv.play_turns`)."""

    def __init__(self, env: "VecCaptureEnv", lost: np.ndarray):
        self.env, self.lost = env, lost  # lost: (N, 2) games forfeited by red, by blue
        self.active = ~env._finished
        self.result: tuple | None = None  # what `step` returns, once the step is over
        self._moves = env._turn_moves(lost, self.active)
        self.asked: np.ndarray | None = None  # (N, A) the controlled agents whose turn it is; None when over
        self._advance(None)

    def send(self, actions) -> None:
        """Play the asked agents' `(N, A)` actions (the others' entries are not read), then up to the next ask."""
        if self.asked is None:
            raise RuntimeError("this step is over: its result is in `result`")
        self._advance(actions)

    def _advance(self, actions) -> None:
        try:
            self.asked = next(self._moves) if actions is None else self._moves.send(actions)
        except StopIteration as end:
            self.asked = None
            self.result = self.env._after_step(end.value, self.lost, self.active)


def _team_movers(movers: np.ndarray, team: int) -> np.ndarray:
    """`(N, 2)` bool: which of `team`'s agents (in index order) is the mover `movers` `(N,)` names."""
    return np.stack([movers == agent for agent in TEAM_AGENTS[team]], axis=1)


def resolve_layouts(layouts: LayoutSpec | Sequence[LayoutSpec]) -> list[Layout | str]:
    """Load every named layout once (ranges such as `contest_1..50` written out); `"random"`,
    `"contest_random"` and `"berkeley_random"` stay markers for a fresh maze per reset."""
    if isinstance(layouts, (str, Path, Layout)):
        layouts = [layouts]
    layouts = expand_layout_names(layouts)
    if len(layouts) == 0:
        raise ValueError("give at least one layout")
    return [l if isinstance(l, str) and l in RANDOM_STREAMS else load_layout(l) for l in layouts]


class VecCaptureEnv:
    """N Capture-the-Flag games in arrays.

    Args:
        layouts: a layout (name, path or `Layout`) or a list of them (`contest_1..50` stands for 50
            names); each reset picks one at random for the game. `"random"` generates a new 20 x 20
            maze of ours at each reset, `"contest_random"` one of the course's generator (seeds from
            `gymPacMan.contest_maze.TRAIN_SEEDS`), `"berkeley_random"` one of `gymPacMan.berkeley_maze`.
            Different sizes are padded to the largest (zeros in the observations).
        num_envs: N, the number of games.
        opponent: the red team, unless `self_play`: an object with the `gymPacMan.opponents.Opponent`
            calls (an `agents.Team`), or a team name made by the installed team factory (`agents.make_team`).
        self_play: the caller drives all four agents; observations, masks and actions then cover
            agents 0-3 in index order and rewards are `(N, 2)` = `[red, blue]`.
        length: time limit in steps; reaching it truncates the game.
        rewards: the reward settings of SPEC.md.
        seed: seeds layout choice, random mazes and the opponent's randomness.
        autoreset: reset finished games inside `step` (training); off, finished games stay frozen.
        planes: extra observation planes after the course's 8 channels (`gymPacMan.planes`: `time`,
            `score`, `carrying`, `scared`); none by default.
        encoded: observations as uint8 codes, each value over its channel's scale
            (`gymPacMan.planes.plane_scales`): what a replay buffer stores, a quarter of the bytes and
            no float array in between (the trainer's collector asks for them).
        turns: `"simultaneous"` (the course's game, the default): the four agents of a step choose from
            the state at its start, and their moves are played in index order. `"contest"` (the Berkeley
            contest's `capture.py`): each agent chooses at its own turn, after the previous agent's move,
            in index order from the game's first mover (agent 0 or 1, drawn per game: `first_mover`), and a
            game ends at the move that wins it. The opponent is asked at each of its agents' turns (its
            `movers` says which); the controlled team's actions are either given for the whole step, as in
            the course's game, or asked at each turn when `step` gets a `TurnChooser`.

    Shapes (`A` = 2 controlled agents, or 4 in self-play): observations `(N, A, 8, H, W)` float32,
    `info["legal"]` `(N, A, 5)` bool, rewards `(N,)` (blue) or `(N, 2)`, terminated/truncated `(N,)`.

    >>> env = VecCaptureEnv("tinyMaze", num_envs=4, seed=0)
    >>> obs, info = env.reset()
    >>> obs.shape[:3], info["legal"].shape
    ((4, 2, 8), (4, 2, 5))
    """

    def __init__(
        self,
        layouts: LayoutSpec | Sequence[LayoutSpec],
        num_envs: int = 1,
        opponent: str | Opponent = "random",
        self_play: bool = False,
        length: int = 300,
        rewards: RewardConfig = RewardConfig(),
        seed: int | None = None,
        autoreset: bool = True,
        planes: Sequence[str] = (),
        encoded: bool = False,
        turns: str = "simultaneous",
    ):
        if num_envs < 1:
            raise ValueError(f"num_envs must be at least 1, got {num_envs}")
        if length < 1:
            raise ValueError(f"length must be at least 1, got {length}")
        if turns not in TURNS:
            raise ValueError(f"turns must be one of {TURNS}, got {turns!r}")
        self.turns = turns
        self.layouts = resolve_layouts(layouts)
        self.num_envs = num_envs
        self.self_play = self_play
        self.length = length
        self.reward_config = rewards
        self._reward_params = engine.reward_params(rewards)
        self.autoreset = autoreset
        self.planes = check_planes(planes)
        self.encoded = encoded
        # (len(layouts),) probabilities of each layout when a game starts (a curriculum stage's); None: alike
        self.layout_weights: np.ndarray | None = None
        self.opponent = None if self_play else resolve_opponent(opponent, team=RED)
        if self.opponent is not None:
            self.opponent.time_limit = length
        self.controlled = np.array([0, 1, 2, 3] if self_play else list(TEAM_AGENTS[BLUE]), dtype=np.int64)
        sizes = [RANDOM_LAYOUT_SHAPE if isinstance(l, str) else (l.height, l.width) for l in self.layouts]
        self.grid_shape = (max(h for h, _ in sizes), max(w for _, w in sizes))
        self.rng = np.random.default_rng(seed)
        self.state = engine.empty_state(num_envs, self.grid_shape)
        self.game_layouts: list[Layout | None] = [None] * num_envs
        self._returns = np.zeros((num_envs, 2), dtype=np.float64)
        self._finished = np.zeros(num_envs, dtype=np.bool_)
        self._forfeited = np.zeros((num_envs, 2), dtype=np.bool_)
        self.first_mover = np.zeros(num_envs, dtype=np.int64)  # (N,) each game's first agent of a step (0 or 1)

    # -- spaces ---------------------------------------------------------------------------------
    @property
    def num_agents(self) -> int:
        return len(self.controlled)

    @property
    def observation_shape(self) -> tuple[int, int, int]:
        return (num_channels(self.planes), *self.grid_shape)

    @property
    def num_actions(self) -> int:
        return NUM_ACTIONS

    # -- the loop -------------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> tuple[np.ndarray, dict]:
        """Start all N games; returns observations `(N, A, 8, H, W)` and `{"legal": (N, A, 5)}`."""
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self._reset_games(np.arange(self.num_envs))
        return self.observe(), {"legal": self.legal_actions()}

    def step(self, actions, forfeits=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        """Play one step of every game.

        Args:
            actions: `(N, A)` integers in 0-4 for the controlled agents (a wall move is played as Stop); in the
                turn-by-turn game (`turns="contest"`) also a `TurnChooser`, asked at each controlled agent's turn.
            forfeits: `(N,)` bool, games the controlled (blue) team gives up this step, as a contest team
                does when it crashes; the opponent's come from its `forfeits` after it acts. A forfeited
                game ends now, truncated, with the score 1 for the other team (0 when both forfeit).

        Returns:
            observations, rewards, terminated, truncated, info. `info` holds `legal`, `rewards`
            (`(N, 2)` both teams), `score`, `final_observation` and `final_legal` (the state each game
            ended in; equal to the returned ones for games that go on), `done` `(N,)`, `episodes`
            (`EpisodeResults` of the games that ended, empty when none did) and, when games were
            reset, `final_state` (a `GameState` of the ended games, in `episodes` order).
        """
        chooser = actions if isinstance(actions, TurnChooser) else None
        if chooser is not None and self.turns != "contest":
            raise ValueError("a TurnChooser plays the turn-by-turn game: make the environment with turns='contest'")
        actions = None if chooser is not None else self._check_actions(actions)
        if forfeits is not None and self.self_play:
            raise ValueError("forfeits are for the controlled team against an opponent, not for self-play")
        if self.turns == "contest":
            play = self.play_turns(forfeits)
            while play.asked is not None:
                if chooser is None:
                    play.send(actions)
                else:
                    play.send(chooser.choose(self, play.asked))
                    if chooser.forfeits is not None and not self.self_play:
                        play.lost[:, BLUE] |= chooser.forfeits
            return play.result
        lost = self._lost(forfeits)
        state, active = self.state, ~self._finished
        full = np.empty((self.num_envs, 4), dtype=np.int64)
        if self.self_play:
            full[:] = actions
        else:
            legal_all = engine.legal_actions(state)
            full[:, list(TEAM_AGENTS[RED])] = self.opponent.act(state, legal_all, self.rng)
            full[:, list(TEAM_AGENTS[BLUE])] = actions
            if getattr(self.opponent, "forfeits", None) is not None:
                lost[:, RED] = self.opponent.forfeits
        result = engine.step(state, full, self.length, self._reward_params, active=active)
        return self._after_step(result, lost, active)

    def play_turns(self, forfeits=None) -> "TurnPlay":
        """Start one step of the turn-by-turn game (`turns="contest"`), played as the caller answers each
        controlled decision: `play.asked` `(N, A)` bool names the controlled agents whose turn it is (None once
        the step is over); `play.send(actions)` `(N, A)` plays their moves and everything up to the next
        controlled decision; `play.result` is then what `step` returns. `step(chooser)` is this with a
        `TurnChooser` answering; the PettingZoo AEC environment answers one agent at a time."""
        if self.turns != "contest":
            raise ValueError("play_turns plays the turn-by-turn game: make the environment with turns='contest'")
        return TurnPlay(self, self._lost(forfeits))

    def _lost(self, forfeits) -> np.ndarray:
        """`(N, 2)` games forfeited by red, by blue: the controlled team's `forfeits` so far."""
        lost = np.zeros((self.num_envs, 2), dtype=np.bool_)
        if forfeits is not None:
            lost[:, BLUE] = np.asarray(forfeits, dtype=np.bool_).reshape(self.num_envs)
        return lost

    def _after_step(self, result: engine.StepResult, lost: np.ndarray, active: np.ndarray):
        """Forfeits, returns, observations, results and resets after a step: what `step` returns."""
        state = self.state
        lost &= active[:, None]
        self._forfeited = lost
        if lost.any():
            self._forfeit(result, lost)
        self._returns[active] += result.rewards[active]
        done = (result.terminated | result.truncated) & active
        obs = self.observe()
        legal = self.legal_actions()
        info = {
            "rewards": result.rewards,
            "score": state.score.copy(),
            "score_change": result.score_change,
            "done": done,
            "final_observation": obs,
            "final_legal": legal,
            "episodes": self._episode_results(np.flatnonzero(done), result.truncated),
        }
        if done.any():
            games = np.flatnonzero(done)
            if hasattr(self.opponent, "games_ended"):  # a team that learns from results (a self-play pool)
                self.opponent.games_ended(games, engine.winner(state.score[games]))
            if self.autoreset:
                info["final_observation"], info["final_legal"] = obs.copy(), legal.copy()
                info["final_state"] = state.select(games)
                self._reset_games(games)
                obs[games] = self._observe(state.select(games))
                legal[games] = engine.legal_actions(state.select(games))[:, self.controlled]
            else:
                self._finished[games] = True
        info["legal"] = legal
        rewards = result.rewards if self.self_play else result.rewards[:, BLUE]
        return obs, rewards, result.terminated, result.truncated, info

    def _turn_moves(self, lost: np.ndarray, active: np.ndarray):
        """The four moves of a turn-by-turn step, each chosen on the state the previous one left: a generator
        that yields `(N, A)` the controlled agents whose turn it is and is sent their `(N, A)` actions (the
        opponent is asked here); it returns the step's `engine.StepResult`."""
        n = self.num_envs
        turn = engine.TurnByTurnStep(self.state, self.first_mover, self.length, self._reward_params, active)
        for _ in range(4):
            movers = turn.movers()  # (N,) the agent to move, -1 where the game is over
            chosen = np.full(n, STOP, dtype=np.int64)
            if self.opponent is not None:
                red = movers % 2 == RED
                if red.any():
                    team_actions = act_at_turn(self.opponent, self.state, engine.legal_actions(self.state), self.rng,
                                               _team_movers(movers, RED), self.first_mover)
                    chosen[red] = team_actions[red, movers[red] // 2]
                    if getattr(self.opponent, "forfeits", None) is not None:
                        lost[:, RED] |= self.opponent.forfeits
            slot = np.full(n, -1, dtype=np.int64)  # (N,) which controlled agent moves, -1 none
            for k, agent in enumerate(self.controlled):
                slot[movers == agent] = k
            ours = slot >= 0
            if ours.any():
                asked = np.zeros((n, self.num_agents), dtype=np.bool_)  # (N, A) whose turn it is
                asked[np.flatnonzero(ours), slot[ours]] = True
                step_actions = self._check_actions((yield asked))
                chosen[ours] = step_actions[ours, slot[ours]]
            turn.move(chosen)
        return turn.finish()

    # -- views ----------------------------------------------------------------------------------
    def observe(self) -> np.ndarray:
        """`(N, A, C, H, W)` observations of the controlled agents (C = 8 and the planes asked for)."""
        return self._observe(self.state)

    def _observe(self, state: engine.GameState) -> np.ndarray:
        return observe_with_planes(state, self.controlled, self.planes, self.length, np.uint8 if self.encoded else np.float32)

    def legal_actions(self) -> np.ndarray:
        """`(N, A, 5)` legal-action masks of the controlled agents."""
        return engine.legal_actions(self.state)[:, self.controlled]

    def layout_name(self, game: int) -> str:
        layout = self.game_layouts[game]
        return layout.name if layout is not None else "?"

    # -- checkpoints ----------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything that decides the games from here on: the games in progress, the generator, the
        returns so far, and the opponent's memory. Tensors and plain Python only, so a checkpoint
        holding it loads with `torch.load(..., weights_only=True)`."""
        import torch  # the engine itself does not need torch

        return {
            "games": {f.name: torch.from_numpy(getattr(self.state, f.name).copy()) for f in fields(self.state)},
            "layouts": [self.layout_name(g) for g in range(self.num_envs)],
            "rng": self.rng.bit_generator.state,
            "returns": torch.from_numpy(self._returns.copy()),
            "finished": torch.from_numpy(self._finished.copy()),
            "opponent": self.opponent.state_dict() if self.opponent is not None else {},
            "first_mover": torch.from_numpy(self.first_mover.copy()),
        }

    def load_state_dict(self, state: dict) -> None:
        """Continue exactly where `state_dict()` was taken (same layouts, number of games and opponent kind)."""
        games = state["games"]
        if tuple(games["score"].shape) != (self.num_envs,) or tuple(games["walls"].shape[1:]) != self.grid_shape:
            raise ValueError(
                f"the saved environment has {tuple(games['score'].shape)[0]} games of {tuple(games['walls'].shape[1:])}; "
                f"this one has {self.num_envs} of {self.grid_shape}"
            )
        for f in fields(self.state):
            getattr(self.state, f.name)[...] = games[f.name].numpy()
        self.game_layouts = [self._saved_layout(g, name) for g, name in enumerate(state["layouts"])]
        self.rng.bit_generator.state = state["rng"]
        self._returns[:] = state["returns"].numpy()
        self._finished[:] = state["finished"].numpy()
        if "first_mover" in state:  # saved before the turn-by-turn game: every game began with agent 0
            self.first_mover[:] = state["first_mover"].numpy()
        if self.opponent is not None:
            self.opponent.reset(self.state, np.arange(self.num_envs))  # bind it to these games
            self.opponent.load_state_dict(state["opponent"])

    def _saved_layout(self, game: int, name: str) -> Layout | None:
        """The layout object of a restored game: its entry in `layouts`, or its random maze again."""
        entry = self.layouts[int(self.state.layout_id[game])]
        if not isinstance(entry, str):
            return entry
        try:
            return load_layout(name)  # random_<seed>, contest_<seed>, berkeley_<seed>: made again from the seed
        except FileNotFoundError:
            return None

    # -- internals ------------------------------------------------------------------------------
    def _check_actions(self, actions) -> np.ndarray:
        actions = np.asarray(actions)
        expected = (self.num_envs, self.num_agents)
        if actions.shape != expected:
            raise ValueError(f"actions must have shape {expected} (games, controlled agents), got {actions.shape}")
        numeric = np.issubdtype(actions.dtype, np.integer) or np.issubdtype(actions.dtype, np.floating)
        if actions.dtype == np.bool_ or not numeric or not np.all(np.mod(actions, 1) == 0):
            raise ValueError(f"actions must be integers 0-4, got {actions.dtype} values such as {actions.flat[0]!r}")
        actions = actions.astype(np.int64)
        bad = (actions < 0) | (actions >= NUM_ACTIONS)
        if bad.any():
            game, agent = np.argwhere(bad)[0]
            raise ValueError(
                f"action {actions[game, agent]} of game {game}, agent {self.controlled[agent]} is out of range: "
                f"actions are 0 North, 1 East, 2 South, 3 West, 4 Stop"
            )
        return actions

    def _pick_layout(self) -> tuple[Layout, int]:
        if self.layout_weights is None:
            index = int(self.rng.integers(len(self.layouts)))
        else:
            index = int(self.rng.choice(len(self.layouts), p=self.layout_weights))
        layout = self.layouts[index]
        if layout == RANDOM_LAYOUT:
            layout = generated_layout("random", int(self.rng.integers(2**31)))
        elif layout in RANDOM_STREAMS:  # contest_random, berkeley_random: never a held-out seed
            seed = int(self.rng.integers(TRAIN_SEEDS.start, TRAIN_SEEDS.stop))
            layout = generated_layout(layout.removesuffix("_random"), seed)
        return layout, index

    def _reset_games(self, games: np.ndarray) -> None:
        picks = [self._pick_layout() for _ in games]
        engine.reset_games(self.state, games, [layout for layout, _ in picks])
        self.state.layout_id[games] = [index for _, index in picks]
        for g, (layout, _) in zip(games, picks):
            self.game_layouts[g] = layout
        self._returns[games] = 0.0
        self._finished[games] = False
        if self.turns == "contest":  # the contest draws the starting agent each game
            self.first_mover[games] = self.rng.integers(2, size=len(games))
        if self.opponent is not None:
            self.opponent.reset(self.state, games)

    def _forfeit(self, result: engine.StepResult, lost: np.ndarray) -> None:
        """End the forfeited games as the contest does: the other team wins 1-0 (a tie if both forfeit)."""
        for team in (RED, BLUE):
            engine.forfeit(self.state, np.flatnonzero(lost[:, team] & ~lost[:, 1 - team]), team)
        both = lost.all(axis=1)
        self.state.score[both] = 0
        ended = lost.any(axis=1)
        result.terminated[ended] = False
        result.truncated[ended] = True

    def _episode_results(self, games: np.ndarray, truncated: np.ndarray) -> EpisodeResults:
        s = self.state
        winner = engine.winner(s.score[games])
        returned = s.returned[games]  # (k, 4)
        return EpisodeResults(
            env_index=games,
            score=s.score[games].copy(),
            winner=winner,
            outcome=-winner,  # the controlled team is blue
            food_returned=np.stack([returned[:, 0] + returned[:, 2], returned[:, 1] + returned[:, 3]], axis=1),
            length=s.t[games].copy(),
            truncated=truncated[games].copy(),
            episode_return=self._returns[games].copy(),
            layout=[self.layout_name(g) for g in games],
            forfeited=self._forfeited[games].copy(),
        )
