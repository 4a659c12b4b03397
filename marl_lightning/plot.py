"""`python -m marl_lightning.plot`: the command of `marl_lightning.play.plot`."""
from gymPacMan.errors import run_command

from .play.plot import main

if __name__ == "__main__":
    run_command(main)
