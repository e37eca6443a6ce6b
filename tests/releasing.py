"""Helpers for tests that need an approved report: fill the figures, sign off with demo keys."""

from __future__ import annotations

import json
import shutil
import stat
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from conftest import ROOT, commit_all

SECTIONS = ("preface", "situation", "problems", "measures")


@cache
def demo_key(person: str) -> Path:
    """A private copy of a demo key: ssh-keygen refuses keys others can read, and git checks
    files out world-readable."""
    folder = Path(tempfile.mkdtemp(prefix="reportflow-keys-"))
    key = folder / person
    shutil.copy(ROOT / "demo" / "keys" / person, key)
    key.chmod(0o600)
    return key


def fill_figures(report_dir: Path) -> None:
    """The office fills in the redacted figures: no placeholder left."""
    for path in sorted((report_dir / "sections").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(r"\*\*\*", "12").replace(r"\*\*", "某"), encoding="utf-8")


def approve_all(cli: Callable, report_dir: Path, reviewer: str = "deputy-head-1") -> None:
    for sid in SECTIONS:
        done = cli(
            "signoff", report_dir, "--section", sid, "--as", reviewer, "--key", demo_key(reviewer)
        )
        assert done.code == 0, done.err
    done = cli(
        "signoff",
        report_dir,
        "--report",
        "--as",
        "party-secretary",
        "--key",
        demo_key("party-secretary"),
    )
    assert done.code == 0, done.err


def approve_unchecked(repo: Path, report_dir: Path) -> None:
    """Signed approvals of every section and of the report written straight into signoffs/,
    as a reportflow from before issue 16 wrote them without looking at validation (or another
    tool): ``signoff`` now refuses text with errors, and ``release`` must refuse it too."""
    from reportflow.signoff import approval, ledger

    ctx = approval.load_context(report_dir)

    def write(scope: str, fingerprint: str, who: str) -> None:
        rec = ledger.SignoffRecord(
            ctx.report.report, ctx.report.year, scope, fingerprint, ctx.commit, who, "approve",
            ledger.now_utc(),
        )  # fmt: skip
        signature = ledger.sign(rec.payload(), demo_key(who))
        ledger.write_record(
            report_dir / "signoffs",
            ledger.SignoffRecord(**{**rec.to_dict(), "signature": signature}),
        )

    for sec in ctx.facts.sections:
        write(f"section:{sec.id}", sec.blob, "deputy-head-1")
    write("report", ctx.facts.report_fingerprint, "party-secretary")
    commit_all(repo, "sign-offs written without a validation check")


def ready_to_release(cli: Callable, repo: Path, report_dir: Path) -> None:
    fill_figures(report_dir)
    commit_all(repo, "fill in the figures")
    approve_all(cli, report_dir)


def entry(repo: Path, version: int) -> Path:
    return repo / "archive" / "political-ecology" / "2022" / f"v{version}"


def tamper_bytes(path: Path, edit: Callable[[bytes], bytes]) -> None:
    path.chmod(path.stat().st_mode | stat.S_IWUSR)
    path.write_bytes(edit(path.read_bytes()))


def tamper_json(path: Path, edit: Callable[[dict], None]) -> None:
    data = json.loads(path.read_bytes())
    edit(data)
    tamper_bytes(path, lambda _old: json.dumps(data, ensure_ascii=False, indent=2).encode())


def releaser_key() -> Path:
    """The key that signs releases: the final approver's (policy.release defaults to them)."""
    return demo_key("party-secretary")
