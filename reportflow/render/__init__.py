"""Render a report as DOCX, PDF and HTML in the GB/T 9704 official-document layout.

All three start from the one document ``reportflow.render.assemble`` builds, so their text is the
same. The three pandoc processes run at once; meanwhile this process finds the fonts for the
PDF (and loads them, if pandoc is not done by then), then finishes each format (typst compile,
DOCX touches) as its pandoc ends. The Python side needs no threads: typst and lxml hold the
GIL anyway, the parallel work is pandoc.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from reportflow.content.model import Report
from reportflow.core.errors import InputError
from reportflow.render import fonts, html, pdf, word
from reportflow.render.doc import RenderDoc
from reportflow.render.layout import draft_label

FORMATS = ("docx", "pdf", "html")
#: Finish order: the PDF's typst compile is the longest step, so it goes first.
_ORDER = ("html", "pdf", "docx")


def check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise InputError(
            f"unknown output format {', '.join(unknown) or '(none)'}",
            hint="choose from docx, pdf, html, e.g. --to docx,pdf",
        )
    return wanted


def render_report(
    report: Report,
    formats: Sequence[str],
    out_dir: Path,
    *,
    draft: bool,
    commit: str | None = None,
    version: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Write ``out_dir/report.<fmt>`` for each format; return {format: path}.

    All or nothing: the files are moved into ``out_dir`` only when every format succeeded.
    ``draft`` adds the visible 草稿 mark with the short ``commit`` id. ``progress`` is called
    with the format name each time one is finished.
    """
    wanted = check_formats(formats)
    doc = RenderDoc.of(report, draft=draft, commit=commit, version=version)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Work next to the targets, so that the final moves are renames on one file system.
    with tempfile.TemporaryDirectory(prefix=".render-", dir=out_dir) as tmp:
        work = Path(tmp)
        source = work / "report.md"
        source.write_text(doc.markdown, encoding="utf-8")
        running = {
            "docx": lambda: word.start(doc, source, work),
            "pdf": lambda: pdf.start(doc, source, work),
            "html": lambda: html.start(doc, source, work),
        }
        started = {fmt: running[fmt]() for fmt in wanted}
        try:
            roles = fonts.roles_for(doc.fonts) if "pdf" in wanted else None
            if roles is not None and started["pdf"].running():
                # Parse the fonts while pandoc still writes the body; once it is done, the
                # compile parses them itself at the same cost, and a warm-up would be a second
                # typst run on the critical path (about 10 ms of CPU on the sample).
                fonts.warm(roles)
            produced: dict[str, Path] = {}
            for fmt in (f for f in _ORDER if f in wanted):
                out = started[fmt].wait()
                if fmt == "pdf":
                    assert roles is not None
                    produced[fmt] = pdf.finish(doc, out, roles)
                else:
                    produced[fmt] = (word if fmt == "docx" else html).finish(doc, out)
                if progress is not None:
                    progress(fmt)
        finally:
            for proc in started.values():
                proc.kill()
        results = {}
        for fmt in wanted:
            results[fmt] = out_dir / f"report.{fmt}"
            os.replace(produced[fmt], results[fmt])
    return results


__all__ = ["FORMATS", "check_formats", "draft_label", "render_report"]
