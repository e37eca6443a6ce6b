"""Images in a section: one rule for every format.

An image is a file inside the report folder, written as a path relative to the section file
(``![图1 示意图](../images/chart.png)``, what a Markdown editor previews), PNG or JPEG, at most
``MAX_BYTES``. Validation names every other image with its file and line (a web address,
which no renderer fetches; a path outside the report folder, which no render may read; a
missing file; another type), and rendering refuses one the same way, so an image is printed
in all three formats or in none: the renderers get it as a ``data:`` URI in the one assembled
document (pandoc embeds those in DOCX, HTML and typst without reading a file, under
``--sandbox``), read through the report's source, so a render of a past commit prints the
image as committed and a symbolic link is refused as anywhere else in a report folder.
"""

from __future__ import annotations

import base64
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from reportflow.content.model import Report, Section
from reportflow.core.errors import ContentError, ReportflowError
from reportflow.core.i18n import _

TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
MAX_BYTES = 10 * 1024 * 1024
#: ``![alt](target "title")``; the target may be in angle brackets (spaces allowed there).
IMAGE = re.compile(
    r"!\[(?P<alt>(?:[^\]\\\n]|\\.)*)\]\(\s*(?P<target><[^>\n]*>|[^)\s]+)"
    r"(?P<title>\s+\"[^\"\n]*\")?\s*\)"
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Image:
    line: int  # file line of the section
    column: int
    target: str  # as written
    rel: str | None  # path relative to the report folder, None when it cannot be one
    problem: str | None  # why it cannot be printed, None when it can


def _rel(section: Section, target: str) -> str | None:
    if _SCHEME.match(target) or target.startswith(("/", "\\")):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(section.path), target))
    return None if joined == ".." or joined.startswith("../") else joined


def find(report: Report, section: Section) -> Iterator[Image]:
    """Every image of ``section`` with what is wrong with it, if anything."""
    body = section.body
    if "![" not in body:
        return
    for m in IMAGE.finditer(body):
        target = m.group("target").strip("<>").strip()
        line = section.body_line + body.count("\n", 0, m.start())
        column = m.start() - (body.rfind("\n", 0, m.start()) + 1) + 1
        rel = _rel(section, target)
        yield Image(line, column, target, rel, _problem(report, target, rel))


def _problem(report: Report, target: str, rel: str | None) -> str | None:
    if rel is None:
        if _SCHEME.match(target):
            return _("a web address or URI: renderers never fetch one; save the file in the report")
        return _("outside the report folder: renders read only the report's own files")
    suffix = posixpath.splitext(rel)[1].lower()
    if suffix not in TYPES:
        return _("not a PNG or JPEG file ({suffix})").format(suffix=suffix or "-")
    try:
        data = report.source.read(rel) if report.source is not None else None
    except ReportflowError as exc:  # a symbolic link
        return f"{rel} {exc.message}"
    except OSError:
        data = None
    if data is None:
        return _("no such file in the report folder ({path})").format(path=rel)
    if len(data) > MAX_BYTES:
        return _("larger than {mb} MB").format(mb=MAX_BYTES // (1024 * 1024))
    return None


def _read(report: Report, rel: str) -> bytes | None:
    if report.source is None:
        return None
    try:
        return report.source.read(rel)
    except (ReportflowError, OSError):  # a symbolic link, a folder
        return None


def embed(report: Report, section: Section) -> str:
    """The section body with every image as a ``data:`` URI; a bad image is an error."""
    body = section.body
    if "![" not in body:
        return body
    out, last = [], 0
    for m, img in zip(IMAGE.finditer(body), find(report, section), strict=True):
        if img.problem is not None or img.rel is None:
            raise ContentError(
                _("image {target} cannot be printed: {problem}").format(
                    target=repr(img.target), problem=img.problem
                ),
                file=f"{report.root}/{section.path}",
                line=img.line,
                column=img.column,
                hint=_(
                    "images are PNG or JPEG files inside the report folder, "
                    "written relative to the section file"
                ),
            )
        data = _read(report, img.rel) or b""
        uri = f"data:{TYPES[posixpath.splitext(img.rel)[1].lower()]};base64,"
        uri += base64.b64encode(data).decode("ascii")
        out.append(body[last : m.start("target")] + uri)
        last = m.end("target")
    out.append(body[last:])
    return "".join(out)
