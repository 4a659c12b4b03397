"""A package's public names loaded when first used (PEP 562): importing a package, or one module of it, does not
import all of it. `marl --help` then starts without torch and Lightning, and `marl_lightning.data.rewards` loads
without the data module (which imports the entrants, which import the rewards: an import circle otherwise)."""

from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_exports(package: str, names: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The package's `__getattr__` and `__dir__` for `names` (`{name: module of the package defining it}`)."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{names[name]}"), name)
        namespace[name] = value  # found once
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *names})

    return __getattr__, __dir__
