"""``reportflow carryover``: per section, the share of text reused unchanged from last year's
last released version, and the reused paragraphs."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from reportflow.core import safe_text
from reportflow.core.i18n import _


def run(report_dir: Path, fmt: str = "table") -> None:
    from reportflow.audit import carryover
    from reportflow.audit.table import cell

    here, prev, tag = carryover.previous_release(Path(report_dir))
    found = carryover.reuse(here, prev)
    if fmt == "json":
        doc = {
            "report": here.report,
            "year": here.year,
            "previous": tag,
            "sections": [
                {
                    "section": r.section,
                    "title": r.title,
                    "characters": r.characters,
                    "reused": r.reused,
                    "share": round(r.share, 4),
                    "paragraphs": [{"text": p, "last_year_section": s} for p, s in r.paragraphs],
                }
                for r in found
            ],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=1))
        return
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["section", "title", "characters", "reused", "share", "paragraph",
                         "last_year_section"])  # fmt: skip
        for r in found:
            for p, s in r.paragraphs or [("", "")]:
                row = [r.section, r.title, r.characters, r.reused, f"{r.share:.4f}", p, s]
                writer.writerow(cell(v) for v in row)
        sys.stdout.write(out.getvalue())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=safe_text.text(f"{here.report}/{here.year} ← {tag}"))
    for col in (_("section"), _("title"), _("characters"), _("reused"), _("share"),
                _("reused paragraphs")):  # fmt: skip
        table.add_column(col, overflow="fold")
    for r in found:
        starts = "; ".join(p if len(p) <= 20 else p[:20] + "…" for p, _s in r.paragraphs)
        cells = (r.section, r.title, r.characters, r.reused, f"{r.share:.0%}", starts)
        table.add_row(*map(safe_text.text, cells))
    Console().print(table)
