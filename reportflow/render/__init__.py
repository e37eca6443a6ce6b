"""Render a report as DOCX, PDF and HTML in the GB/T 9704 official-document layout.

All three start from the one document ``reportflow.assemble`` builds, so their text is the
same; they run in parallel threads, because almost all their time is spent in pandoc
subprocesses and in typst (native code), not in Python.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path

from reportflow.errors import InputError, ReportflowError
from reportflow.model import Report
from reportflow.render import fonts
from reportflow.render.doc import RenderDoc

FORMATS = ("docx", "pdf", "html")


def check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise InputError(
            f"unknown output format {', '.join(unknown) or '(none)'}",
            hint="choose from docx, pdf, html, e.g. --to docx,pdf",
        )
    return wanted


def _write(fmt: str, doc: RenderDoc, target: Path, roles: Future[fonts.FontRoles] | None) -> Path:
    """Render into a temporary name and move it in place: never a half-written report.docx."""
    from reportflow.render import html, pdf, word

    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        if fmt == "docx":
            word.render(doc, tmp)
        elif fmt == "pdf":
            pdf.render(doc, tmp, roles.result if roles is not None else None)
        else:
            html.render(doc, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


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

    ``draft`` adds the visible 草稿 mark with the short ``commit`` id. ``progress`` is called
    with the format name each time one file is written.
    """
    wanted = check_formats(formats)
    doc = RenderDoc.of(report, draft=draft, commit=commit, version=version)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Path] = {}
    errors: list[BaseException] = []
    with ThreadPoolExecutor(max_workers=len(wanted) + 1) as pool:
        # The font scan for the PDF runs while pandoc writes its typst body.
        roles = pool.submit(fonts.roles_for, doc.fonts) if "pdf" in wanted else None
        jobs = {
            pool.submit(_write, fmt, doc, out_dir / f"report.{fmt}", roles): fmt for fmt in wanted
        }
        for job in as_completed(jobs):
            fmt = jobs[job]
            try:
                results[fmt] = job.result()
            except BaseException as exc:  # collected: the other formats still finish
                errors.append(exc)
                continue
            if progress is not None:
                progress(fmt)
    if errors:
        for path in results.values():
            path.unlink(missing_ok=True)
        first = next((e for e in errors if isinstance(e, ReportflowError)), errors[0])
        raise first
    return {fmt: results[fmt] for fmt in wanted}


__all__ = ["FORMATS", "check_formats", "render_report"]
