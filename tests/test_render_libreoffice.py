"""The DOCX as LibreOffice headless lays it out, measured like the typst PDF.

No Word on Linux: LibreOffice (Debian libreoffice-writer-nogui, installed by `make deb`) is the
independent reader of our DOCX, with the repository's fontconfig aliases for the official font
names. The first page is kept as build/test-artifacts/sample-page1-libreoffice.png.
"""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pytest
from page_measure import (
    CELL,
    CENTRE,
    CLOSING,
    PT_PER_MM,
    RIGHT,
    Measured,
    libreoffice_convert,
    libreoffice_pdf,
    measure,
    png,
    why_not_28,
)
from render_helpers import SHA, copy_sample

from reportflow.content.model import load_report
from reportflow.render import layout as L
from reportflow.render import render_report

ARTIFACTS = Path(__file__).resolve().parents[1] / "build" / "test-artifacts"
LEVEL2 = "（一）第二级标题用楷体"


def _render(out: Path, reader: str) -> tuple[Path, Path]:
    folder = copy_sample(
        out / "report",
        extra_yaml=f"render:\n  date: '2023-01-10'\n  docx_reader: {reader}\n",
        sections={"03-measures.md": f"\n## {LEVEL2}\n\n第二级标题下的正文。\n"},
    )
    paths = render_report(
        load_report(folder), ["docx", "pdf"], out / "build", draft=False, commit=SHA
    )
    return paths["docx"], paths["pdf"]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Measured, Measured]:
    """The DOCX made for LibreOffice (render.docx_reader: libreoffice) as it lays it out, and
    the typst PDF of the same report."""
    out = tmp_path_factory.mktemp("lo")
    docx, typst_pdf = _render(out, "libreoffice")
    pdf = libreoffice_pdf(docx, out / "lo")
    png(pdf, ARTIFACTS / "sample-page1-libreoffice.png")
    return measure(pdf), measure(typst_pdf)


def test_same_pages_as_the_pdf_22_lines_each(converted) -> None:
    lo, typst = converted
    assert abs(len(lo.pages) - len(typst.pages)) <= 1
    for page in lo.pages[1:-1]:
        assert len(page.body()) == L.LINES_PER_PAGE, page.number


def test_28_characters_a_line(converted) -> None:
    """The character spacing gives 28 cells: at least 80 % of the full lines hold exactly
    28, none more, and each other one is a 禁则 push-out or holds half-width characters."""
    lo, _ = converted
    full = lo.full_lines()
    cells = Counter(line.cells() for line in full)
    assert cells[28.0] / len(full) > 0.8, sorted(cells.items())
    assert min(cells) >= 26.5 and max(cells) <= 28.0, sorted(cells.items())
    # Every line that is not 28 is so by the rule the PDF keeps (page_measure.why_not_28).
    lines = [ln for _, ln in lo.body_lines]
    following = {id(a): b for a, b in itertools.pairwise(lines)}
    for line in full:
        if line.cells() != L.CHARS_PER_LINE:
            assert why_not_28(line, following[id(line)]), line.text


def _marks(measured: Measured) -> Counter[str]:
    return Counter(c for _, ln in measured.body_lines for c in ln.text if c in CLOSING)


def test_no_glyph_outside_and_every_line_end_mark_shows(converted) -> None:
    """Nothing hangs into the margin, and every closing mark of the text is drawn: as many
    of each (，。、；：…) as in the typst PDF of the same report, line ends included."""
    lo, typst = converted
    assert lo.outside() == []
    assert _marks(lo) == _marks(typst)
    ends = [ln.text[-1] for ln in lo.full_lines() if ln.text[-1] in CLOSING]
    assert ends  # line-end marks were measured, not skipped


def test_the_word_docx_in_libreoffice_hangs_marks_as_libreoffice_reads_it_inverted(
    tmp_path: Path,
) -> None:
    """Why ``docx_reader`` exists. The default DOCX says ``overflowPunct`` 0, what Word and
    WPS need (ECMA-376 17.3.1.21: no mark past the text extents); LibreOffice 7.4 reads it as
    "hanging allowed" (its own ODT of the DOCX says punctuation-wrap="hanging") and hangs
    line-end marks into the margin: only closing marks, at most one cell each."""
    import zipfile

    docx, typst_pdf = _render(tmp_path, "word")
    with zipfile.ZipFile(docx) as z:
        assert '<w:overflowPunct w:val="0" />' in z.read("word/styles.xml").decode()
    odt = libreoffice_convert(docx, tmp_path / "odt", "odt")
    with zipfile.ZipFile(odt) as z:
        styles = z.read("styles.xml").decode()
    standard = styles[styles.index('style:name="Standard"') :]
    standard = standard[: standard.index("</style:style>")]
    assert 'style:punctuation-wrap="hanging"' in standard
    lo = measure(libreoffice_pdf(docx, tmp_path / "lo"))
    outside = lo.outside()
    assert outside, "LibreOffice no longer hangs marks: drop docx_reader's inversion"
    assert all(char in CLOSING and over <= CELL + 0.5 for _, char, over in outside), outside
    # And it fails to draw some of them (the sample: 4 ， and 1 、 missing from the page).
    assert sum((_marks(measure(typst_pdf)) - _marks(lo)).values()) > 0


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
