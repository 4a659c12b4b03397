"""The Python snippets of the README and of `docs/` run as written, in reading order, from the repository root."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from helpers import ROOT, short_training_run


# the order a reader follows: a page's snippets may use what an earlier page's defined
PAGES = ["README.md", "docs/environments.md", "docs/opponents.md", "docs/training.md", "docs/evaluation.md",
         "docs/performance.md", "docs/testing.md", "docs/extending.md"]


def test_every_page_is_in_the_reading_order():
    pages = {"README.md", *(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))}
    with_snippets = {p for p in pages if "```python" in (ROOT / p).read_text()}
    assert with_snippets <= set(PAGES), with_snippets - set(PAGES)


def test_readme_has_no_placeholders():
    text = "".join((ROOT / p).read_text() for p in ["README.md", *(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))])
    placeholders = set(re.findall(r"\b[A-Z]{4,}_(?:TABLE|RESULTS?|FIGURES?)\b|\bTODO\b|\bTBD\b", text))
    assert not placeholders  # e.g. a TOURNAMENT_TABLE left unfilled


def test_readme_snippets_run(monkeypatch, tmp_path):
    blocks = [(page, block) for page in PAGES
              for block in re.findall(r"```python\n(.*?)```", (ROOT / page).read_text(), flags=re.S)]
    assert len(blocks) >= 6
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("GYMPACMAN_DISPLAY_DIR", str(tmp_path))
    namespace: dict = {"CHECKPOINT": str(short_training_run(tmp_path, steps=3))}
    for page, block in blocks:
        # outputs the snippets write go to a temporary folder, not the checkout
        exec(compile(block.replace('"runs/', f'"{tmp_path}/'), page, "exec"), namespace)
    assert (tmp_path / "game.gif").is_file() and (tmp_path / "game.txt").is_file()


COMMAND = re.compile(r"(?:\.venv/bin/)?(?:marl (\w+)|python -m marl_lightning\.(\w+)|python train\.py (fit))\b(.*)")
MODULES = {"evaluate": "evaluate", "tournament": "tournament", "watch": "watch", "export": "export", "plot": "plot",
           "demos": "demos"}  # `python -m marl_lightning.<module>`: the command of that name


def documented_commands() -> list[tuple[str, str, list[str]]]:
    """Every `marl ...`, `python -m marl_lightning.<command> ...` and `python train.py fit ...` line in the shell blocks
    of the README and docs, as (page, command, arguments); lines continued with `\\` joined, comments dropped."""
    found = []
    for page in ["README.md", *sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))]:
        for block in re.findall(r"```(?:bash|sh)?\n(.*?)```", (ROOT / page).read_text(), flags=re.S):
            for line in re.sub(r"\\\n\s*", " ", block).splitlines():
                match = COMMAND.match(line.strip())
                if match:
                    command = match.group(1) or MODULES.get(match.group(2) or "", match.group(2)) or match.group(3)
                    found.append((page, command, shlex.split(match.group(4), comments=True)))
    return found


class Parsed(Exception):
    """Raised where a command has parsed its arguments: the test stops it there."""


def parse_error(command: str, args: list[str], capsys) -> str | None:
    """None if `marl COMMAND ARGS` takes its arguments (argparse's `parse_args` is stopped once it has parsed them;
    `fit` prints its config and stops), else what it said."""
    import importlib

    from marl_lightning.commands import COMMANDS

    if command not in COMMANDS:
        return f"no command {command!r}"
    module, _, function = COMMANDS[command][0].partition(":")
    try:
        getattr(importlib.import_module(module), function)([*args, "--print_config"] if command == "fit" else args)
    except Parsed:
        return None
    except SystemExit as exited:
        said = capsys.readouterr().err.strip()[-300:]
        return None if command == "fit" and exited.code in (0, None) else said or f"exit {exited.code}"
    return "ran without parsing its arguments"


def test_every_documented_command_takes_its_arguments_as_written(monkeypatch, capsys):
    """Each command line of the README and docs parses as written: its command exists, and takes every option it is
    given (`marl fit` reads every config and checks every key, `--print_config`); nothing is run."""
    import argparse

    original = argparse.ArgumentParser.parse_args

    def parse_then_stop(self, args=None, namespace=None):
        raise Parsed(original(self, args, namespace))

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_then_stop)
    monkeypatch.chdir(ROOT)
    commands = documented_commands()
    assert len(commands) >= 40 and {c for _, c, _ in commands} >= {"fit", "evaluate", "watch", "tournament", "export", "plot"}
    assert parse_error("watch", ["random", "baseline", "--layot", "tinyMaze"], capsys)  # the check can fail
    assert parse_error("fit", ["--config", "algo/qmix", "--model.lrr", "0.1"], capsys)
    failed = [f"{page}: marl {command} {' '.join(args)}: {error}" for page, command, args in commands
              if not any("mypackage" in a for a in args)  # a user's own class, named for the example
              and (error := parse_error(command, args, capsys))]
    capsys.readouterr()
    assert failed == []
