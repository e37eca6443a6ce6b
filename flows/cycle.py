"""Scheduled flows of the annual cycle: open next year's report, remind people what they owe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact

from reportflow.content import model
from reportflow.cycle import nextyear, notify, todo
from reportflow.flows.common import report_path, validate_report


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
    """Weekly while drafting: each person hears what they owe, their own list from
    ``reportflow todo`` (drafts, findings, sign-offs by name, due dates, overdue)."""
    from reportflow.commands.todo import describe

    path = report_path(report_dir, repo)
    summary = validate_report(path)
    report, items = todo.gather(path)
    owed = {
        pid: [describe(i) for i in mine]
        for pid, mine in todo.by_person(report, items).items()
        if mine
    }
    sent = []
    for pid, lines in owed.items():
        sent += notify.send(report, [pid], "待办提醒 / reminder", "\n".join(lines))
    create_markdown_artifact(
        "\n".join(f"- {d.person}: {d.detail}" for d in sent) or "nothing owed", key="reminders"
    )
    return {"validation": summary, "owed": owed, "sent": [f"{d.person}: {d.detail}" for d in sent]}
