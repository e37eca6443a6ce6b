"""Scheduled flows of the annual cycle: open next year's report, remind people what they owe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact

from reportflow.content import model
from reportflow.cycle import nextyear, notify
from reportflow.flows.common import notify_people, report_path, validate_report
from reportflow.signoff import approval


@task(name="open next year")
def open_next_year(series_dir: Path) -> dict[str, Any]:
    opened = nextyear.open_next(series_dir)
    return {"path": str(opened.path), "source": opened.source, "owners": list(opened.owners)}


@flow(name="open-cycle")
def open_cycle_flow(series_dir: str, repo: str | None = None) -> dict[str, Any]:
    """Yearly: scaffold next year's report from the last approved version; tell the owners.

    ``series_dir`` (content/<report>) inside the content repository ``repo``.
    """
    opened = open_next_year(report_path(series_dir, repo))
    report = model.load_report(opened["path"])
    body = (
        f"{report.title}: 请开始起草 / drafting is open ({opened['path']}, from {opened['source']})"
    )
    sent = notify.send(report, opened["owners"], "新一年度报告已开启 / new cycle", body)
    create_markdown_artifact(
        f"opened `{opened['path']}` from {opened['source']}\n\n"
        + "\n".join(f"- {d.person}: {d.detail}" for d in sent),
        key="open-cycle",
    )
    return opened


@flow(name="reminders")
def reminders_flow(report_dir: str, repo: str | None = None) -> dict[str, Any]:
    """Weekly while drafting: owners hear of validation errors, reviewers of pending sign-offs."""
    path = report_path(report_dir, repo)
    summary = validate_report(path)
    verdict = approval.evaluate_at(path, "HEAD")
    lines = []
    if summary["errors"]:
        lines.append(f"validation: {summary['errors']} error(s) to fix (reportflow validate)")
    lines += list(verdict.missing)
    if lines:
        notify_people(path, "needed", "待办提醒 / reminder", "\n".join(lines))
    return {"validation": summary, "approved": verdict.passed, "owed": lines}
