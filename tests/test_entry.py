"""The entry point's fast path for `validate` must give what typer gives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import SAMPLE_REPORT

from reportflow.commands.main import fast_validate_args


def test_fast_path_takes_only_the_plain_forms() -> None:
    assert fast_validate_args(["validate", "a", "b"]) == ([Path("a"), Path("b")], "text")
    assert fast_validate_args(["validate", "--format", "json", "a"]) == ([Path("a")], "json")
    assert fast_validate_args(["validate", "a", "--format=sarif"]) == ([Path("a")], "sarif")
    for typer_decides in (
        ["validate", "--help"],
        ["validate"],
        ["validate", "a", "--format", "xml"],
        ["validate", "a", "--format"],
        ["status", "a"],
        [],
    ):
        assert fast_validate_args(typer_decides) is None


def _run(*code_and_args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *code_and_args], capture_output=True, text=True)


def test_fast_path_and_typer_agree() -> None:
    args = ["validate", str(SAMPLE_REPORT), "--format", "json"]
    fast = _run("-m", "reportflow.commands.main", *args)
    via_typer = _run("-c", "import sys; from reportflow.commands.cli import app; app()", *args)
    assert fast.returncode == via_typer.returncode == 1
    assert fast.stdout == via_typer.stdout
    assert '"placeholders.asterisks"' in fast.stdout


def test_version_and_short_help() -> None:
    from reportflow import __version__

    version = _run("-m", "reportflow", "--version")
    assert (version.returncode, version.stdout) == (0, f"reportflow {__version__}\n")
    short, long = _run("-m", "reportflow", "-h"), _run("-m", "reportflow", "--help")
    assert short.returncode == long.returncode == 0
    assert short.stdout == long.stdout
    assert "validate" in short.stdout and "--version" in short.stdout
    sub = _run("-m", "reportflow", "signoff", "-h")
    assert sub.returncode == 0 and "--as" in sub.stdout
