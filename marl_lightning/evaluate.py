"""`python -m marl_lightning.evaluate`: the command of `marl_lightning.play.evaluation`."""
from .play.evaluation import main

if __name__ == "__main__":
    main()
