"""Train a recipe and its variants over several seeds for the same wall-clock or environment-step
budget, then evaluate each run's last checkpoint in both colours: what each setting does, with its spread.

    python benchmarks/ablation.py --config configs/recipe/qmix_blox.yaml --minutes 15 --seeds 0 1 2 \\
        --variant "recipe=" --variant "no planes=--data.planes=[]" --out runs/ablation/planes

Each variant is `name=overrides` (overrides as on `train.py`'s command line, space separated; without
`--config` each variant names its own configs, so different learners compare:
`--variant "mappo=--config configs/algo/mappo.yaml"`). Every run trains for `--minutes` of wall-clock, or with
`--env-steps` until it collected that many environment steps (`callbacks.EnvStepBudget`: the fair
budget across learners), logs CSV under `--out/<variant>/seed<k>/`, and its last
checkpoint plays `--games` games against each of `--opponents` on the training layout, half in each
colour, on evaluation seeds no training or in-training evaluation used; the checkpoint the run kept
as best (selected on its in-training evaluation) is reported too, from the held-out games
`EvaluationCallback` plays at the end of training (`final_evaluation.json`). Writes `results.json`, a
Markdown table (mean, standard deviation and minimum over seeds, per opponent and colour) and
`curves.png` (in-training evaluation against environment steps, mean over seeds). With `--parallel 2`
two runs share the machine, each on one thread. `--checkpoint best` plays each run's selected checkpoint instead
of its last; `--skip opponent@maps` leaves out an evaluation.

Run it again with the same arguments to go on after an interruption: a finished run (`done` in its folder) is not
trained again, one cut short resumes from its `last.ckpt` with the rest of its time, and an evaluation already
written is read, not played again.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from gymPacMan.errors import run_command
from gymPacMan.layout_names import expand_layout_names
from marl_lightning.play.evaluation import wilson_interval

ROOT = Path(__file__).resolve().parents[1]
EVALUATION_SEED = 777  # games no training run or in-training evaluation plays


def parse_variant(text: str) -> tuple[str, list[str]]:
    name, _, overrides = text.partition("=")
    if not name:
        raise argparse.ArgumentTypeError(f"a variant is name=overrides, got {text!r}")
    return name.strip(), shlex.split(overrides)


DONE = "done"  # in a run's folder once its training ended: a later call evaluates it, trains it no more


def train(configs: list[str], overrides: list[str], minutes: float, seed: int, folder: Path, threads: int,
          env_steps: int | None = None) -> Path:
    """One training run; returns its last checkpoint. A run that ended (`DONE`) is not trained again; one cut short
    (a `last.ckpt` but no `DONE`) resumes from its last checkpoint, its clock going on (Lightning's `Timer` is saved)."""
    last = next(folder.glob("log/version_*/checkpoints/last.ckpt"), None)
    evaluated = last is not None and any(last.parent.glob("eval_*/evaluation.json"))  # (runs of before `DONE`)
    if last is not None and ((folder / DONE).is_file() or evaluated):
        return last
    folder.mkdir(parents=True, exist_ok=True)
    logger = f"[{{class_path: lightning.pytorch.loggers.CSVLogger, init_args: {{save_dir: '{folder}', name: log}}}}]"
    hours, rest = divmod(int(minutes * 60), 3600)
    budget = [f"--trainer.max_time=00:{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"]  # with an env-step budget: a time limit too
    if env_steps is not None:
        budget.append(f"--trainer.callbacks+={{class_path: marl_lightning.callbacks.EnvStepBudget, init_args: {{max_env_steps: {env_steps}}}}}")
    command = [sys.executable, str(ROOT / "train.py"), "fit", *(a for c in configs for a in ("--config", c)), *overrides,
               *budget, "--trainer.max_steps=-1", f"--seed_everything={seed}", f"--data.seed={seed}", f"--trainer.logger={logger}",
               "--trainer.enable_progress_bar=false", f"--trainer.default_root_dir={folder}",
               *([f"--ckpt_path={last}"] if last is not None else [])]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    with open(folder / "train.log", "a") as log:
        subprocess.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, check=True)
    (folder / DONE).write_text("")
    return next(folder.glob("log/version_*/checkpoints/last.ckpt"))


def chosen_checkpoint(last: Path, which: str) -> Path:
    """The run's `last` checkpoint, or its `best` (selected on its in-training evaluation; its last if it never
    evaluated)."""
    best = last.with_name("best.ckpt")
    return best if which == "best" and best.exists() else last


def run_result(folder: Path, seed: int, overrides: list[str], opponents: list[str], which: str = "last") -> dict:
    """What a finished, evaluated run left in its folder: its steps, minutes, and both checkpoints' results
    (`opponents`: the evaluation keys, `evaluation_key`; `eval` holds those of the `which` checkpoint)."""
    checkpoint = next(folder.glob("log/version_*/checkpoints/last.ckpt"))
    saved = __import__("torch").load(checkpoint, weights_only=True, map_location="cpu")
    minutes = curve_minutes(folder)
    final = next(folder.glob("log/version_*/final_evaluation.json"), None)  # the best checkpoint, held out
    return {"seed": seed, "folder": str(folder), "overrides": overrides, "gradient_steps": saved["global_step"],
            "minutes": minutes[-1] if minutes else 0.0, "env_steps": int(saved["state_dict"]["env_steps"]),
            "eval": {o: json.loads((evaluation_folder(checkpoint, o, which) / "evaluation.json").read_text())[-1] for o in opponents},
            "best": json.loads(final.read_text())["results"] if final else None}


def finished_runs(out: Path, opponents: list[str], which: str = "last") -> dict[str, list[dict]]:
    """The runs under `out` that finished and were evaluated (`--summarize` of an interrupted comparison)."""
    results: dict[str, list[dict]] = {}
    for folder in sorted(out.glob("*/seed*")):
        last = next(folder.glob("log/version_*/checkpoints/last.ckpt"), None)
        if last is not None and all((evaluation_folder(last, o, which) / "evaluation.json").is_file() for o in opponents):
            results.setdefault(folder.parent.name, []).append(run_result(folder, int(folder.name[4:]), [], opponents, which))
    return results


def evaluation_folder(last: Path, key: str, which: str = "last") -> Path:
    """Where the evaluation `key` of a run's `which` checkpoint is written (beside its checkpoints)."""
    return last.parent / (f"eval_{safe(key)}" if which == "last" else f"eval_{which}_{safe(key)}")


def evaluation_key(opponent: str, layout: str, layouts: list[str]) -> str:
    """How results name an evaluation: the opponent, and the map set where there are several (`baseline@contest_51..100`)."""
    return opponent if len(layouts) == 1 else f"{opponent}@{layout}"


def safe(key: str) -> str:
    """An evaluation key as a folder name."""
    return key.replace("@", "_on_").replace("/", "_")


def evaluate(checkpoint: Path, opponent: str, layout: str, games: int, threads: int, key: str | None = None,
             out: Path | None = None) -> dict:
    """The checkpoint against `opponent` on the map set `layout` (one layout or a range, its games over those
    maps: the last row of `marl_lightning.evaluate`, all of them together), written to `out` (default beside the
    checkpoint); an evaluation already there is read, not played again."""
    out = out or checkpoint.parent / f"eval_{safe(key or opponent)}"
    if (out / "evaluation.json").is_file():
        return json.loads((out / "evaluation.json").read_text())[-1]
    layouts = expand_layout_names([layout])
    per_layout = max(2, 2 * round(games / (2 * len(layouts))))  # `evaluate` plays --games on each layout
    command = [sys.executable, "-m", "marl_lightning.evaluate", str(checkpoint), opponent, "--layouts", *layouts,
               "--games", str(per_layout), "--seed", str(EVALUATION_SEED), "--out", str(out)]
    subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True,
                   env={**os.environ, "OMP_NUM_THREADS": str(threads)})
    return json.loads((out / "evaluation.json").read_text())[-1]


def curve(folder: Path, opponent: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """In-training evaluation: environment steps, blue and red win rates against `opponent`."""
    metrics = next(folder.glob("log/version_*/metrics.csv"), None)
    rows = list(csv.DictReader(metrics.open())) if metrics is not None else []
    steps, blue, red, last_steps = [], [], [], 0.0
    for row in rows:
        if row.get("rollout/env_steps"):
            last_steps = float(row["rollout/env_steps"])
        if row.get(f"eval/win_rate_blue/{opponent}"):
            steps.append(last_steps)
            blue.append(float(row[f"eval/win_rate_blue/{opponent}"]))
            red.append(float(row[f"eval/win_rate_red/{opponent}"]))
    return np.array(steps), np.array(blue), np.array(red)


def curve_minutes(folder: Path) -> list[float]:
    """The training minutes each logged row reports (the last is the run's wall-clock; none for a run too
    short to log)."""
    metrics = next(folder.glob("log/version_*/metrics.csv"), None)
    if metrics is None:
        return []
    rows = list(csv.DictReader(metrics.open()))
    return [float(row["rollout/minutes"]) for row in rows if row.get("rollout/minutes")]


def summarize(results: dict, opponents: list[str]) -> str:
    lines = ["| variant | checkpoint | opponent | as blue: mean (sd, min) | as red: mean (sd, min) | both colours, all seeds (95% CI) | env steps | gradient steps | minutes |",
             "|---|---|---|---|---|---|---|---|---|"]
    for variant, runs in results.items():
        for which in ("eval", "best"):
            if not all(r.get(which) for r in runs):
                continue
            for opponent in opponents:
                if not all(opponent in r[which] for r in runs):  # the in-training evaluation may play fewer opponents
                    continue
                cells = []
                for colour in ("blue", "red"):
                    rates = np.array([r[which][opponent]["by_colour"][colour]["win_rate"] for r in runs])
                    cells.append(f"{rates.mean():.0%} ({rates.std():.0%}, {rates.min():.0%})")
                wins = sum(r[which][opponent]["wins"] for r in runs)
                games = sum(r[which][opponent]["games"] for r in runs)
                low, high = wilson_interval(wins, games)
                both = f"{wins / max(games, 1):.0%} ({low:.0%}-{high:.0%}, {games} games)"
                env_steps = np.mean([r["env_steps"] for r in runs])
                grad = np.mean([r["gradient_steps"] for r in runs])
                label = "evaluated" if which == "eval" else "best (held out in training)"
                minutes = np.mean([r.get("minutes", 0.0) for r in runs])
                lines.append(f"| {variant} | {label} | {opponent} | {cells[0]} | {cells[1]} | {both} | "
                             f"{env_steps / 1e6:.2f} M | {grad:,.0f} | {minutes:.1f} |")
    return "\n".join(lines)


def plot(results: dict, opponents: list[str], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(opponents), figsize=(6 * len(opponents), 4), squeeze=False)
    for ax, opponent in zip(axes[0], opponents):
        for variant, runs in results.items():
            curves = [curve(Path(r["folder"]), opponent) for r in runs]
            n = min(len(c[0]) for c in curves)
            if n == 0:
                continue
            steps = np.mean([c[0][:n] for c in curves], axis=0)
            rates = np.array([(c[1][:n] + c[2][:n]) / 2 for c in curves])
            line, = ax.plot(steps / 1e6, rates.mean(0), label=variant)
            ax.fill_between(steps / 1e6, rates.min(0), rates.max(0), alpha=0.15, color=line.get_color())
        ax.set(title=f"against {opponent} (both colours; band: min-max over seeds)", xlabel="environment steps (millions)",
               ylabel="win rate", ylim=(0, 1))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", action="append", default=[], help="the recipe every variant overrides, several "
                        "layered in order (none: variants give their own)")
    parser.add_argument("--variant", action="append", type=parse_variant, default=[], help="name=overrides")
    parser.add_argument("--minutes", type=float, default=15)
    parser.add_argument("--env-steps", type=int, default=None, help="train each run to this many environment steps instead")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--opponents", nargs="+", default=["random", "baseline"])
    parser.add_argument("--layouts", nargs="+", default=["bloxCapture"], help="the map sets the checkpoints are evaluated "
                        "on, each apart (a layout, or a range of mazes: contest_51..100)")
    parser.add_argument("--games", type=int, default=200, help="evaluation games per opponent and map set (half in each "
                        "colour; over a range, the games spread over its mazes)")
    parser.add_argument("--train-only", action="store_true", help="train, and evaluate nothing (on a machine lent for "
                        "training; --evaluate-only later, elsewhere)")
    parser.add_argument("--evaluate-only", action="store_true", help="train nothing: evaluate the runs under --out")
    parser.add_argument("--parallel", type=int, default=1, help="runs at once (each gets 2 // parallel threads, at least 1)")
    parser.add_argument("--checkpoint", choices=("last", "best"), default="last",
                        help="the checkpoint of each run played in the evaluation: its last, or the best it selected")
    parser.add_argument("--skip", nargs="*", default=[], help="evaluations not played, as opponent@map set "
                        "(search@contest_51..100: the slowest opponent on the mazes)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--summarize", action="store_true",
                        help="train nothing: write summary.md and curves.png from --out/results.json (or the finished runs)")
    args = parser.parse_args(argv)
    pairs = [(o, layout) for layout in args.layouts for o in args.opponents if f"{o}@{layout}" not in args.skip]
    keys = [evaluation_key(o, layout, args.layouts) for o, layout in pairs]
    if args.summarize:  # from results.json, or, where the comparison was cut short, from its finished runs
        saved = args.out / "results.json"
        results = json.loads(saved.read_text()) if saved.is_file() else finished_runs(args.out, keys, args.checkpoint)
        table = summarize(results, keys)
        (args.out / "summary.md").write_text(table + "\n")
        plot(results, args.opponents, args.out / "curves.png")
        print(table)
        return results
    if not args.variant:
        parser.error("give at least one --variant name=overrides")
    threads = max(1, (os.cpu_count() or 2) // args.parallel)
    started = time.perf_counter()

    def run(job: tuple[str, list[str], int]) -> tuple[str, dict | None]:
        name, overrides, seed = job
        folder = args.out / name.replace(" ", "_") / f"seed{seed}"
        if args.evaluate_only:
            last = next(folder.glob("log/version_*/checkpoints/last.ckpt"))
        else:
            last = train(args.config, overrides, args.minutes, seed, folder, threads, args.env_steps)
        if args.train_only:
            print(f"{name} seed {seed}: trained, {last}", flush=True)
            return name, None
        checkpoint = chosen_checkpoint(last, args.checkpoint)
        for opponent, layout in pairs:
            key = evaluation_key(opponent, layout, args.layouts)
            evaluate(checkpoint, opponent, layout, args.games, threads, key, evaluation_folder(last, key, args.checkpoint))
        result = run_result(folder, seed, overrides, keys, args.checkpoint)
        print(f"{name} seed {seed}: " + ", ".join(
            f"{o} {r['by_colour']['blue']['win_rate']:.0%}/{r['by_colour']['red']['win_rate']:.0%}" for o, r in result["eval"].items()),
            flush=True)
        return name, result

    jobs = [(name, overrides, seed) for name, overrides in args.variant for seed in args.seeds]
    results: dict[str, list[dict]] = {name: [] for name, _ in args.variant}
    with ThreadPoolExecutor(args.parallel) as pool:
        for name, result in pool.map(run, jobs):
            if result is not None:
                results[name].append(result)
    if args.train_only:
        return results
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    table = summarize(results, keys)
    machine = f"{os.cpu_count()} cores, {platform.machine()}, {args.parallel} run(s) at a time"
    budget = f"{args.minutes:g} minutes" if args.env_steps is None else f"{args.env_steps:,} environment steps (at most {args.minutes:g} minutes)"
    header = (f"`{' + '.join(args.config) or 'each variant its own config'}`, {budget} of training per run, seeds {args.seeds}, "
              f"the {args.checkpoint} checkpoint of each run (and the best, on the held-out games of EvaluationCallback), "
              f"{args.games} games per opponent on each of {', '.join(args.layouts)} (half in each colour, evaluation seed "
              f"{EVALUATION_SEED}); "
              f"{machine}; {(time.perf_counter() - started) / 3600:.1f} h in all.")
    (args.out / "results.md").write_text(header + "\n\n" + table + "\n")
    plot(results, args.opponents, args.out / "curves.png")
    print(header + "\n\n" + table)
    return results


if __name__ == "__main__":
    run_command(main)
