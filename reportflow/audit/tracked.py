"""A version diff as a Word document with real tracked changes, in the GB/T 9704 layout.

Each insertion is a ``w:ins`` and each deletion a ``w:del`` (its text in ``w:delText``), with
``w:author`` the person who made the change (``versions.py`` says how that is found) and
``w:date`` when they made it, so Word's and WPS's "accept / reject change" work on them, and a
wholly inserted or deleted paragraph has its paragraph mark tracked too (accepting a deletion
removes the paragraph, not just its text). The document starts from the render's reference
document (``render.word.REFERENCE_DOCX``: page, fonts, heading styles), emptied of its sample
paragraphs, and is written with python-docx (lxml for the two elements it has no API for).

``w:author`` is the person's printed name, suffixed "（自称）" ("(claimed)" in English) unless
the change's commit is among ``verified`` (its signature verified with a key the roster lists
for that person, ``audit.edits.signers``). Why in the name: Word and WPS show the author in
every change balloon and in the reviewing pane, and have no field for "unverified"; a bare
name reads as a fact there, while who made a commit is only what its e-mail claims. The name
stays first, so a person's changes still sort together, and only claimed ones get the suffix,
so a verified author reads as Word users expect and Word's "show changes by reviewer" filter
lists the claimed changes apart. A paragraph under the title says what the mark means, and
that ``w:date`` is the date git records (anyone's to set) in either case.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reportflow.audit.textdiff import Para, Piece
from reportflow.audit.versions import By, VersionDiff
from reportflow.core.i18n import _
from reportflow.render.word import REFERENCE_DOCX

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _date(when: str) -> str:
    """xsd:dateTime in UTC, as Word writes it."""
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return "1970-01-01T00:00:00Z"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def author(by: By, verified: Collection[str]) -> str:
    """The ``w:author`` of a change: the printed name (else the person), "（自称）" after it
    unless ``by.commit`` is verified."""
    who = by.name or by.person
    return who if by.commit in verified else _("{person} (claimed)").format(person=who)


class Writer:
    def __init__(self) -> None:
        import docx
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        self.docx, self.el, self.qn = docx, OxmlElement, qn
        self.document = docx.Document(str(REFERENCE_DOCX))
        body = self.document.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):
                body.remove(child)
        self.next_id = 1
        self.styles: dict[str, str] = {}
        self.verified: Collection[str] = frozenset()  # commits whose author is verified
        self.end = body.find(qn("w:sectPr"))  # paragraphs go before the section properties

    def _mark(self, tag: str, by: By) -> Any:
        node = self.el(tag)
        node.set(self.qn("w:id"), str(self.next_id))
        node.set(self.qn("w:author"), author(by, self.verified))
        node.set(self.qn("w:date"), _date(by.when))
        self.next_id += 1
        return node

    def _run(self, text: str, deleted: bool = False) -> Any:
        run = self.el("w:r")
        t = self.el("w:delText" if deleted else "w:t")
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        t.text = _XML_BAD.sub("\ufffd", text)  # XML 1.0 has no control characters
        run.append(t)
        return run

    def paragraph(self, style: str, pieces: list[Piece], ins: By | None, dels: By | None,
                  whole: str = "") -> None:  # fmt: skip
        """``whole``: ``+`` or ``-`` when the paragraph itself is inserted or deleted."""
        # The paragraph is built with lxml, its style given by id: python-docx's
        # add_paragraph(style=) scans every style for the default one each time (a quarter
        # of a 100-section diff's time).
        if style not in self.styles:
            self.styles[style] = self.document.styles[style].style_id
        p = self.el("w:p")
        ppr, pstyle = self.el("w:pPr"), self.el("w:pStyle")
        pstyle.set(self.qn("w:val"), self.styles[style])  # what pPr.style = … writes, less
        ppr.append(pstyle)  # python-docx's search for where the child goes (a tenth of write)
        p.append(ppr)
        if self.end is not None:
            self.end.addprevious(p)
        else:
            self.document.element.body.append(p)
        if whole:
            by = ins if whole == "+" else dels
            if by is not None:
                rpr = self.el("w:rPr")
                rpr.append(self._mark("w:ins" if whole == "+" else "w:del", by))
                ppr.append(rpr)
        for piece in pieces:
            if piece.op == "=":
                p.append(self._run(piece.text))
            elif piece.op == "+" and ins is not None:
                mark = self._mark("w:ins", ins)
                mark.append(self._run(piece.text))
                p.append(mark)
            elif piece.op == "-" and dels is not None:
                mark = self._mark("w:del", dels)
                mark.append(self._run(piece.text, deleted=True))
                p.append(mark)

    def save(self, out: Path, title: str) -> Path:
        props = self.document.core_properties
        props.title, props.author = title, "reportflow"
        out.parent.mkdir(parents=True, exist_ok=True)
        self.document.save(str(out))
        return out


def _pieces(para: Para) -> list[Piece]:
    if para.op == "=":
        return [Piece("=", para.new)]
    if para.op == "+":
        return [Piece("+", para.new)]
    if para.op == "-":
        return [Piece("-", para.old)]
    return list(para.pieces)


def write(
    diff: VersionDiff,
    out: Path,
    w: Writer | None = None,
    verified: Collection[str] = frozenset(),
) -> Path:
    """``w``: a new ``Writer`` made beforehand (loading it takes a tenth of a second).
    ``verified``: the commits whose author is verified (default none: every author is
    claimed, which is all a diff that checked no signature can say)."""
    w = w if w is not None else Writer()
    w.verified = verified
    title = _("Changes in {title}: {old} -> {new}").format(
        title=diff.title, old=diff.old_rev, new=diff.new_rev
    )
    w.paragraph("Title", [Piece("=", diff.title)], None, None)
    w.paragraph("Body Text", [Piece("=", title)], None, None)
    note = _(
        "Each change's author is as git records it (an e-mail anyone can set) where marked "
        "(claimed); an author without the mark signed the commit with a key the roster lists "
        "for them. The dates are as recorded."
    )
    w.paragraph("Body Text", [Piece("=", note)], None, None)
    for sec in diff.sections:
        first = next(iter([*sec.inserted_by.values(), *sec.deleted_by.values()]), None)
        if sec.status == "added":
            w.paragraph("Heading 1", [Piece("+", sec.title)], first, None, "+")
        elif sec.status == "removed":
            w.paragraph("Heading 1", [Piece("-", sec.title)], None, first, "-")
        elif sec.old_title is not None and sec.old_title != sec.title:
            heading = [Piece("-", sec.old_title), Piece("+", sec.title)]
            w.paragraph("Heading 1", heading, first, first)
        else:
            w.paragraph("Heading 1", [Piece("=", sec.title)], None, None)
        for i, para in enumerate(sec.paras):
            whole = para.op if para.op in "+-" else ""
            ins, dels = sec.inserted_by.get(i), sec.deleted_by.get(i)
            w.paragraph("Body Text", _pieces(para), ins, dels, whole)
    return w.save(out, title)
