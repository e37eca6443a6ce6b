"""A long title on the page (GB/T 9704 7.3.1): broken between words into a 梯形 or 菱形, at
most 20 characters a line at 22 pt, the same lines in the PDF, in the DOCX as LibreOffice lays
it out and in the HTML; report.yaml's ``title_lines:`` wins and is checked against the title."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import docx
import pytest
from page_measure import CENTRE, PT_PER_MM, TOP, Line, libreoffice_pdf, measure, png
from render_helpers import SHA, copy_sample

from reportflow.content import titles
from reportflow.content.model import load_report
from reportflow.core.errors import ContentError
from reportflow.render import layout as L
from reportflow.render import render_report

ARTIFACTS = Path(__file__).resolve().parents[1] / "build" / "test-artifacts"
LONG = "中共某某区委关于落实全面从严治党主体责任和党风廉政建设情况的自查评估报告"
EXPLICIT = ["中共某某区委关于落实全面从严治党", "主体责任和党风廉政建设", "情况的自查评估报告"]


def _with_title(dest: Path, title: str, lines: list[str] | None = None) -> Path:
    folder = copy_sample(dest)
    yaml = folder / "report.yaml"
    text = re.sub(r"(?m)^title: .*$", f"title: {title}", yaml.read_text(encoding="utf-8"))
    if lines is not None:
        text += "title_lines:\n" + "".join(f"- {line}\n" for line in lines)
    yaml.write_text(text, encoding="utf-8")
    return folder


def _docx_title(path: Path) -> list[str]:
    paragraphs = docx.Document(str(path)).paragraphs
    return next(p for p in paragraphs if p.style.name == "Title").text.split("\n")


def _title_lines(lines: tuple[Line, ...]) -> list[Line]:
    return [ln for ln in lines if abs(ln.size - L.TITLE_PT) < 0.6]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("title")
    report = load_report(_with_title(out / "report", LONG))
    paths = render_report(report, ["docx", "pdf", "html"], out / "build", draft=False, commit=SHA)
    paths["lo"] = libreoffice_pdf(paths["docx"], out / "lo")
    png(paths["pdf"], ARTIFACTS / "long-title-typst.png")
    png(paths["lo"], ARTIFACTS / "long-title-libreoffice.png")
    return paths


def test_breaks_between_words_in_a_trapezoid() -> None:
    lines = titles.break_title(LONG)
    assert lines == ("中共某某区委关于落实全面从严治党", "主体责任和党风廉政建设情况的自查评估报告")
    many = (
        "中共某某区委员会关于2022年度全区领导班子和领导干部落实全面从严治党主体责任"
        "和党风廉政建设责任制情况及2023年工作安排的自查评估报告"
    )
    lines = titles.break_title(many)
    assert "".join(lines) == many
    assert all(titles.width(line) <= 20 for line in lines)
    for word in ("治党", "2022", "2023", "责任", "评估"):
        assert not any(a.endswith(word[:1]) and b.startswith(word[1:]) for a, b in
                       itertools.pairwise(lines) if len(word) == 2), word  # fmt: skip
    assert titles.break_title("区政府党组2022年政治生态自评情况报告") == (
        "区政府党组2022年政治生态自评情况报告",
    )


def test_pdf_title_lines_centred_on_the_pitch(rendered) -> None:
    m = measure(rendered["pdf"])
    lines = _title_lines(m.pages[0].lines)
    assert [ln.text for ln in lines] == list(titles.break_title(LONG))
    for line in lines:
        assert abs(line.centre - CENTRE) < 1 * PT_PER_MM, line.text
        assert len(line.text) <= titles.MAX_TITLE_CHARS
    assert round(lines[1].y - lines[0].y, 2) == L.LINE_PITCH_PT
    # Each title line takes one line of the grid, then one empty line: the text starts on the
    # grid's fourth line (baseline 0.88 em below the line's top, as on every page).
    first = m.pages[0].body()[0]
    grid_line = TOP + (len(lines) + 1) * L.LINE_PITCH_PT + 0.88 * L.BODY_PT
    assert abs(first.y - grid_line) < 0.5


def test_libreoffice_breaks_the_title_where_the_pdf_does(rendered) -> None:
    """On the body's line grid a 22 pt line took two grid lines in LibreOffice (the title
    paragraph is off the grid now, ECMA-376 17.3.1.32, on its own exact 28.95 pt lines)."""
    page = measure(rendered["lo"]).pages[0]
    lines = _title_lines(page.lines)
    assert [ln.text.replace(" ", "") for ln in lines] == list(titles.break_title(LONG))
    for line in lines:
        assert abs(line.centre - CENTRE) < 1 * PT_PER_MM, line.text
    assert abs((lines[1].y - lines[0].y) - L.LINE_PITCH_PT) < 0.5
    # Two title lines and one empty line leave 19 of the page's 22 lines to the text.
    assert len(page.body()) == L.LINES_PER_PAGE - 3


def test_docx_and_html_carry_the_same_lines(rendered) -> None:
    assert _docx_title(rendered["docx"]) == list(titles.break_title(LONG))
    html = rendered["html"].read_text(encoding="utf-8")
    h1 = re.search(r'<h1 class="title">(.*?)</h1>', html).group(1)
    assert h1.split("<br>") == list(titles.break_title(LONG))
    assert f"<title>{LONG}</title>" in html


def test_explicit_title_lines_win_in_every_format(tmp_path: Path) -> None:
    report = load_report(_with_title(tmp_path / "r", LONG, EXPLICIT))
    paths = render_report(report, ["docx", "pdf", "html"], tmp_path / "b", draft=False, commit=SHA)
    assert [ln.text for ln in _title_lines(measure(paths["pdf"]).pages[0].lines)] == EXPLICIT
    assert _docx_title(paths["docx"]) == EXPLICIT
    assert "<br>".join(EXPLICIT) in paths["html"].read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("lines", "wrong"),
    [
        (["中共某某区委关于落实全面从严治党", "主体责任"], "are not the title"),
        (["中共某某区委关于落实全面从严治党主体责任和党风廉政", "建设情况的自查评估报告"], "20"),
    ],
)
def test_title_lines_are_checked(tmp_path: Path, lines: list[str], wrong: str) -> None:
    with pytest.raises(ContentError, match=wrong) as caught:
        load_report(_with_title(tmp_path / "r", LONG, lines))
    assert caught.value.file.endswith("report.yaml") and caught.value.line
