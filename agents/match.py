"""Matches between two teams, batched in the vectorised environment."""

from __future__ import annotations

import time

import numpy as np

from gymPacMan import TeamTurns, VecCaptureEnv, engine
from gymPacMan.render import GameRecorder
from gymPacMan.rules import BLUE, RED

from . import make_team


def play_match(blue, red, layouts, games: int, num_envs: int = 64, length: int = 300, seed: int = 0,
               recorder: GameRecorder | None = None, turns: str = "simultaneous") -> dict:
    """Play `games` games of `blue` against `red` (team names or `Team`s), `num_envs` at a time.

    Args:
        layouts: a layout or a list (one drawn per game; `"random"` for random mazes).
        recorder: if given, captures game 0 of the batch, start to end.
        turns: `"simultaneous"` (the course's game) or `"contest"` (the contest's turn-by-turn game: each
            agent chooses at its own turn; `VecCaptureEnv`).

    Returns:
        counts of blue wins, ties and red wins, mean score (red-positive), food returned by each
        team, game length, games each team forfeited (a contest team that crashed or ran out of time),
        and the blue team's mean seconds per move (both its agents, one game).
    """
    env = VecCaptureEnv(layouts, num_envs=min(num_envs, games), opponent=make_team(red, team=RED), length=length, seed=seed,
                        turns=turns)
    blue_team = make_team(blue, team=BLUE)
    blue_turns = TeamTurns(blue_team) if turns == "contest" else None
    blue_team.time_limit = length
    obs, info = env.reset()
    blue_team.reset(env.state, np.arange(env.num_envs))
    # Game slot s plays its first quota[s] games to the end; keeping every slot's first games (not
    # the first games to finish anywhere) keeps short games from being over-counted.
    quota = np.full(env.num_envs, games // env.num_envs) + (np.arange(env.num_envs) < games % env.num_envs)
    played = np.zeros(env.num_envs, dtype=np.int64)
    results, recording = [], recorder is not None
    blue_seconds, blue_moves = 0.0, 0
    while (played < quota).any():
        if recording:
            recorder.capture(env.state)
        started = time.perf_counter()
        if blue_turns is None:
            actions = blue_team.act(env.state, engine.legal_actions(env.state), env.rng)
            blue_seconds += time.perf_counter() - started
            obs, _, _, _, info = env.step(actions, forfeits=blue_team.forfeits)
        else:  # the blue team is asked inside the step, at each of its agents' turns
            obs, _, _, _, info = env.step(blue_turns)
            blue_seconds += blue_turns.seconds
            blue_turns.seconds = 0.0
        blue_moves += env.num_envs
        episodes = info["episodes"]
        for k, slot in enumerate(episodes.env_index):
            if played[slot] < quota[slot]:
                results.append((episodes.winner[k], episodes.score[k], *episodes.food_returned[k], episodes.length[k],
                                *episodes.forfeited[k]))
            played[slot] += 1
            if recording and slot == 0:
                recorder.capture(info["final_state"].select(k))  # the end, before the auto-reset
                recording = False
        if len(episodes):
            blue_team.reset(env.state, episodes.env_index)
    table = np.array(results, dtype=np.float64)  # (games, 7): winner, score, food red, food blue, length, forfeits
    for team in (env.opponent, blue_team):
        if hasattr(team, "close"):  # a contest team's worker processes
            team.close()
    return {
        "games": games,
        "blue_wins": int((table[:, 0] < 0).sum()),
        "ties": int((table[:, 0] == 0).sum()),
        "red_wins": int((table[:, 0] > 0).sum()),
        "mean_score": float(table[:, 1].mean()),
        "mean_food_returned_red": float(table[:, 2].mean()),
        "mean_food_returned_blue": float(table[:, 3].mean()),
        "mean_length": float(table[:, 4].mean()),
        "red_forfeits": int(table[:, 5].sum()),
        "blue_forfeits": int(table[:, 6].sum()),
        "blue_seconds_per_move": blue_seconds / max(blue_moves, 1),
    }
