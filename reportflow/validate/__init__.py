"""Validation of a report against the rules of Chinese official writing.

``check(report)`` is the one entry point (the CLI, the release step and the Prefect flow call
it). It parses every section once, hands the parsed sections to each rule family in turn
(``structure``, ``placeholders``, ``figures``, ``typography``, ``formulations``, ``carryover``)
and returns their findings sorted by file, line and column. It reads nothing but the report
folder, the template, the formulations list and, for carry-over, last year's folder.
"""

from __future__ import annotations

from pathlib import Path

from reportflow.content.markdown import parse
from reportflow.content.model import REPORT_FILE, Report, load_report
from reportflow.content.templates import load_template
from reportflow.core.errors import ReportflowError
from reportflow.validate.findings import ERROR, WARNING, Finding, ValidationResult
from reportflow.validate.registry import all_rules, families, resolve_levels
from reportflow.validate.rule import Context, Doc

__all__ = ["ERROR", "WARNING", "Finding", "ValidationResult", "check", "previous_report"]


def previous_report(report: Report) -> Report | None:
    """Last year's report of the same series, if it is on disk and readable."""
    folder = Path(report.root).parent / str(report.year - 1)
    if not (folder / REPORT_FILE).is_file():
        return None
    try:
        return load_report(folder)
    except (ReportflowError, OSError):
        return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def check(report: Report, previous: Report | None = None) -> ValidationResult:
    """Validate ``report``; ``previous`` defaults to last year's folder of the same series."""
    template = load_template(report.template or "generic")
    if previous is None:
        previous = previous_report(report)
    by_id = {
        s["id"]: s for s in template.get("sections") or [] if isinstance(s, dict) and "id" in s
    }
    docs = [
        Doc(sec, parse(sec.body, sec.body_line), by_id.get(sec.id, {})) for sec in report.sections
    ]
    rules = all_rules()
    ctx = Context(
        report=report,
        template=template,
        docs=docs,
        previous=previous,
        levels=resolve_levels(template.get("rules") or {}, report.rules),
        rules=rules,
        yaml_text=_read(Path(report.root) / REPORT_FILE),
    )
    for family in families():
        family.run(ctx)
    order = {REPORT_FILE: -1} | {sec.path: i for i, sec in enumerate(report.sections)}
    findings = sorted(
        set(ctx.findings), key=lambda f: (order.get(f.file, 1 << 30), f.line, f.column, f.rule)
    )
    return ValidationResult(tuple(findings))
