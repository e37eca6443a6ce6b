"""PDF: pandoc writes the body as typst markup, the typst package lays it out with gongwen.typ.

typst runs with an empty, private project root holding only the template and the body, so
nothing in the report (an image path, a ``read``) can reach files on this machine; the
report's own facts reach the template as ``sys.inputs`` strings, never as typst code.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import shutil
import tempfile
from pathlib import Path

from reportflow.core import pandoc
from reportflow.core.errors import InputError, ToolError
from reportflow.core.resources import data_path
from reportflow.render import fonts as fontmod
from reportflow.render import layout as L
from reportflow.render.doc import RenderDoc, document_time, lists_filter

TEMPLATE = data_path("render", "gongwen.typ")
MAIN = '#import "/gongwen.typ": *\n#show: gongwen\n\n'


# --wrap=none: a line break between two Chinese characters would be a space in typst.
PANDOC_ARGS = ["--sandbox", "--wrap=none"]


def typst_body(doc: RenderDoc) -> str:
    args = [*PANDOC_ARGS, *lists_filter(doc.markdown)]
    return pandoc.convert(doc.markdown, "typst", pandoc.RENDER_IN, args)


def sys_inputs(doc: RenderDoc, roles: fontmod.FontRoles) -> dict[str, str]:
    sig_right, date_right = L.signature_indents(doc.organisation, doc.date)
    return {
        "title": doc.title,
        "title-lines": "\n".join(doc.lines),
        "organisation": doc.organisation,
        "addressee": doc.addressee,
        "date": doc.date,
        "signature-right": str(sig_right),
        "date-right": str(date_right),
        "draft": doc.draft_mark,
        "bold-level3": "true" if doc.bold_level3 else "false",
        "fonts": json.dumps(roles.as_typst(), ensure_ascii=False),
        "title-weight": roles.title_weight,
        "line-pitch": f"{L.LINE_PITCH_PT:.2f}",
        "tracking": str(L.TRACKING_PT),
        "dated": "true" if document_time(doc.iso_date) is not None else "false",
    }


def _fail(exc: Exception) -> ToolError | InputError:
    message = getattr(exc, "message", None) or str(exc).strip().splitlines()[0]
    if "file not found" in message or "failed to load file" in message:
        return InputError(
            f"the report refers to a file, which rendering does not read ({message})",
            hint="images and included files are not supported in reports: remove them",
        )
    return ToolError(f"typst failed: {message}")


#: What pandoc 3.9 writes for a ``data:`` image: ``image.decode`` of an SVG wrapping it, which
#: typst 0.13 deprecated and 0.15 no longer has.
_DATA_IMAGE = re.compile(
    r'image\.decode\("<svg [^>]*><image xlink:href=\\"data:image/(png|jpeg);base64,'
    r'([A-Za-z0-9+/=]+)\\" /></svg>"'
)


def extract_images(body: str) -> tuple[str, dict[str, bytes]]:
    """The body with each embedded image as a file of typst's private root (``img-N.png``),
    and those files: the images content.images embedded, nothing from outside."""
    files: dict[str, bytes] = {}

    def file(m: re.Match[str]) -> str:
        name = f"img-{len(files) + 1}.{'png' if m.group(1) == 'png' else 'jpg'}"
        files[name] = base64.b64decode(m.group(2))
        return f'image("{name}"'

    return (_DATA_IMAGE.sub(file, body), files) if "image.decode(" in body else (body, files)


#: PDF/A-2b (ISO 19005-2, level B): the archival PDF records offices keep; typst embeds every
#: font it uses (subset), and PDF/A-2 allows the draft watermark's transparency.
PDF_STANDARD = "a-2b"


def compile_pdf(
    body: str,
    out: Path,
    inputs: dict[str, str],
    files: dict[str, bytes] | None = None,
    when: dt.datetime | int | None = None,
) -> Path:
    """``when``: the creation date (doc.document_time); PDF/A needs one, so without it the
    PDF is a plain PDF 1.7."""
    import typst

    with tempfile.TemporaryDirectory(prefix="reportflow-typst-") as tmp:
        root = Path(tmp)
        shutil.copyfile(TEMPLATE, root / "gongwen.typ")
        for name, data in (files or {}).items():
            (root / name).write_bytes(data)
        (root / "main.typ").write_text(MAIN + body, encoding="utf-8")
        compiler = typst.Compiler(
            str(root / "main.typ"), root=str(root), font_paths=fontmod.typst_fonts()
        )
        try:
            _, warnings = compiler.compile_with_warnings(
                output=str(out),
                format="pdf",
                sys_inputs=inputs,
                timestamp=when,
                pdf_standards=[PDF_STANDARD] if when is not None else [],
            )
        except typst.TypstError as exc:
            raise _fail(exc) from None
    for warning in warnings:
        text = getattr(warning, "message", str(warning))
        if "unknown font family" in text:
            out.unlink(missing_ok=True)
            raise ToolError(f"typst could not find a font: {text}", hint=fontmod.NO_CJK_HINT)
    return out


def start(doc: RenderDoc, source: Path, work: Path) -> pandoc.Running:
    args = [*PANDOC_ARGS, *lists_filter(doc.markdown)]
    return pandoc.start(source, "typst", pandoc.RENDER_IN, args, work / "body.typ")


def finish(doc: RenderDoc, produced: Path, roles: fontmod.FontRoles) -> Path:
    body, files = extract_images(produced.read_text(encoding="utf-8"))
    out = produced.with_name("report.pdf")
    return compile_pdf(body, out, sys_inputs(doc, roles), files, document_time(doc.iso_date))
