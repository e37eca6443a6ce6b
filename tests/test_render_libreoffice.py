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


def _render(out: Path) -> tuple[Path, Path]:
    folder = copy_sample(
        out / "report",
        extra_yaml="render:\n  date: '2023-01-10'\n",
        sections={"03-measures.md": f"\n## {LEVEL2}\n\n第二级标题下的正文。\n"},
    )
    paths = render_report(
        load_report(folder), ["docx", "pdf"], out / "build", draft=False, commit=SHA
    )
    return paths["docx"], paths["pdf"]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Measured, Measured]:
    """The DOCX (the one for every reader) as LibreOffice lays it out, and the typst PDF of the
    same report."""
    out = tmp_path_factory.mktemp("lo")
    docx, typst_pdf = _render(out)
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


def _odt_standard_style(docx: Path, out: Path) -> str:
    """LibreOffice's own ODT of ``docx``: its Standard (Normal) paragraph style's XML."""
    import zipfile

    odt = libreoffice_convert(docx, out, "odt")
    with zipfile.ZipFile(odt) as z:
        styles = z.read("styles.xml").decode()
    standard = styles[styles.index('style:name="Standard"') :]
    return standard[: standard.index("</style:style>")]


def test_one_docx_for_every_reader_libreoffice_takes_the_fallback(tmp_path: Path) -> None:
    """The Normal style's overflowPunct is an AlternateContent: Choice (Requires="w") 0 for
    Word, WPS and any reader of Part 3, Fallback 1 for LibreOffice, which takes a Choice only
    for its own few namespaces and reads the value inverted (word._overflow_punct); 0 in
    docDefaults for a reader that skips AlternateContent (every paragraph style derives from
    Normal). LibreOffice's ODT of it: punctuation-wrap="simple", no hanging."""
    import zipfile

    docx, _ = _render(tmp_path)
    with zipfile.ZipFile(docx) as z:
        styles = z.read("word/styles.xml").decode()
    normal = styles[styles.index('w:styleId="Normal"') :]
    normal = normal[: normal.index("</w:style>")]
    assert (
        '<mc:Choice Requires="w"><w:overflowPunct w:val="0" /></mc:Choice>'
        '<mc:Fallback><w:overflowPunct w:val="1" /></mc:Fallback>'
    ) in normal
    defaults = styles[styles.index("<w:pPrDefault>") : styles.index("</w:pPrDefault>")]
    assert '<w:overflowPunct w:val="0" />' in defaults
    assert 'style:punctuation-wrap="simple"' in _odt_standard_style(docx, tmp_path / "odt")


def test_libreoffice_still_reads_overflow_punct_inverted(tmp_path: Path) -> None:
    """Why the Fallback exists. The same DOCX with the plain ``overflowPunct`` 0 that Word
    needs (ECMA-376 17.3.1.21: no mark past the text extents): LibreOffice 7.4 reads it as
    "hanging allowed" (its ODT says punctuation-wrap="hanging"), hangs line-end marks into
    the margin (only closing marks, at most one cell each) and fails to draw some of them."""
    import re
    import zipfile

    docx, typst_pdf = _render(tmp_path)
    plain = tmp_path / "plain" / "report.docx"
    plain.parent.mkdir()
    with zipfile.ZipFile(docx) as src, zipfile.ZipFile(plain, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/styles.xml":
                data = re.sub(
                    rb"<mc:AlternateContent .*?</mc:AlternateContent>",
                    b'<w:overflowPunct w:val="0" />',
                    data,
                )
            dst.writestr(info, data)
    assert 'style:punctuation-wrap="hanging"' in _odt_standard_style(plain, tmp_path / "odt")
    lo = measure(libreoffice_pdf(plain, tmp_path / "lo"))
    outside = lo.outside()
    assert outside, "LibreOffice no longer hangs marks: drop the Fallback (word._overflow_punct)"
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
