"""Tasks shared by the flows: validation with its artifact, gate summaries, notifications."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from prefect import task
from prefect.artifacts import create_table_artifact

from reportflow import validate
from reportflow.content import model
from reportflow.cycle import notify


def report_path(report_dir: str, repo: str | None = None) -> Path:
    """The report folder a deployment names: ``report_dir`` inside the content repository
    ``repo`` (a deployment parameter), or as given (absolute, or relative to the worker's
    working directory) when there is no ``repo``. The flows are imported from the installed
    package, so the content repository can be any office's, anywhere on the worker.
    """
    return Path(repo).expanduser() / report_dir if repo else Path(report_dir)


@task(name="validate")
def validate_report(report_dir: Path) -> dict[str, int]:
    result = validate.check(model.load_report(report_dir))
    rows = [
        {
            "severity": f.severity,
            "rule": f.rule,
            "where": f"{f.file}:{f.line}:{f.column}",
            "message": f.message,
            "fix": f.fix or "",
        }
        for f in result.findings
    ]
    create_table_artifact(
        rows or [{"result": "no findings"}],
        key="validation",
        description=f"{result.errors} error(s), {result.warnings} warning(s)",
    )
    return result.summary()


def gate_markdown(verdict: Any) -> str:
    lines = [f"**report: {verdict.report_status}**", ""]
    lines += [f"- {sid}: {v.status}" for sid, v in verdict.sections.items()]
    if verdict.missing:
        lines += ["", "still needed:", *[f"- {m}" for m in verdict.missing]]
    if verdict.problems:
        lines += ["", "problems:", *[f"- {p}" for p in verdict.problems]]
    return "\n".join(lines)


@task(name="notify")
def notify_people(report_dir: Path, who: str, title: str, body: str) -> list[str]:
    """``who``: "everyone" or "needed" (reviewers and owners named in the gate's verdict)."""
    report = model.load_report(report_dir)
    people = list(report.people)
    if who == "needed":
        words = set(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", body))
        people = [
            pid for pid, person in report.people.items() if {pid, *person.roles} & words
        ] or people
    return [f"{d.person}: {d.detail}" for d in notify.send(report, people, title, body)]
