"""``reportflow render`` end to end: from the folder, from a past commit, draft or released."""

from __future__ import annotations

from pathlib import Path

import docx
from conftest import commit_all, git
from releasing import fill_figures


def _header(path: Path) -> str:
    return docx.Document(str(path)).sections[0].header.paragraphs[0].text


def test_render_past_commit_without_touching_the_working_tree(
    cli, repo: Path, report_dir: Path, tmp_path: Path
) -> None:
    old = git(repo, "rev-parse", "HEAD").strip()
    section = report_dir / "sections" / "02-problems.md"
    section.write_text(section.read_text(encoding="utf-8") + "\n新增的一段文字。\n", "utf-8")
    commit_all(repo, "problems: one more paragraph")
    section.write_text(section.read_text(encoding="utf-8") + "\n未提交的修改。\n", "utf-8")
    before = section.read_bytes()
    status_before = git(repo, "status", "--porcelain")

    result = cli(
        "render", report_dir, "--commit", old, "--out", tmp_path / "old", "--to", "docx", "--draft"
    )
    assert result.code == 0, result.err
    assert "docx:" in result.out
    text = "\n".join(
        p.text for p in docx.Document(str(tmp_path / "old" / "report.docx")).paragraphs
    )
    assert "新增的一段文字" not in text and "未提交的修改" not in text
    assert _header(tmp_path / "old" / "report.docx") == f"草稿 {old[:7]}"
    assert section.read_bytes() == before
    assert git(repo, "status", "--porcelain") == status_before

    # The working tree, with its uncommitted change, is a draft of HEAD plus changes.
    result = cli("render", report_dir, "--out", tmp_path / "now", "--to", "docx,html", "--draft")
    assert result.code == 0, result.err
    head = git(repo, "rev-parse", "HEAD").strip()
    assert _header(tmp_path / "now" / "report.docx") == f"草稿 {head[:7]}-dirty"
    assert "未提交的修改" in (tmp_path / "now" / "report.html").read_text(encoding="utf-8")


def test_tagged_release_renders_without_draft_mark(
    cli, repo: Path, report_dir: Path, tmp_path: Path
) -> None:
    fill_figures(report_dir)
    commit_all(repo, "figures filled in")
    git(repo, "tag", "-a", "political-ecology/2022/v1", "-m", "release v1")
    result = cli("render", report_dir, "--commit", "HEAD", "--out", tmp_path, "--to", "docx")
    assert result.code == 0, result.err
    document = docx.Document(str(tmp_path / "report.docx"))
    assert document.sections[0].header.paragraphs[0].text == ""
    assert document.core_properties.version == "v1"
    git(repo, "tag", "other/2022/v2")  # another report's tag does not release this one
    git(repo, "tag", "-a", "political-ecology/2022/v10", "-m", "release v10")
    git(repo, "tag", "political-ecology/2022/v011")  # not a release tag: leading zero
    result = cli("render", report_dir, "--commit", "HEAD", "--out", tmp_path, "--to", "docx")
    assert result.code == 0, result.err
    assert docx.Document(str(tmp_path / "report.docx")).core_properties.version == "v10"


def test_render_errors_are_one_line(cli, report_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = cli("render", report_dir, "--to", "pdf,odt", "--out", out)
    assert result.code == 2
    assert "unknown output format odt" in result.err
    result = cli("render", report_dir, "--commit", "nosuchrev", "--out", out)
    assert result.code == 2
    assert "unknown revision" in result.err
    assert not out.exists()


def test_render_schema_rejects_unknown_options(cli, report_dir: Path, tmp_path: Path) -> None:
    with (report_dir / "report.yaml").open("a", encoding="utf-8") as f:
        f.write("render:\n  bold_level_3: true\n")
    result = cli("render", report_dir, "--out", tmp_path / "out")
    assert result.code == 2
    assert "bold_level_3" in result.err


def test_validation_errors_refuse_the_render_unless_draft(
    cli, repo: Path, report_dir: Path, tmp_path: Path
) -> None:
    """The sample's *** figures are validation errors: no file is written, the first errors
    are named with file and line; --draft renders it, marked 草稿 even on a release tag."""
    git(repo, "tag", "-a", "political-ecology/2022/v1", "-m", "release v1")
    out = tmp_path / "out"
    result = cli("render", report_dir, "--out", out, "--to", "docx")
    assert result.code == 2, result.err
    assert "validation finds" in result.err and "--draft" in result.err
    assert f"{report_dir / 'sections' / '00-preface.md'}:" in result.err
    assert not out.exists()
    result = cli("render", report_dir, "--out", out, "--to", "docx", "--draft")
    assert result.code == 0, result.err
    assert "validation error(s)" in result.err
    assert _header(out / "report.docx").startswith("草稿")


def test_a_heading_only_section_is_refused(
    cli, repo: Path, report_dir: Path, tmp_path: Path
) -> None:
    """A section of headings only (and a heading with nothing under it) is a validation
    error at its line, so render never prints a heading without a word under it."""
    fill_figures(report_dir)
    problems = report_dir / "sections" / "02-problems.md"
    head, _, _ = problems.read_text(encoding="utf-8").partition("\n---\n")
    problems.write_text(head + "\n---\n## （一）存在的问题\n", encoding="utf-8")
    measures = report_dir / "sections" / "03-measures.md"
    text = measures.read_text(encoding="utf-8").rstrip("\n") + "\n\n## （九）空标题\n"
    measures.write_text(text, encoding="utf-8")
    last = len(text.rstrip("\n").split("\n"))
    validated = cli("validate", report_dir)
    assert validated.code == 1
    assert "02-problems.md\n  6:1" in validated.out
    assert "placeholders.empty-section" in validated.out
    assert f"{last}:1" in validated.out and "placeholders.empty-heading" in validated.out
    result = cli("render", report_dir, "--out", tmp_path / "out", "--to", "docx")
    assert result.code == 2, result.err
    assert f"{problems}:6:" in result.err and f"{measures}:{last}:" in result.err
