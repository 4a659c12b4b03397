"""`python -m marl_lightning COMMAND ...`: the `marl` command (`marl_lightning.commands`)."""
from .commands import main

if __name__ == "__main__":
    main()
