"""``reportflow sheet``: the approval sheet (签批单) of a released version, as PDF and DOCX."""

from __future__ import annotations

import json
from pathlib import Path

from reportflow.core.i18n import _


def run(
    report_dir: Path, version: int | None = None, out: Path | None = None, fmt: str = "files"
) -> None:
    from reportflow.audit import sheet

    found = sheet.build(Path(report_dir), version)
    if fmt == "json":
        print(json.dumps(sheet.as_json(found), ensure_ascii=False, indent=1))
        return
    folder = out or Path("build") / found.report / str(found.year) / f"v{found.version}"
    pdf = sheet.to_pdf(found, folder / "approval-sheet.pdf")
    docx = sheet.to_docx(found, folder / "approval-sheet.docx")
    print(_("approval sheet: {pdf}, {docx}").format(pdf=pdf, docx=docx))
