"""``reportflow blame``: per paragraph of a section, who last changed it, when, and the
released version in which it first appeared."""

from __future__ import annotations

import json
from pathlib import Path

from reportflow.core import safe_text
from reportflow.core.i18n import _


def run(report_dir: Path, section: str, rev: str = "HEAD", fmt: str = "table") -> None:
    from reportflow.audit import blame

    report, commit, paragraphs = blame.blame(Path(report_dir), section, rev)
    if fmt == "json":
        doc = {
            "report": report.report,
            "year": report.year,
            "section": section,
            "commit": commit,
            "paragraphs": [p.to_json() for p in paragraphs],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=safe_text.text(f"{report.report}/{report.year} {section} @ {commit[:10]}"))
    for col in (_("#"), _("line"), _("paragraph"), _("person"), _("time"), _("commit"),
                _("first released")):  # fmt: skip
        table.add_column(col, overflow="fold")
    for p in paragraphs:
        start = p.text if len(p.text) <= 24 else p.text[:24] + "…"
        released = f"v{p.released}" if p.released else _("not released")
        when = p.when[:16].replace("T", " ")
        mark = _("(verified)") if p.author_verified else _("(claimed)")
        cells = (str(p.number), str(p.line), start, f"{p.name} ({p.person}) {mark}", when,
                 p.commit[:10], released)  # fmt: skip
        table.add_row(*map(safe_text.text, cells))
    Console().print(table)
