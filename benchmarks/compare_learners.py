"""The learners compared on the course's map: IQL, VDN, QMIX, the attention mixer, MAPPO and IPPO, each on the
network that sees the maze (`FullyConvQNetworks` with the maze planes), trained on bloxCapture and the course's
random mazes against the scripted ladder (`env/scripted`), from scratch and from the imitation clone
(`teams/champion.ckpt`), for the same wall-clock budget; each run's selected checkpoint then plays held-out games.

    OMP_NUM_THREADS=1 nohup python benchmarks/compare_learners.py --out runs/compare_learners > runs/compare.log &

The defaults are the comparison of `docs/algorithms.md`: 10 minutes a run, seeds 0 and 1, two runs at a time
(one thread each: 24 runs, about 2 hours of a 2-core machine, then the evaluations), 100 games a colour against
baseline, heuristic and search on bloxCapture and against baseline and heuristic on 50 held-out contest mazes
(contest_51..100, maps no run trained or selected on). It is `benchmarks/ablation.py` with these variants: run it
again with the same arguments after an interruption and it goes on where it stopped; `--starts scratch` or
`--learners qmix iql` runs a part; `--summarize` writes the tables and curves from what has finished.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from ablation import main as ablation

# the maze network (`recipe/qmix_maze`, `recipe/mappo_from_clone`) against the ladder; each learner's own defaults
SCRATCH = {
    "qmix": "--config recipe/qmix_maze --config env/scripted",
    "iql": "--config recipe/qmix_maze --config env/scripted --model.mixer null",
    "vdn": "--config recipe/qmix_maze --config env/scripted --model.mixer vdn",
    "attention": "--config recipe/qmix_maze --config env/scripted --model.mixer attention",
    "mappo": "--config recipe/mappo_from_clone --config env/maze --config env/scripted --model.kickstart 0",
    "ippo": "--config recipe/mappo_from_clone --config env/maze --config env/scripted --model.kickstart 0 "
            "--model.centralised_critic false",
}
# from the clone, with the fine-tuning switches: the value from the policy, conservative updates and zero-sum
# rewards (`recipe/qmix_from_clone`); MAPPO and IPPO with the KL penalty towards it (`recipe/mappo_from_clone`)
FROM_CLONE = {
    "qmix": "--config recipe/qmix_from_clone",
    "iql": "--config recipe/qmix_from_clone --model.mixer null",
    "vdn": "--config recipe/qmix_from_clone --model.mixer vdn",
    "attention": "--config recipe/qmix_from_clone --model.mixer attention",
    "mappo": "--config recipe/mappo_from_clone --config env/maze",
    "ippo": "--config recipe/mappo_from_clone --config env/maze --model.centralised_critic false",
}
STARTS = {"scratch": SCRATCH, "clone": FROM_CLONE}
# in training, every run selects its checkpoint alike, and cheaply: its weakest win rate against baseline and heuristic
# on bloxCapture and 50 training mazes (32 games each, every 500 gradient steps); no held-out games at its end (this
# script plays them, on other mazes): the recipes' own evaluations (search on the mazes, 200 held-out games per pair)
# cost more than a 10-minute budget
CALLBACKS = ("--trainer.callbacks=[{class_path: marl_lightning.EvaluationCallback, init_args: {opponents: [baseline, heuristic], "
             "layouts: [bloxCapture, contest_1..50], games: 32, every_n_steps: 500, select: min, final_games: 0}}, "
             "{class_path: marl_lightning.checkpointing.RunCheckpoint, init_args: {monitor: eval/win_rate, mode: max, "
             "save_last: true, every_n_train_steps: 500, filename: 'step{step}-win{eval/win_rate:.2f}', "
             "auto_insert_metric_name: false}}]")


def variants(starts: list[str], learners: list[str], clone: str) -> list[str]:
    """`name=overrides` for `ablation.py`, one per start and learner (`clone__qmix`)."""
    found = []
    for start in starts:
        for learner in learners:
            overrides = STARTS[start][learner] + (f" --model.init_from {clone}" if start == "clone" else "")
            found.append(f"{start}__{learner}={overrides} {shlex.quote(CALLBACKS)}")
    return found


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/compare_learners"))
    parser.add_argument("--starts", nargs="+", choices=sorted(STARTS), default=["scratch", "clone"])
    parser.add_argument("--learners", nargs="+", choices=list(SCRATCH), default=list(SCRATCH))
    parser.add_argument("--clone", default="teams/champion.ckpt", help="the imitation clone the `clone` start begins from")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--games", type=int, default=200, help="games per opponent and map set, half in each colour")
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--summarize", action="store_true", help="write the tables and curves from the finished runs")
    args, rest = parser.parse_known_args(argv)  # anything else goes to ablation.py (--train-only, --evaluate-only)
    common = ["--out", str(args.out), "--minutes", str(args.minutes), "--seeds", *map(str, args.seeds),
              "--games", str(args.games), "--parallel", str(args.parallel), "--checkpoint", "best",
              "--opponents", "baseline", "heuristic", "search", "--layouts", "bloxCapture", "contest_51..100",
              "--skip", "search@contest_51..100", *rest]
    if args.summarize:
        return ablation([*common, "--summarize"])
    return ablation([*common, *(a for v in variants(args.starts, args.learners, args.clone) for a in ("--variant", v))])


if __name__ == "__main__":
    from gymPacMan.errors import run_command

    run_command(main)
