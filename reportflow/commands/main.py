"""The ``reportflow`` entry point, with a fast path for ``reportflow validate``.

Validation runs on every save and in every pre-commit hook, so it must start instantly; typer
0.29 spends 0.2–0.3 s building pydantic adapters for every parameter of every command before
it parses anything. The plain forms of ``validate`` are parsed here instead; everything else,
``--help`` and mistakes included, goes through typer and its messages.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from reportflow.core.error_handler import error_handler

_FORMATS = ("text", "json", "sarif")


def fast_validate_args(argv: list[str]) -> tuple[list[Path], str] | None:
    """(paths, format) for ``validate <path>... [--format F]``, else None (typer decides)."""
    if not argv or argv[0] != "validate":
        return None
    paths: list[Path] = []
    fmt = "text"
    args = iter(argv[1:])
    for arg in args:
        if arg == "--format":
            fmt = next(args, "")
        elif arg.startswith("--format="):
            fmt = arg.split("=", 1)[1]
        elif arg.startswith("-"):
            return None
        else:
            paths.append(Path(arg))
    if not paths or fmt not in _FORMATS:
        return None
    return paths, fmt


def main() -> None:
    try:
        with error_handler():
            fast = fast_validate_args(sys.argv[1:])
            if fast is not None:
                from reportflow.commands import validate

                raise SystemExit(validate.run(*fast))
            from reportflow.commands.cli import app

            app()
    finally:
        # The process ends here. Python would now run its garbage collector over every
        # object once more while tearing the modules down (~0.1 s after a render or a
        # release, measured with strace: CPU only, no I/O); everything that writes files
        # has closed them already, so the objects are frozen and that pass skipped.
        gc.freeze()


if __name__ == "__main__":
    main()
