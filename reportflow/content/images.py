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
#: Reference-style images, ``![alt][label]``, ``![label][]`` and ``![label]`` (not followed by
#: ``(``, which is the inline form above), and the ``[label]: target "title"`` definitions they
#: use. Hand-written beside IMAGE rather than asking pandoc: validation reads every section
#: on every run, and a pandoc process per section would cost more than all the rules.
REF_IMAGE = re.compile(
    r"!\[(?P<alt>(?:[^\]\\\n]|\\.)*)\](?:\[(?P<label>(?:[^\]\\\n]|\\.)*)\])?(?![(\[])"
)
REF_DEF = re.compile(
    r"^ {0,3}\[(?P<label>(?:[^\]\\\n^]|\\.)(?:[^\]\\\n]|\\.)*)\]:[ \t]*"
    r"(?P<target><[^>\n]*>|\S+)",
    re.M,
)


def _label(text: str) -> str:
    """CommonMark's label matching: case-insensitive, runs of white space as one space."""
    return " ".join(text.split()).casefold()


def definitions(body: str) -> dict[str, re.Match[str]]:
    """{label: its first ``[label]: target`` definition} of a section body."""
    out: dict[str, re.Match[str]] = {}
    for m in REF_DEF.finditer(body):
        out.setdefault(_label(m.group("label")), m)
    return out


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


def _place(section: Section, body: str, at: int) -> tuple[int, int]:
    line = section.body_line + body.count("\n", 0, at)
    return line, at - (body.rfind("\n", 0, at) + 1) + 1


def _matches(report: Report, section: Section) -> Iterator[tuple[Image, re.Match[str]]]:
    """Every image with the match whose ``target`` group is its file: the image itself when
    inline, its definition when reference-style (what a render rewrites)."""
    body = section.body
    if "![" not in body:
        return
    for m in IMAGE.finditer(body):
        target = m.group("target").strip("<>").strip()
        rel = _rel(section, target)
        yield (
            Image(*_place(section, body, m.start()), target, rel, _problem(report, target, rel)),
            m,
        )
    defs = definitions(body)
    for m in REF_IMAGE.finditer(body):
        label = m.group("label")
        key = _label(label or m.group("alt"))
        line, column = _place(section, body, m.start())
        found = defs.get(key)
        if found is None:
            # ``![label]`` with no definition anywhere is plain text; defined in another
            # section, pandoc would print that section's file, which no one validated here.
            if label is None and not any(key in definitions(s.body) for s in report.sections):
                continue
            written = m.group(0)
            problem = _("no [{label}]: definition in this section").format(
                label=label or m.group("alt")
            )
            yield Image(line, column, written, None, problem), m
            continue
        target = found.group("target").strip("<>").strip()
        rel = _rel(section, target)
        yield Image(line, column, target, rel, _problem(report, target, rel)), found


def find(report: Report, section: Section) -> Iterator[Image]:
    """Every image of ``section`` with what is wrong with it, if anything."""
    for image, _match in _matches(report, section):
        yield image


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
    """The section body with every image as a ``data:`` URI (a reference-style image through
    its definition); a bad image is an error."""
    body = section.body
    if "![" not in body:
        return body
    spans: dict[int, tuple[int, str]] = {}
    for img, m in _matches(report, section):
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
        # One definition serves every image citing it: rewritten once.
        spans[m.start("target")] = (m.end("target"), uri + base64.b64encode(data).decode("ascii"))
    out, last = [], 0
    for start in sorted(spans):
        end, uri = spans[start]
        out.append(body[last:start] + uri)
        last = end
    out.append(body[last:])
    return "".join(out)
