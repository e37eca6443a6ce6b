"""HTML: one standalone file, the stylesheet inlined, headings shifted below the title."""

from __future__ import annotations

from pathlib import Path

from reportflow.core import pandoc
from reportflow.core.resources import data_path
from reportflow.render import layout as L
from reportflow.render.doc import RenderDoc, lists_filter

RENDER_DIR = data_path("render")
TEMPLATE = RENDER_DIR / "gongwen.html"
STYLESHEET = RENDER_DIR / "gongwen.css"


def pandoc_args(doc: RenderDoc) -> list[str]:
    sig_right, date_right = L.signature_indents(doc.organisation, doc.date)
    # Report text goes in as --metadata (escaped by pandoc's writer); only our own stylesheet
    # and numbers go in as --variable, which pandoc inserts verbatim.
    meta = {
        "title": doc.title,
        "lang": doc.lang,
        "organisation": doc.organisation,
        "addressee": doc.addressee,
        "date": doc.date,
        "draft": doc.draft_mark,
        "commit": doc.commit or "",
        "version": doc.version or "",
    }
    args = [
        "--sandbox",
        "--standalone",
        "--wrap=none",
        *lists_filter(doc.markdown),
        # The title is the page's <h1>: section headings (一、) become <h2>, and so on.
        "--shift-heading-level-by=1",
        f"--template={TEMPLATE}",
        f"--variable=css:{STYLESHEET.read_text(encoding='utf-8')}",
        f"--variable=signature-right:{sig_right:g}",
        f"--variable=date-right:{date_right:g}",
    ]
    args += [f"--metadata={k}:{v}" for k, v in meta.items() if v]
    # Repeated, the key is a list in the template: one <br> between the title's lines.
    args += [f"--metadata=title-line:{line}" for line in doc.lines]
    if doc.bold_level3:
        args.append("--variable=bold-level3:true")
    return args


def start(doc: RenderDoc, source: Path, work: Path) -> pandoc.Running:
    return pandoc.start(source, "html5", pandoc.RENDER_IN, pandoc_args(doc), work / "report.html")


def finish(doc: RenderDoc, produced: Path) -> Path:
    return produced
