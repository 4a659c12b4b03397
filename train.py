"""Train a team: `python train.py fit --config configs/qmix.yaml` (resume with `--ckpt_path last`)."""

from marl_lightning.cli import MARLCLI
from marl_lightning.data import CaptureDataModule
from marl_lightning.learners import ValueDecompositionModule


def main(args=None):
    return MARLCLI(ValueDecompositionModule, CaptureDataModule, args=args, save_config_kwargs={"overwrite": False})


if __name__ == "__main__":
    main()
