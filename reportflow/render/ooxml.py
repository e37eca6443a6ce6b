"""Per-render touches to the DOCX pandoc wrote: draft mark, signature, bold level 3, properties.

Hand-written over lxml rather than python-docx on purpose: importing python-docx costs about
0.2 s and its object model more again, which is more than pandoc's whole DOCX run for the
sample report; these four edits need only lxml (which python-docx itself is built on). The
tests read the result back with python-docx.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportflow.render import docx_tables
from reportflow.render import layout as L
from reportflow.render.doc import RenderDoc

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DC = "http://purl.org/dc/elements/1.1/"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _el(parent: Any, tag: str, **attrs: str) -> Any:
    from lxml import etree

    node = etree.SubElement(parent, _w(tag))
    for key, value in attrs.items():
        node.set(_w(key), value)
    return node


def _paragraph(style: str, text: str, *, right_tw: int = 0, color: str | None = None) -> Any:
    """A paragraph in ``style``; with ``right_tw`` right-aligned, unindented, that far in."""
    from lxml import etree

    p = etree.Element(_w("p"), nsmap={"w": W})
    ppr = _el(p, "pPr")
    _el(ppr, "pStyle", val=style)
    if right_tw:
        _el(ppr, "ind", right=str(right_tw), firstLine="0", firstLineChars="0")
    if right_tw or color:
        _el(ppr, "jc", val="right")
    if text:
        run = _el(p, "r")
        if color:
            _el(_el(run, "rPr"), "color", val=color)
        _el(run, "t").text = text
    return p


def _signature(document: Any, doc: RenderDoc) -> None:
    """7.3.5.2 without seal: one empty line below the text, then signature and date."""
    body = document.find(_w("body"))
    sect = body.find(_w("sectPr"))
    char = L.FIRST_LINE_INDENT_TW / 2
    sig_right, date_right = L.signature_indents(doc.organisation, doc.date)
    lines = [_paragraph("BodyText", "")]
    lines.append(_paragraph("BodyText", doc.organisation, right_tw=round(sig_right * char)))
    if doc.date:
        lines.append(_paragraph("BodyText", doc.date, right_tw=max(1, round(date_right * char))))
    for line in lines:
        sect.addprevious(line) if sect is not None else body.append(line)


def _title(document: Any, lines: tuple[str, ...]) -> None:
    """The title paragraph as its lines (content.titles), a line break between them, so that
    Word and LibreOffice break it where the PDF and the HTML do (7.3.1: 梯形 or 菱形)."""
    for p in document.iter(_w("p")):
        style = p.find(f"{_w('pPr')}/{_w('pStyle')}")
        if style is None or style.get(_w("val")) != "Title":
            continue
        for child in list(p):
            if child.tag != _w("pPr"):
                p.remove(child)
        for n, line in enumerate(lines):
            run = _el(p, "r")
            if n:
                _el(run, "br")
            text = _el(run, "t")
            text.text = line
        return


def _addressee(document: Any, text: str) -> None:
    """7.3.2 主送机关: the paragraph after the title, flush left, unindented."""
    title = next(
        (
            p
            for p in document.iter(_w("p"))
            if (s := p.find(f"{_w('pPr')}/{_w('pStyle')}")) is not None
            and s.get(_w("val")) == "Title"
        ),
        None,
    )
    p = _paragraph("BodyText", text)
    ppr = p.find(_w("pPr"))
    _el(ppr, "ind", firstLine="0", firstLineChars="0")
    _el(ppr, "jc", val="left")
    if title is not None:
        title.addnext(p)
    else:
        document.find(_w("body")).insert(0, p)


def _bold_level3(styles: Any) -> None:
    for style in styles.iter(_w("style")):
        if style.get(_w("styleId")) == "Heading3":
            rpr = style.find(_w("rPr"))
            for tag in ("b", "bCs"):
                node = rpr.find(_w(tag))
                if node is None:
                    node = _el(rpr, tag)
                node.set(_w("val"), "1")


def _header_targets(document: Any, rels: Any) -> list[str]:
    ids = [ref.get(f"{{{R}}}id") for ref in document.iter(_w("headerReference"))]
    by_id = {rel.get("Id"): rel.get("Target") for rel in rels}
    return [f"word/{by_id[i]}" for i in ids if i in by_id]


def _draft_header(header: Any, mark: str) -> None:
    for child in list(header):
        header.remove(child)
    header.append(_paragraph("Header", mark, color="C00000"))


DCTERMS = "http://purl.org/dc/terms/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: The earliest time a ZIP entry can carry (MS-DOS dates start in 1980).
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def _core_dates(core: Any, epoch: int | None) -> None:
    """Created and modified: SOURCE_DATE_EPOCH's time, or none at all (pandoc writes
    1970-01-01, which Word shows as the document's date). Never the time of the render: two
    renders of one commit must be byte-identical (``verify --rebuild`` compares them)."""
    import datetime as dt

    from lxml import etree

    for tag in ("created", "modified"):
        for old in core.findall(f"{{{DCTERMS}}}{tag}"):
            core.remove(old)
        if epoch is not None:
            node = etree.SubElement(core, f"{{{DCTERMS}}}{tag}")
            node.set(f"{{{XSI}}}type", "dcterms:W3CDTF")
            when = dt.datetime.fromtimestamp(epoch, dt.UTC)
            node.text = when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _zip_time(epoch: int | None) -> tuple[int, int, int, int, int, int]:
    import datetime as dt

    if epoch is None:
        return _ZIP_EPOCH
    when = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return max(_ZIP_EPOCH, (when.year, when.month, when.day, when.hour, when.minute, when.second))


def _core(core: Any, doc: RenderDoc) -> None:
    from lxml import etree

    values = {
        f"{{{DC}}}title": doc.title,
        f"{{{CP}}}version": doc.version or ("草稿" if doc.draft_mark else ""),
        f"{{{DC}}}identifier": doc.commit or "",
        f"{{{DC}}}subject": doc.organisation,
        f"{{{CP}}}keywords": doc.draft_mark,
    }
    for tag, value in values.items():
        node = core.find(tag)
        if node is None:
            node = etree.SubElement(core, tag)
        node.text = value


def finish(path: Path, doc: RenderDoc, epoch: int | None = None) -> None:
    """Rewrite the DOCX at ``path`` in place with this render's touches; ``epoch`` is the
    SOURCE_DATE_EPOCH time for the core properties and the ZIP entries (None: no date)."""
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        parts = {info.filename: (info, z.read(info)) for info in z.infolist()}

    def edit(name: str, change: Callable[[Any], None]) -> Any:
        root = etree.fromstring(parts[name][1])
        change(root)
        parts[name] = (
            parts[name][0],
            etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True),
        )
        return root

    def body(d: Any) -> None:
        _title(d, doc.lines)
        if doc.addressee:
            _addressee(d, doc.addressee)
        docx_tables.tables(d)
        if doc.organisation:
            _signature(d, doc)

    document = edit("word/document.xml", body)
    if doc.bold_level3:
        edit("word/styles.xml", _bold_level3)
    if doc.draft_mark:
        rels = etree.fromstring(parts["word/_rels/document.xml.rels"][1])
        for target in _header_targets(document, rels):
            edit(target, lambda h: _draft_header(h, doc.draft_mark))
    edit("docProps/core.xml", lambda c: (_core(c, doc), _core_dates(c, epoch)))
    tmp = path.with_name(path.name + ".z")
    stamp = _zip_time(epoch)
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts.values():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            z.writestr(entry, data)
    os.replace(tmp, path)
