"""DOCX: the GB/T 9704 reference document and the rendered sample, inspected with python-docx."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from render_helpers import SHA, copy_sample, source_blocks

from reportflow.content.model import load_report
from reportflow.render import layout as L
from reportflow.render import render_report, word
from reportflow.render.word import REFERENCE_DOCX, build_reference, layout_values


def test_reference_docx_regenerates_to_the_committed_layout(tmp_path: Path) -> None:
    fresh = layout_values(build_reference(tmp_path / "reference.docx"))
    assert fresh == layout_values(REFERENCE_DOCX)


def test_reference_docx_carries_gbt9704_figures() -> None:
    v = layout_values(REFERENCE_DOCX)
    assert v["page"] == (11906, 16838)  # A4
    assert v["margins"] == (2098, 1984, 1587, 1474)  # 37, 35, 28, 26 mm
    # A line grid, and the 28-character pitch as character spacing on the body styles (-5 tw).
    assert v["grid"] == {"type": "lines", "linePitch": "579", "charSpace": None}
    assert v["odd_even"] is True
    assert v["normal_flow"] == {
        "widowControl": "0",
        "overflowPunct": "0",  # Word's, the AlternateContent's Choice
        "overflowPunct.fallback": "1",  # LibreOffice's, which reads it inverted
        "overflowPunct.default": "0",
        "autoSpaceDE": "0",
        "autoSpaceDN": "0",
    }
    for style in ("Body Text", "First Paragraph", "Heading 1", "Heading 2", "Heading 3"):
        assert v[style]["char_spacing"] == "-5", style
    assert v["Title"]["char_spacing"] == "0" and v["Footer"]["char_spacing"] == "0"
    assert v["Footer"]["snap_to_grid"] == "0" and v["Header"]["snap_to_grid"] == "0"
    assert (
        word.font_table(REFERENCE_DOCX).items()
        >= {
            "仿宋_GB2312": "仿宋",
            "楷体_GB2312": "楷体",
            "黑体": "SimHei",
            "宋体": "SimSun",
            "方正小标宋简体": "宋体",
        }.items()
    )
    assert all(f.startswith("— ") and f.endswith(" —") for f in v["footers"])  # "— 1 —"
    expect = {
        "Body Text": ("仿宋_GB2312", 16.0, 640),
        "First Paragraph": ("仿宋_GB2312", 16.0, 640),
        "Title": ("方正小标宋简体", 22.0, 0),
        "Heading 1": ("黑体", 16.0, 640),
        "Heading 2": ("楷体_GB2312", 16.0, 640),
        "Heading 3": ("仿宋_GB2312", 16.0, 640),
        "Footer": ("宋体", 14.0, 0),
    }
    for style, (font, size, indent) in expect.items():
        assert (v[style]["east_asia"], v[style]["size_pt"], v[style]["first_line"]) == (
            font,
            size,
            indent,
        ), style
        assert v[style]["bold"] is False, style
    assert v["Body Text"]["line"] == 579
    assert v["Title"]["alignment"].startswith("CENTER")
    # 22 lines of 579 tw fill the 225 mm type area; a 23rd would not fit.
    assert 22 * 579 <= L.TYPE_H_TW < 23 * 579
    document = docx.Document(str(REFERENCE_DOCX))
    section = document.sections[0]
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT and even.alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert odd.paragraph_format.right_indent.twips == 280  # one 四号 character in
    assert even.paragraph_format.left_indent.twips == 280
    for p in (odd, even):
        fields = p._p.findall(qn("w:fldSimple"))
        assert [f.get(qn("w:instr")).strip() for f in fields] == ["PAGE"]


@pytest.fixture(scope="module")
def sample_docx(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("docx")
    report = load_report(copy_sample(out / "report"))
    paths = render_report(report, ["docx"], out / "build", draft=True, commit=SHA)
    return paths["docx"], report


def test_docx_page_text_and_properties(sample_docx) -> None:
    path, report = sample_docx
    document = docx.Document(str(path))
    section = document.sections[0]
    assert (section.page_width.twips, section.page_height.twips) == (11906, 16838)
    assert section.top_margin.twips == 2098 and section.left_margin.twips == 1587
    paragraphs = document.paragraphs
    assert paragraphs[0].style.name == "Title"
    assert paragraphs[0].text == report.title
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert headings == [s.title for s in report.sections if s.show_heading]
    assert headings == [
        "一、政治生态建设情况",
        "二、存在的问题",
        "三、提升政治生态建设的措施和打算",
    ]
    # No text lost: title, every source heading and paragraph in order, then the signature.
    expected = [report.title] + [text for _, text in source_blocks(report)]
    body = [p.text for p in paragraphs]
    assert body[: len(expected)] == expected
    assert body[len(expected) :] == ["", report.organisation]
    assert "***" in body[1]  # redaction marks survive as text, not as emphasis
    props = document.core_properties
    assert props.title == report.title
    assert props.identifier == SHA
    assert props.version == "草稿"
    header = section.header.paragraphs[0].text
    assert header == f"草稿 {SHA[:7]}"
    assert section.even_page_header.paragraphs[0].text == header
    signature = paragraphs[-1]
    assert signature.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert signature.paragraph_format.right_indent.twips == 640  # two characters


def test_release_docx_has_no_draft_mark_and_bold_level3_switch(tmp_path: Path) -> None:
    folder = copy_sample(
        tmp_path / "report",
        extra_yaml="render:\n  bold_level3: true\n  date: '2023-01-10'\n",
        sections={"01-situation.md": "\n### 1. 第三级标题\n\n第三级下的正文。\n"},
    )
    report = load_report(folder)
    path = render_report(report, ["docx"], tmp_path / "out", draft=False, commit=SHA, version="v1")
    document = docx.Document(str(path["docx"]))
    assert document.styles["Heading 3"].font.bold is True
    level3 = [p for p in document.paragraphs if p.style.name == "Heading 3"]
    assert [p.text for p in level3] == ["1. 第三级标题"]
    assert document.core_properties.version == "v1"
    assert document.core_properties.identifier == SHA
    all_header_text = "".join(
        p.text
        for s in document.sections
        for p in s.header.paragraphs + s.even_page_header.paragraphs
    )
    assert "草稿" not in all_header_text
    assert [p.text for p in document.paragraphs[-2:]] == [report.organisation, "2023年1月10日"]


def test_default_bold_level3_is_off(sample_docx) -> None:
    path, _ = sample_docx
    assert not docx.Document(str(path)).styles["Heading 3"].font.bold


def test_the_old_docx_reader_option_is_accepted_and_changes_nothing(tmp_path: Path) -> None:
    """``render.docx_reader`` chose between a DOCX for Word and one for LibreOffice; one DOCX
    now serves both (word._overflow_punct), and a report.yaml that still names it loads and
    renders the same styles."""
    import zipfile

    styles = []
    for name, extra in (("plain", ""), ("old", "render:\n  docx_reader: libreoffice\n")):
        report = load_report(copy_sample(tmp_path / name / "report", extra_yaml=extra))
        path = render_report(report, ["docx"], tmp_path / name / "out", draft=False, commit=SHA)
        with zipfile.ZipFile(path["docx"]) as z:
            styles.append(z.read("word/styles.xml"))
    assert styles[0] == styles[1]
    assert b'<mc:Fallback><w:overflowPunct w:val="1" /></mc:Fallback>' in styles[0]
