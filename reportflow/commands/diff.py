"""``reportflow diff``: what changed between two versions, per section, as text, an HTML
redline or a Word document with tracked changes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from reportflow.core.i18n import _


def _default_out(diff_report: str, year: int, old: str, new: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{old}-{new}")
    return Path("build") / diff_report / str(year) / f"diff-{safe}.docx"


def run(report_dir: Path, old: str, new: str, fmt: str = "text", out: Path | None = None) -> None:
    from reportflow.audit import versions

    if fmt == "docx":
        from concurrent.futures import ThreadPoolExecutor

        from reportflow.audit import tracked

        with ThreadPoolExecutor(max_workers=1) as pool:
            # python-docx and the reference document load while git walks the range
            blank = pool.submit(tracked.Writer)
            diff = versions.compare(Path(report_dir), old, new)
            writer = blank.result()
        target = out or _default_out(diff.report, diff.year, old, new)
        written = tracked.write(diff, target, writer)
        print(_("tracked changes: {file}").format(file=written))
        return
    diff = versions.compare(Path(report_dir), old, new)
    from reportflow.audit import redline

    page = redline.html(diff) if fmt == "html" else redline.text(diff)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
        print(out)
    else:
        sys.stdout.write(page)
