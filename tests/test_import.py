from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
from conftest import SAMPLE_REPORT, SAMPLE_TXT

from reportflow.commands import import_
from reportflow.content import importer, model
from reportflow.core.errors import ImportFailed, InputError
from reportflow.render import assemble

_WS = re.compile(r"\s+")


def _import_sample(into: Path) -> model.Report:
    dest = import_.run(
        SAMPLE_TXT,
        report="political-ecology",
        year=2022,
        into=into,
        template="political-ecology-self-assessment",
        title="区政府党组2022年政治生态自评情况报告",
        organisation="区政府党组",
        owner="office-director",
    )
    return model.load_report(dest)


def test_every_character_of_the_sample_survives_import_and_render(tmp_path: Path) -> None:
    report = _import_sample(tmp_path)
    plain = assemble.to_plain(report)
    source = SAMPLE_TXT.read_text(encoding="utf-8")
    source_lines = [ln for ln in source.split("\n") if ln.strip()]
    plain_lines = [ln for ln in plain.split("\n") if ln.strip()]
    # title first, then the sample line by line, in order, with nothing lost or added
    assert plain_lines[0] == "区政府党组2022年政治生态自评情况报告"
    assert plain_lines[1:] == source_lines
    assert _WS.sub("", plain).count("***") == source.count("***")


def test_sample_splits_into_preface_and_three_numbered_sections(tmp_path: Path) -> None:
    report = _import_sample(tmp_path)
    assert [s.id for s in report.sections] == ["preface", "situation", "problems", "measures"]
    assert [s.title for s in report.sections] == [
        "前言",
        "一、政治生态建设情况",
        "二、存在的问题",
        "三、提升政治生态建设的措施和打算",
    ]
    assert report.sections[0].show_heading is False
    assert report.sections[0].path == "sections/00-preface.md"
    # the redactions are escaped so Markdown keeps them as text
    assert r"\*\*\*" in report.sections[1].body
    assert "“三会一课”" in report.sections[1].body


def test_committed_sample_matches_a_fresh_import(tmp_path: Path) -> None:
    fresh = _import_sample(tmp_path)
    kept = model.load_report(SAMPLE_REPORT)
    assert [(s.id, s.title, s.body) for s in fresh.sections] == [
        (s.id, s.title, s.body) for s in kept.sections
    ]


def test_markdown_title_and_sections(tmp_path: Path) -> None:
    src = tmp_path / "r.md"
    src.write_text(
        "# 2023年工作报告\n\n导语一段。\n\n## 一、工作情况\n\n一是学习。\n\n### （一）细节\n\n"
        "内容。\n\n## 二、问题\n\n存在问题。\n",
        encoding="utf-8",
    )
    doc = importer.read_document(src)
    assert doc.title == "2023年工作报告"
    assert [s.title for s in doc.sections] == [None, "一、工作情况", "二、问题"]
    assert doc.sections[1].markdown.startswith("一是学习。")
    assert "## （一）细节" in doc.sections[1].markdown  # shifted from ### under the section


def test_docx_numbered_paragraphs_start_sections(tmp_path: Path) -> None:
    path = tmp_path / "r.docx"
    d = docx.Document()
    d.add_paragraph("某局2023年度工作总结")
    d.add_paragraph("今年以来，我局***项工作。")
    d.add_paragraph("一、主要工作")
    d.add_paragraph("一是强化学习。1. 不是列表。")
    d.add_paragraph("二、下一步打算")
    d.add_paragraph("持续推进。")
    d.save(path)
    doc = importer.read_document(path)
    assert doc.title == "某局2023年度工作总结"
    assert [s.title for s in doc.sections] == [None, "一、主要工作", "二、下一步打算"]
    assert r"\*\*\*" in doc.sections[0].markdown
    assert doc.sections[2].markdown.strip() == "持续推进。"


def test_plain_text_that_looks_like_markdown_is_escaped(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text("标题\n1. 不是列表\n# 不是标题\n<b>不是HTML</b> @不是引用 a&amp;b\n", "utf-8")
    dest = import_.run(src, report="x", year=2023, into=tmp_path / "c")
    plain = assemble.to_plain(model.load_report(dest))
    assert "1. 不是列表" in plain
    assert "# 不是标题" in plain
    assert "<b>不是HTML</b> @不是引用 a&amp;b" in plain


def test_missing_title_asks_for_title(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    src.write_text("按照要求，现报告如下：\n一、情况\n正文。\n", "utf-8")
    with pytest.raises(InputError, match="--title"):
        import_.run(src, report="x", year=2023, into=tmp_path / "c")
    assert not (tmp_path / "c" / "x").exists()


def test_ids_must_match_section_count(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="has 4"):
        import_.run(SAMPLE_TXT, report="x", year=2022, into=tmp_path, title="t", ids=["a", "b"])


def test_unsupported_extension(tmp_path: Path) -> None:
    src = tmp_path / "r.doc"
    src.write_bytes(b"\xd0\xcf")
    with pytest.raises(ImportFailed, match=r"\.docx"):
        importer.read_document(src)


def test_import_never_overwrites(tmp_path: Path, cli) -> None:
    args = ["import", SAMPLE_TXT, "--report", "p", "--year", "2022", "--title", "t"]
    assert cli(*args, "--into", tmp_path).code == 0
    again = cli(*args, "--into", tmp_path)
    assert again.code == 2
    assert "already exists" in again.err
    assert str(tmp_path / "p" / "2022") in again.err
