"""`python -m marl_lightning.evaluate`: the command of `marl_lightning.play.evaluation`."""
from gymPacMan.errors import run_command

from .play.evaluation import main

if __name__ == "__main__":
    run_command(main)
