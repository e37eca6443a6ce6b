"""Content beyond plain paragraphs (tables), rendered in the three formats and measured.

The same text must reach the PDF (pdftotext), the DOCX (python-docx) and the HTML; a table is
ruled in all three and its cells are not indented like body paragraphs.
"""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pymupdf
import pytest
from docx.oxml.ns import qn
from page_measure import CELL, LEFT, measure
from render_helpers import SHA, copy_sample, tool

from reportflow.content.model import load_report
from reportflow.render import render_report

TABLE = """
| 项目 | 数量 | 说明 |
|------|------|------|
| 召开党组会议 | 12次 | 研究重大事项 |
| 开展专题学习 | 8次 | 理论学习中心组 |
"""
CELLS = ["项目", "数量", "说明", "召开党组会议", "12次", "研究重大事项", "开展专题学习", "8次"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("fixtures")
    folder = copy_sample(out / "report", sections={"02-problems.md": TABLE})
    report = load_report(folder)
    return render_report(report, ["docx", "pdf", "html"], out / "build", draft=False, commit=SHA)


def test_table_text_in_all_three_formats(rendered) -> None:
    pdf = re.sub(r"\s+", "", tool("pdftotext", rendered["pdf"], "-"))
    html = re.sub(r"<[^>]+>|\s+", "", rendered["html"].read_text(encoding="utf-8"))
    document = docx.Document(str(rendered["docx"]))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    for text in CELLS:
        assert text in pdf and text in html and text in cells, text


def test_docx_table_ruled_and_cells_unindented(rendered) -> None:
    document = docx.Document(str(rendered["docx"]))
    (table,) = document.tables
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.tag.split("}")[1]: b.get(qn("w:val")) for b in borders} == dict.fromkeys(
        ("top", "left", "bottom", "right", "insideH", "insideV"), "single"
    )
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                ppr = p._p.pPr
                assert ppr.find(qn("w:ind")).get(qn("w:firstLine")) == "0"
                spacing = ppr.find(qn("w:spacing"))
                assert (spacing.get(qn("w:line")), spacing.get(qn("w:lineRule"))) == (
                    "240",
                    "auto",
                )


def test_pdf_table_cells_unindented_and_ruled(rendered) -> None:
    m = measure(rendered["pdf"])
    lines = [ln for p in m.pages for ln in p.lines]
    cell_line = next(ln for ln in lines if ln.text.startswith("召开党组会议"))
    with pymupdf.open(str(rendered["pdf"])) as document:
        page = next(p for p in document if "召开党组会议" in p.get_text())
        strokes = [d["rect"] for d in page.get_drawings() if d.get("color") is not None]
    assert len(strokes) >= 4  # ruled: lines round the cells
    left_rule = min(r.x0 for r in strokes)
    assert left_rule >= LEFT - 0.5
    # An inset (0.3 em) from the rule, not the body's two-character indent.
    assert 0 < cell_line.x0 - left_rule < CELL / 2


def test_html_table_cells_unindented(rendered) -> None:
    html = rendered["html"].read_text(encoding="utf-8")
    assert "<table" in html
    assert "main.gongwen td p, main.gongwen th p { text-indent: 0; }" in html


def test_html_print_has_page_numbers_and_no_draft_box(tmp_path: Path) -> None:
    """Printed, the draft mark goes to the top margin and behind the text, never over it;
    page numbers come from @page margin boxes (odd right, even left)."""
    report = load_report(copy_sample(tmp_path / "report"))
    html = render_report(report, ["html"], tmp_path / "out", draft=True, commit=SHA)["html"]
    text = html.read_text(encoding="utf-8")
    css = re.sub(r"\s+", " ", text)
    assert '@page :right { @bottom-right { content: "— " counter(page) " —";' in css
    assert '@page :left { @bottom-left { content: "— " counter(page) " —";' in css
    assert f'@page {{ @top-right {{ content: "草稿 {SHA[:7]}";' in css
    printed = css[css.index("@media print") :]
    assert ".draft-mark { display: none; }" in printed
    assert "z-index: -1" in css


def test_a_table_longer_than_a_page_breaks_across_pages(tmp_path: Path) -> None:
    """Its header row repeated on the next page, every row printed once, nothing drawn below
    the type area (an unbreakable table piled its last rows up there)."""
    from page_measure import BOTTOM

    rows = "\n".join(f"| 第{i}项 | {i}次 | 说明{i} |" for i in range(1, 61))
    table = f"\n| 项目 | 数量 | 说明 |\n|------|------|------|\n{rows}\n\n表后的正文。\n"
    folder = copy_sample(tmp_path / "report", sections={"01-situation.md": table})
    path = render_report(load_report(folder), ["pdf"], tmp_path / "out", draft=True, commit=SHA)
    m = measure(path["pdf"])
    texts = [ln.text.replace(" ", "") for _, ln in m.body_lines]
    for i in range(1, 61):
        assert sum(t.startswith(f"第{i}项{i}次") for t in texts) == 1, i
    assert sum(t == "项目数量说明" for t in texts) >= 2  # the header on each page of it
    assert all(ln.glyphs[0].bottom <= BOTTOM + 0.5 for _, ln in m.body_lines)
