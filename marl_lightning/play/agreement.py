"""How faithful is a copy? The share of its moves that are its teacher's, on the teacher's states and on its own.

    marl agreement teams/champion.ckpt --teacher search --opponents heuristic search \\
        --layouts bloxCapture contest_51..100 --steps 20000 --out runs/agreement

A clone can agree with its teacher on the states the teacher visits (what it was trained on) and still drift
where its own mistakes take it (Ross et al., 2011). So both are measured: on the **teacher's** states the
teacher plays every move and the copy is only asked; on the copy's **own** states the copy plays and the
teacher is only asked (DAgger's labels). Each figure is given by role, as the agent was when asked:
`attacking` (a Pacman on the opponents' half) and `defending` (a ghost at home), with 95% intervals, half the
games in each colour, per map set. In training, `AgreementCallback` logs the same figures, and
`data.demonstrations.dagger` rounds log the copy's agreement on the states each round visits (`dagger/agreement/...`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

from agents import Policy, PolicyTeam
from agents.contest_view import ContestViewTeam
from gymPacMan.layout_names import expand_layout_names

from ..data.demo_files import demo_buffer
from ..entrants import Entrant, entrant_name, make_entrant
from ..recording import DemoRecorder
from .evaluation import GAMES, wilson_interval, write_results

STATES = ("teacher", "own")  # whose moves make the states: the teacher's (the copy only asked), the copy's own
ROLES = ("all", "attacking", "defending")


def measure_agreement(player: Entrant, teacher: Entrant, opponents: Sequence[Entrant] | dict, layouts: Sequence[str],
                      states: str = "teacher", steps: int = 19_200, num_envs: int = 64, length: int = 300, seed: int = 0,
                      game: str = "course") -> dict:
    """How often `player`'s move is `teacher`'s, over `steps` of the team's steps (summed over games, half in
    each colour) against `opponents` on `layouts`, on the `states` whose moves are played (`STATES`). In the
    contest's `game` (turn by turn) the player sees the contest's view (opponents out of sight where a Bayes
    filter puts them), the teacher the full state, as `data.demonstrations.dagger` with `view: contest` trains it.

    Returns `{role: {"agreement", "moves", "agreement_95ci"}}` for each of `ROLES` with moves, and the
    games' count and the win rate of the team that played them (games that ended within the steps: give
    `steps >= num_envs * length` for whole games). The intervals count moves as independent; moves of one game
    are not, so compare copies on the same seed and states, or over seeds.
    """
    if states not in STATES:
        raise ValueError(f"states must be one of {STATES}, got {states!r}")
    if game not in GAMES:
        raise ValueError(f"game must be one of {GAMES}, got {game!r}")
    contest = game == "contest"
    recorder = DemoRecorder(teacher, opponents, expand_layout_names(list(layouts)), num_envs, length, seed,
                            turns="contest" if contest else "simultaneous")

    def copy(side: int):
        team = PolicyTeam(player, team=side) if isinstance(player, Policy) else make_entrant(player, side, seed=seed + 11)
        return ContestViewTeam(team) if contest else team

    recorder.record(demo_buffer(steps, num_envs), steps, player=copy, beta=1.0 if states == "teacher" else 0.0,
                    as_seen=contest)
    result = {"player": entrant_name(player), "teacher": entrant_name(teacher), "states": states, "game": game,
              "games": recorder.games, "win_rate": recorder.wins / max(recorder.games, 1)}
    counts = recorder.agreement  # (role: ghost, Pacman) x (agreed, asked)
    for role, (agreed, asked) in (("all", counts.sum(0)), ("attacking", counts[1]), ("defending", counts[0])):
        if asked:
            result[role] = {"agreement": agreed / asked, "moves": int(asked),
                            "agreement_95ci": list(wilson_interval(int(agreed), int(asked)))}
    return result


def agreement_table(rows: list[dict]) -> str:
    """A Markdown table: per map set and states, the agreement overall and by role, with 95% intervals."""
    lines = ["| copy | teacher | map set | states | all (95% CI) | attacking | defending | moves | games | win rate |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    won = lambda r: f"{r['win_rate']:.0%}" if r["games"] else "-"  # noqa: E731 - no game ended within the steps
    cell = lambda r, role: (f"{r[role]['agreement']:.1%} ({r[role]['agreement_95ci'][0]:.1%}-{r[role]['agreement_95ci'][1]:.1%})"  # noqa: E731
                            if role in r else "-")
    for r in rows:
        lines.append(f"| {r['player']} | {r['teacher']} | {r['layouts']} | {r['states']} | {cell(r, 'all')} | "
                     f"{cell(r, 'attacking')} | {cell(r, 'defending')} | {r.get('all', {}).get('moves', 0)} | "
                     f"{r['games']} | {won(r)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="marl agreement", description=__doc__.splitlines()[0])
    parser.add_argument("copy", help="a checkpoint or run folder (its best checkpoint), or any entrant")
    parser.add_argument("--teacher", default="search", help="the entrant whose moves are the labels")
    parser.add_argument("--opponents", nargs="+", default=["heuristic"], help="entrants each game's opponent is drawn from")
    parser.add_argument("--layouts", nargs="+", default=["bloxCapture"],
                        help="map sets, each measured apart: a name, a path, or a range such as contest_51..100")
    parser.add_argument("--states", nargs="+", choices=STATES, default=list(STATES))
    parser.add_argument("--steps", type=int, default=19_200,
                        help="the team's steps per map set and states (summed over games; the default: 64 whole games)")
    parser.add_argument("--num-envs", type=int, default=64)
    parser.add_argument("--length", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--game", choices=GAMES, default="course")
    parser.add_argument("--out", type=Path, help="write agreement.json and agreement.md here")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.num_envs < 2 or args.num_envs % 2:
        parser.error("--steps must be positive and --num-envs even (half the games in each colour)")
    rows = []
    for layouts in args.layouts:
        for states in args.states:
            row = measure_agreement(args.copy, args.teacher, args.opponents, [layouts], states, args.steps, args.num_envs,
                                    args.length, args.seed, args.game)
            rows.append(dict(row, layouts=layouts))
    table = agreement_table(rows)
    print(table)
    if args.out:
        write_results(args.out, "agreement", rows, table)
    return rows


__all__ = ["measure_agreement", "agreement_table", "STATES", "ROLES"]
