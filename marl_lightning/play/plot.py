"""Plot training curves of several runs from their CSV logs into one PNG, to compare IQL, VDN, QMIX.

    python -m marl_lightning.plot runs/iql runs/vdn runs/qmix --metric eval/win_rate --out docs/win_rate.png

Each argument is a run folder (the newest `version_*/metrics.csv` under it is read) or a
`metrics.csv` itself. Curves are drawn against environment steps and against wall-clock minutes.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def metrics_file(run: Path) -> Path:
    if run.is_file():
        return run
    found = sorted(run.glob("**/metrics.csv"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise FileNotFoundError(f"no metrics.csv under {run}")
    return found[-1]


def read_curve(path: Path, metric: str) -> tuple[list[float], list[float], list[float]]:
    """(env steps, minutes, values) of `metric`, taking env steps and time from the same rows."""
    rows = list(csv.DictReader(path.open()))
    steps, minutes, values = [], [], []
    env_steps, elapsed, logged_at = 0.0, 0.0, {}
    for row in rows:
        if row.get("rollout/env_steps"):
            env_steps = float(row["rollout/env_steps"])
        if row.get("rollout/minutes"):
            elapsed = float(row["rollout/minutes"])
        # Lightning repeats a callback's last value on later rows: one point per evaluation (or step)
        key = row.get("eval/at_step") or row["step"]
        if row.get(metric) and key not in logged_at:
            logged_at[key] = (env_steps, elapsed, float(row[metric]))
    for env_steps, elapsed, value in logged_at.values():
        steps.append(env_steps)
        minutes.append(elapsed)
        values.append(value)
    if not values:
        raise ValueError(f"{path} has no values of {metric!r}")
    return steps, minutes, values


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--metric", default="eval/win_rate")
    parser.add_argument("--labels", nargs="*", help="one per run (default: the folder names)")
    parser.add_argument("--out", type=Path, default=Path("runs/compare.png"))
    args = parser.parse_args(argv)
    labels = args.labels or [run.name for run in args.runs]
    fig, (by_steps, by_time) = plt.subplots(1, 2, figsize=(11, 4))
    for run, label in zip(args.runs, labels):
        steps, minutes, values = read_curve(metrics_file(run), args.metric)
        by_steps.plot(steps, values, label=label)
        by_time.plot(minutes, values, label=label)
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
