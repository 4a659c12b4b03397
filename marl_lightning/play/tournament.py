"""Round-robin tournaments: a league table (points, win rate, Elo), the head-to-head matrix, a heat map.

    python -m marl_lightning.tournament random baseline heuristic runs/.../best.ckpt \
        --layouts bloxCapture --games 40 --out runs/tournament

This is how the course runs its tournaments (a win 1 point, a tie 0.5), and how a user picks the
best of several checkpoints. Every pair plays `--games` games per layout, half in each colour.
"""

from __future__ import annotations

import argparse
import itertools
import math
from pathlib import Path
from typing import Sequence

import numpy as np

from gymPacMan.layout_names import expand_layout_names

from .evaluation import add_match_arguments, entrant_name, head_to_head, match_layouts, write_results


def elo_ratings(names: list[str], results: list[dict], iterations: int = 2000, scale: float = 400.0) -> dict[str, float]:
    """Elo ratings that best explain all results at once (the Bradley-Terry fit, mean 1500).

    Unlike sequential Elo updates, the order the games were played in does not matter.
    """
    index = {n: i for i, n in enumerate(names)}
    r = np.zeros(len(names))
    for _ in range(iterations):
        gradient = np.zeros(len(names))
        for res in results:
            i, j = index[res["a"]], index[res["b"]]
            expected = 1.0 / (1.0 + 10 ** ((r[j] - r[i]) / scale))
            score = res["points"] / res["games"]
            gradient[i] += res["games"] * (score - expected)
            gradient[j] -= res["games"] * (score - expected)
        r += 4.0 * gradient / max(sum(res["games"] for res in results), 1) * scale / math.log(10)
        r = np.clip(r - r.mean(), -1500, 1500)  # a team that wins (or loses) everything has no finite rating
    return {n: float(1500 + r[index[n]]) for n in names}


def round_robin(entrants: Sequence[str], layouts: Sequence[str], games: int, length: int = 300, seed: int = 0,
                game: str = "course") -> dict:
    """Every pair of entrants plays `games` games on each layout (`contest_1..50` stands for 50), in `game`
    (`head_to_head`); results from each pair's first entrant."""
    layouts = expand_layout_names(layouts)
    names = [entrant_name(e) for e in entrants]
    if len(set(names)) != len(names):
        raise ValueError(f"entrants must differ, got {names}")
    results = []
    for (i, a), (j, b) in itertools.combinations(enumerate(entrants), 2):
        for layout in layouts:
            results.append(dict(head_to_head(a, b, [layout], games, length, seed + 7 * (i * len(entrants) + j), game=game),
                                layout=layout))
    table = {n: {"games": 0, "wins": 0, "ties": 0, "losses": 0, "points": 0.0} for n in names}
    matrix = np.full((len(names), len(names)), np.nan)  # points share of row against column
    pair_points: dict[tuple[str, str], list[float]] = {}
    for res in results:
        for who, other, w, l in ((res["a"], res["b"], res["wins"], res["losses"]), (res["b"], res["a"], res["losses"], res["wins"])):
            row = table[who]
            row["games"] += res["games"]
            row["wins"] += w
            row["ties"] += res["ties"]
            row["losses"] += l
            row["points"] += w + 0.5 * res["ties"]
            pts = pair_points.setdefault((who, other), [0.0, 0.0])
            pts[0] += w + 0.5 * res["ties"]
            pts[1] += res["games"]
    for (who, other), (pts, n) in pair_points.items():
        matrix[names.index(who), names.index(other)] = pts / n
    pooled = [{"a": r["a"], "b": r["b"], "games": r["games"], "points": r["points"]} for r in results]
    elo = elo_ratings(names, pooled)
    league = sorted(
        ({"entrant": n, **row, "win_rate": row["wins"] / row["games"], "points_share": row["points"] / row["games"],
          "elo": elo[n]} for n, row in table.items()),
        key=lambda row: (-row["points"], -row["elo"]),
    )
    return {"entrants": names, "layouts": list(layouts), "games_per_pair_and_layout": games, "league": league,
            "matrix": matrix.tolist(), "results": results}


def markdown(tournament: dict) -> str:
    names = tournament["entrants"]
    lines = [
        f"Round-robin on {', '.join(tournament['layouts'])}, {tournament['games_per_pair_and_layout']} games per pair and "
        "layout (half in each colour); a win 1 point, a tie 0.5.",
        "",
        "| rank | entrant | games | win / tie / loss | points | win rate | Elo |",
        "|---|---|---|---|---|---|---|",
    ]
    for rank, row in enumerate(tournament["league"], 1):
        lines.append(f"| {rank} | {row['entrant']} | {row['games']} | {row['wins']} / {row['ties']} / {row['losses']} | "
                     f"{row['points']:g} | {row['win_rate']:.0%} | {row['elo']:.0f} |")
    lines += ["", "Head to head (points share of the row against the column):", "",
              "| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for name, row in zip(names, tournament["matrix"]):
        cells = ["-" if (v is None or (isinstance(v, float) and math.isnan(v))) else f"{v:.0%}" for v in row]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def heat_map_title(tournament: dict) -> str:
    """What the heat map covers: the layouts and the games behind every cell."""
    layouts, games = tournament["layouts"], tournament["games_per_pair_and_layout"]
    where = ", ".join(layouts) if len(layouts) <= 4 else f"{', '.join(layouts[:3])} and {len(layouts) - 3} more layouts"
    return (f"points share of the row against the column\n{where}: {games * len(layouts)} games per pair "
            f"({games} per layout, half in each colour)")


def heat_map(tournament: dict, path: Path) -> Path:
    """The head-to-head matrix as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names, matrix = tournament["entrants"], np.array(tournament["matrix"], dtype=float)
    fig, ax = plt.subplots(figsize=(1.2 * len(names) + 2, 1.0 * len(names) + 1.5))
    image = ax.imshow(matrix, cmap="RdYlGn", vmin=0, vmax=1)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_yticks(range(len(names)), names)
    for i in range(len(names)):
        for j in range(len(names)):
            if not np.isnan(matrix[i, j]):
                ax.text(j, i, f"{matrix[i, j]:.0%}", ha="center", va="center", fontsize=9)
    ax.set_title(heat_map_title(tournament), fontsize=9)
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="A round-robin tournament between teams and checkpoints.")
    parser.add_argument("entrants", nargs="+", help="team names, team files, checkpoints or run folders (at least two)")
    add_match_arguments(parser, 40, "games per pair and layout (half in each colour)",
                        "tournament.json, tournament.md and tournament.png")
    args = parser.parse_args(argv)
    if len(args.entrants) < 2:
        parser.error("a tournament needs at least two entrants")
    layouts = match_layouts(args.layouts, args.entrants)
    tournament = round_robin(args.entrants, layouts, args.games, args.length, args.seed, args.game)
    text = markdown(tournament)
    print(text)
    if args.out:
        write_results(args.out, "tournament", tournament, text)
        heat_map(tournament, args.out / "tournament.png")
        print(f"wrote {args.out}/tournament.json, tournament.md and tournament.png")
    return tournament


if __name__ == "__main__":
    main()
