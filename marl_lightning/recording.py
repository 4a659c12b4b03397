"""Demonstrations: games a teacher plays, recorded for imitation and for learning from demonstrations.

    python -m marl_lightning.recording --teacher search/heuristic --opponents baseline heuristic search \\
        --layouts bloxCapture contest_random --steps 200000 --out demos/search.pt

The teacher (any entrant: a built-in team, a team file, a contest team file, a checkpoint, a mixture,
or a pair `attacker/defender` of them, one per agent) plays against the opponents (each game's drawn
from them) in the vectorised engine, half the games as blue and half as red, on any layouts or maze
streams. Every step of the teacher's team is stored in the replay buffer's own format
(`data.replay.ReplayBuffer`, per-game rings of frames): the game state as compact frames
(`data.compact`, about 220 bytes a step where observations would take 16.8 kB), the teacher's legal
masks and actions, the team's reward (shaped as the training run that reads them will shape its own,
`data.rewards`), and how each game ended; red's steps as red sees the game, through the map's
symmetry. Observations, with any planes, are made from the states when a batch is drawn. The file's
format is `data.demo_files`.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import torch
from tensordict import TensorDict
from tqdm import tqdm

from agents import Team
from gymPacMan import TurnChooser, VecCaptureEnv, engine
from gymPacMan.vec_env import act_at_turn
from gymPacMan.errors import run_command
from gymPacMan.rules import BLUE, RED, STOP, TEAM_AGENTS, RewardConfig
from gymPacMan.views import RedView

from .data.compact import pack
from .data.demo_files import DemoMeta, demo_buffer, save
from .data.replay import ReplayBuffer
from .data.rewards import RewardShaper
from .data.settings import RewardSettings
from .entrants import Entrant, entrant_name, make_entrant


class _RecordedTurns(TurnChooser):
    """One step of the turn-by-turn game for a `DemoRecorder`: each agent's team asked at its turn; the
    recorded team's two decisions of the step kept as frames (`frames`)."""

    def __init__(self, recorder: "DemoRecorder", players: dict | None, by_player: np.ndarray, as_seen: bool):
        self.recorder, self.players, self.by_player, self.as_seen = recorder, players, by_player, as_seen
        n = recorder.num_envs
        self.turn = np.zeros(n, dtype=np.int64)  # (N,) the recorded team's decisions so far in this step
        self.states = [recorder.env.state.copy(), recorder.env.state.copy()]  # the state at each decision
        self.legal = [np.zeros((n, 4, 5), dtype=np.bool_), np.zeros((n, 4, 5), dtype=np.bool_)]
        self.labels = [np.full((n, 4), STOP, dtype=np.int64), np.full((n, 4), STOP, dtype=np.int64)]

    def choose(self, env: VecCaptureEnv, movers: np.ndarray) -> np.ndarray:
        r, state = self.recorder, env.state
        legal = engine.legal_actions(state)
        actions = np.full((env.num_envs, 4), STOP, dtype=np.int64)
        for side in (BLUE, RED):
            agents = list(TEAM_AGENTS[side])
            moving = movers[:, agents]  # (N, 2) this side's agent to move
            turn = moving.any(axis=1)
            if not turn.any():
                continue
            recorded = turn & r.teacher[side].in_play
            for team in (r.teacher[side], r.opponent[side]):  # the teacher labels both agents of its state
                games = team.in_play & turn
                if games.any():
                    turn_of = (None, None) if team is r.teacher[side] else (moving, env.first_mover)
                    actions[np.ix_(games, agents)] = act_at_turn(team, state, legal, env.rng, *turn_of)[games]
            labels = actions.copy()
            if self.players is not None:
                moved = act_at_turn(self.players[side], state, legal, env.rng, moving, env.first_mover)  # (N, 2)
                for k, agent in enumerate(agents):  # the player's move where it is this agent's turn
                    r.count_agreement(state, agent, recorded & moving[:, k], moved[:, k], labels[:, agent])
                games = recorded & self.by_player
                actions[np.ix_(games, agents)] = moved[games]
            seen = r._as_seen(state, {side: self.players[side]}) if self.as_seen and self.players is not None else state
            for k in (0, 1):  # the frame of each recorded game's k-th decision in this step
                games = recorded & (self.turn == k)
                for name, value in vars(seen).items():
                    getattr(self.states[k], name)[games] = value[games]
                self.legal[k][games] = legal[games]
                self.labels[k][np.ix_(games, agents)] = labels[np.ix_(games, agents)]
            self.turn[recorded] += 1
        return actions

    def frames(self) -> list[tuple[engine.GameState, np.ndarray, np.ndarray]]:
        """The step's two decisions `(state, legal, labels)`; a game won before its team's second decision repeats
        its first."""
        once = self.turn < 2
        for name, value in vars(self.states[0]).items():
            getattr(self.states[1], name)[once] = value[once]
        self.legal[1][once], self.labels[1][once] = self.legal[0][once], self.labels[0][once]
        return [(self.states[k], self.legal[k], self.labels[k]) for k in (0, 1)]


class DemoRecorder:
    """The teacher (or, for DAgger, a learner it labels) playing the opponents, recorded into a buffer.

    `num_envs` games at once, the first half with the recorded team as blue, the rest as red; each
    game's opponent is drawn from `opponents` when it starts. `record(buffer, steps)` plays `steps` of
    the recorded team's steps (summed over games) and writes them; games go on across calls.

    Args:
        teacher: the entrant whose actions are stored (the labels).
        opponents: entrants, `{entrant: weight}` or a list (equal weights).
        layouts: layouts, ranges or maze streams.
        num_envs, length, seed: the games.
        rewards: how the stored rewards are made (`RewardSettings`).
        layout_weights: the probability of each layout when a game starts (`None`: alike).
        turns: the game played: `simultaneous` (the course's) or `contest` (turn by turn, `VecCaptureEnv`).
    """

    def __init__(self, teacher: Entrant, opponents: Sequence[Entrant] | dict, layouts: Sequence[str], num_envs: int = 64,
                 length: int = 300, seed: int = 0, rewards: RewardSettings = RewardSettings(),
                 layout_weights: np.ndarray | None = None, turns: str = "simultaneous"):
        if num_envs < 2 or num_envs % 2:
            raise ValueError(f"num_envs must be even (half the games in each colour), got {num_envs}")
        if isinstance(opponents, (str, Path)):
            opponents = [opponents]
        self.opponents = dict(opponents) if isinstance(opponents, Mapping) else {name: 1.0 for name in opponents}
        rewards = replace(rewards, limit_is_terminal=bool(rewards.limit_is_terminal))  # recorded resolved (None: False)
        self.teacher_spec, self.layouts, self.length, self.seed, self.rewards = teacher, list(layouts), length, seed, rewards
        self.num_envs = num_envs
        self.turns = turns
        self.env = VecCaptureEnv(self.layouts, num_envs, self_play=True, length=length, seed=seed, turns=turns,
                                 rewards=RewardConfig(legal_action=rewards.reward_for_legal_action, defence=rewards.defence_reward))
        self.env.layout_weights = layout_weights
        self.colour = np.where(np.arange(num_envs) < num_envs // 2, BLUE, RED)  # (N,) the recorded team's colour per game
        self.teacher = {side: self._team(teacher, side, "teacher") for side in (BLUE, RED)}
        self.opponent = {side: self._team(self.opponents, side, "opponent") for side in (BLUE, RED)}
        self.shapers = {side: RewardShaper(rewards.zero_sum, rewards.potential_shaping, rewards.gamma, rewards.limit_is_terminal,
                                           rewards.value_shaping, team=side) for side in (BLUE, RED)}
        self.rng = np.random.default_rng(seed + 7)  # who acts, the teacher or the player (DAgger's beta)
        self.games = self.wins = self.steps = 0
        self.agreement = np.zeros((2, 2), dtype=np.int64)  # [role: 0 ghost, 1 Pacman][agreed, asked], a player's moves
        self.env.reset()
        for team in self._teams():
            team.reset(self.env.state, np.arange(num_envs))

    def _team(self, spec: Entrant, side: int, role: str) -> Team:
        team = make_entrant(spec, side, seed=self.seed + 2 * side + (role == "opponent"))
        team.time_limit = self.length
        team.in_play = (self.colour == side) if role == "teacher" else (self.colour != side)
        return team

    def _teams(self) -> list[Team]:
        return [*self.teacher.values(), *self.opponent.values()]

    def record(self, buffer: ReplayBuffer, steps: int, player: Callable[[int], Team] | None = None, beta: float = 1.0,
               progress: bool = False, as_seen: bool = False) -> None:
        """Play and store `steps` of the recorded team's steps. With a `player` (`side -> Team`, e.g. the learner
        as a `PolicyTeam`), each game's move is the teacher's with probability `beta`, else the player's, and
        the teacher's action is stored either way (DAgger: the states the learner visits, the teacher's labels).
        `as_seen`: the frames store each game as the player saw it (a `ContestViewTeam` player: opponents out of
        sight where it believed them), while the teacher labels from the full state.

        In the turn-by-turn game (`turns="contest"`) the recorded team decides twice a step, once at each of its
        agents' turns: each decision is a frame (the state at that turn, the teacher's moves for both agents
        there), so a step stores two frames a game (the step's reward and end on the second)."""
        players = {side: player(side) for side in (BLUE, RED)} if player is not None else None
        if players is not None:
            for side, team in players.items():
                team.time_limit, team.in_play = self.length, self.teacher[side].in_play
                team.reset(self.env.state, np.arange(self.num_envs))
        bar = tqdm(total=steps, unit="step", disable=not progress, desc=f"{entrant_name(self.teacher_spec)} demonstrations")
        done = 0
        while done < steps:
            by_player = self.rng.random(self.num_envs) >= beta  # (N,) games whose recorded team moves as the player does
            if self.turns == "contest":
                turns = _RecordedTurns(self, players, by_player, as_seen)
                potential = {side: shaper.potential(self.env.state) for side, shaper in self.shapers.items()}
                _, _, terminated, truncated, info = self.env.step(turns)
                decisions = [_teacher_frame(state, legal, labels, self.colour) for state, legal, labels in turns.frames()]
            else:
                state = self.env.state
                legal = engine.legal_actions(state)  # (N, 4, 5)
                labels = self._labels(state, legal)
                actions = labels if players is None else self._played(state, legal, labels, players, by_player)
                decisions = [_teacher_frame(self._as_seen(state, players) if as_seen else state, legal, labels, self.colour)]
                potential = {side: shaper.potential(state) for side, shaper in self.shapers.items()}
                _, _, terminated, truncated, info = self.env.step(actions)
            for k, (frame, seen) in enumerate(decisions):
                last = k == len(decisions) - 1
                reward = np.where(self.colour == BLUE, self.shapers[BLUE](info, potential[BLUE], self.env),
                                  self.shapers[RED](info, potential[RED], self.env)) if last else np.zeros(self.num_envs)
                ends = (terminated | (truncated & self.rewards.limit_is_terminal)) if last else np.zeros(self.num_envs, bool)
                frame.update({"action": torch.from_numpy(seen).to(torch.uint8), "reward": torch.from_numpy(reward).float(),
                              "terminated": torch.from_numpy(ends),
                              "truncated": torch.from_numpy(truncated if last else np.zeros(self.num_envs, bool))})
                ended, final = (self._games_ended(info, players) if last else (np.zeros(0, dtype=np.int64), None))
                buffer.add(frame, torch.from_numpy(ended), final)
                done += self.num_envs
                bar.update(self.num_envs)
        bar.close()
        self.steps += done

    def _labels(self, state: engine.GameState, legal: np.ndarray) -> np.ndarray:
        """`(N, 4)` the teacher's moves in its games, the opponents' in theirs."""
        labels = np.empty((self.num_envs, 4), dtype=np.int64)
        for side in (BLUE, RED):
            for team in (self.teacher[side], self.opponent[side]):
                games = team.in_play
                labels[games[:, None] & (np.arange(4) % 2 == side)[None, :]] = team.act(state, legal, self.env.rng)[games].ravel()
        return labels

    def _played(self, state: engine.GameState, legal: np.ndarray, labels: np.ndarray, players: dict,
                by_player: np.ndarray) -> np.ndarray:
        """`(N, 4)` the moves played: the labels, the player's in its games `by_player` marks."""
        actions = labels.copy()
        for side, team in players.items():
            games = team.in_play & by_player
            moved = team.act(state, legal, self.env.rng)  # (N, 2)
            for k, agent in enumerate(TEAM_AGENTS[side]):
                self.count_agreement(state, agent, team.in_play, moved[:, k], labels[:, agent])
                actions[games, agent] = moved[games, k]
        return actions

    def count_agreement(self, state: engine.GameState, agent: int, games: np.ndarray, moved: np.ndarray,
                        labels: np.ndarray) -> None:
        """Count where the player's move `(N,)` is the teacher's label `(N,)` for `agent` in `games`, by the
        agent's role there (`agreement`)."""
        attacking = state.is_pacman[games, agent].astype(np.int64)  # (k,) 1: a Pacman, 0: a ghost
        np.add.at(self.agreement, (attacking, 0), (moved[games] == labels[games]).astype(np.int64))
        np.add.at(self.agreement, (attacking, 1), 1)

    def agreement_rates(self, since: np.ndarray | None = None) -> dict[str, float]:
        """The share of the player's moves that were the teacher's, counted since the counts `since` (a copy of
        `agreement` taken earlier; `None`: all): `all`, and by the agent's role, `attacking` (a Pacman) and
        `defending` (a ghost); a role with no move is left out."""
        counts = self.agreement - (0 if since is None else since)  # (2 roles, [agreed, asked])
        rates = {"all": counts[:, 0].sum() / counts[:, 1].sum()} if counts[:, 1].sum() else {}
        for role, name in ((1, "attacking"), (0, "defending")):
            if counts[role, 1]:
                rates[name] = counts[role, 0] / counts[role, 1]
        return {name: float(rate) for name, rate in rates.items()}

    @staticmethod
    def _as_seen(state: engine.GameState, players: dict | None) -> engine.GameState:
        """The state as each game's player saw it (its opponents where its `ContestViewTeam` believed them)."""
        if players is None:
            return state
        seen = state.copy()
        for side, team in players.items():
            seen.pos[team.in_play] = team.viewer.view(state).pos[team.in_play]
        return seen

    def _games_ended(self, info: dict, players: dict | None) -> tuple[np.ndarray, TensorDict | None]:
        """The games the step ended, counted; their final frames; every team told they start afresh."""
        ended = np.flatnonzero(info["done"])
        if not len(ended):
            return ended, None
        final_state = info["final_state"]
        final, _ = _teacher_frame(final_state, engine.legal_actions(final_state), None, self.colour[ended])
        self.games += len(ended)
        self.wins += int((info["episodes"].winner == np.where(self.colour[ended] == RED, 1, -1)).sum())
        for team in [*self._teams(), *(players.values() if players else ())]:
            team.reset(self.env.state, ended)
        return ended, final

    def meta(self, seconds: float) -> DemoMeta:
        return DemoMeta(teacher=entrant_name(self.teacher_spec), opponents=[entrant_name(o) for o in self.opponents],
                        layouts=self.layouts, length=self.length, grid_shape=self.env.grid_shape, num_envs=self.num_envs,
                        steps=self.steps, games=self.games, teacher_wins=self.wins, seed=self.seed, seconds=seconds,
                        rewards=self.rewards, turns=self.turns)

    def state_dict(self) -> dict:
        """The games in progress and every generator, so a resumed run records what the uninterrupted one would."""
        return {"env": self.env.state_dict(), "rng": self.rng.bit_generator.state,
                "teams": [team.state_dict() for team in self._teams()], "counts": [self.games, self.wins, self.steps],
                "agreement": self.agreement.tolist()}

    def load_state_dict(self, state: dict) -> None:
        self.env.load_state_dict(state["env"])
        self.rng.bit_generator.state = state["rng"]
        for team, saved in zip(self._teams(), state["teams"]):
            team.reset(self.env.state, np.arange(self.num_envs))
            team.load_state_dict(saved)
        self.games, self.wins, self.steps = state["counts"]
        self.agreement = np.array(state.get("agreement", np.zeros((2, 2))), dtype=np.int64)



def record(teacher: Entrant, opponents: Sequence[Entrant] | dict, layouts: Sequence[str], steps: int, num_envs: int = 64,
           length: int = 300, seed: int = 0, rewards: RewardSettings = RewardSettings(),
           progress: bool = True, turns: str = "simultaneous") -> tuple[ReplayBuffer, DemoMeta]:
    """Play `steps` steps of the teacher's team (frames, in the turn-by-turn game) and store them; returns the buffer
    and what it holds."""
    started = time.perf_counter()
    recorder = DemoRecorder(teacher, opponents, layouts, num_envs, length, seed, rewards, turns=turns)
    buffer = demo_buffer(steps, num_envs)
    recorder.record(buffer, steps, progress=progress)
    return buffer, recorder.meta(time.perf_counter() - started)


def _teacher_frame(state: engine.GameState, legal: np.ndarray, actions: np.ndarray | None,
                   colour: np.ndarray) -> tuple[TensorDict, np.ndarray | None]:
    """The teacher's frames of `state` `(N,)`: the compact game, its legal masks and (given the `(N, 4)`
    actions) its two actions, as the teacher's team sees them (red's through the map's symmetry)."""
    n = state.num_games
    own_legal = np.where((colour == BLUE)[:, None, None], legal[:, list(TEAM_AGENTS[BLUE])], legal[:, list(TEAM_AGENTS[RED])])
    own_actions = None if actions is None else np.where((colour == BLUE)[:, None], actions[:, list(TEAM_AGENTS[BLUE])],
                                                        actions[:, list(TEAM_AGENTS[RED])])
    red = np.flatnonzero(colour == RED)
    if len(red):  # red's agents in the view's slots, their moves and masks turned with the board
        view = RedView.of(state.select(red))
        own_legal[red] = view.seen_legal(own_legal[red])
        if own_actions is not None:
            own_actions[red] = view.seen_actions(own_actions[red])
    frame = TensorDict({"game": pack(state, colour), "legal": torch.from_numpy(own_legal),
                        "state": torch.zeros(n, 2, 0)}, batch_size=[n])
    return frame, own_actions


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description="Record a teacher's games for imitation and learning from demonstrations.")
    parser.add_argument("--teacher", required=True, help="an entrant (team, team file, contest:file, checkpoint), or "
                        "first/second: a team per agent (e.g. search/heuristic)")
    parser.add_argument("--opponents", nargs="+", default=["random", "baseline"], help="each game's opponent is drawn from these")
    parser.add_argument("--layouts", nargs="+", default=["bloxCapture"], help="layouts, ranges (contest_1..50) or streams (contest_random)")
    parser.add_argument("--steps", type=int, default=100_000, help="the teacher's team steps to record (summed over games)")
    parser.add_argument("--num-envs", type=int, default=64)
    parser.add_argument("--length", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--turns", choices=("simultaneous", "contest"), default="simultaneous",
                        help="the game: the course's (simultaneous), or the contest's turn by turn, a frame at each of "
                             "the teacher's agents' turns (two a step)")
    for name, value in asdict(RewardSettings(limit_is_terminal=False)).items():
        kind = type(value)
        parser.add_argument(f"--{name.replace('_', '-')}", type=(lambda text: text.lower() in ("1", "true", "yes")) if kind is bool
                            else kind, default=value, help=f"reward setting (as data.{name} of the training run; default {value})")
    parser.add_argument("--out", type=Path, required=True, help="the file to write (never overwritten)")
    args = parser.parse_args(argv)
    if args.out.exists():
        parser.error(f"{args.out} already exists; choose another --out or delete it first")
    rewards = RewardSettings(**{name: getattr(args, name) for name in asdict(RewardSettings())})
    buffer, meta = record(args.teacher, args.opponents, args.layouts, args.steps, args.num_envs, args.length, args.seed, rewards,
                          turns=args.turns)
    path = save(buffer, meta, args.out)
    size = path.stat().st_size
    print(f"wrote {path}: {meta.steps:,} steps, {meta.games} games (teacher won {meta.teacher_wins}), "
          f"{meta.seconds:.0f} s ({meta.steps / meta.seconds:,.0f} steps/s), {size / 2**20:.1f} MiB "
          f"({size / meta.steps * 1e6 / 2**20:,.0f} MiB per million steps)")
    return path


if __name__ == "__main__":
    run_command(main, takes_argv=False)
