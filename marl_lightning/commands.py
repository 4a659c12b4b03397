"""`marl COMMAND ...`: every command of the project under one name, installed by `pip install`.

    marl fit --config algo/qmix --trainer.max_steps 3000      train (the same as `python train.py fit ...`)
    marl evaluate runs/qmix__tinyMaze__random__0 random  play a run's best team against an opponent
    marl teams                                           the teams that play by name

Each command is the `main(argv)` of a module (`python -m marl_lightning.<module>` runs the same), named
in `COMMANDS`: a new command is one line there. A user's mistake is one line on stderr and status 2
(`--debug` shows the traceback), as for every command of the project.
"""

from __future__ import annotations

import importlib
import sys
from typing import Sequence

# name: ("module:function", what it does). The function takes the arguments after the command's name.
COMMANDS: dict[str, tuple[str, str]] = {
    "fit": ("marl_lightning.cli:fit", "train a team from configs (`marl fit --help`; as `python train.py fit`)"),
    "evaluate": ("marl_lightning.play.evaluation:main", "games between two entrants (teams, checkpoints, run folders), both colours"),
    "tournament": ("marl_lightning.play.tournament:main", "a round-robin: league table, head-to-head matrix, heat map"),
    "watch": ("marl_lightning.play.watch:main", "one game between two entrants as a GIF and a text log"),
    "export": ("marl_lightning.play.export:main", "a checkpoint or run folder as a Berkeley contest team (myTeam.py)"),
    "plot": ("marl_lightning.play.plot:main", "training curves of runs, seeds of one recipe as a mean with a band"),
    "demos": ("marl_lightning.recording:main", "record a teacher's games for imitation and learning from demonstrations"),
    "agreement": ("marl_lightning.play.agreement:main", "how often a copy makes its teacher's move, on the teacher's states and its own"),
    "teams": ("marl_lightning.commands:teams", "the teams that play by name, one line each"),
}


def teams(argv: Sequence[str] = ()) -> list[str]:
    """`marl teams`: each built-in team with what it does, the course's names, and what else plays."""
    import argparse

    from agents import ALIASES, COURSE_SPELLING, TEAMS

    argparse.ArgumentParser(prog="marl teams", description=teams.__doc__.splitlines()[0]).parse_args(list(argv))
    width = max(map(len, TEAMS))
    lines = [f"{name:<{width}}  {summary(cls.__doc__)}" for name, cls in TEAMS.items()]
    lines.append("the course's names (with Team, any case, with or without .py or a folder): "
                 + ", ".join(f"{COURSE_SPELLING[alias]} = {team}" for alias, team in ALIASES.items())
                 + "; randomTeam and baselineTeam are ours (docs/opponents.md)")
    lines.append("also: a team file (my/myTeam.py), a contest team file (contest:their/theirTeam.py), "
                 "a checkpoint (*.ckpt) or a run folder (its best.ckpt)")
    print("\n".join(lines))
    return lines


def summary(doc: str | None) -> str:
    """A docstring's first sentence, whole (however many lines it was wrapped over)."""
    paragraph = " ".join((doc or "").strip().split("\n\n")[0].split())
    sentence = paragraph.split(". ")[0].split(": ")[0]
    return sentence if sentence.endswith(".") else f"{sentence}."


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    listed = "\n".join(f"  {name:<{width}}  {summary}" for name, (_, summary) in COMMANDS.items())
    return f"usage: marl COMMAND [ARGS ...]   (marl COMMAND --help for its arguments)\n\ncommands:\n{listed}"


def main(argv: Sequence[str] | None = None) -> None:
    """Run `marl COMMAND ARGS...`; without a command (or with `--help`), list the commands. Returns None:
    the console script exits with `sys.exit(main())`, and any other value (a command's result) would make
    the exit status 1 and be printed."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return None
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"error: unknown command {name!r}\n{usage()}", file=sys.stderr)
        raise SystemExit(2)
    from gymPacMan.errors import run_command  # (the engine: not needed to list the commands)

    module, _, function = COMMANDS[name][0].partition(":")
    # the program's name in its help: LightningCLI adds its subcommand (`fit`) itself
    sys.argv[0] = "marl" if name == "fit" else f"marl {name}"
    run_command(getattr(importlib.import_module(module), function), rest)


if __name__ == "__main__":
    main()
