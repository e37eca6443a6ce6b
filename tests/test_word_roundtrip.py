"""The Word round trip: reportflow's own DOCX imported again, and a reviewer's edits made in
Word put onto a branch, one commit per changed section, for the same review as anyone's."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from conftest import commit_all, git

from reportflow.content import importer

EDITED = "一是贯彻路线方针政策方面。班子成员有时仍以日常工作代替理论学习，须立行立改。"
MEASURE = "四是增强底线思维，坚守清正廉洁，自觉接受各方面的监督。"


def _render(cli, report_dir: Path, out: Path) -> Path:
    done = cli("render", report_dir, "--to", "docx", "--out", out, "--draft")
    assert done.code == 0, done.err
    return out / "report.docx"


def _replace(path: Path, starts: str, text: str, dest: Path) -> Path:
    """Change one paragraph's text as a reviewer would in Word (python-docx), and save."""
    d = docx.Document(str(path))
    (para,) = [p for p in d.paragraphs if p.text.startswith(starts)]
    for run in para.runs[1:]:
        run._r.getparent().remove(run._r)
    para.runs[0].text = text
    d.save(str(dest))
    return dest


@pytest.fixture
def dated(repo: Path, report_dir: Path) -> str:
    """The sample with a 成文日期 (render.date), committed: the commit the DOCX is made from."""
    path = report_dir / "report.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + 'render:\n  date: "2023-01-10"\n', encoding="utf-8"
    )
    return commit_all(repo, "render date")


def test_own_docx_imports_with_title_signature_and_date(cli, report_dir, dated, tmp_path):
    out = _render(cli, report_dir, tmp_path / "drafts")
    doc = importer.read_docx(out)
    assert doc.title == "区政府党组2022年政治生态自评情况报告"  # Word's Title style
    assert (doc.signature, doc.date) == ("区政府党组", "2023-01-10")
    assert [s.title for s in doc.sections] == [
        None,
        "一、政治生态建设情况",
        "二、存在的问题",
        "三、提升政治生态建设的措施和打算",
    ]
    assert doc.sections[-1].markdown.rstrip().endswith("高效的良好形象。")  # no signature in it

    done = cli("import", out, "--report", "again", "--year", "2023", "--into", tmp_path / "content")
    assert done.code == 0, done.err
    meta = yaml.safe_load((tmp_path / "content/again/2023/report.yaml").read_text("utf-8"))
    assert meta["title"] == "区政府党组2022年政治生态自评情况报告"
    assert meta["organisation"] == "区政府党组"
    assert meta["render"]["date"] == "2023-01-10"


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("2023年1月10日", "2023-01-10"),
        ("二〇二三年一月十日", "2023-01-10"),
        ("二〇二二年十二月三十一日", "2022-12-31"),
        ("2023年2月30日", None),  # no such day
        ("2023年工作打算", None),
    ],
)
def test_date_lines(line: str, iso: str | None) -> None:
    assert importer.parse_date(line) == iso


def test_word_edits_become_one_commit_per_section_on_a_branch(
    cli, repo, report_dir, dated, tmp_path
):
    out = _render(cli, report_dir, tmp_path / "drafts")
    commit_all_before = git(repo, "rev-parse", "HEAD").strip()
    # later work on main: the edits go on top of the commit the DOCX shows, not on HEAD
    (repo / "NOTES.md").write_text("later\n", encoding="utf-8")
    later = commit_all(repo, "later work")
    edited = _replace(out, "一是贯彻路线方针政策方面", EDITED, tmp_path / "edited.docx")
    edited = _replace(edited, "四是增强底线思维", MEASURE, tmp_path / "edited.docx")

    done = cli(
        "import", "--update", report_dir, edited, "--as", "deputy-head-1", "--branch", "word/dh1"
    )
    assert done.code == 0, done.err
    assert "word/dh1" in done.out
    log = git(repo, "log", "--format=%H %P|%an|%ae|%s", "word/dh1", f"^{dated}").splitlines()
    assert len(log) == 2  # problems and measures, in report order (newest first here)
    for line in log:
        _, name, email, _subject = line.split("|")
        assert (name, email) == ("常务副区长", "deputy-head-1@example.gov.cn")
    assert log[1].split("|")[0].split()[1] == dated  # on the rendered commit, not on HEAD
    assert "measures" in log[0] and "problems" in log[1]
    for rev, path in (("word/dh1~1", "02-problems.md"), ("word/dh1", "03-measures.md")):
        changed = git(repo, "diff", "--numstat", f"{rev}~1", rev).split()
        assert changed[2].endswith(path)
        assert changed[:2] == ["1", "1"]  # exactly the paragraph edited in Word
    text = git(repo, "show", "word/dh1:content/political-ecology/2022/sections/02-problems.md")
    assert EDITED in text and text.startswith("---\nid: problems\n")
    # the branch checked out, the index and the working tree are untouched
    assert git(repo, "rev-parse", "HEAD").strip() == later != commit_all_before
    assert git(repo, "status", "--porcelain") == ""

    again = cli("import", "--update", report_dir, out, "--as", "deputy-head-1")
    assert again.code == 0 and "nothing to commit" in again.out
    assert git(repo, "branch", "--list", "word/deputy-head-1-*") == ""


def _with_tracked_insertion(path: Path, dest: Path) -> Path:
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    xml = parts["word/document.xml"].decode("utf-8")
    ins = (
        '<w:ins w:id="901" w:author="副区长" w:date="2026-12-01T00:00:00Z">'
        "<w:r><w:t>新增一句。</w:t></w:r></w:ins></w:p>"
    )
    parts["word/document.xml"] = xml.replace("</w:p>", ins, 1).encode("utf-8")
    with zipfile.ZipFile(dest, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return dest


def test_pending_tracked_changes_and_renamed_sections_are_refused(
    cli, repo, report_dir, dated, tmp_path
):
    out = _render(cli, report_dir, tmp_path / "drafts")
    pending = _with_tracked_insertion(out, tmp_path / "pending.docx")
    refused = cli("import", "--update", report_dir, pending, "--as", "deputy-head-2")
    assert refused.code == 2
    assert "1 tracked changes" in refused.err and "accept or reject" in refused.err

    renamed = _replace(out, "二、存在的问题", "二、主要问题", tmp_path / "renamed.docx")
    wrong = cli("import", "--update", report_dir, renamed, "--as", "deputy-head-2")
    assert wrong.code == 2 and "二、主要问题" in wrong.err and "not in Word" in wrong.err

    nobody = cli("import", "--update", report_dir, out, "--as", "nobody")
    assert nobody.code == 2 and "nobody is not one of the report's people" in nobody.err
    assert git(repo, "branch", "--list", "word/*") == ""


def test_splice_keeps_the_authors_spelling_of_unchanged_paragraphs() -> None:
    from reportflow.content.wordupdate import splice

    old = "第一段写在\n两行里。\n\n第二段 \\*\\*\\* 个。\n\n-   列表\n"
    new = "第一段写在两行里。\n\n第二段改了。\n\n- 列表\n"
    assert splice(old, new) == "第一段写在\n两行里。\n\n第二段改了。\n\n-   列表\n"
    # footnote labels are pandoc's in the new text: taken whole
    assert splice("有注[^a]。\n\n[^a]: 注。\n", "有注[^1]。\n\n[^1]: 注。\n") == (
        "有注[^1]。\n\n[^1]: 注。\n"
    )


def test_an_edit_inside_a_footnote_is_its_sections_change() -> None:
    """Footnotes are compared with the section that holds them, not all at the end."""
    from reportflow.content.wordupdate import _plain

    before = _plain(["甲有注[^1]。\n\n[^1]: 注一。\n", "乙段。\n"])
    after = _plain(["甲有注[^1]。\n\n[^1]: 注一改。\n", "乙段。\n"])
    assert before[0] != after[0] and before[1] == after[1]
