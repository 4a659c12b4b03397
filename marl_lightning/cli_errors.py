"""A mistake on the training command line in one line: the key it does not know and the nearest ones it does,
or the key whose value has the wrong type, instead of jsonargparse's usage and its errors for every type a
setting could take (`marl fit --config qmix --model.lrr 0.1`: `error: unknown key model.lrr; did you mean
model.lr?`)."""

from __future__ import annotations

import difflib
import importlib
import inspect
import os
import re
import sys
from typing import Iterable, NoReturn

from lightning.pytorch.cli import LightningArgumentParser

from gymPacMan.errors import debugging

UNRECOGNIZED = re.compile(r"unrecognized arguments: (--\S+)", re.IGNORECASE)
NOT_ACCEPTED = re.compile(r"class_path '([\w.]+)':\s*\n\s*Option '([\w.]+)' is not accepted")
PARSER_KEY = re.compile(r'Parser key "([\w.]+)":\s*\n\s*(.+)')
CLASS_PATH = re.compile(r"class_path '([\w.]+)'")
TYPE_EXPECTED = re.compile(r"Expected an? <class '([\w.]+)'>\.? *(?:Got value: (.*))?")
GIVEN = re.compile(r"Given value: (.*)")
TRIVIAL = re.compile(r"Expected an? <class '(str|NoneType)'>$")  # a union's types a value was never meant as
CHOICE_EXPECTED = re.compile(r"Expected an? typing\.Literal\[(.*)\]\.? *(?:Got value: (.*))?")


def init_settings(class_path: str) -> list[str]:
    """The settings a class takes: its `__init__`'s and, where it passes `**kwargs` on, its parents'."""
    module, _, name = class_path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError):
        return []
    names = []
    for klass in cls.__mro__:
        if "__init__" not in vars(klass) or klass is object:
            continue
        parameters = inspect.signature(klass.__init__).parameters.values()
        names += [p.name for p in parameters if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        if not any(p.kind is p.VAR_KEYWORD for p in parameters):
            break
    return list(dict.fromkeys(names))


def suggestion(key: str, known: Iterable[str]) -> str:
    near = difflib.get_close_matches(key, list(known), n=3, cutoff=0.6)
    listed = ", ".join(near[:-1]) + f" or {near[-1]}" if len(near) > 1 else "".join(near)
    return f"; did you mean {listed}?" if near else ""


def one_line(message: str, known: Iterable[str]) -> str:
    """jsonargparse's error `message` as one line; `known` the parser's keys (`data.num_envs`, ...)."""
    known = list(known)
    if found := UNRECOGNIZED.search(message):
        key = found.group(1)[2:].partition("=")[0]
        return f"unknown key {key}{suggestion(key, known)}"
    outer = PARSER_KEY.search(message)
    prefix = outer.group(1) if outer else ""
    if found := NOT_ACCEPTED.search(message):
        class_path, key = found.groups()
        settings = [f"{prefix}.{name}" for name in init_settings(class_path)]
        learner = class_path.rpartition(".")[2]
        return f"unknown key {prefix}.{key} (not a setting of {learner}){suggestion(f'{prefix}.{key}', settings)}"
    inner = list(PARSER_KEY.finditer(message))
    if inner:
        key, problem = inner[-1].groups()
        key = key if key.startswith(prefix) else f"{prefix}.{key}"
        if expected := TYPE_EXPECTED.search(problem):
            got = f", got {expected.group(2).strip()!r}" if expected.group(2) else ""
            return f"{key} takes a value of type {expected.group(1)}{got}"
        if expected := CHOICE_EXPECTED.search(problem):
            got = f", got {expected.group(2).strip()!r}" if expected.group(2) else ""
            return f"{key} takes one of {expected.group(1)}{got}"
        rest = message[inner[-1].start(2):]
        reasons = [line.strip()[2:] for line in rest.splitlines() if line.strip().startswith("- ")
                   and not TRIVIAL.match(line.strip()[2:]) and "Problem with given class_path" not in line]
        if reasons:  # why no type of a union took the value: the one that says something
            reason = reasons[0]
            return f"{key}: {reason[reason.index('Expected '):] if 'Expected ' in reason else reason}".rstrip(". ")
        given = GIVEN.search(rest)
        return f"{key}: {problem.strip()}" + (f" (given: {given.group(1).strip()})" if given else "")
    return " ".join(line.strip() for line in message.splitlines() if line.strip())


class OneLineErrorParser(LightningArgumentParser):
    """LightningCLI's parser, whose mistakes are one line on stderr and exit status 2 (with `--debug`, `MARL_DEBUG=1`
    or jsonargparse's `JSONARGPARSE_DEBUG`, jsonargparse's own report)."""

    def error(self, message: str, ex: Exception | None = None) -> NoReturn:
        if not self.exit_on_error or debugging(sys.argv) or os.environ.get("JSONARGPARSE_DEBUG"):
            super().error(message, ex)
        parser = getattr(ex, "subcommand_parser", None) or self
        known = [action.dest for action in parser._actions if "." in action.dest or action.dest.isidentifier()]
        prog = parser.prog.replace(" [options]", "")
        sys.stderr.write(f"error: {one_line(message, known)} ({prog} --help lists the settings)\n")
        raise SystemExit(2)
