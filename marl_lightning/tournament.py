"""`python -m marl_lightning.tournament`: the command of `marl_lightning.play.tournament`."""
from gymPacMan.errors import run_command

from .play.tournament import main

if __name__ == "__main__":
    run_command(main)
