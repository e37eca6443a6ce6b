"""What the audit can vouch for and what it only repeats (security review of the audit):

- an edit's author is the person the commit's e-mail claims unless a key the roster lists
  for that very person signed the commit (``author_verified``, ``signed_by``), in JSON, the
  table, CSV, HTML and the Word diff;
- a commit whose committer date is earlier than a parent's, or whose dates lie in the future,
  is flagged ``date-out-of-order``, and ``--since``/``--until`` keep that flag;
- bidi controls in repository text are shown as escapes on the audit page and the redline.

Each on a real repository: the sample report with its trust root (``make_repo``), commits
signed with ``git commit -S`` (SSH), dates set with ``GIT_COMMITTER_DATE``.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from audit_support import FOLDER, SECTIONS, append, reportflow
from conftest import ROOT, author_env, commit_all, git, isolate
from lxml import etree
from signoff_support import make_keys, make_repo

SCHEMA = json.loads((ROOT / "schemas" / "audit.schema.json").read_text(encoding="utf-8"))
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
OD, D2 = "office-director", "deputy-head-2"


def _commit(root: Path, message: str, person: str, key: Path | None = None, **env: str) -> str:
    """Commit everything as ``person`` (their e-mail), signed with ``key`` when given."""
    git(root, "add", "-A")
    signing = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}"] if key else []
    sign = ["-S"] if key else []
    git(root, *signing, "commit", "-q", *sign, "-m", message, env={**author_env(person), **env})
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The sample with its trust root, then four edits: signed by their author; unsigned;
    under the office director's e-mail but signed with deputy head 2's key; signed with a key
    the roster lists for nobody."""
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("home"))
        base = tmp_path_factory.mktemp("claims")
        keys = make_keys(base / "keys")
        root = base / "reports"
        make_repo(root, keys)
        sec = root / SECTIONS
        named = {}
        append(sec / "01-situation.md", "\n补充一句。\n")
        named["signed"] = _commit(root, "situation: signed", D2, keys[D2][0])
        append(sec / "02-problems.md", "\n再补一句。\n")
        named["unsigned"] = _commit(root, "problems: unsigned", D2)
        append(sec / "03-measures.md", "\n坚持不懈。\n")
        named["other"] = _commit(root, "measures: his e-mail, her key", OD, keys[D2][0])
        append(sec / "00-preface.md", "\n成效明显。\n")
        named["intruder"] = _commit(root, "preface: a stranger's key", D2, keys["intruder"][0])
        return root, named


def audit(root: Path, *args: str) -> dict:
    proc = reportflow("audit", root / FOLDER, "--format", "json", *args)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    return doc


def test_an_edit_author_is_verified_only_by_a_signature_of_their_own_key(
    history, monkeypatch
) -> None:
    root, named = history
    edits = [e for e in audit(root)["events"] if e["kind"] == "edit"]
    import_sha = git(root, "rev-list", "--max-parents=0", "HEAD").strip()
    assert [(e["commit"], e["person"], e["author_verified"], e["signed_by"]) for e in edits] == [
        *[(import_sha, OD, False, None)] * 4,  # the import: unsigned, so claimed
        (named["signed"], D2, True, D2),
        (named["unsigned"], D2, False, None),
        (named["other"], OD, False, D2),  # claims the director; deputy head 2's key signed it
        (named["intruder"], D2, False, None),  # a key listed for nobody verifies nobody
    ]
    # the CSV keeps the person's id and says how far it is known
    rows = list(
        csv.DictReader(io.StringIO(reportflow("audit", root / FOLDER, "--format", "csv").stdout))
    )
    assert [(r["person"], r["author"], r["signed_by"]) for r in rows if r["kind"] == "edit"] == [
        *[(OD, "claimed", "")] * 4,
        (D2, "verified", D2),
        (D2, "claimed", ""),
        (OD, "claimed", D2),
        (D2, "claimed", ""),
    ]
    # the others: a sign-off's reviewer is verified by the record's signature, a roster
    # change's person is the git author (a claim)
    assert {(r["kind"], r["author"]) for r in rows if r["kind"] != "edit"} == {
        ("signoff", "verified"), ("roster", "claimed")
    }  # fmt: skip
    # the table (terminal, and the rows the page and CSV share) marks every edit's person
    from reportflow.audit import collect
    from reportflow.audit.table import rows as table_rows

    timeline = collect.collect(root / FOLDER)
    people = [cells[3] for cells, e in zip(table_rows(timeline), timeline.events, strict=True)
              if e.kind == "edit"]  # fmt: skip
    assert people[-4:] == [
        "deputy-head-2 (verified)",
        "deputy-head-2 (claimed)",
        "office-director (claimed)",
        "deputy-head-2 (claimed)",
    ]
    monkeypatch.setenv("COLUMNS", "200")  # Rich's width: a row a line
    table = reportflow("audit", root / FOLDER)
    assert table.returncode == 0, table.stderr
    lines = [line.split("│") for line in table.stdout.splitlines() if "│ edit " in line]
    assert [cells[4].strip() for cells in lines] == [f"{OD} (claimed)"] * 4 + people[-4:]
    # the page: the printed name with its mark, the id under it, and a note that says so
    page = reportflow("audit", root / FOLDER, "--format", "html").stdout
    cells = [line for line in page.split("<td ") if line.startswith('class="person')]
    assert [c.split("</td>")[0] for c in cells if "副区长" in c] == [
        'class="person verified">副区长 (verified)<br><small>deputy-head-2</small>',
        'class="person claimed">副区长 (claimed)<br><small>deputy-head-2</small>',
        'class="person claimed">副区长 (claimed)<br><small>deputy-head-2</small>',
    ]
    assert "A person marked claimed is who git or a file records, which anyone can set" in page


def test_the_word_diff_suffixes_claimed_authors(history, tmp_path) -> None:
    """The docx's ``w:author`` is the printed name, "(claimed)" after it unless the commit is
    one the caller verified (the audit's ``author_verified``)."""
    from reportflow.audit import collect, tracked, versions

    root, named = history
    verified = {
        e.commit
        for e in collect.collect(root / FOLDER).events
        if e.kind == "edit" and e.data["author_verified"]
    }
    assert verified == {named["signed"]}
    diff = versions.compare(root / FOLDER, f"{named['signed']}~1", "HEAD")
    out = tracked.write(diff, tmp_path / "changes.docx", verified=verified)
    with zipfile.ZipFile(out) as z:
        xml = etree.fromstring(z.read("word/document.xml"))
    marks = [(n.tag.removeprefix(W), n.get(f"{W}author"), "".join(n.itertext()))
             for n in xml.iter(f"{W}ins", f"{W}del") if "".join(n.itertext())]  # fmt: skip
    assert marks == [
        ("ins", "副区长 (claimed)", "成效明显。"),  # preface: signed by the intruder's key
        ("ins", "副区长", "补充一句。"),  # situation: her own signed commit
        ("ins", "副区长 (claimed)", "再补一句。"),  # problems: unsigned
        ("ins", "区政府办公室主任 (claimed)", "坚持不懈。"),  # measures: his e-mail, her key
    ]
    # the command works out the same itself (edits.signers_at at the newer version)
    made = tmp_path / "cli.docx"
    proc = reportflow("diff", root / FOLDER, f"{named['signed']}~1", "HEAD", "--format", "docx",
                      "--out", made)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(made) as z:
        xml = etree.fromstring(z.read("word/document.xml"))
    assert [
        (n.tag.removeprefix(W), n.get(f"{W}author"), "".join(n.itertext()))
        for n in xml.iter(f"{W}ins", f"{W}del")
        if "".join(n.itertext())
    ] == marks


def _utc(epoch: str) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).isoformat()


def test_dates_out_of_order_are_flagged_and_kept_by_the_date_filters(
    history, tmp_path, monkeypatch
) -> None:
    root, _named = history
    copy = tmp_path / "reports"
    shutil.copytree(root, copy, symlinks=True)
    parent = git(copy, "rev-parse", "HEAD").strip()
    parent_time = _utc(git(copy, "log", "-1", "--format=%ct", parent).strip())
    past = "2020-01-01T00:00:00+00:00"
    append(copy / SECTIONS / "00-preface.md", "\n倒填日期。\n")
    back = _commit(copy, "preface: backdated", D2, GIT_AUTHOR_DATE=past, GIT_COMMITTER_DATE=past)
    future = "2099-01-01T00:00:00+00:00"  # git takes no year after 2099
    append(copy / SECTIONS / "02-problems.md", "\n未来日期。\n")
    ahead = _commit(copy, "problems: ahead", OD, GIT_AUTHOR_DATE=future, GIT_COMMITTER_DATE=future)
    note = " (dates are self-declared; the timeline follows the commit graph)"
    expected = [
        (
            "date-out-of-order", back, D2, past,
            f"committer date {past} is earlier than its parent {parent[:10]}'s ({parent_time})"
            + note,
        ),
        (
            "date-out-of-order", ahead, OD, future,
            f"committer date {future} is in the future (later than the audit's clock); "
            f"author date {future} is in the future (later than the audit's clock)" + note,
        ),
    ]  # fmt: skip

    def flags(doc: dict) -> list[tuple]:
        return [(e["flag"], e["commit"], e["person"], e["time"], e["detail"])
                for e in doc["events"] if e["kind"] == "flag"]  # fmt: skip

    everything = audit(copy)
    assert flags(everything) == expected
    assert [e["kind"] for e in everything["events"][-4:]] == ["edit", "flag", "edit", "flag"]
    # --since drops the backdated edit (its date is what it claims), never the flag about it
    today = datetime.now(UTC).date().isoformat()
    since = audit(copy, "--since", today)
    assert back not in {e["commit"] for e in since["events"] if e["kind"] != "flag"}
    assert flags(since) == expected
    # nothing of this history is dated before 2000 but the commits whose dates are doubtful
    assert [(e["kind"], e["commit"]) for e in audit(copy, "--until", "2000-01-01")["events"]] == [
        ("flag", back),
        ("flag", ahead),
    ]
    # with --section, the flag of a commit that changed that section
    only = audit(copy, "--until", "2000-01-01", "--section", "preface")["events"]
    assert [(e["kind"], e["commit"]) for e in only] == [("flag", back)]
    assert audit(copy, "--person", OD, "--until", "2000-01-01")["events"][0]["commit"] == ahead
    # the wording in Chinese, for a reader whose locale is Chinese
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    proc = reportflow("audit", copy / FOLDER, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    chinese = [e["detail"] for e in json.loads(proc.stdout)["events"] if e["kind"] == "flag"]
    assert chinese[0] == (
        f"提交时间 {past} 早于其父提交 {parent[:10]} 的提交时间（{parent_time}）"
        "（日期由提交者自行填写；时间线按提交图排序）"
    )
    assert chinese[1] == (
        f"提交时间 {future} 在未来（晚于本次审计时的时钟）；"
        f"作者时间 {future} 在未来（晚于本次审计时的时钟）"
        "（日期由提交者自行填写；时间线按提交图排序）"
    )


def test_bidi_controls_are_shown_as_escapes_on_the_audit_page_and_the_redline(
    history, tmp_path
) -> None:
    root, _named = history
    copy = tmp_path / "reports"
    shutil.copytree(root, copy, symlinks=True)
    append(copy / SECTIONS / "00-preface.md", "\n甲\u202e乙丙\u2066丁\n")
    sha = commit_all(copy, "preface: \u202edetacilpmoc", D2)
    page = reportflow("audit", copy / FOLDER, "--format", "html").stdout
    assert "\u202e" not in page and "\u2066" not in page
    added = next(e["added"] for e in audit(copy)["events"] if e["commit"] == sha)
    row = next(r for r in page.split("<tr ") if f'title="{sha}"' in r)
    what = row.split('<td class="what">')[1].split("</td>")[0]
    assert what == f"edit +{added} -0 characters: preface: \\u202edetacilpmoc"
    redline = reportflow("diff", copy / FOLDER, "HEAD~1", "HEAD", "--format", "html").stdout
    assert "\u202e" not in redline and "\u2066" not in redline
    assert "<p><ins>甲\\u202e乙丙\\u2066丁</ins></p>" in redline


def test_blame_marks_each_paragraphs_author_claimed_unless_their_key_signed(history) -> None:
    """``blame`` names the last changer by e-mail as the audit does, so it says the same: the
    situation's new paragraph was signed by deputy head 2's own key (verified); the measures'
    claims the office director but deputy head 2's key signed it (claimed); the problems'
    is unsigned (claimed)."""
    root, named = history
    shown = {}
    for sid, text in (("situation", "补充一句。"), ("problems", "再补一句。"),
                      ("measures", "坚持不懈。")):  # fmt: skip
        proc = reportflow("blame", root / FOLDER, sid, "--format", "json")
        assert proc.returncode == 0, proc.stderr
        para = next(p for p in json.loads(proc.stdout)["paragraphs"] if p["text"] == text)
        shown[sid] = (para["commit"], para["person"], para["author_verified"])
    assert shown == {
        "situation": (named["signed"], D2, True),
        "problems": (named["unsigned"], D2, False),
        "measures": (named["other"], OD, False),
    }
