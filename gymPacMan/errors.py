"""How the command-line tools report a user's mistake: one line on stderr that names the problem, and
exit status 2, instead of a traceback. `--debug` (or `MARL_DEBUG=1`) shows the traceback.

A user's mistake is what the project raises for bad input: `ValueError` and its kinds (`LayoutError`,
`CheckpointError`, `TeamFileError`, an unknown team, an action out of range, a bad setting) and the
file errors (`FileNotFoundError`, `FileExistsError`, ...). Anything else is a bug and raises as usual.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Sequence

USER_ERRORS = (ValueError, FileNotFoundError, FileExistsError, IsADirectoryError, NotADirectoryError, PermissionError)


def debugging(argv: Sequence[str]) -> bool:
    return "--debug" in argv or os.environ.get("MARL_DEBUG", "") not in ("", "0")


def run_command(main: Callable[..., Any], argv: Sequence[str] | None = None, takes_argv: bool = True) -> Any:
    """Run a command's `main(argv)` (or `main()` with `takes_argv=False`, `sys.argv` then cleared of
    `--debug`), turning a user's mistake into one line on stderr and exit status 2."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = debugging(args)
    args = [a for a in args if a != "--debug"]
    if not takes_argv:
        sys.argv[1:] = args
    try:
        return main(args) if takes_argv else main()
    except USER_ERRORS as exc:
        if debug:
            raise
        message = str(exc).strip() or type(exc).__name__
        print(f"error: {message}  (--debug shows the traceback)", file=sys.stderr)
        raise SystemExit(2) from None
