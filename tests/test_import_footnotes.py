"""Footnotes after import stay with the text that cites them, and print as notes in every
format; a reference without its definition in the section is a validation error."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pymupdf
import pytest
from page_measure import BOTTOM, measure
from render_helpers import SHA

from reportflow.commands import import_
from reportflow.content import model
from reportflow.render import render_report
from reportflow.validate import check

SOURCE = (
    "# 2023年工作报告\n\n导语一段。\n\n## 一、工作情况\n\n全年开展检查12次[^1]。\n\n"
    "## 二、存在问题\n\n整改问题3个[^2]，另见说明[^a]。\n\n## 三、下步打算\n\n继续努力。\n\n"
    "[^1]: 含专项检查4次。\n[^2]: 截至12月底。\n[^a]: 说明的内容，\n    跨两行。\n"
)


def _imported(tmp_path: Path) -> model.Report:
    src = tmp_path / "r.md"
    src.write_text(SOURCE, encoding="utf-8")
    dest = import_.run(
        src, report="demo", year=2023, into=tmp_path / "content", title="2023年工作报告",
        organisation="区政府", owner="drafter",
    )  # fmt: skip
    return model.load_report(dest)


def test_each_definition_moves_to_the_section_citing_it(tmp_path: Path) -> None:
    report = _imported(tmp_path)
    bodies = {s.title: s.body for s in report.sections}
    assert "[^1]: 含专项检查4次。" in bodies["一、工作情况"]
    assert "[^2]: 截至12月底。" in bodies["二、存在问题"]
    assert "[^a]: 说明的内容，\n    跨两行。" in bodies["二、存在问题"]
    assert "[^" not in bodies["三、下步打算"]  # it used to hold every definition
    assert not [f for f in check(report).findings if f.rule == "structure.footnote"]


def test_removing_a_section_leaves_no_literal_reference(tmp_path: Path) -> None:
    """The old importer put every definition in the last section: deleting it printed a
    literal [^1]. Now the last section can go and the notes still print, in all formats."""
    report = _imported(tmp_path)
    kept = report.sections[:-1]
    report = model.Report(**{**report.__dict__, "sections": kept})
    paths = render_report(report, ["docx", "pdf", "html"], tmp_path / "out", draft=True, commit=SHA)
    with pymupdf.open(str(paths["pdf"])) as document:
        text = "".join(page.get_text() for page in document)
    assert "[^" not in text and "含专项检查4次" in text and "截至12月底" in text
    assert "说明的内容，跨两行" in text  # the note's line break between Chinese is no space
    notes = [ln.text for _, ln in measure(paths["pdf"]).body_lines if "截至" in ln.text]
    assert not notes  # not a body-size line: set as a footnote
    with pymupdf.open(str(paths["pdf"])) as document:
        (hit,) = document[0].search_for("截至12月底")
        assert hit.y0 > BOTTOM - 120  # at the foot of the page
    with zipfile.ZipFile(paths["docx"]) as z:
        notes_xml = z.read("word/footnotes.xml").decode("utf-8")
    assert "含专项检查4次" in notes_xml and "截至12月底" in notes_xml
    assert "[^" not in "\n".join(p.text for p in docx.Document(str(paths["docx"])).paragraphs)
    html = paths["html"].read_text(encoding="utf-8")
    assert "[^" not in html and 'role="doc-endnotes"' in html and "截至12月底" in html


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("正文[^1]。\n", (6, 3)),  # no definition at all
        ("正文。\n\n[^9]: 无人引用。\n", (8, 1)),  # a definition cited nowhere
        ("正文`[^1]`与\\[^2]。\n", None),  # code and an escaped bracket are not references
    ],
)
def test_a_dangling_footnote_is_a_validation_error(tmp_path: Path, body: str, where) -> None:
    from validate_util import findings_for

    found = [
        (f.line, f.column) for f in findings_for(tmp_path, body) if f.rule == "structure.footnote"
    ]
    assert found == ([where] if where else [])


def test_two_sections_may_both_have_a_note_1(tmp_path: Path) -> None:
    from validate_util import write_report

    folder = write_report(
        tmp_path / "demo" / "2022",
        {
            "a": ("一、甲", "甲文[^1]。\n\n[^1]: 甲注。\n"),
            "b": ("二、乙", "乙文[^1]。\n\n[^1]: 乙注。\n"),
        },
    )
    paths = render_report(
        model.load_report(folder), ["html"], tmp_path / "out", draft=True, commit=SHA
    )
    html = paths["html"].read_text(encoding="utf-8")
    assert "甲注" in html and "乙注" in html
