"""`python -m marl_lightning.export`: the command of `marl_lightning.play.export`."""
from .play.export import main

if __name__ == "__main__":
    main()
