"""`python -m marl_lightning.plot`: the command of `marl_lightning.play.plot`."""
from .play.plot import main

if __name__ == "__main__":
    main()
