"""``reportflow todo``: per person, what they owe on a report (decided by ``cycle.todo``).

This module only prints: the table in the reader's language, or the JSON the review page and
the reminders read (keys and kinds never translated).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from reportflow.content import model
from reportflow.core import safe_text
from reportflow.core.errors import InputError
from reportflow.core.i18n import N_, _
from reportflow.cycle import todo

#: Findings listed under a fix item in the table (JSON has them all).
SHOWN = 5
#: What each kind of item asks, in English in the code and translated where printed.
ASKS = {
    "draft": N_("draft"),
    "fix": N_("fix findings"),
    "signoff": N_("sign off"),
    "final": N_("final approval"),
    "roster": N_("sign off the roster change"),
}
BLOCKED = {
    "draft": N_("waits for the text to be drafted"),
    "errors": N_("waits for {errors} validation error(s) to be fixed"),
    "sections": N_("waits for every section to be approved"),
}


def as_json(
    report: model.Report, owed: dict[str, list[todo.Item]], today: dt.date
) -> dict[str, Any]:
    return {
        "report": report.report,
        "year": report.year,
        "today": today.isoformat(),
        "people": {
            pid: {
                "name": report.people[pid].name if pid in report.people else pid,
                "items": [i.to_json() for i in items],
            }
            for pid, items in owed.items()
        },
    }


def describe(item: todo.Item) -> str:
    """One line for a person: what, where, by when (also the reminders' text)."""
    what = item.target if item.target in ("roster", "report.yaml") else item.title
    if item.target not in ("report", "roster", "report.yaml"):
        what = f"{item.target} {item.title}"  # the id is what `signoff --section` takes
    parts = [f"{_(ASKS[item.kind])}: {what}"]
    if item.kind == "fix":
        parts.append(
            _("{errors} error(s), {warnings} warning(s)").format(
                errors=item.errors, warnings=item.warnings
            )
        )
    if item.due:
        due = _("due {date}").format(date=item.due)
        parts.append(due + (" " + _("(overdue)") if item.overdue else ""))
    if item.blocked:
        parts.append(_(BLOCKED[item.blocked]).format(errors=item.errors))
    return "; ".join(parts)


def run(path: Path, person: str | None = None, fmt: str = "table") -> int:
    today = dt.date.today()
    report, items = todo.gather(Path(path), today)
    owed = todo.by_person(report, items)
    if person is not None:
        if person not in owed:
            raise InputError(
                _("{person!r} is not in the report's people").format(person=person),
                hint=_("people are: {people}").format(people=", ".join(report.people)),
            )
        owed = {person: owed[person]}
    if fmt == "json":
        print(json.dumps(as_json(report, owed, today), ensure_ascii=False, indent=2))
        return 0
    from rich.console import Console

    console = Console()
    for pid, mine in owed.items():
        name = report.people[pid].name if pid in report.people else pid
        head = f"{pid} ({name})"
        if not mine:
            nothing = _("nothing to do")
            console.print(f"{safe_text.shown(head)}: {nothing}", markup=False)
            continue
        console.print(f"{safe_text.shown(head)}:", markup=False)
        for item in mine:
            console.print(f"  - {safe_text.shown(describe(item))}", markup=False, soft_wrap=True)
            for where in item.findings[:SHOWN]:
                console.print(f"      {where}", markup=False)
            if len(item.findings) > SHOWN:
                more = _("… {count} more (reportflow validate)")
                console.print("      " + more.format(count=len(item.findings) - SHOWN))
    return 0
