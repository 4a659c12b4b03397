#!/usr/bin/env bash
# Issue 21's comparison on a lent GPU machine (16 cores, one H200): today's recipe, the maze planes, the fully
# convolutional network and both, trained on bloxCapture and the course's mazes, 3 seeds each, 12 runs at once
# (one thread each, the networks on the GPU), to the same environment-step budget; the slimmed last checkpoints
# and the logs come back in $OUT/ablation.tar.gz, to be evaluated with `benchmarks/ablation.py --evaluate-only`.
#   ENV_STEPS=600000 MINUTES=6 bash scripts/device_ablation.sh   (../shared/GPU.md: the wheels in .gpu_wheels/)
set -euo pipefail
OUT=${OUT:-/tmp/out}; RUNS=${RUNS:-/tmp/ablation}; ENV_STEPS=${ENV_STEPS:-600000}; MINUTES=${MINUTES:-6}
ACCELERATOR=${ACCELERATOR:-gpu}; PARALLEL=${PARALLEL:-12}; SEEDS=${SEEDS:-"0 1 2"}
if ! python -c "import jsonargparse, tensordict, pettingzoo" 2>/dev/null; then
  pip install --quiet --no-index --no-deps --target /tmp/site .gpu_wheels/*.whl
  export PYTHONPATH=/tmp/site:$PWD
fi
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
python - <<'PY'  # compile the engine's kernels once, so the runs find them cached
import numpy as np
from gymPacMan import VecCaptureEnv
from gymPacMan.planes import MAZE_PLANES
from agents import make_team
env = VecCaptureEnv(["bloxCapture", "contest_random"], 4, make_team("baseline"), planes=["time", "score", *MAZE_PLANES], encoded=True)
env.reset(); [env.step(np.zeros((4, 2), dtype=np.int64)) for _ in range(3)]
PY
BLOX_NET="--model.network=marl_lightning.networks.AgentQNetworks --model.network.init_args.channels=[32,32] --model.network.init_args.strides=[2,1] --model.network.init_args.hidden=128 --model.mixer.init_args.state_pooling=4"
TODAY_PLANES="--data.planes=[time,score,carrying,scared]"
COMMON="--trainer.accelerator=$ACCELERATOR --trainer.devices=1"
python benchmarks/ablation.py --config configs/recipe/qmix_maze.yaml --config benchmarks/ablation_eval.yaml \
  --variant "today=$BLOX_NET $TODAY_PLANES $COMMON" --variant "maze planes=$BLOX_NET $COMMON" \
  --variant "fully convolutional=$TODAY_PLANES $COMMON" --variant "both=$COMMON" \
  --seeds $SEEDS --env-steps "$ENV_STEPS" --minutes "$MINUTES" --parallel "$PARALLEL" --train-only --out "$RUNS"
for ckpt in "$RUNS"/*/seed*/log/version_*/checkpoints/last.ckpt; do  # the weights only: a few MB each
  python scripts/slim_checkpoint.py "$ckpt" "${ckpt%.ckpt}.slim" && mv "${ckpt%.ckpt}.slim" "$ckpt"
done
mkdir -p "$OUT"
tar czf "$OUT/ablation.tar.gz" -C "$(dirname "$RUNS")" "$(basename "$RUNS")"
ls -la "$OUT"
