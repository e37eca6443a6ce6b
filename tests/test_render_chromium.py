"""The HTML as headless Chromium prints it (Playwright with Debian's chromium), measured like
the PDFs: the 草稿 label in the top margin and never over the title or the text, the title
centred, 22 lines a full page, page numbers "— n —" 7 mm below the type area, odd pages right
and even pages left. The first page is kept as build/test-artifacts/sample-page1-chromium.png."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pytest
from page_measure import (
    CENTRE,
    LEFT,
    PT_PER_MM,
    RIGHT,
    TOP,
    Measured,
    chromium_pdf,
    dash_top,
    measure,
    page_count,
    png,
)
from render_helpers import SHA, copy_sample

from reportflow.content.model import load_report
from reportflow.render import layout as L
from reportflow.render import render_report

ARTIFACTS = Path(__file__).resolve().parents[1] / "build" / "test-artifacts"


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Measured, int]:
    out = tmp_path_factory.mktemp("chromium")
    report = load_report(copy_sample(out / "report", extra_yaml="render:\n  date: '2023-01-10'\n"))
    paths = render_report(report, ["html", "pdf"], out / "build", draft=True, commit=SHA)
    pdf = chromium_pdf(paths["html"], out / "chromium.pdf")
    png(pdf, ARTIFACTS / "sample-page1-chromium.png")
    return pdf, measure(pdf), page_count(paths["pdf"])


def test_draft_label_in_the_top_margin_not_over_the_title(printed) -> None:
    """The screen's boxed 草稿 label printed over the title: in print it is the @top-right
    margin box, on every page, wholly above the type area."""
    _, m, _ = printed
    for page in m.pages:
        labels = [ln for ln in page.lines if ln.text.startswith(L.DRAFT_WORD)]
        assert [ln.text for ln in labels] == [f"{L.DRAFT_WORD} {SHA[:7]}"], page.number
        assert max(g.bottom for g in labels[0].glyphs) < TOP, page.number
    title = [ln for ln in m.pages[0].lines if abs(ln.size - L.TITLE_PT) < 0.6]
    assert [ln.text for ln in title] == ["区政府党组2022年政治生态自评情况报告"]
    assert abs(title[0].centre - CENTRE) < 1 * PT_PER_MM


def test_full_pages_of_22_lines_and_the_page_count_of_the_pdf(printed) -> None:
    """Chromium rounds the 28.95 pt line boxes to whole CSS pixels (28.5 / 29.25 pt), 22 of
    them still fill the type area; 28 characters on most full lines (letter-spacing)."""
    _, m, typst_pages = printed
    assert abs(len(m.pages) - typst_pages) <= 1
    for page in m.pages[1:-1]:
        body = page.body()
        assert len(body) == L.LINES_PER_PAGE, page.number
        # Each font puts its baseline where its ascent falls in the 28.95 pt box (黑体 headings
        # 1 pt lower than 仿宋): single steps within 1.5 pt, the page's lines on the pitch.
        for a, b in itertools.pairwise(body):
            assert abs((b.y - a.y) - L.LINE_PITCH_PT) < 1.5, page.number
        pitch = (body[-1].y - body[0].y) / (len(body) - 1)
        assert abs(pitch - L.LINE_PITCH_PT) < 0.1, page.number
    full = m.full_lines()
    cells = Counter(line.cells() for line in full)
    assert cells[28.0] / len(full) > 0.75, sorted(cells.items())
    assert all(over < 1.0 for _, _, over in m.outside()), m.outside()
    for page in m.pages:
        for line in page.body():
            assert line.x0 > LEFT - 1.0 and line.x1 < RIGHT + 1.0


def test_page_numbers_7mm_below_outside_edge(printed) -> None:
    path, m, _ = printed
    for page in m.pages:
        (number,) = page.footer()
        assert number.text.replace(" ", "") == f"—{page.number}—"
        if page.number % 2:
            assert abs((RIGHT - number.x1) - L.PAGE_NUMBER_PT) < 1.0
        else:
            assert abs((number.x0 - LEFT) - L.PAGE_NUMBER_PT) < 1.0
    for page in m.pages[:2]:
        (number,) = page.footer()
        below = dash_top(path, page.number, number) - (TOP + L.TYPE_H_MM * PT_PER_MM)
        assert abs(below / PT_PER_MM - 7.0) < 0.5, page.number


def test_signature_one_line_below_the_text(printed) -> None:
    _, m, _ = printed
    *text, signature, date = m.pages[-1].body()
    assert signature.text == "区政府党组" and date.text.replace(" ", "") == "2023年1月10日"
    assert abs((signature.y - text[-1].y) - 2 * L.LINE_PITCH_PT) < 1.0
