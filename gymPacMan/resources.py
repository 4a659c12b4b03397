"""Where the files the project ships beside its code are: the maps (`layouts/`) and the configs (`configs/`).

In a checkout they sit at the repository root, beside the packages. An installed copy (`pip install .`)
carries them as package data inside a package (`gymPacMan/layouts/`, `marl_lightning/configs/`: the
mapping is in `pyproject.toml`), so they are found from the installed package, wherever it runs from.
"""

from __future__ import annotations

from pathlib import Path


def shipped_dir(package_file: str, name: str) -> Path:
    """The folder `name` shipped with the package whose `__init__.py` (or any module) is `package_file`:
    inside the installed package, else beside the package in a checkout.

    Raises:
        FileNotFoundError: neither exists (a broken installation), naming both places looked in.
    """
    package = Path(package_file).resolve().parent
    candidates = (package / name, package.parent / name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the shipped folder {name!r} is missing: looked in {candidates[0]} (an installed package) "
                            f"and {candidates[1]} (a checkout); reinstall marl-lightning")
