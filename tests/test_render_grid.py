"""Text after an image or a table stays on the page's line grid (GB/T 9704 5.2.3).

Measured on the typst PDF and on the DOCX as LibreOffice lays it out: every body line's
baseline, outside the image and the table themselves, lies a whole number of 28.95 pt pitches
below the first line of a full page, on every page, as on the pages without them.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from page_measure import TOP, Measured, libreoffice_pdf, measure, png
from render_helpers import SHA, copy_sample
from test_render_images import _png

from reportflow.content.model import load_report
from reportflow.render import layout as L
from reportflow.render import render_report

ARTIFACTS = Path(__file__).resolve().parents[1] / "build" / "test-artifacts"
AFTER_IMAGE = "图后的正文，检查它是否仍在行格上。图后的正文，检查它是否仍在行格上。图后的正文。"
AFTER_TABLE = "表后的正文，检查它是否仍在行格上。表后的正文，检查它是否仍在行格上。表后的正文。"
LONG_CELL = "深入基层一线开展调查研究，形成调研报告三篇，提出意见建议十二条"
ADDED = f"""
![图1 政治生态指标示意图](../images/chart.png)

{AFTER_IMAGE}

| 项目 | 数量 | 说明 |
|------|------|------|
| 召开党组会议 | 12次 | 研究重大事项 |
| 开展专题学习 | 8次 | 理论学习中心组 |
| 开展调查研究 | 3次 | {LONG_CELL} |

: 表1 党组工作情况

{AFTER_TABLE}
"""
#: The image's caption: not body text.
CAPTION = "图1"
#: The table's first line (its header row); every line from it to the text after the table is
#: a cell's (the long cell's second and third lines start anywhere in its text).
HEADER = "项目"


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture report's typst PDF and its DOCX as LibreOffice lays it out."""
    out = tmp_path_factory.mktemp("grid")
    folder = copy_sample(out / "report", sections={"01-situation.md": ADDED})
    (folder / "images").mkdir()
    (folder / "images" / "chart.png").write_bytes(_png(300, 150) + b"\0\0\0\0IEND\xaeB`\x82")
    paths = render_report(
        load_report(folder), ["docx", "pdf"], out / "build", draft=False, commit=SHA
    )
    return {"typst": paths["pdf"], "lo": libreoffice_pdf(paths["docx"], out / "lo")}


@pytest.fixture(scope="module")
def measured(pdfs: dict[str, Path]) -> dict[str, Measured]:
    found = {name: measure(pdf) for name, pdf in pdfs.items()}
    for name, pdf in pdfs.items():
        page = next(n for n, ln in found[name].body_lines if ln.text.startswith(AFTER_TABLE[:8]))
        png(pdf, ARTIFACTS / f"grid-after-table-{name}.png", page=page)
    return found


@pytest.fixture(scope="module")
def lo_rules(pdfs, measured) -> tuple[list[float], float, float]:
    """The table's horizontal rules on LibreOffice's page (their centre lines, top to bottom),
    the bottom rule's lower edge and the top rule's upper edge, in pt."""
    import pymupdf

    m = measured["lo"]
    page = next(n for n, ln in m.body_lines if ln.text.startswith(HEADER))
    with pymupdf.open(str(pdfs["lo"])) as document:
        drawings = document[page - 1].get_drawings()
    found: dict[float, float] = {}
    for d in drawings:
        for item in d["items"]:
            if item[0] == "l" and abs(item[1].y - item[2].y) < 0.01:
                found[round(item[1].y, 2)] = d.get("width") or 0.0
            elif item[0] == "re" and item[1].height < 2 and item[1].width > 20:
                found[round((item[1].y0 + item[1].y1) / 2, 2)] = item[1].height
    rules = sorted(found)
    return rules, rules[-1] + found[rules[-1]] / 2, rules[0] - found[rules[0]] / 2


def _off_grid(m: Measured, slack: float) -> list[tuple[int, str, float]]:
    """(page, line, pt off the grid) of every body line not on the grid. The grid's origin is
    the first line of the second page, a full page of text."""
    origin = m.pages[1].body()[0].y - TOP
    bad = []
    in_table = False
    for number, line in m.body_lines:
        in_table = (in_table or line.text.startswith(HEADER)) and not line.text.startswith(
            AFTER_TABLE[:8]
        )
        if in_table or line.text.startswith(CAPTION):
            continue
        rest = (line.y - TOP - origin) % L.LINE_PITCH_PT
        off = min(rest, L.LINE_PITCH_PT - rest)
        if off > slack:
            bad.append((number, line.text[:12], round(off, 2)))
    return bad


def _lines_after(m: Measured, text: str) -> int:
    return sum(1 for _, ln in m.body_lines if ln.text.startswith(text[:8]))


def test_typst_text_after_an_image_and_a_table_on_the_grid(measured) -> None:
    m = measured["typst"]
    assert _lines_after(m, AFTER_IMAGE) == 1 and _lines_after(m, AFTER_TABLE) == 1
    assert _off_grid(m, 0.3) == []


def test_libreoffice_text_after_an_image_on_the_grid(measured) -> None:
    """The image's paragraph is on the DOCX line grid (single spacing, snapToGrid on): it
    takes whole grid lines. 1 pt of slack: LibreOffice sets the 黑体 headings' baseline 0.7 pt
    off their exact line box."""
    m = measured["lo"]
    after_image = [b for b in _off_grid(m, 1.0) if b[1].startswith(AFTER_IMAGE[:8])]
    assert _lines_after(m, AFTER_IMAGE) == 1 and after_image == []


def test_libreoffice_text_after_a_table_on_the_grid(measured) -> None:
    """The table is a whole number of lines tall (docx_tables: every row at least whole
    pitches, the last one less its bottom rule), so the text after it is back on the grid; it
    was 1.95 pt off with rows at their text's height plus the rules. The table's caption (above
    it in the DOCX) on the lines too (pandoc's Table Caption style put 6 pt after it, and the
    table and all below 6 pt off). Every line within 1 pt
    (the 黑体 headings' 0.7 pt, as after the image), the text after the table within 0.3 pt."""
    m = measured["lo"]
    assert _lines_after(m, AFTER_TABLE) == 1
    assert _off_grid(m, 1.0) == []
    assert [b for b in _off_grid(m, 0.3) if b[1].startswith((AFTER_TABLE[:8], "表1"))] == []
    assert any(ln.text.startswith("表1") for _, ln in m.body_lines)


def test_libreoffice_table_rows_take_whole_lines_and_the_long_cell_all_its_text(
    measured, lo_rules
) -> None:
    """Measured on the page: the rules between rows lie whole pitches apart (one line for a
    one-line row, three for the long cell's), the bottom rule ends on a grid line, and the long
    cell's text is all there (a row grows rather than cut its text)."""
    rules, bottom_edge, top_edge = lo_rules
    gaps = [round((b - a) / L.LINE_PITCH_PT, 2) for a, b in itertools.pairwise(rules)]
    assert len(gaps) == 4 and all(abs(g - round(g)) < 0.03 for g in gaps), gaps
    assert [round(g) for g in gaps[:3]] == [1, 1, 1] and round(gaps[3]) >= 2
    height = (bottom_edge - top_edge) / L.LINE_PITCH_PT
    assert abs(height - round(height)) < 0.01, height
    lines = [ln for _, ln in measured["lo"].body_lines]
    header = next(ln for ln in lines if ln.text.startswith(HEADER))
    column = next(g.x for g in header.glyphs if g.char == "说") - 1  # the third column's left
    after = next(i for i, ln in enumerate(lines) if ln.text.startswith(AFTER_TABLE[:8]))
    third = "".join(
        g.char for ln in lines[lines.index(header) : after] for g in ln.glyphs if g.x >= column
    )
    assert LONG_CELL in third.replace(" ", "")


def test_libreoffice_a_cell_taller_than_a_page_keeps_every_line(tmp_path: Path) -> None:
    """A row taller than a page breaks across pages with all its text: marked ``cantSplit``
    (as the rows up to half a page are), LibreOffice 7.4 broke it anyway and dropped a line
    at each break (4 of these 160 sentences missing)."""
    sentence = "这是一段很长的说明文字。"
    table = f"\n| 项目 | 说明 |\n|---|---|\n| 甲 | {sentence * 160} |\n\n{AFTER_TABLE}\n"
    folder = copy_sample(tmp_path / "report", sections={"01-situation.md": table})
    paths = render_report(load_report(folder), ["docx"], tmp_path / "out", draft=False, commit=SHA)
    m = measure(libreoffice_pdf(paths["docx"], tmp_path / "lo"))
    pages = {n for n, ln in m.body_lines if sentence[:4] in ln.text}
    assert len(pages) >= 4  # the row runs over several pages
    assert sum(ln.text.count("这") for p in m.pages for ln in p.lines) == 160
    assert _lines_after(m, AFTER_TABLE) == 1
