"""``reportflow audit``: one timeline of who wrote, changed, approved and released what."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from reportflow.core import safe_text
from reportflow.core.i18n import _
from reportflow.core.prewalk import Prewalk


def as_json(doc: dict[str, Any]) -> str:
    """The document with one event a line: readable, ``grep``-able, and written by json's C
    encoder (``indent`` switches it to the pure-Python one, 3x slower on 10,000 events)."""
    events = doc.pop("events")
    head = json.dumps(doc, ensure_ascii=False)[:-1]
    # one encoder for all: json.dumps with an option builds a new encoder on every call
    encode = json.JSONEncoder(ensure_ascii=False).encode
    lines = ",\n".join(map(encode, events))
    return f'{head}, "events": [\n{lines}\n]}}\n'


def run(
    report_dir: Path,
    fmt: str = "table",
    *,
    since: str | None = None,
    until: str | None = None,
    section: str | None = None,
    person: str | None = None,
    rev: str = "HEAD",
) -> None:
    early = Prewalk(Path(report_dir), rev) if Path(report_dir).is_dir() else None
    from reportflow.audit import collect, timeline  # imported while git walks

    found = collect.collect(Path(report_dir), rev, early)
    chosen = timeline.select(found, since=since, until=until, section=section, person=person)
    if fmt == "json":
        sys.stdout.write(as_json(chosen.to_json()))
        return
    if fmt == "csv":
        from reportflow.audit.table import to_csv

        sys.stdout.write(to_csv(chosen))
        return
    if fmt == "html":
        from reportflow.audit.page import render

        sys.stdout.write(render(chosen))
        return
    from rich.console import Console
    from rich.table import Table

    from reportflow.audit.table import COLUMNS, rows

    table = Table(title=safe_text.text(f"{chosen.report}/{chosen.year} @ {chosen.commit[:10]}"))
    for col in COLUMNS:
        table.add_column(_(col), overflow="fold", no_wrap=col in ("#", "time", "commit"))
    for cells in rows(chosen):  # repository text: Text cells, never markup
        seq, when, *rest = cells
        table.add_row(*map(safe_text.text, (seq, when[:16].replace("T", " "), *rest)))
    Console().print(table if chosen.events else _("no event matches"))
