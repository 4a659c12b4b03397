#!/usr/bin/env bash
# Train one config with several seeds at once (one process each), for results with intervals.
#   scripts/train_seeds.sh CONFIG NAME "0 1 2" [overrides...]
# CSV logs and checkpoints under $RUNS/NAME__SEED/version_N/ (RUNS defaults to runs/seeds), each run's
# output in $RUNS/NAME__SEED.log; then `marl evaluate` on the run folders, and `marl plot $RUNS/NAME__*`
# draws the seeds as one curve with a band (README). The seed is given once: seed_everything seeds the games too.
set -euo pipefail
config=$1 name=$2 seeds=$3
shift 3
runs=${RUNS:-runs/seeds}
mkdir -p "$runs"
for seed in $seeds; do
  "${PYTHON:-python}" train.py fit --config "$config" --seed_everything "$seed" \
    --trainer.enable_progress_bar false \
    --trainer.logger "[{class_path: lightning.pytorch.loggers.CSVLogger, init_args: {save_dir: $runs, name: ${name}__$seed}}]" \
    "$@" > "$runs/${name}__$seed.log" 2>&1 &
done
wait
