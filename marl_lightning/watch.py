"""`python -m marl_lightning.watch`: the command of `marl_lightning.play.watch`."""
from gymPacMan.errors import run_command

from .play.watch import main

if __name__ == "__main__":
    run_command(main)
