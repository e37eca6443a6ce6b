"""``reportflow status``: who owns each section, how long it is, who changed it last, how many
validation errors and warnings it has beside its approval (an error blocks approval, so the two
are read together)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from reportflow.commands.gate import STATUS
from reportflow.content import model
from reportflow.core import gitio, safe_text
from reportflow.core.i18n import N_, _
from reportflow.signoff import approval as approval_mod
from reportflow.validate.findings import ERROR, WARNING, ValidationResult

#: The table's columns, in English in the code and translated where printed.
COLUMNS = (
    N_("id"),
    N_("title"),
    N_("owner"),
    N_("chars"),
    N_("last change"),
    N_("errors"),
    N_("warnings"),
    N_("approval"),
    N_("contributors"),
)


@dataclass(frozen=True)
class SectionStatus:
    id: str
    title: str
    owner: str
    characters: int
    path: str
    last_change: gitio.Change | None
    modified: bool  # differs from the last commit, or never committed
    approval: str | None = None  # approved | pending | stale | rejected (at HEAD); None: no git
    needed: str = ""  # who is still needed
    contributors: tuple[str, ...] = ()  # people ids (or git names) who changed it, oldest first
    errors: int = 0  # validation findings in its file (the working tree, as shown)
    warnings: int = 0


def approval_at_head(report: model.Report) -> approval_mod.Approval | None:
    """The gate's verdict at HEAD, or None where there is none (no git, not committed)."""
    from reportflow.core.errors import ReportflowError

    repo = gitio.find_repo(report.root)
    if repo is None or not gitio.has_commits(repo):
        return None
    try:
        return approval_mod.evaluate_at(report.root, "HEAD")
    except ReportflowError:
        return None  # e.g. the report folder is not committed yet


def findings_by_file(result: ValidationResult) -> dict[str, tuple[int, int]]:
    """(errors, warnings) per file relative to the report folder."""
    counts: dict[str, tuple[int, int]] = {}
    for f in result.findings:
        errors, warnings = counts.get(f.file, (0, 0))
        counts[f.file] = (errors + (f.severity == ERROR), warnings + (f.severity == WARNING))
    return counts


def collect(
    report: model.Report,
    verdict: approval_mod.Approval | None = None,
    result: ValidationResult | None = None,
) -> list[SectionStatus]:
    repo = gitio.find_repo(report.root)
    changes: dict[str, gitio.Change] = {}
    dirty: set[str] = set()
    folder = ""
    if repo is not None:
        folder = gitio.relpath(repo, report.root)
        changes = gitio.last_changes(repo, folder or ".")
        dirty = gitio.dirty_paths(repo, folder or ".")
    counts = findings_by_file(result) if result is not None else {}
    rows = []
    for sec in report.sections:
        key = f"{folder}/{sec.path}" if folder not in ("", ".") else sec.path
        section_verdict = verdict.sections.get(sec.id) if verdict else None
        rows.append(
            SectionStatus(
                id=sec.id,
                title=sec.title,
                owner=sec.owner,
                characters=sec.characters,
                path=sec.path,
                last_change=changes.get(key),
                modified=repo is None or key in dirty or key not in changes,
                approval=section_verdict.status if section_verdict else None,
                needed=section_verdict.still_needed if section_verdict else "",
                contributors=verdict.contributors.get(sec.id, ()) if verdict else (),
                errors=counts.get(sec.path, (0, 0))[0],
                warnings=counts.get(sec.path, (0, 0))[1],
            )
        )
    return rows


def as_json(
    report: model.Report,
    rows: list[SectionStatus],
    verdict: approval_mod.Approval | None = None,
    result: ValidationResult | None = None,
) -> dict[str, Any]:
    yaml_counts = findings_by_file(result).get(model.REPORT_FILE, (0, 0)) if result else (0, 0)
    return {
        "report": report.report,
        "year": report.year,
        "title": report.title,
        "sections": [asdict(r) for r in rows],
        "validation": None
        if result is None
        else {
            **result.summary(),
            "report.yaml": {"errors": yaml_counts[0], "warnings": yaml_counts[1]},
        },
        "approval": None
        if verdict is None
        else {
            "passed": verdict.passed,
            "commit": verdict.commit,
            "report_status": verdict.report_status,
            "roster_status": verdict.roster_status,
            "missing": list(verdict.missing),
            "problems": list(verdict.problems),
        },
    }


def run(path: Path, fmt: str = "table") -> None:
    report = model.load_report(path)
    verdict = approval_at_head(report)
    from reportflow import validate

    result = validate.check(report)
    rows = collect(report, verdict, result)
    if fmt == "json":
        print(json.dumps(as_json(report, rows, verdict, result), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    # titles, names and comments are anyone's text: Text cells, never markup (safe_text)
    table = Table(title=safe_text.text(f"{report.title} ({report.report}/{report.year})"))
    for col in COLUMNS:
        # ids are what people type next: never cut them; the prose columns wrap instead
        table.add_column(
            _(col),
            justify="right" if col in ("chars", "errors", "warnings") else "left",
            no_wrap=col in ("id", "owner", "chars", "errors", "warnings"),
            overflow="fold",
        )
    for r in rows:
        change = r.last_change
        last = f"{change.author} {change.date[:10]}" if change else _("never committed")
        if r.modified and change:
            last += " " + _("(modified)")
        state = _(STATUS[r.approval]) if r.approval in STATUS else (r.approval or "-")
        if r.approval and r.approval != "approved":
            state += f": {r.needed}"
        people = ", ".join(r.contributors)
        counts = (str(r.errors), str(r.warnings))
        cells = (r.id, r.title, r.owner, str(r.characters), last, *counts, state, people)
        table.add_row(*map(safe_text.text, cells))
    console = Console()
    console.print(table)
    errors, warnings = findings_by_file(result).get(model.REPORT_FILE, (0, 0))
    if errors or warnings:
        console.print(
            _("report.yaml: {errors} error(s), {warnings} warning(s)").format(
                errors=errors, warnings=warnings
            ),
            markup=False,
        )
    if verdict is not None:
        final = "approved" if verdict.passed else verdict.report_status
        console.print(
            _("final approval at {commit} (HEAD): {status}").format(
                commit=verdict.commit[:10], status=_(STATUS[final]) if final in STATUS else final
            ),
            markup=False,
        )
        for line in verdict.problems:
            console.print(
                _("problem: {problem}").format(problem=safe_text.shown(line)), markup=False
            )
