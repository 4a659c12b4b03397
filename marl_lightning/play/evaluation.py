"""How good is a team? Games between two entrants, both colours, with confidence intervals.

    marl evaluate runs/qmix__tinyMaze__random__0 baseline --layouts tinyMaze smallMaze --games 200 --out runs/eval

(or `python -m marl_lightning.evaluate ...`). An entrant is a built-in team (`random`, `baseline`,
`heuristic`, `search`, their course names), a team file (`my/myTeam.py`), a Berkeley contest team file
(`contest:their/theirTeam.py`), a checkpoint written by `train.py` (`*.ckpt`) or a run folder (its
best checkpoint, `best.ckpt`). Half the games are
played with the first entrant as blue, half as red, batched in the vectorised environment.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Sequence

import shutil
import tempfile
import weakref

from agents import Policy, Team
from agents.contest_team import ContestTeam
from agents.contest_view import ContestViewTeam
from agents.match import play_match
from gymPacMan.layout_names import expand_layout_names, load_layout
from gymPacMan.render import GameRecorder
from gymPacMan.rules import BLUE, RED

from ..entrants import check_entrant, entrant_name, is_checkpoint, make_entrant, trained_layouts
from ..run_folders import run_checkpoint
from .export import export


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion (well behaved at 0 and 1, unlike the normal one)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def colour_record(games: int, wins: int, ties: int, losses: int) -> dict:
    """Counts from one side, its win rate with the 95% interval, and points (a win 1, a tie 0.5)."""
    return {"games": games, "wins": wins, "ties": ties, "losses": losses, "win_rate": wins / max(games, 1),
            "win_rate_95ci": list(wilson_interval(wins, games)), "points": wins + 0.5 * ties}


DEFAULT_LAYOUT = "bloxCapture"  # where games are played when neither the command nor a checkpoint says
GAMES = ("course", "contest")  # the course's game; the contest's (turn by turn, opponents out of sight)


def exported_team(ckpt: str | Path, team: int) -> Team:
    """A checkpoint (or run folder) as what a user submits: the team file `marl export` writes, played through
    the contest adapter with the contest's view (opponents out of sight, noisy distances). The files live in a
    temporary folder for as long as the team does."""
    folder = Path(tempfile.mkdtemp(prefix="marl_export_"))
    team_file = export(run_checkpoint(ckpt), folder)
    player = ContestTeam(team_file, team=team, observation="contest")
    player.name = f"export:{entrant_name(ckpt)}"
    weakref.finalize(player, shutil.rmtree, folder, True)
    return player


def game_entrant(spec, team: int, game: str = "course") -> Team:
    """The team of `spec` for `game`. In the contest's game a checkpoint plays as its exported team file, and a
    policy object (a learner being evaluated) on the contest's view (`view:`, batched: what the exported file
    shows its network); a contest team file sees what the contest shows by default; anything else as
    `make_entrant` makes it (write `view:NAME` for a built-in team on the contest's view)."""
    if game not in GAMES:
        raise ValueError(f"game must be one of {GAMES}, got {game!r}")
    if game == "contest" and is_checkpoint(spec):
        return exported_team(spec, team)
    if game == "contest" and isinstance(spec, Policy):
        return ContestViewTeam(make_entrant(spec, team))
    return make_entrant(spec, team)


def head_to_head(a: str | Policy, b: str | Policy, layouts: Sequence[str], games: int, length: int = 300, seed: int = 0,
                 num_envs: int = 128, game: str = "course", recorders: dict[str, GameRecorder] | None = None) -> dict:
    """`a` against `b`: `games // 2` with `a` blue and the rest with `a` red, all from `a`'s side.

    game: `"course"` (the course's game: simultaneous moves, everything seen) or `"contest"` (the contest's
    `capture.py`: turn by turn from a drawn first mover; checkpoints play as their exported team files, which see
    what the contest shows; see `game_entrant`).

    Returns wins, ties, losses, games, win_rate and its 95% interval, points (win 1, tie 0.5),
    mean score, mean food returned by each side, mean game length, and `by_colour`: the same counts
    and interval for `a` playing blue and for `a` playing red.

    recorders: `{"blue": ..., "red": ...}`, each capturing the first game `a` plays in that colour (some or none).
    """
    turns = "contest" if game == "contest" else "simultaneous"
    recorders = recorders or {}
    as_blue = play_match(game_entrant(a, BLUE, game), game_entrant(b, RED, game), list(layouts), games // 2,
                         num_envs=min(num_envs, games), length=length, seed=seed, turns=turns, recorder=recorders.get("blue"))
    as_red = play_match(game_entrant(b, BLUE, game), game_entrant(a, RED, game), list(layouts), games - games // 2,
                        num_envs=min(num_envs, games), length=length, seed=seed + 1, turns=turns,
                        recorder=recorders.get("red"))
    by_colour = {
        "blue": colour_record(as_blue["games"], as_blue["blue_wins"], as_blue["ties"], as_blue["red_wins"]),
        "red": colour_record(as_red["games"], as_red["red_wins"], as_red["ties"], as_red["blue_wins"]),
    }
    wins = as_blue["blue_wins"] + as_red["red_wins"]
    ties = as_blue["ties"] + as_red["ties"]
    losses = as_blue["red_wins"] + as_red["blue_wins"]
    n1, n2 = as_blue["games"], as_red["games"]
    mean = lambda x, y: (x * n1 + y * n2) / (n1 + n2)  # noqa: E731 - a game-weighted mean of the two halves
    return {
        "a": entrant_name(a), "b": entrant_name(b), **colour_record(games, wins, ties, losses), "by_colour": by_colour,
        "mean_score": mean(-as_blue["mean_score"], as_red["mean_score"]),
        "mean_food_returned": mean(as_blue["mean_food_returned_blue"], as_red["mean_food_returned_red"]),
        "mean_food_returned_by_opponent": mean(as_blue["mean_food_returned_red"], as_red["mean_food_returned_blue"]),
        "mean_length": mean(as_blue["mean_length"], as_red["mean_length"]),
    }


def _rate(record: dict) -> str:
    low, high = record["win_rate_95ci"]
    return f"{record['win_rate']:.0%} ({low:.0%}-{high:.0%})"


def markdown_table(rows: list[dict]) -> str:
    lines = [
        "| entrant | opponent | layout | games | win / tie / loss | win rate (95% CI) | as blue | as red | mean score | "
        "food returned (opponent) | length |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        blue, red = r["by_colour"]["blue"], r["by_colour"]["red"]
        lines.append(
            f"| {r['a']} | {r['b']} | {r['layout']} | {r['games']} | {r['wins']} / {r['ties']} / {r['losses']} | "
            f"{_rate(r)} | {_rate(blue)} | {_rate(red)} | {r['mean_score']:+.2f} | "
            f"{r['mean_food_returned']:.2f} ({r['mean_food_returned_by_opponent']:.2f}) | {r['mean_length']:.0f} |"
        )
    return "\n".join(lines)


def combined(rows: Sequence[dict]) -> dict:
    """`head_to_head` results of the same pair (on different layouts, say) as one: counts and intervals
    over all their games, means weighted by games."""
    counts = ("games", "wins", "ties", "losses")
    total = lambda records: colour_record(*(sum(r[k] for r in records) for k in counts))  # noqa: E731
    n = sum(r["games"] for r in rows)
    weighted = lambda key: sum(r[key] * r["games"] for r in rows) / n  # noqa: E731
    return {
        "a": rows[0]["a"], "b": rows[0]["b"], **total(rows),
        "by_colour": {c: total([r["by_colour"][c] for r in rows]) for c in ("blue", "red")},
        **{k: weighted(k) for k in ("mean_score", "mean_food_returned", "mean_food_returned_by_opponent", "mean_length")},
    }


def evaluate(a: str, b: str, layouts: Sequence[str], games: int, length: int = 300, seed: int = 0,
             game: str = "course") -> list[dict]:
    """`head_to_head` on each layout (`contest_1..50` stands for 50), then over all of them together
    (`layout: "all"`)."""
    layouts = expand_layout_names(layouts)
    rows = [dict(head_to_head(a, b, [layout], games, length, seed, game=game), layout=layout) for layout in layouts]
    if len(layouts) > 1:
        rows.append(dict(combined(rows), layout="all"))
    return rows


def add_match_arguments(parser: argparse.ArgumentParser, games: int, games_help: str, outputs: str) -> None:
    """The options every command that plays batches of games shares (evaluate, tournament)."""
    parser.add_argument("--layouts", "--layout", nargs="+", default=None,
                        help="maps by name or path; a range such as contest_1..50 stands for contest_1 ... contest_50 "
                             f"(default: the maps the first checkpoint or run folder trained on, else {DEFAULT_LAYOUT})")
    parser.add_argument("--games", type=int, default=games, help=games_help)
    parser.add_argument("--length", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--game", choices=GAMES, default="course",
                        help="course: the course's game (simultaneous moves, everything seen); contest: the contest's "
                             "capture.py (each agent moves at its own turn from a drawn first mover; a checkpoint plays as "
                             "its exported team file, which sees opponents only within 5 and noisy distances, as do "
                             "contest team files; built-in teams see everything)")
    parser.add_argument("--out", type=Path, help=f"write {outputs} here")


def match_layouts(given: Sequence[str] | None, entrants: Sequence[str]) -> list[str]:
    """The maps a command plays: those given, else those the first checkpoint or run folder among `entrants`
    trained on (said on the console), else `DEFAULT_LAYOUT`. Misspelled teams and maps, and missing
    checkpoints, are refused first, before anything loads."""
    for entrant in entrants:
        check_entrant(entrant)
    if given:
        for layout in expand_layout_names(given):
            load_layout(layout)
        return list(given)
    trained = trained_layouts(entrants)
    if trained is None:
        return [DEFAULT_LAYOUT]
    print(f"playing on the maps {entrant_name(next(e for e in entrants if is_checkpoint(e)))} trained on: "
          f"{' '.join(trained)} (--layouts chooses others)")
    return trained


def write_results(out: Path, stem: str, results, table: str) -> None:
    """`out/<stem>.json` (the results) and `out/<stem>.md` (the table)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(results, indent=1))
    (out / f"{stem}.md").write_text(table + "\n")


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description="Play two entrants against each other and report the results.")
    parser.add_argument("entrant", help="a team name, a team file, a checkpoint or a run folder (its best checkpoint)")
    parser.add_argument("opponent", help="a team name, a team file, a checkpoint or a run folder (its best checkpoint)")
    add_match_arguments(parser, 100, "games per layout (half in each colour)", "evaluation.json and evaluation.md")
    args = parser.parse_args(argv)
    if args.games < 2:
        parser.error("--games must be at least 2 (one game in each colour)")
    layouts = match_layouts(args.layouts, [args.entrant, args.opponent])
    rows = evaluate(args.entrant, args.opponent, layouts, args.games, args.length, args.seed, args.game)
    table = markdown_table(rows)
    print(table)
    if args.out:
        write_results(args.out, "evaluation", rows, table)
        print(f"wrote {args.out / 'evaluation.json'} and {args.out / 'evaluation.md'}")
    return rows
