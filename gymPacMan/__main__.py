"""Play games between two teams, print the results, and save one game as a GIF and a text log.

    python -m gymPacMan --layout tinyMaze --blue random --red random --games 64 --gif runs/demo.gif
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from agents import make_team
from gymPacMan import VecCaptureEnv, engine
from gymPacMan.render import GameRecorder
from gymPacMan.rules import BLUE, RED


def play(layouts: list[str], blue: str, red: str, games: int, num_envs: int, length: int, seed: int,
         recorder: GameRecorder | None = None) -> dict:
    """Play `games` games (batched `num_envs` at a time); `recorder` captures game 0 of the batch."""
    env = VecCaptureEnv(layouts, num_envs=min(num_envs, games), opponent=red, length=length, seed=seed)
    blue_team = make_team(blue, team=BLUE)
    blue_team.time_limit = length
    obs, info = env.reset()
    blue_team.reset(env.state, np.arange(env.num_envs))
    # Game slot s plays its first quota[s] games to the end; keeping every slot's first games (not
    # the first games to finish anywhere) keeps short games from being over-counted.
    quota = np.full(env.num_envs, games // env.num_envs) + (np.arange(env.num_envs) < games % env.num_envs)
    played = np.zeros(env.num_envs, dtype=np.int64)
    results, recording = [], recorder is not None
    while (played < quota).any():
        if recording:
            recorder.capture(env.state)
        actions = blue_team.act(env.state, engine.legal_actions(env.state), env.rng)
        obs, _, _, _, info = env.step(actions)
        episodes = info["episodes"]
        for k, slot in enumerate(episodes.env_index):
            if played[slot] < quota[slot]:
                results.append((episodes.winner[k], episodes.score[k], *episodes.food_returned[k], episodes.length[k]))
            played[slot] += 1
            if recording and slot == 0:
                recorder.capture(info["final_state"].select(k))  # the end, before the auto-reset
                recording = False
        if len(episodes):
            blue_team.reset(env.state, episodes.env_index)
    table = np.array(results, dtype=np.float64)  # (games, 5): winner, score, food red, food blue, length
    return {
        "games": games,
        "blue_wins": int((table[:, 0] < 0).sum()),
        "ties": int((table[:, 0] == 0).sum()),
        "red_wins": int((table[:, 0] > 0).sum()),
        "mean_score": float(table[:, 1].mean()),
        "mean_food_returned_red": float(table[:, 2].mean()),
        "mean_food_returned_blue": float(table[:, 3].mean()),
        "mean_length": float(table[:, 4].mean()),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", nargs="+", default=["tinyMaze"], help="map names or .lay paths, or 'random'")
    parser.add_argument("--blue", default="random", help="the blue team")
    parser.add_argument("--red", default="random", help="the red team")
    parser.add_argument("--games", type=int, default=64)
    parser.add_argument("--num-envs", type=int, default=64, help="games played at once")
    parser.add_argument("--length", type=int, default=300, help="time limit in steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gif", type=Path, help="save the first game as an animated GIF here")
    parser.add_argument("--text", type=Path, help="save the first game as a text log here")
    args = parser.parse_args(argv)
    recorder = GameRecorder() if (args.gif or args.text) else None
    summary = play(args.layout, args.blue, args.red, args.games, args.num_envs, args.length, args.seed, recorder)
    print(f"{args.blue} (blue) vs {args.red} (red) on {', '.join(args.layout)}: {summary['games']} games")
    print(
        f"  blue wins {summary['blue_wins']}, ties {summary['ties']}, red wins {summary['red_wins']}; "
        f"mean score {summary['mean_score']:+.2f} (red-positive), food returned red {summary['mean_food_returned_red']:.2f} "
        f"blue {summary['mean_food_returned_blue']:.2f}, mean length {summary['mean_length']:.1f}"
    )
    if recorder is not None:
        if args.gif:
            print(f"  first game saved as {recorder.save_gif(args.gif)}")
        if args.text:
            print(f"  first game log saved as {recorder.save_text(args.text)}")
    return summary


if __name__ == "__main__":
    main()
