"""Plot training curves of several runs from their CSV logs into one PNG, to compare IQL, VDN, QMIX.

    marl plot runs/qmix__tinyMaze__random__* runs/vdn__tinyMaze__random__* --metric eval/win_rate --out runs/compare.png

(or `python -m marl_lightning.plot ...`). Each argument is a run folder or a `metrics.csv` itself. Runs
whose folder names differ only in their seed (`<recipe>__<seed>`, as runs are named) are one recipe: drawn
as the mean over the seeds, with a band from the lowest to the highest seed, where all of them have
logged (`--separate` draws each run). A run resumed from a checkpoint (`--ckpt_path`) logs into a new
`version_N` folder; the versions of a run are joined into one curve by their gradient step (a later
version replaces what an earlier one logged from its first step on, and its minutes continue the earlier
ones'). Curves are drawn against environment steps and against wall-clock minutes; a run that did not
log the metric is skipped with a warning.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def metrics_files(run: Path) -> list[Path]:
    """The CSV logs of a run: a `metrics.csv`, or every `version_N/metrics.csv` under a folder, oldest first."""
    if run.is_file():
        return [run]
    found = sorted(run.glob("**/metrics.csv"), key=lambda p: (_version(p), p.stat().st_mtime))
    if not found:
        raise FileNotFoundError(f"no metrics.csv under {run}")
    return found


def _version(path: Path) -> int:
    name = path.parent.name
    return int(name.split("_")[1]) if name.startswith("version_") and name.split("_")[1].isdigit() else -1


def read_curve(paths: Path | list[Path], metric: str) -> tuple[list[float], list[float], list[float]]:
    """(env steps, minutes, values) of `metric` over the logs of one run, taking env steps and time from
    the same rows; the logs of a resumed run's versions are joined by gradient step."""
    paths = [paths] if isinstance(paths, Path) else paths
    points: list[tuple[int, float, float, float]] = []  # (step, env steps, minutes, value), one per evaluation or step
    clock: list[tuple[int, float]] = []  # (step, minutes) of every row so far, for the next version's start
    for path in paths:
        rows = [row for row in csv.DictReader(path.open()) if row.get("step")]
        if not rows:
            continue
        first = min(int(row["step"]) for row in rows)  # a resumed version takes over from here
        points = [p for p in points if p[0] < first]
        before = max((minutes for step, minutes in clock if step < first), default=0.0)
        starts = next((float(row["rollout/minutes"]) for row in rows if row.get("rollout/minutes")), before)
        offset = before if starts < before else 0.0  # older checkpoints did not keep the minutes: they start at 0
        clock = [c for c in clock if c[0] < first]
        env_steps, elapsed, seen = 0.0, 0.0, set()
        for row in rows:
            step = int(row["step"])
            if row.get("rollout/env_steps"):
                env_steps = float(row["rollout/env_steps"])
            if row.get("rollout/minutes"):
                elapsed = float(row["rollout/minutes"])
                clock.append((step, offset + elapsed))
            # Lightning repeats a callback's last value on later rows: one point per evaluation (or step)
            key = row.get("eval/at_step") or step
            if row.get(metric) and key not in seen:
                seen.add(key)
                points.append((step, env_steps, offset + elapsed, float(row[metric])))
    if not points:
        raise ValueError(f"{', '.join(str(p) for p in paths)} has no values of {metric!r}")
    points.sort()
    return [p[1] for p in points], [p[2] for p in points], [p[3] for p in points]


def seed_groups(runs: list[Path]) -> dict[str, list[Path]]:
    """Runs by recipe: a run named `<recipe>__<seed>` joins the others of its recipe, under the recipe's name;
    any other run is a group of its own, under its folder's name."""
    groups: dict[str, list[Path]] = {}
    for run in runs:
        folder = run.parent.parent if run.is_file() else run
        if folder.name.startswith("version_"):
            folder = folder.parent
        named = re.fullmatch(r"(.+)__\d+", folder.name)
        groups.setdefault(named.group(1) if named else str(run), []).append(run)
    return groups


def mean_and_band(curves: list[tuple[list[float], list[float]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, mean, lowest, highest) of several `(x, values)` curves over the x range all of them cover, each
    curve interpolated linearly at every x any of them logged there."""
    start, end = max(x[0] for x, _ in curves), min(x[-1] for x, _ in curves)
    grid = np.unique(np.concatenate([np.asarray(x, dtype=float) for x, _ in curves]))
    grid = grid[(grid >= start) & (grid <= end)]
    if not len(grid):
        raise ValueError(f"its seeds logged no common range (one ends at {end:g}, another starts at {start:g})")
    values = np.stack([np.interp(grid, x, v) for x, v in curves])  # (seeds, points)
    return grid, values.mean(0), values.min(0), values.max(0)


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--metric", default="eval/win_rate")
    parser.add_argument("--labels", nargs="*", help="one per curve: per recipe, or per run with --separate "
                        "(default: the recipe's or the folder's name)")
    parser.add_argument("--separate", action="store_true", help="one curve per run, not a recipe's mean over its seeds")
    parser.add_argument("--out", type=Path, default=Path("runs/compare.png"))
    args = parser.parse_args(argv)
    groups = {str(run): [run] for run in args.runs} if args.separate else seed_groups(args.runs)
    labels = args.labels or [Path(name).name for name in groups]
    if len(labels) != len(groups):
        parser.error(f"{len(labels)} labels for {len(groups)} curves ({', '.join(groups)})")
    fig, (by_steps, by_time) = plt.subplots(1, 2, figsize=(11, 4))
    drawn = 0
    for (name, runs), label in zip(groups.items(), labels):
        curves = []
        for run in runs:
            try:
                curves.append(read_curve(metrics_files(run), args.metric))
            except ValueError as exc:
                print(f"warning: skipped {run}: {exc}", file=sys.stderr)
        if not curves:
            continue
        if len(curves) == 1:
            steps, minutes, values = curves[0]
            by_steps.plot(steps, values, label=label)
            by_time.plot(minutes, values, label=label)
        else:
            try:
                bands = [mean_and_band([(c[index], c[2]) for c in curves]) for index in (0, 1)]
            except ValueError as exc:
                print(f"warning: skipped {name}: {exc}; draw its runs with --separate", file=sys.stderr)
                continue
            for ax, (x, mean, low, high) in zip((by_steps, by_time), bands):
                line, = ax.plot(x, mean, label=f"{label} ({len(curves)} seeds)")
                ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
        drawn += 1
    if not drawn:
        raise ValueError(f"none of the runs logged {args.metric!r}; the metric names are the columns of their metrics.csv")
    by_steps.set_xlabel("environment steps")
    by_time.set_xlabel("wall-clock minutes")
    for ax in (by_steps, by_time):
        ax.set_ylabel(args.metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=120)
    print(f"saved {args.out}")
    return args.out


if __name__ == "__main__":
    main()
