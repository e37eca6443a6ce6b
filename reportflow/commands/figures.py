"""``reportflow figures``: every numeric claim of the report (number, unit, the sentence
around it) with last year's matching figure beside it, for checking against the sources."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from reportflow.core import safe_text
from reportflow.core.i18n import _

COLUMNS = ("section", "number", "unit", "label", "sentence", "last_year", "last_year_section",
           "last_year_sentence")  # fmt: skip


def run(report_dir: Path, fmt: str = "table") -> None:
    from reportflow.audit import carryover
    from reportflow.audit.table import cell

    here, prev, tag = carryover.previous_release(Path(report_dir))
    rows = carryover.figure_rows(here, prev)
    if fmt == "json":
        doc = {"report": here.report, "year": here.year, "previous": tag, "figures": rows}
        print(json.dumps(doc, ensure_ascii=False, indent=1))
        return
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(cell("" if row[c] is None else row[c]) for c in COLUMNS)
        sys.stdout.write(out.getvalue())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=safe_text.text(f"{here.report}/{here.year} ← {tag}"))
    for col in (_("section"), _("figure"), _("label"), _("last year"), _("sentence")):
        table.add_column(col, overflow="fold")
    for row in rows:
        last = f"{row['last_year']}{row['unit']}" if row["last_year"] is not None else "-"
        cells = (row["section"], f"{row['number']}{row['unit']}", row["label"], last,
                 row["sentence"])  # fmt: skip
        table.add_row(*map(safe_text.text, cells))
    Console().print(table)
