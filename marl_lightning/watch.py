"""`python -m marl_lightning.watch`: the command of `marl_lightning.play.watch`."""
from .play.watch import main

if __name__ == "__main__":
    main()
