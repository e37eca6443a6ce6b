"""PDF and HTML of the sample: real files, read back with poppler and as text."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from render_helpers import SHA, copy_sample, tool

from reportflow.content.model import load_report
from reportflow.core.errors import InputError, ToolError
from reportflow.render import fonts, pdf, render_report
from reportflow.render.doc import RenderDoc


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("render")
    report = load_report(copy_sample(out / "report"))
    done: list[str] = []
    paths = render_report(
        report, ["pdf", "html"], out / "build", draft=True, commit=SHA, progress=done.append
    )
    assert sorted(done) == ["html", "pdf"]
    assert sorted(p.name for p in (out / "build").iterdir()) == ["report.html", "report.pdf"]
    return paths, report


def test_pdf_is_a4_with_chinese_headings_and_embedded_fonts(sample) -> None:
    paths, report = sample
    info = tool("pdfinfo", paths["pdf"])
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    assert int(re.search(r"Pages:\s+(\d+)", info)[1]) >= 3
    text = tool("pdftotext", "-layout", paths["pdf"], "-")
    flat = re.sub(r"\s+", "", text)
    assert report.title in flat
    for sec in report.sections[1:]:
        assert sec.title in flat, sec.title
    assert f"草稿{SHA[:7]}" in flat  # the draft mark
    assert "—1—" in flat and "—2—" in flat  # page numbers between 一字线
    rows = tool("pdffonts", paths["pdf"]).splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        assert row.split()[-5] == "yes", row  # the "emb" column


def test_pdf_first_page_holds_22_lines(sample) -> None:
    paths, _ = sample
    bbox = tool("pdftotext", "-f", "1", "-l", "1", "-bbox-layout", paths["pdf"], "-")
    boxes = re.findall(r'<line xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', bbox)
    # Lines of 16 pt body text and the 22 pt title (not the watermark, not the page number).
    tops = sorted({round(float(a), 2) for a, b in boxes if round(float(b) - float(a)) in (16, 22)})
    body = [y for y in tops if 100 < y < 745]  # inside the type area (37 mm .. 262 mm)
    # Title line, one empty line, then 20 lines of text: 22 lines on the 28.95 pt pitch.
    assert len(body) == 21
    assert round(body[1] - body[0], 2) == 2 * 28.95  # the empty line below the title
    steps = {round(b - a, 2) for a, b in pairwise(body[1:])}
    assert steps == {28.95}
    assert body[-1] + 16 <= 742.68  # the last line ends inside the type area


def test_html_is_standalone_chinese_with_every_heading(sample) -> None:
    paths, report = sample
    html = paths["html"].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    assert "<style>" in html and "仿宋_GB2312" in html  # the stylesheet is inlined
    assert f'<h1 class="title">{report.title}</h1>' in html
    for sec in report.sections[1:]:
        assert re.search(rf"<h2[^>]*>{re.escape(sec.title)}</h2>", html), sec.title
    assert "<script" not in html.lower()
    assert f"草稿 {SHA[:7]}" in html


def test_release_render_has_no_draft_mark(tmp_path: Path) -> None:
    report = load_report(
        copy_sample(tmp_path / "report", extra_yaml="render:\n  date: '2023-01-10'\n")
    )
    paths = render_report(report, ["pdf", "html"], tmp_path / "out", draft=False, commit=SHA)
    flat = re.sub(r"\s+", "", tool("pdftotext", paths["pdf"], "-"))
    assert "草稿" not in flat
    assert "区政府党组2023年1月10日" in flat  # signature and date (7.3.5.2)
    html = paths["html"].read_text(encoding="utf-8")
    assert "draft-mark" in html  # the stylesheet knows the mark ...
    assert '<div class="draft-mark"' not in html and 'class="draft"' not in html  # ... unused


def test_no_cjk_font_is_a_clear_error() -> None:
    with pytest.raises(ToolError) as err:
        fonts.choose({"DejaVu Sans", "Liberation Serif"})
    assert "fonts-noto-cjk" in str(err.value)


def test_roles_fall_back_and_configured_font_must_exist() -> None:
    roles = fonts.choose({"Noto Sans CJK SC"})
    assert {roles.fangsong, roles.kaiti, roles.heiti, roles.songti, roles.title} == {
        "Noto Sans CJK SC"
    }
    with pytest.raises(InputError, match="not installed"):
        fonts.choose({"Noto Sans CJK SC"}, {"kaiti": "KaiTi_GB2312"})


def test_typst_unknown_font_warning_is_an_error(tmp_path: Path) -> None:
    doc = RenderDoc(
        markdown="正文。",
        title="标题",
        organisation="",
        date="",
        lang="zh-CN",
        draft_mark="",
        commit=None,
        version=None,
    )
    roles = fonts.FontRoles("No Such Font", "No Such Font", "No Such Font", "No Such Font", "X")
    with pytest.raises(ToolError, match="font"):
        pdf.compile_pdf(pdf.typst_body(doc), tmp_path / "x.pdf", pdf.sys_inputs(doc, roles))
    assert not (tmp_path / "x.pdf").exists()
