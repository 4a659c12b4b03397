"""`python -m marl_lightning.evaluate ENTRANT OPPONENT --layouts ... --games N --out DIR` (see `evaluation`)."""

from .evaluation import main

if __name__ == "__main__":
    main()
