"""`python -m marl_lightning.export`: the command of `marl_lightning.play.export`."""
from gymPacMan.errors import run_command

from .play.export import main

if __name__ == "__main__":
    run_command(main)
