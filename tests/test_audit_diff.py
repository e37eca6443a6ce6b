"""``reportflow diff`` on the scripted history: the exact per-section text diff, Chinese
granularity, the tracked-changes DOCX read back (python-docx/XML) and through LibreOffice, and
bad revisions."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from audit_support import FOLDER, build, reportflow
from conftest import isolate
from lxml import etree

from reportflow.audit import textdiff

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("home"))
        root = tmp_path_factory.mktemp("audit-diff") / "reports"
        return root, build(root)


def test_chinese_changes_read_as_phrases() -> None:
    got = textdiff.pieces("加强组织领导，压实工作责任。", "强化组织建设，压实主体责任。")
    marked = "".join(
        p.text if p.op == "=" else f"[-{p.text}-]" if p.op == "-" else f"{{+{p.text}+}}"
        for p in got
    )
    # 组织 (two characters between two changes) is folded in: one replaced phrase, not three
    # one-character edits; the comma ends the phrase
    assert marked == "[-加强组织领导-]{+强化组织建设+}，压实[-工作-]{+主体+}责任。"
    assert textdiff.count("加强组织领导，压实工作责任。", "强化组织建设，压实主体责任。") == (8, 8)
    assert textdiff.count("补充一句。", "补充两句。") == (1, 1)
    assert textdiff.count("", "一 二\n三") == (3, 0)  # whitespace is not counted


def test_paragraphs_align_before_characters() -> None:
    old = ["第一段。", "第二段不变。", "第三段要删去。"]
    new = ["第一段，有改动。", "新插入的一段。", "第二段不变。"]
    ops = [(p.op, p.old, p.new) for p in textdiff.paragraph_diff(old, new)]
    assert ops == [
        ("~", "第一段。", "第一段，有改动。"),
        ("+", "", "新插入的一段。"),
        ("=", "第二段不变。", "第二段不变。"),
        ("-", "第三段要删去。", ""),
    ]


def test_text_diff_between_the_two_releases(history) -> None:
    root, _named = history
    proc = reportflow("diff", root / FOLDER, "v1", "v2")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[1:] == [
        "",
        "~ situation 一、政治生态建设情况",
        "  ~ 补充[-一-]{+两+}句。  (deputy-head-2)",
        "  (7 paragraphs unchanged)",
        "",
        "3 sections unchanged",
    ]
    assert lines[0].startswith("political-ecology/2022: v1 (") and "-> v2 (" in lines[0]


def test_the_early_range_walk_is_used_only_for_the_commits_compared(history) -> None:
    """``diff`` starts git on the range before its imports, guessing the tags from
    report.yaml; a walk of other commits (a wrong guess) is not used: the range is walked
    again, and the attribution is the same either way."""
    from reportflow.audit import versions
    from reportflow.core.prewalk import RangeWalk

    root, named = history
    report_dir = root / FOLDER
    tag = "political-ecology/2022/v{}"
    right = RangeWalk(report_dir, tag.format(1), tag.format(2))
    wrong = RangeWalk(report_dir, named["import"], tag.format(2))
    v1, v2 = (
        versions.resolve_at(versions.gitio.require_repo(root), report_dir, v) for v in ("v1", "v2")
    )
    assert right.output_for(v1, v2) is not None and wrong.output_for(v1, v2) is None
    plain = versions.compare(report_dir, "v1", "v2")
    assert versions.compare(report_dir, "v1", "v2", right) == plain
    assert versions.compare(report_dir, "v1", "v2", wrong) == plain
    changed = [s for s in plain.sections if s.status == "changed"]
    assert [(s.id, [b.person for b in s.inserted_by.values()]) for s in changed] == [
        ("situation", ["deputy-head-2"])
    ]


def test_bad_revisions_exit_2_naming_them(history) -> None:
    root, _named = history
    for bad in ("v9", "no-such-tag"):
        proc = reportflow("diff", root / FOLDER, "v1", bad)
        assert proc.returncode == 2 and bad in proc.stderr, proc.stderr
    assert "v1, v2" in reportflow("diff", root / FOLDER, "v9", "v2").stderr


def _tracked(docx: Path) -> list[tuple[str, str, str]]:
    """(w:ins or w:del, author, text) of every tracked run, in document order."""
    with zipfile.ZipFile(docx) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    found = []
    for node in root.iter(f"{W}ins", f"{W}del"):
        text = "".join(node.itertext())
        if text:  # paragraph-mark changes carry no text
            kind = node.tag.removeprefix(W)
            found.append((kind, node.get(f"{W}author"), text))
            assert node.get(f"{W}date", "").endswith("Z")
    return found


def test_tracked_changes_docx_with_authors_opens_in_libreoffice(history, tmp_path) -> None:
    root, named = history
    out = tmp_path / "changes.docx"
    proc = reportflow("diff", root / FOLDER, named["merge"], "v2", "--format", "docx", "--out", out)
    assert proc.returncode == 0, proc.stderr
    # every author "(claimed)": the diff checks no commit signature, and an e-mail is a claim
    expected = [
        ("ins", "区政府办公室主任 (claimed)", "成效明显。"),  # office-director, preface
        ("del", "副区长 (claimed)", "一"),  # deputy-head-2, situation
        ("ins", "副区长 (claimed)", "两"),
    ]
    assert _tracked(out) == expected
    import docx

    document = docx.Document(str(out))  # python-docx reads it, and it has the reference styles
    styles = [p.style.name for p in document.paragraphs]
    assert styles[:4] == ["Title", "Body Text", "Body Text", "Heading 1"]  # the title, the note
    assert styles.count("Heading 1") == 4
    assert document.paragraphs[2].text.startswith("Each change's author is as git records it")
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    assert exe, "LibreOffice is not installed: make deb (libreoffice-writer-nogui)"
    env = dict(os.environ, SAL_USE_VCLPLUGIN="svp")
    profile = f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}"
    for target in ("pdf", "docx:MS Word 2007 XML"):
        done = subprocess.run(
            [exe, profile, "--headless", "--convert-to", target, "--outdir", str(tmp_path / "lo"),
             str(out)],
            capture_output=True, text=True, env=env, timeout=180,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "lo" / "changes.pdf").stat().st_size > 5_000
    # LibreOffice read the changes as tracked changes and wrote them back with their authors
    assert _tracked(tmp_path / "lo" / "changes.docx") == expected


def test_whole_paragraph_changes_are_tracked_with_their_paragraph_mark(history, tmp_path) -> None:
    root, named = history
    out = tmp_path / "from-import.docx"
    proc = reportflow(
        "diff", root / FOLDER, named["import"], "v2", "--format", "docx", "--out", out
    )
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(out) as z:
        xml = etree.fromstring(z.read("word/document.xml"))
    marks = xml.findall(f".//{W}pPr/{W}rPr/{W}ins")
    assert len(marks) == 3  # three paragraphs of their own: their paragraph marks are tracked
    od, d2 = "区政府办公室主任 (claimed)", "副区长 (claimed)"
    assert _tracked(out) == [
        ("ins", od, "成效明显。"),  # preface, office-director
        ("ins", d2, "补充两句。"),  # situation, deputy-head-2 (written, then reworded)
        ("del", od, "学习"),  # problems, office-director on the branch
        ("ins", od, "武装"),
        ("ins", d2, "坚持不懈。"),  # measures, deputy-head-2, file renamed since
    ]


def _blame(root: Path, section: str, *args: str) -> list[dict]:
    proc = reportflow("blame", root / FOLDER, section, "--format", "json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["paragraphs"]


def test_blame_per_paragraph_follows_the_renamed_file(history) -> None:
    root, named = history
    situation = _blame(root, "situation")
    last = situation[-1]
    assert (last["text"], last["person"], last["commit"], last["first_released"]) == (
        "补充两句。", "deputy-head-2", named["d2-situation-2"], "v2",
    )  # fmt: skip
    assert {(p["person"], p["commit"], p["first_released"]) for p in situation[:-1]} == {
        ("office-director", named["import"], "v1")
    }
    # measures was renamed 03-measures.md -> 04-measures.md after v1: blame follows the file
    measures = _blame(root, "measures")
    assert (measures[-1]["text"], measures[-1]["person"], measures[-1]["commit"]) == (
        "坚持不懈。", "deputy-head-2", named["d2-measures"],
    )  # fmt: skip
    assert {p["first_released"] for p in measures} == {"v1"}
    assert {p["commit"] for p in measures[:-1]} == {named["import"]}
    # at v1, the paragraph reworded later reads as it was then
    old = _blame(root, "situation", "--rev", "v1")
    assert (old[-1]["text"], old[-1]["commit"]) == ("补充一句。", named["d2-situation"])
    missing = reportflow("blame", root / FOLDER, "nosuch")
    assert missing.returncode == 2 and "nosuch" in missing.stderr


def test_carryover_and_figures_against_last_years_release(history, tmp_path) -> None:
    from audit_support import replace

    from reportflow.validate.carryover import normalise

    root, _named = history
    copy = tmp_path / "reports"
    shutil.copytree(root, copy, symlinks=True)
    made = reportflow("new", "political-ecology", "2023", "--from", copy / FOLDER, "--into",
                      copy / "content")  # fmt: skip
    assert made.returncode == 0, made.stderr
    year = copy / "content" / "political-ecology" / "2023" / "sections"
    replace(year / "01-situation.md", "区长办公会12次", "区长办公会15次")
    with (year / "00-preface.md").open("a", encoding="utf-8") as fh:
        fh.write("\n今年新增的一段话。\n")
    from conftest import commit_all

    commit_all(copy, "2023 draft", "office-director")
    report_2023 = copy / "content" / "political-ecology" / "2023"
    proc = reportflow("carryover", report_2023, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["previous"] == "political-ecology/2022/v2"
    by = {s["section"]: s for s in doc["sections"]}
    assert by["problems"]["share"] == 1.0 and by["measures"]["share"] == 1.0
    preface = by["preface"]
    assert preface["characters"] - preface["reused"] == len(normalise("今年新增的一段话。"))
    changed = next(p for p in textdiff.paragraphs((year / "01-situation.md").read_text("utf-8"))
                   if "区长办公会15次" in p)  # fmt: skip
    situation = by["situation"]
    assert situation["characters"] - situation["reused"] == len(normalise(changed))
    assert all("区长办公会15次" not in p["text"] for p in situation["paragraphs"])
    rows = list(
        csv.DictReader(io.StringIO(reportflow("figures", report_2023, "--format", "csv").stdout))
    )
    moved = [r for r in rows if r["label"] == "区长办公会"]
    assert [(r["number"], r["unit"], r["last_year"]) for r in moved] == [("15", "次", "12")]
    # every other figure is last year's, found by the text around it (labelled or not)
    others = [r for r in rows if r["label"] != "区长办公会"]
    assert any(not r["label"] for r in others) and any(r["label"] for r in others)
    assert all(r["last_year"] == r["number"] for r in others)
    then = [r["sentence"].replace("区长办公会15次", "区长办公会12次") for r in others]
    assert [r["last_year_sentence"] for r in others] == then
    # no released previous year: exit 2, named
    alone = reportflow("carryover", copy / FOLDER)
    assert alone.returncode == 2 and "political-ecology/2021" in alone.stderr


def test_the_approval_sheet_of_a_release(history, tmp_path) -> None:
    import hashlib

    import docx
    import pymupdf
    from audit_support import KEYS

    root, _named = history
    proc = reportflow("sheet", root / FOLDER, "--version", "2", "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    manifest = root / "archive" / "political-ecology" / "2022" / "v2" / "manifest.json"
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    text = "".join(page.get_text() for page in pymupdf.open(tmp_path / "approval-sheet.pdf"))
    flat = text.replace("\u200b", "").replace("\n", "")
    assert digest in flat and "签批单" in flat and "v2" in flat
    for person in ("deputy-head-1", "party-secretary"):
        printed = subprocess.run(
            ["ssh-keygen", "-lf", str(KEYS[person][0]) + ".pub"], capture_output=True, text=True
        ).stdout.split()[1]  # SHA256:...
        assert printed in flat
    assert "签发" in flat and "审核" in flat and "区政府党组书记" in flat and "常务副区长" in flat
    sheet = json.loads(reportflow("sheet", root / FOLDER, "--format", "json").stdout)
    assert sheet["version"] == 2 and sheet["commit"] == git_head(root)
    assert [(s["meaning"], s["person"]) for s in sheet["signatures"]] == [
        ("信任根核准名册", "party-secretary"),  # the trust root's genesis of the first roster
        ("信任根核准名册", "office-director"),
        ("审核（problems）", "deputy-head-1"),
        ("审核（measures）", "deputy-head-1"),
        ("审核（preface）", "deputy-head-1"),
        ("名册变更审批", "party-secretary"),
        ("审核（situation）", "deputy-head-1"),
        ("签发", "party-secretary"),
    ]
    assert dict((s, d) for s, _t, d in sheet["drafters"])["situation"] == "区政府办公室主任、副区长"
    tables = docx.Document(str(tmp_path / "approval-sheet.docx")).tables
    assert len(tables) == 3 and len(tables[2].rows) == 1 + 8
    assert tables[0].rows[5].cells[1].text == f"sha256:{digest}"
    from conftest import DEMO_PIN

    assert DEMO_PIN in flat and sheet["trust_root"] == DEMO_PIN  # the pinned root, printed


def git_head(root: Path) -> str:
    from conftest import git

    return git(root, "rev-parse", "political-ecology/2022/v2^{commit}").strip()
