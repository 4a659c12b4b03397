"""Plot training curves of several runs from their CSV logs into one PNG, to compare IQL, VDN, QMIX.

    python -m marl_lightning.plot runs/iql runs/vdn runs/qmix --metric eval/win_rate --out docs/win_rate.png

Each argument is a run folder or a `metrics.csv` itself. A run resumed from a checkpoint
(`--ckpt_path`) logs into a new `version_N` folder; the versions of a run are joined into one curve
by their gradient step (a later version replaces what an earlier one logged from its first step on,
and its minutes continue the earlier ones'). Curves are drawn against environment steps and against
wall-clock minutes; a run that did not log the metric is skipped with a warning.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

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
        offset = max((minutes for step, minutes in clock if step < first), default=0.0)
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


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--metric", default="eval/win_rate")
    parser.add_argument("--labels", nargs="*", help="one per run (default: the folder names)")
    parser.add_argument("--out", type=Path, default=Path("runs/compare.png"))
    args = parser.parse_args(argv)
    labels = args.labels or [run.name for run in args.runs]
    fig, (by_steps, by_time) = plt.subplots(1, 2, figsize=(11, 4))
    drawn = 0
    for run, label in zip(args.runs, labels):
        try:
            steps, minutes, values = read_curve(metrics_files(run), args.metric)
        except ValueError as exc:
            print(f"warning: skipped {run}: {exc}", file=sys.stderr)
            continue
        by_steps.plot(steps, values, label=label)
        by_time.plot(minutes, values, label=label)
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
