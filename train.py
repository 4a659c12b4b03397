"""Train a team: `python train.py fit --config configs/algo/qmix.yaml` (resume with `--ckpt_path last`);
`--config configs/algo/mappo.yaml` trains with MAPPO (its config names `model.class_path: marl_lightning.learners.MAPPOModule`).
The same as `marl fit ...`."""

from gymPacMan.errors import run_command
from marl_lightning.cli import main

if __name__ == "__main__":
    run_command(main)
