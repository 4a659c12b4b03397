"""Train a team: `python train.py fit --config configs/qmix.yaml` (resume with `--ckpt_path last`);
`--config configs/mappo.yaml` trains with MAPPO (its config says `learner: mappo`)."""

from gymPacMan.errors import run_command
from marl_lightning.cli import MARLCLI
from marl_lightning.data import CaptureDataModule


def main(args=None):
    return MARLCLI(datamodule_class=CaptureDataModule, args=args, save_config_kwargs={"overwrite": False})


if __name__ == "__main__":
    run_command(main)
