"""DOCX tables ruled as offices rule them, and as tall as a whole number of grid lines.

GB/T 9704 leaves tables to the drafter; offices rule them with single lines, the cell text
unindented and single-spaced. The page's 28.95 pt line grid (5.2.3) must go on below a table,
and neither Word nor LibreOffice puts the paragraph after a table back on the grid: a line
snapped to a ``lines`` grid takes whole grid lines (ECMA-376 17.6.5), but where the paragraph
starts is wherever the table ended. LibreOffice snaps a paragraph's position to the page's grid
only in its "square page mode", and its DOCX import turns that mode off for every document with
a grid (writerfilter PropertyMap.cxx, SectionPropertyMap::CloseSectionGroup:
``setPropertyValue("DefaultPageMode", false)``). So the table itself is made a whole number of
lines tall.

How: every row gets ``w:trHeight hRule="atLeast"`` of whole pitches (17.4.80: the row is at
least that tall; Word adds only the largest bottom cell padding to it, MS-OI29500 2.1.180, and
ours is 0), enough for its cell text at single spacing by a cautious estimate (line count from
the column widths, a line height of 1.4 em), so that the minimum, not the text, decides the
height. Measured in LibreOffice 7.4: a row's rules lie inside its height except the table's
bottom rule, which comes below the last row (0.5 pt off the grid), so the last row is shorter by
that rule's width. If the estimate is short (a cell with more lines than counted), the row
grows to fit its text: off the grid, never cut (an exact height would clip it). Rows up to
half a page do not split across pages (``cantSplit``), so a table broken over pages keeps
whole rows, and whole lines, on each; a taller row breaks where the page ends.
"""

from __future__ import annotations

import math
from typing import Any

from reportflow.render import layout as L

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

#: The rules: single lines of 4 eighths of a point (0.5 pt) round every cell.
RULE_SZ = 4
RULE_TW = RULE_SZ * 20 // 8
#: A cautious single-spaced line height, in em: the cells' 仿宋 measures 1.3 (FandolFang in
#: LibreOffice: 20.8 pt lines at 16 pt); more than the font's keeps the minimum deciding.
LINE_EM = 1.4
#: Rows up to half a page are kept whole on one page (``cantSplit``); a taller row may break.
#: LibreOffice 7.4 drops a line at each page break of a ``cantSplit`` row it must break
#: anyway (taller than a page, at least its ``trHeight``): measured, 4 of 160 sentences of a
#: 1,900-character cell missing over 5 pages, none without ``cantSplit``.
MAX_WHOLE_ROW = L.LINES_PER_PAGE // 2
#: Word's default left and right cell margins (108 tw), pandoc's ``Table`` style's too.
CELL_MARGIN_TW = 108

#: tblPr children after tblBorders, tblLayout and tblW (ECMA-376 17.4.60's sequence).
_TBL_AFTER_BORDERS = ("shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption")
_TBL_AFTER_LAYOUT = ("tblCellMar", "tblLook", "tblCaption", "tblDescription")
_TBL_AFTER_WIDTH = ("jc", "tblCellSpacing", "tblInd", "tblBorders", *_TBL_AFTER_BORDERS)
#: tcPr children after tcBorders, and after vAlign (ECMA-376 17.4.70's sequence; trPr's
#: children are a choice, in any order).
_TCPR_AFTER_BORDERS = ("shd", "noWrap", "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark")
_TCPR_AFTER_VALIGN = ("hideMark", "headers", "cellIns", "cellDel", "cellMerge", "tcPrChange")


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


#: pPr children that come before snapToGrid/spacing/ind (ECMA-376 17.3.1.26's sequence).
_BEFORE_SPACING = frozenset(
    _w(t)
    for t in [
        "pStyle",
        "keepNext",
        "keepLines",
        "pageBreakBefore",
        "framePr",
        "widowControl",
        "numPr",
        "suppressLineNumbers",
        "pBdr",
        "shd",
        "tabs",
        "suppressAutoHyphens",
        "kinsoku",
        "wordWrap",
        "overflowPunct",
        "topLinePunct",
        "autoSpaceDE",
        "autoSpaceDN",
        "bidi",
        "adjustRightInd",
    ]
)


def _node(tag: str, **attrs: str) -> Any:
    from lxml import etree

    node = etree.Element(_w(tag))
    for key, value in attrs.items():
        node.set(_w(key), value)
    return node


def _child(parent: Any, tag: str, at: int = -1) -> Any:
    """``parent``'s ``tag`` child, made at index ``at`` (-1: last) when it has none."""
    node = parent.find(_w(tag))
    if node is None:
        node = _node(tag)
        parent.insert(len(parent) if at < 0 else at, node)
    return node


def _insert_before(parent: Any, node: Any, successors: tuple[str, ...]) -> None:
    """``node`` under ``parent`` in the schema's order: before the first of ``successors``."""
    for old in parent.findall(node.tag):
        parent.remove(old)
    after = next((c for c in parent if c.tag in {_w(t) for t in successors}), None)
    after.addprevious(node) if after is not None else parent.append(node)


def _rule(tag: str) -> Any:
    return _node(tag, val="single", sz=str(RULE_SZ), space="0", color="000000")


def cell_lines(texts: list[str], width_tw: int) -> int:
    """Lines the cell's paragraphs take at single spacing, counted cautiously: characters
    as 16 pt (the 28-character pitch is 15.75 pt), and one character less on every line but
    the last for a 禁则 pair or a Latin word pushed down whole."""
    per_line = max(1, (width_tw - 2 * CELL_MARGIN_TW) // round(L.BODY_PT * 20))
    lines = 0
    for text in texts:
        chars = L.width_chars(text)
        lines += 1 if chars <= per_line else math.ceil(chars / max(1, per_line - 1))
    return max(1, lines)


def row_pitches(lines: int) -> int:
    """Whole grid lines that hold ``lines`` single-spaced lines and the rule above them."""
    height_tw = lines * LINE_EM * L.BODY_PT * 20 + RULE_TW
    return max(1, math.ceil(height_tw / L.LINE_PITCH_TW))


def _paragraph_texts(cell: Any) -> list[str]:
    """The cell's text, one string per paragraph or line break."""
    texts = []
    for p in cell.iter(_w("p")):
        parts = [""]
        for node in p.iter(_w("t"), _w("br")):
            if node.tag == _w("br"):
                parts.append("")
            else:
                parts[-1] += node.text or ""
        texts.extend(parts)
    return texts


def _cell_paragraphs(cell: Any) -> None:
    """Unindented, single-spaced, off the body's grid (pandoc's cell style is the body's
    Compact: indented, on exact 28.95 pt lines)."""
    for p in cell.iter(_w("p")):
        ppr = _child(p, "pPr", 0)
        for tag in ("snapToGrid", "spacing", "ind"):
            for old in ppr.findall(_w(tag)):
                ppr.remove(old)
        at = sum(1 for c in ppr if c.tag in _BEFORE_SPACING)
        new = [
            _node("snapToGrid", val="0"),
            _node("spacing", before="0", after="0", line="240", lineRule="auto"),
            _node("ind", firstLine="0", firstLineChars="0"),
        ]
        for offset, node in enumerate(new):
            ppr.insert(at + offset, node)


def _cell_frame(cell: Any, header: bool) -> None:
    """Text centred in the row's whole lines; a header cell's rule below it as the others
    (pandoc's Table style gives the first row a bottom border of its own size, drawn 0.75 pt
    by LibreOffice, and bottom alignment)."""
    tcpr = _child(cell, "tcPr", 0)
    if header:
        borders = _node("tcBorders")
        borders.append(_rule("bottom"))
        _insert_before(tcpr, borders, _TCPR_AFTER_BORDERS)
    _insert_before(tcpr, _node("vAlign", val="center"), _TCPR_AFTER_VALIGN)


def _full_width(table: Any, tblpr: Any) -> list[int]:
    """The columns at fixed widths in twips, in pandoc's proportions, across the type area or
    the share of it pandoc gave (``tblW type="pct"``, from a table's relative widths): pandoc
    sizes its grid for a page of 7920 tw, and writes a table without widths as
    ``tblW type="auto"``, which LibreOffice stretches to the full width (writerfilter gives it
    HoriOrientation FULL, as typst does) while Word would keep pandoc's narrower grid and fit
    columns to their content, wrapping the cells differently. Fixed widths (ECMA-376 17.4.53,
    17.4.64) make the columns, and the line count ``cell_lines`` estimates from them, the same
    in both; a narrower table is centred, as in the PDF. Returns the columns' widths."""
    grid = table.findall(f"{_w('tblGrid')}/{_w('gridCol')}")
    old = [int(c.get(_w("w"), "0") or 0) for c in grid]
    if not grid or not all(old):
        return []
    width = tblpr.find(_w("tblW"))
    share = 5000
    if width is not None and width.get(_w("type")) == "pct":
        value = width.get(_w("w"), "5000")  # fiftieths of a percent, or "50%" (17.18.107)
        try:
            share = round(float(value[:-1]) * 50) if value.endswith("%") else int(value)
        except ValueError:
            share = 5000
        share = max(1, min(5000, share))
    total = L.TYPE_W_TW * share // 5000
    cols = [round(w * total / sum(old)) for w in old]
    cols[-1] += total - sum(cols)
    for col, w in zip(grid, cols, strict=True):
        col.set(_w("w"), str(w))
    _insert_before(tblpr, _node("tblW", w=str(share), type="pct"), _TBL_AFTER_WIDTH)
    # Centred, as typst places a table narrower than the type area (17.4.28).
    _insert_before(tblpr, _node("jc", val="center"), _TBL_AFTER_WIDTH[1:])
    _insert_before(tblpr, _node("tblLayout", type="fixed"), _TBL_AFTER_LAYOUT)
    return cols


def _row_heights(table: Any, cols: list[int]) -> None:
    rows = table.findall(_w("tr"))
    for n, row in enumerate(rows):
        cells = row.findall(_w("tc"))
        at = 0
        lines = 1
        for cell in cells:
            span_node = cell.find(f"{_w('tcPr')}/{_w('gridSpan')}")
            span = int(span_node.get(_w("val"), "1")) if span_node is not None else 1
            width = sum(cols[at : at + span]) if cols else L.TYPE_W_TW // max(1, len(cells))
            at += span
            lines = max(lines, cell_lines(_paragraph_texts(cell), width))
        pitches = row_pitches(lines)
        height = pitches * L.LINE_PITCH_TW - (RULE_TW if n == len(rows) - 1 else 0)
        trpr = _child(row, "trPr", 0)
        header = trpr.find(_w("tblHeader")) is not None
        if pitches <= MAX_WHOLE_ROW:
            _insert_before(trpr, _node("cantSplit"), ())
        _insert_before(trpr, _node("trHeight", val=str(height), hRule="atLeast"), ())
        for cell in cells:
            _cell_frame(cell, header)
            _cell_paragraphs(cell)


def tables(document: Any) -> None:
    """Every table of ``document`` (word/document.xml's root) ruled and on whole lines."""
    for table in document.iter(_w("tbl")):
        tblpr = _child(table, "tblPr", 0)
        borders = _node("tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            borders.append(_rule(edge))
        _insert_before(tblpr, borders, _TBL_AFTER_BORDERS)
        _row_heights(table, _full_width(table, tblpr))
