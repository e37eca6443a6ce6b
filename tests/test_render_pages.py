"""The typst PDF measured on the page: title, grid, margins, signature, page numbers, bytes.

These read glyph positions (tests/page_measure.py), not the template's settings, so a setting
typst ignores or overrides fails here. The sample's first page is kept as a PNG under
build/test-artifacts/ to look at.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pymupdf
import pytest
from page_measure import (
    BOTTOM,
    CELL,
    CENTRE,
    CLOSING,
    LEFT,
    OPENING,
    PT_PER_MM,
    RIGHT,
    TOP,
    Measured,
    dash_top,
    measure,
    png,
    why_not_28,
)
from render_helpers import SHA, copy_sample

from reportflow.content.model import load_report
from reportflow.render import layout as L
from reportflow.render import render_report

ARTIFACTS = Path(__file__).resolve().parents[1] / "build" / "test-artifacts"


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Measured]:
    out = tmp_path_factory.mktemp("pages")
    report = load_report(copy_sample(out / "report", extra_yaml="render:\n  date: '2023-01-10'\n"))
    path = render_report(report, ["pdf"], out / "build", draft=False, commit=SHA)["pdf"]
    png(path, ARTIFACTS / "sample-page1-typst.png")
    return path, measure(path)


def test_title_is_centred_on_the_type_area(sample_pdf) -> None:
    _, m = sample_pdf
    title = [ln for ln in m.pages[0].lines if abs(ln.size - L.TITLE_PT) < 0.6]
    assert len(title) == 1
    assert abs(title[0].centre - CENTRE) < 1 * PT_PER_MM


def test_full_pages_hold_22_lines_on_the_pitch(sample_pdf) -> None:
    _, m = sample_pdf
    assert len(m.pages) == 7
    for page in m.pages[1:-1]:
        body = page.body()
        assert len(body) == L.LINES_PER_PAGE, page.number
        steps = {round(b.y - a.y, 2) for a, b in itertools.pairwise(body)}
        assert steps == {L.LINE_PITCH_PT}, page.number
        assert body[0].glyphs[0].top >= TOP - 0.5 and body[-1].glyphs[0].bottom <= BOTTOM + 0.5


def test_every_full_line_holds_28_characters(sample_pdf) -> None:
    """28 cells a line; punctuation full width. Only a 禁则 pair moved down whole (推出) leaves
    27 characters spread over the line, and an odd number of half-width digits or asterisks
    half a cell (page_measure.why_not_28): on the sample 101 of 122, 14 push-outs, 7
    half-width. Every full line reaches both edges of the type area."""
    _, m = sample_pdf
    full = m.full_lines()
    lines = [ln for _, ln in m.body_lines]
    following = {id(a): b for a, b in itertools.pairwise(lines)}
    assert len(full) > 100
    exact = 0
    for line in full:
        assert abs(line.x1 - RIGHT) < 0.5, line.text
        if line.cells() == L.CHARS_PER_LINE:
            exact += 1
        else:
            assert why_not_28(line, following[id(line)]), line.text
        for a, b in zip(line.glyphs, line.glyphs[1:], strict=False):
            if a.char in CLOSING | OPENING:
                # Two 禁则 pairs in a row (》《) sit 0.66 pt closer (gongwen.typ): not squeezed.
                assert b.x - a.x >= CELL - 0.7, f"{a.char} squeezed in {line.text}"
    assert exact / len(full) > 0.8


def test_no_glyph_outside_the_type_area(sample_pdf) -> None:
    _, m = sample_pdf
    assert m.outside() == []
    for page in m.pages:
        for line in page.body(L.TITLE_PT):
            assert line.x0 >= LEFT - 0.5 and line.x1 <= RIGHT + 0.5


def test_signature_and_date_below_the_text(sample_pdf) -> None:
    """7.3.5.2 without a seal: one empty line, then the signature; the date on the next line
    starts two characters right of the signature's start. The date (6.5 characters) is longer
    than 区政府党组, so it ends two characters from the right and the signature moves left."""
    _, m = sample_pdf
    *text, signature, date = m.pages[-1].body()
    assert signature.text == "区政府党组" and date.text == "2023年1月10日"
    assert round(signature.y - text[-1].y, 2) == round(2 * L.LINE_PITCH_PT, 2)
    assert round(date.y - signature.y, 2) == L.LINE_PITCH_PT
    assert abs((RIGHT - date.x1) - 2 * CELL) < 0.5
    # Half-width digits are 7.78 pt, not half a 15.79 pt cell: 0.7 pt over the whole date.
    assert abs(date.x0 - (signature.x0 + 2 * CELL)) < 1.0


def test_page_numbers_outside_edge_one_character_in(sample_pdf) -> None:
    """7.5: "— 1 —" 7 mm below the type area; odd pages right, even pages left, one
    四号 character in from the edge."""
    path, m = sample_pdf
    for page in m.pages[:2]:
        (number,) = page.footer()
        assert number.text.replace(" ", "") == f"—{page.number}—"
        if page.number % 2:
            assert abs((RIGHT - number.x1) - L.PAGE_NUMBER_PT) < 0.5
        else:
            assert abs((number.x0 - LEFT) - L.PAGE_NUMBER_PT) < 0.5
        assert abs((dash_top(path, page.number, number) - BOTTOM) / PT_PER_MM - 7.0) < 0.5


def test_two_renders_are_byte_identical(
    sample_pdf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The creation date is SOURCE_DATE_EPOCH's, else the 成文日期 (render.date) at midnight in
    China, never the time of the render; without either the PDF carries no date."""
    path, _ = sample_pdf
    report = load_report(
        copy_sample(tmp_path / "report", extra_yaml="render:\n  date: '2023-01-10'\n")
    )
    again = render_report(report, ["pdf"], tmp_path / "again", draft=False, commit=SHA)["pdf"]
    assert again.read_bytes() == path.read_bytes()
    with pymupdf.open(str(path)) as document:
        assert document.metadata["creationDate"] == "D:20230109160000Z"  # 2023-01-10 00:00 +08
    undated = render_report(
        load_report(copy_sample(tmp_path / "undated")), ["pdf"], tmp_path / "u", draft=False
    )["pdf"]
    with pymupdf.open(str(undated)) as document:
        assert document.metadata["creationDate"] == ""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1673308800")  # 2023-01-10 00:00 UTC
    dated = render_report(report, ["pdf"], tmp_path / "dated", draft=False, commit=SHA)["pdf"]
    with pymupdf.open(str(dated)) as document:
        assert document.metadata["creationDate"].startswith("D:20230110")


def _pdfa_part(path: Path) -> tuple[str, str] | None:
    import re

    with pymupdf.open(str(path)) as document:
        xmp = document.get_xml_metadata()
    part = re.search(r"<pdfaid:part>(\d)</pdfaid:part>", xmp)
    level = re.search(r"<pdfaid:conformance>(\w)</pdfaid:conformance>", xmp)
    return (part.group(1), level.group(1)) if part and level else None


def test_pdf_a_2b_with_every_font_embedded(sample_pdf, tmp_path: Path) -> None:
    """PDF/A-2b (typst's pdf_standards): the XMP identification, an output intent, and every
    font embedded. No PDF/A validator is installed (veraPDF is not in Debian); typst itself
    refuses to write PDF/A it cannot make (a missing date is such an error). A report with no
    date at all is a plain PDF: PDF/A requires a creation date and we invent none."""
    path, _ = sample_pdf
    assert _pdfa_part(path) == ("2", "B")
    with pymupdf.open(str(path)) as document:
        catalog = document.xref_object(document.pdf_catalog())
        assert "/OutputIntents" in catalog
        fonts = {f[3]: f[1] for page in document for f in page.get_fonts(full=True)}
    assert fonts and all(ext not in ("", "n/a") for ext in fonts.values()), fonts
    undated = render_report(
        load_report(copy_sample(tmp_path / "undated")), ["pdf"], tmp_path / "u", draft=False
    )["pdf"]
    assert _pdfa_part(undated) is None
