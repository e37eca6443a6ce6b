"""The entry point's fast paths for `validate`, `audit` and `diff` must give what typer gives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import SAMPLE_REPORT

from reportflow.commands.main import fast_plain_args, fast_validate_args


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


def test_plain_audit_and_diff_lines_and_what_typer_keeps() -> None:
    assert fast_plain_args(["audit", "d", "--format", "json"]) == (
        "audit",
        ["d"],
        {"--format": "json"},
    )
    assert fast_plain_args(["audit", "--rev=v1", "d", "--since", "2022-01-01"]) == (
        "audit", ["d"], {"--rev": "v1", "--since": "2022-01-01"},
    )  # fmt: skip
    assert fast_plain_args(["diff", "d", "v1", "v2", "--format", "docx", "--out", "x.docx"]) == (
        "diff", ["d", "v1", "v2"], {"--format": "docx", "--out": "x.docx"},
    )  # fmt: skip
    # an option given twice: the last one counts, as in click
    twice = ["audit", "d", "--format", "csv", "--format", "html"]
    assert fast_plain_args(twice) == ("audit", ["d"], {"--format": "html"})
    assert fast_plain_args(["gate", "d", "--rev", "v1", "--trust", "sha256:ab"]) == (
        "gate", ["d"], {"--rev": "v1", "--trust": "sha256:ab"},
    )  # fmt: skip
    for typer_decides in (
        ["audit", "d", "--help"],
        ["audit", "-h", "d"],
        ["audit"],
        ["audit", "d", "e"],
        ["audit", "d", "--format", "xml"],
        ["audit", "d", "--format"],
        ["audit", "d", "--out", "x"],  # diff's option
        ["diff", "d", "v1"],
        ["diff", "d", "v1", "v2", "--format", "pdf"],
        ["gate", "d", "--format", "sarif"],
        ["blame", "d", "s"],
    ):
        assert fast_plain_args(typer_decides) is None, typer_decides


def test_fast_audit_and_diff_agree_with_typer(report_dir: Path, tmp_path: Path) -> None:
    from conftest import commit_all

    section = report_dir / "sections" / "01-situation.md"
    section.write_text(section.read_text(encoding="utf-8") + "\n新增一句。\n", encoding="utf-8")
    commit_all(report_dir.parent.parent.parent, "situation: one more sentence")
    typer = "import sys; from reportflow.commands.cli import app; app()"
    for args in (
        ["audit", str(report_dir), "--format", "json"],
        ["audit", str(report_dir), "--format=csv", "--section", "situation"],
        ["diff", str(report_dir), "HEAD~1", "HEAD"],
        ["diff", str(report_dir), "HEAD~1", "HEAD", "--format", "html"],
    ):
        fast = _run("-m", "reportflow", *args)
        via_typer = _run("-c", typer, *args)
        assert fast.returncode == via_typer.returncode == 0, fast.stderr + via_typer.stderr
        assert fast.stdout == via_typer.stdout, args
    assert "新增一句" in _run("-m", "reportflow", "diff", str(report_dir), "HEAD~1", "HEAD").stdout
    docs = [tmp_path / "fast.docx", tmp_path / "typer.docx"]
    args = ["diff", str(report_dir), "HEAD~1", "HEAD", "--format", "docx", "--out"]
    assert _run("-m", "reportflow", *args, str(docs[0])).returncode == 0
    assert _run("-c", typer, *args, str(docs[1])).returncode == 0
    import zipfile

    xml = [zipfile.ZipFile(d).read("word/document.xml").decode("utf-8") for d in docs]
    assert xml[0] == xml[1] and "<w:ins " in xml[0] and "新增一句" in xml[0]
    # a bad revision: exit 2 with the revision named, on the fast path too
    bad = _run("-m", "reportflow", "diff", str(report_dir), "nosuch", "HEAD")
    assert bad.returncode == 2 and "nosuch" in bad.stderr


def test_fast_gate_agrees_with_typer(report_dir: Path) -> None:
    typer = "import sys; from reportflow.commands.cli import app; app()"
    for args in (["gate", str(report_dir)], ["gate", str(report_dir), "--format", "json"]):
        fast = _run("-m", "reportflow", *args)
        via_typer = _run("-c", typer, *args)
        assert fast.returncode == via_typer.returncode == 1  # nothing approved yet
        assert (fast.stdout, fast.stderr) == (via_typer.stdout, via_typer.stderr)
        assert "situation" in fast.stdout
