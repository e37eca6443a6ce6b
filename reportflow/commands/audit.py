"""``reportflow audit``: one timeline of who wrote, changed, approved and released what."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportflow.core import safe_text
from reportflow.core.i18n import _
from reportflow.core.prewalk import Prewalk

if TYPE_CHECKING:
    from reportflow.audit.timeline import Timeline


def as_json(doc: dict[str, Any]) -> str:
    """The document with one event a line: readable, ``grep``-able, and written by json's C
    encoder (``indent`` switches it to the pure-Python one, 3x slower on 10,000 events)."""
    events = doc.pop("events")
    head = json.dumps(doc, ensure_ascii=False)[:-1]
    # one encoder for all: json.dumps with an option builds a new encoder on every call
    encode = json.JSONEncoder(ensure_ascii=False).encode
    lines = ",\n".join(map(encode, events))
    return f'{head}, "events": [\n{lines}\n]}}\n'


def _timeline(report_dir: Path, rev: str, use_memo: bool) -> tuple[Timeline | None, str | None]:
    """The audit of ``rev``: (None, the kept JSON) when a memo of this very state is there
    (``audit/memo.py``), else (the timeline collected now, its unfiltered JSON when it was
    kept for the next run)."""
    from reportflow.audit import memo
    from reportflow.release import archive

    # the walk starts first: the key takes 0.05-0.1 s to read, and a miss needs the walk
    early = Prewalk(report_dir, rev) if report_dir.is_dir() else None
    place = memo.key(report_dir, rev) if use_memo else None
    if place is not None:
        text = memo.load(place)
        if text is not None:
            if early is not None:
                early.cancel()
            return None, text
    from reportflow.audit import collect, timeline  # imported while git walks

    with archive.watch() as reads:
        found = collect.collect(report_dir, rev, early)
    # kept only if nothing moved while it was read (a commit, a tag), nor was any date ahead
    if place is None or reads is None or found.clock_bound or memo.key(report_dir, rev) != place:
        return found, None
    whole = as_json(timeline.select(found).to_json())  # the filters of a run without any
    memo.store(place, whole, reads, time.time())
    return found, whole


def run(
    report_dir: Path,
    fmt: str = "table",
    *,
    since: str | None = None,
    until: str | None = None,
    section: str | None = None,
    person: str | None = None,
    rev: str = "HEAD",
    memo: str = "on",
) -> None:
    from reportflow.audit import timeline

    found, text = _timeline(Path(report_dir), rev, memo != "off")
    if text is not None and fmt == "json" and not (since or until or section or person):
        sys.stdout.write(text)  # the unfiltered JSON is this run's output as it is
        return
    if found is None:
        assert text is not None
        found = timeline.Timeline.from_json(json.loads(text))
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
