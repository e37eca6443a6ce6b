"""The DOCX as LibreOffice headless lays it out, measured like the typst PDF.

No Word on Linux: LibreOffice (Debian libreoffice-writer-nogui, installed by `make deb`) is the
independent reader of our DOCX, with the repository's fontconfig aliases for the official font
names. The first page is kept as build/test-artifacts/sample-page1-libreoffice.png.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from page_measure import CELL, CENTRE, PT_PER_MM, RIGHT, Measured, libreoffice_pdf, measure, png
from render_helpers import SHA, copy_sample

from reportflow.content.model import load_report
from reportflow.render import layout as L
from reportflow.render import render_report

ARTIFACTS = Path(__file__).resolve().parents[1] / "build" / "test-artifacts"
LEVEL2 = "（一）第二级标题用楷体"


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Measured, Measured]:
    out = tmp_path_factory.mktemp("lo")
    folder = copy_sample(
        out / "report",
        extra_yaml="render:\n  date: '2023-01-10'\n",
        sections={"03-measures.md": f"\n## {LEVEL2}\n\n第二级标题下的正文。\n"},
    )
    paths = render_report(
        load_report(folder), ["docx", "pdf"], out / "build", draft=False, commit=SHA
    )
    pdf = libreoffice_pdf(paths["docx"], out / "lo")
    png(pdf, ARTIFACTS / "sample-page1-libreoffice.png")
    return measure(pdf), measure(paths["pdf"])


def test_same_pages_as_the_pdf_22_lines_each(converted) -> None:
    lo, typst = converted
    assert abs(len(lo.pages) - len(typst.pages)) <= 1
    for page in lo.pages[1:-1]:
        assert len(page.body()) == L.LINES_PER_PAGE, page.number


def test_28_characters_a_line(converted) -> None:
    """The character spacing gives 28 cells: at least 80 % of the full lines hold exactly
    28, none fewer than 26.5 (a 禁则 push-out and half-width digits). LibreOffice 7.4 lets
    a line-end mark overflow now and then although overflowPunct is off: at most 3 % of lines."""
    lo, _ = converted
    full = lo.full_lines()
    cells = Counter(line.cells() for line in full)
    assert cells[28.0] / len(full) > 0.8, sorted(cells.items())
    assert min(cells) >= 26.5
    over = [line.text for line in full if line.x1 > RIGHT + 1]
    assert len(over) <= 0.03 * len(full), over


def test_title_centred_and_signature_placed(converted) -> None:
    lo, _ = converted
    (title,) = [ln for ln in lo.pages[0].lines if abs(ln.size - L.TITLE_PT) < 0.6]
    assert abs(title.centre - CENTRE) < 1 * PT_PER_MM
    *text, signature, date = lo.pages[-1].body()
    assert signature.text == "区政府党组"
    assert date.text.replace(" ", "") == "2023年1月10日"
    assert abs((signature.y - text[-1].y) - 2 * L.LINE_PITCH_PT) < 0.5
    assert abs((RIGHT - date.x1) - 2 * CELL) < 1.5


def _fonts(measured: Measured, text: str) -> set[str]:
    return {f for _, ln in measured.body_lines if ln.text.startswith(text) for f in ln.fonts}


def test_each_role_in_its_own_font(converted) -> None:
    """fonts.conf maps 仿宋_GB2312 → FandolFang, 楷体_GB2312 → FandolKai, 黑体 → Noto Sans CJK,
    方正小标宋简体 → Noto Serif CJK Bold, 宋体 → Noto Serif CJK (page numbers)."""
    lo, _ = converted
    assert _fonts(lo, "今年以来") == {"FandolFang-Regular"}
    heading = _fonts(lo, "一、政治生态")
    assert heading and all(f.startswith("NotoSansCJK") for f in heading)
    assert _fonts(lo, LEVEL2) == {"FandolKai-Regular"}
    title = next(ln for ln in lo.pages[0].lines if abs(ln.size - L.TITLE_PT) < 0.6)
    assert all(f.startswith("NotoSerifCJK") and "Bold" in f for f in title.fonts)
    (number,) = lo.pages[0].footer()
    assert all(f.startswith("NotoSerifCJK") for f in number.fonts)
