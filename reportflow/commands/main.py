"""The ``reportflow`` entry point, with fast paths for ``validate``, ``audit``, ``diff``, ``gate``.

Validation runs on every save and in every pre-commit hook, so it must start instantly; typer
0.29 spends 0.2–0.3 s building pydantic adapters for every parameter of every command before
it parses anything. The plain forms of ``validate`` are parsed here instead; everything else,
``--help`` and mistakes included, goes through typer and its messages. ``audit``, ``diff`` and
``gate`` have goals against git and pandoc themselves (bench/bench_audit.py, bench_gate.py),
where typer's start was a tenth of the run: their plain forms (the positional arguments,
then known options with a value; no flag, no help, a format typer would accept) are parsed
here too.
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


#: command -> (positional arguments, {option: accepted values, None: any})
_PLAIN = {
    "audit": (1, {"--format": ("table", "json", "csv", "html"), "--since": None,
                  "--until": None, "--section": None, "--person": None, "--rev": None,
                  "--memo": ("on", "off")}),
    "diff": (3, {"--format": ("text", "html", "docx"), "--out": None}),
    "gate": (1, {"--rev": None, "--format": ("text", "json"), "--trust": None}),
}  # fmt: skip


def fast_plain_args(argv: list[str]) -> tuple[str, list[str], dict[str, str]] | None:
    """(command, positional arguments, options) for a plain ``audit``, ``diff`` or ``gate``
    line, else None (typer decides, and explains any mistake). An option given twice counts
    the last time, as click counts it."""
    if not argv or argv[0] not in _PLAIN:
        return None
    count, known = _PLAIN[argv[0]]
    positional: list[str] = []
    options: dict[str, str] = {}
    args = iter(argv[1:])
    for arg in args:
        if arg.startswith("-"):
            name, eq, value = arg.partition("=")
            if name not in known:
                return None
            if not eq:
                value = next(args, None)  # type: ignore[assignment]
                if value is None:
                    return None
            accepted = known[name]
            if accepted is not None and value not in accepted:
                return None
            options[name] = value
        else:
            positional.append(arg)
    if len(positional) != count:
        return None
    return argv[0], positional, options


def _run_plain(command: str, positional: list[str], options: dict[str, str]) -> None:
    if command == "audit":
        from reportflow.commands import audit

        audit.run(
            Path(positional[0]),
            options.get("--format", "table"),
            since=options.get("--since"),
            until=options.get("--until"),
            section=options.get("--section"),
            person=options.get("--person"),
            rev=options.get("--rev", "HEAD"),
            memo=options.get("--memo", "on"),
        )
        return
    if command == "gate":
        from reportflow.commands import gate

        if options.get("--trust"):
            from reportflow.signoff import pin

            pin.set_override(options["--trust"])
        raise SystemExit(
            gate.run(
                Path(positional[0]), options.get("--rev", "HEAD"), options.get("--format", "text")
            )
        )
    from reportflow.commands import diff

    out = options.get("--out")
    diff.run(Path(positional[0]), positional[1], positional[2], options.get("--format", "text"),
             Path(out) if out is not None else None)  # fmt: skip


def main() -> None:
    try:
        with error_handler():
            fast = fast_validate_args(sys.argv[1:])
            if fast is not None:
                from reportflow.commands import validate

                raise SystemExit(validate.run(*fast))
            plain = fast_plain_args(sys.argv[1:])
            if plain is not None:
                _run_plain(*plain)
                return
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
