"""Config files in layers: `configs/algo/` (a learner and its defaults), `configs/env/` (maps, opponents,
planes and their evaluation) and `configs/recipe/` (named recipes that compose the two), on top of
`configs/base.yaml`.

A file names the layers it stacks on in its `layers:` key, by shipped name (`algo/qmix`, `env/blox`) or by a
path relative to itself:

    layers: [algo/qmix, env/blox]
    model:
      init_args: {lr: 0.0005}

jsonargparse reads one nested config per file (`config: other.yaml`), not several, so the command line is
expanded before it is parsed: `--config recipe/qmix_blox` becomes `--config algo/qmix.yaml --config
env/blox.yaml --config recipe/qmix_blox.yaml` (depth first, lowest layer first; a layer already read is
not read again, so a later one is never undone by a repeat of an earlier one). The parser keeps the
`layers` key as a record of what a file stacked on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import yaml

from gymPacMan.resources import shipped_dir

CONFIG_DIR = shipped_dir(__file__, "configs")  # the checkout's configs/, or the installed package's
LAYER_FOLDERS = ("algo", "env", "recipe")
BASE_CONFIG = CONFIG_DIR / "base.yaml"
DEFAULT_RECIPE = CONFIG_DIR / "algo" / "qmix.yaml"  # what `marl fit` trains when the command line names no learner


def config_file(value: str, relative_to: Path | None = None) -> str:
    """A config's file: `value` as a path (or relative to `relative_to`, the folder of the file naming it), else
    a shipped config of that name: `recipe/qmix_blox`, `qmix_blox`, `qmix_blox.yaml` or `configs/algo/qmix.yaml` (a bare
    name is looked up in algo/, env/ and recipe/); else `value` unchanged (inline YAML, or a missing file the
    parser names)."""
    try:
        wanted = Path(value)
        near = [relative_to / wanted, relative_to / f"{value}.yaml"] if relative_to is not None else []
        for candidate in [wanted, *near]:
            if candidate.is_file():
                return str(candidate)
        if wanted.parts and wanted.parts[0] == CONFIG_DIR.name:
            wanted = Path(*wanted.parts[1:])
        if not wanted.parts:
            return value
        folders = [CONFIG_DIR] + ([CONFIG_DIR / f for f in LAYER_FOLDERS] if len(wanted.parts) == 1 else [])
        for folder in folders:
            for candidate in (folder / wanted, folder / f"{wanted}.yaml"):
                if candidate.is_file():
                    return str(candidate)
    except OSError:  # inline YAML too long for a file name
        pass
    return value


def layers_of(path: str | Path) -> list[Path]:
    """The files `path` stacks on (its `layers:` key), as given, each found by `config_file`."""
    path = Path(path)
    try:
        content = yaml.safe_load(path.read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []  # not a readable YAML file: the parser says what is wrong with it
    names = content.get("layers") if isinstance(content, dict) else None
    if names is None:
        return []
    names = [names] if isinstance(names, str) else names
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"{path}: `layers` must be a list of config names (e.g. [algo/qmix, env/blox]), got {names!r}")
    found = []
    for name in names:
        file = Path(config_file(name, relative_to=path.parent))
        if not file.is_file():
            raise FileNotFoundError(f"{path} stacks on layer {name!r}, which is neither a file beside it nor a shipped "
                                    f"config ({', '.join(f'{CONFIG_DIR}/{f}' for f in LAYER_FOLDERS)})")
        found.append(file)
    return found


def stack(path: str | Path, _inside: tuple[Path, ...] = ()) -> list[Path]:
    """`path`'s layers, theirs first (depth first, each once), then `path` itself: the files read, in order."""
    path = Path(path)
    key = path.resolve()
    if key in _inside:
        raise ValueError(f"config layers form a cycle: {' -> '.join(str(p) for p in (*_inside, key))}")
    files: list[Path] = []
    for layer in layers_of(path):
        for file in stack(layer, (*_inside, key)):
            if file.resolve() not in {f.resolve() for f in files}:
                files.append(file)
    return files + [path]


def with_config_files(args: Sequence[str]) -> list[str]:
    """The command line with each `--config` value made a file path (`config_file`) and preceded by the layers
    it stacks on (`stack`) that no earlier `--config` has read. A file the command line names is always read."""
    out: list[str] = []
    read: set[Path] = set()
    args = list(args)
    i = 0
    while i < len(args):
        arg, value = args[i], None
        if arg == "--config" and i + 1 < len(args):
            value, i = args[i + 1], i + 1
        elif arg.startswith("--config="):
            value = arg.partition("=")[2]
        if value is None:
            out.append(arg)
        else:
            file = config_file(value)
            layers = stack(file)[:-1] if Path(file).is_file() else []
            for layer in layers:
                if layer.resolve() not in read:
                    out += ["--config", str(layer)]
                    read.add(layer.resolve())
            out += ["--config", file]
            if Path(file).is_file():
                read.add(Path(file).resolve())
        i += 1
    return out


def config_values(args: Sequence[str]) -> list[str]:
    """The values of a command line's `--config` options (`--config X`, `--config=X`), in order."""
    values, i = [], 0
    while i < len(args):
        if args[i] == "--config" and i + 1 < len(args):
            values.append(args[i + 1])
            i += 1
        elif args[i].startswith("--config="):
            values.append(args[i].partition("=")[2])
        i += 1
    return values


def names_learner(value: str) -> bool:
    """Whether a `--config` value chooses the learner (`model.class_path`); inline YAML and unreadable files are
    taken to (the parser reads them as given)."""
    file = config_file(value)
    if not Path(file).is_file():
        return True
    for path in stack(file):
        try:
            content = yaml.safe_load(Path(path).read_text())
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return True
        model = content.get("model") if isinstance(content, dict) else None
        if isinstance(model, str) or (isinstance(model, dict) and "class_path" in model):
            return True
    return False


def named_files(args: Sequence[str]) -> list[Path]:
    """The config files a command line names (not the base, nor the layers they stack on), in order; a file that
    a later one stacks on is left out (`--config algo/qmix --config recipe/qmix_blox` is named by the recipe)."""
    files = []
    for value in map(config_file, config_values(args)):
        try:
            if Path(value).is_file() and Path(value).resolve() != BASE_CONFIG.resolve():
                files.append(Path(value))
        except OSError:  # inline YAML
            continue
    below = [{layer.resolve() for layer in stack(f)[:-1]} for f in files]
    return [f for k, f in enumerate(files) if not any(f.resolve() in later for later in below[k + 1:])]
