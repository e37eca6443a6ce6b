"""``reportflow audit`` on a scripted history (tests/audit_support.py): the exact timeline, the
JSON schema, the filters, CSV and HTML escaping, and the trust-chain flags."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from audit_support import FOLDER, SECTIONS, append, audit_json, reportflow, scripted_history
from conftest import SAMPLE_REPORT, author_env, commit_all, git


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return scripted_history(tmp_path_factory)


def brief(event: dict) -> tuple:
    kind = event["kind"]
    if kind == "edit":
        what: tuple = (event["action"], event["added"], event["removed"])
    elif kind == "signoff":
        what = (event["scope"], event["decision"], event["status"], event["counted"])
    elif kind == "roster":
        what = (event["status"], tuple(s["person"] for s in event["signed_by"]))
    elif kind == "release":
        what = (event["tag"], event["verified"])
    else:
        what = (event["flag"],)
    return (kind, event["person"], event["section"], what)


def test_the_timeline_of_the_scripted_history_is_exact(history) -> None:
    root, named = history
    doc = audit_json(root)
    assert (
        doc["format"] == "reportflow-audit/1"
        and doc["commit"] == git(root, "rev-parse", "HEAD").strip()
    )
    events = doc["events"]
    filled = {}  # the sample as make_repo commits it: figures filled in
    for path in (SAMPLE_REPORT / "sections").glob("*.md"):
        text = path.read_text(encoding="utf-8").replace(r"\*\*\*", "12").replace(r"\*\*", "某")
        filled[path.stem.split("-", 1)[1]] = len(re.sub(r"\s", "", text))
    sample = {sid: filled[sid] for sid in ("preface", "situation", "problems", "measures")}
    od, d1, d2, ps = "office-director", "deputy-head-1", "deputy-head-2", "party-secretary"
    expected = [
        # the first roster, in force by the trust root's genesis (two of its three members)
        ("roster", od, None, ("in force", (ps, od))),
        *[("edit", od, sid, ("add", n, 0)) for sid, n in sample.items()],
        ("signoff", ps, None, ("roster", "approve", "counted", True)),  # genesis records
        ("signoff", od, None, ("roster", "approve", "counted", True)),
        ("edit", d2, "situation", ("edit", 5, 0)),  # 补充一句。
        ("edit", d2, "measures", ("edit", 5, 0)),  # 坚持不懈。 on main
        (
            "edit",
            od,
            "problems",
            ("edit", 2, 2),
        ),  # 学习 -> 武装 on the branch; the merge adds nothing
        ("signoff", d1, "preface", ("section:preface", "approve", "stale", False)),
        ("signoff", d1, "situation", ("section:situation", "approve", "released", True)),
        ("signoff", d1, "problems", ("section:problems", "approve", "counted", True)),
        ("signoff", d1, "measures", ("section:measures", "approve", "counted", True)),
        ("signoff", ps, None, ("report", "reject", "stale", False)),
        ("edit", od, "preface", ("edit", 5, 0)),  # 成效明显。 answers the reject
        ("signoff", d1, "preface", ("section:preface", "approve", "counted", True)),
        ("signoff", ps, None, ("report", "approve", "released", True)),
        ("release", ps, None, ("political-ecology/2022/v1", True)),  # the releaser
        ("roster", od, None, ("approved", (ps,))),
        ("signoff", ps, None, ("roster", "approve", "counted", True)),
        ("edit", od, "measures", ("rename", 0, 0)),  # 03-measures.md -> 04-measures.md
        ("edit", d2, "situation", ("edit", 1, 1)),  # 一 -> 两
        ("signoff", d1, "situation", ("section:situation", "approve", "counted", True)),
        ("signoff", ps, None, ("report", "approve", "counted", True)),
        ("release", ps, None, ("political-ecology/2022/v2", True)),
    ]
    assert [brief(e) for e in events] == expected
    assert {e["commit"] for e in events[:5]} == {named["import"]}
    assert events[5]["commit"] == events[6]["commit"] == named["genesis"]
    assert [e["commit"] for e in events if e["kind"] == "edit" and e["action"] == "rename"] == [
        named["rename"]
    ]
    assert doc["counts"] == {"edit": 10, "signoff": 12, "roster": 2, "release": 2, "flag": 0}
    reject = next(
        e for e in events if e["decision" if e["kind"] == "signoff" else "kind"] == "reject"
    )
    assert reject["comment"] == "请补充工作成效" and reject["channel"] == "cli" and reject["signed"]
    v1 = next(e for e in events if e["kind"] == "release")
    manifest = root / "archive" / "political-ecology" / "2022" / "v1" / "manifest.json"
    import hashlib

    assert v1["manifest_sha256"] == hashlib.sha256(manifest.read_bytes()).hexdigest()
    assert v1["approvers"] == ["deputy-head-1", "party-secretary"]
    assert [
        e["released_in"] for e in events if e["kind"] == "signoff" and e["status"] == "released"
    ] == [[1], [1]]


def test_a_renamed_section_keeps_its_history_and_filters_select(history) -> None:
    root, _named = history
    measures = audit_json(root, "--section", "measures")["events"]
    assert [
        (e["kind"], e.get("action"), e["path"] if e["kind"] == "edit" else None) for e in measures
    ] == [
        ("edit", "add", f"{SECTIONS}/03-measures.md"),
        ("edit", "edit", f"{SECTIONS}/03-measures.md"),
        ("signoff", None, None),
        ("edit", "rename", f"{SECTIONS}/04-measures.md"),
    ]
    assert measures[-1]["renamed_from"] == f"{SECTIONS}/03-measures.md"
    d2 = audit_json(root, "--person", "deputy-head-2")
    assert {e["kind"] for e in d2["events"]} == {"edit"} and len(d2["events"]) == 3
    assert d2["filters"]["person"] == "deputy-head-2"
    assert audit_json(root, "--since", "2999-01-01")["events"] == []
    assert audit_json(root, "--until", "2000-01-01")["events"] == []
    everything = audit_json(root, "--since", "2000-01-01", "--until", "2999-12-31")
    assert len(everything["events"]) == 26
    bad = reportflow("audit", root / FOLDER, "--since", "last tuesday")
    assert bad.returncode == 2 and "last tuesday" in bad.stderr
    gone = reportflow("audit", root / FOLDER, "--rev", "no-such-branch")
    assert gone.returncode == 2 and "no-such-branch" in gone.stderr


def test_table_csv_and_html_say_the_same_and_escape_repository_text(history, tmp_path) -> None:
    root, _named = history
    copy = tmp_path / "reports"
    shutil.copytree(root, copy, symlinks=True)
    append(copy / SECTIONS / "00-preface.md", "\n又一句。\n")
    commit_all(
        copy, '=HYPERLINK("http://evil.example") <script>alert(1)</script> \x1b[2J', "deputy-head-2"
    )
    table = reportflow("audit", copy / FOLDER)
    assert table.returncode == 0 and "\x1b[2J" not in table.stdout and "\\x1b" in table.stdout
    rows = list(
        csv.DictReader(io.StringIO(reportflow("audit", copy / FOLDER, "--format", "csv").stdout))
    )
    assert len(rows) == 27 and rows[-1]["kind"] == "edit" and rows[-1]["person"] == "deputy-head-2"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    page = reportflow("audit", copy / FOLDER, "--format", "html").stdout
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "http://evil.example" in page and 'href="http' not in page and "src=" not in page
    assert page.count("<tr class=") == 27


def test_the_trust_chain_flags(history, tmp_path) -> None:
    root, _named = history
    copy = tmp_path / "reports"
    shutil.copytree(root, copy, symlinks=True)
    report_dir = copy / FOLDER
    reject = next(p for p in (report_dir / "signoffs").glob("*party-secretary-report.json")
                  if '"reject"' in p.read_text(encoding="utf-8"))  # fmt: skip
    git(copy, "rm", "-q", str(reject.relative_to(copy)))
    deleted = commit_all(copy, "tidy the sign-offs", "deputy-head-2")
    # a merge that types text of its own into a section (in neither parent)
    git(copy, "checkout", "-q", "-b", "side")
    append(copy / SECTIONS / "02-problems.md", "\n旁支一句。\n")
    commit_all(copy, "side: one line", "office-director")
    git(copy, "checkout", "-q", "main")
    git(copy, "merge", "-q", "--no-ff", "--no-commit", "side", env=author_env("deputy-head-2"))
    append(copy / SECTIONS / "02-problems.md", "合并时加的话。\n")
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", "merge side", env=author_env("deputy-head-2"))
    evil = git(copy, "rev-parse", "HEAD").strip()
    # a release tag anyone can make, with nothing in the archive behind it
    git(copy, "tag", "-a", "political-ecology/2022/v3", "-m", "v3", env=author_env("deputy-head-2"))
    doc = audit_json(copy)
    flags = [e for e in doc["events"] if e["kind"] == "flag"]
    assert [(f["flag"], f["commit"], f["person"]) for f in flags] == [
        ("record-deleted", deleted, "deputy-head-2"),
        ("merge-own-text", evil, "deputy-head-2"),
        ("tag-unverified", evil, "deputy-head-2"),
    ]
    assert reject.name in flags[0]["detail"] and "still counts" in flags[0]["detail"]
    merge = next(e for e in doc["events"] if e["kind"] == "edit" and e["commit"] == evil)
    assert (merge["action"], merge["section"], merge["added"]) == ("merge", "problems", 7)
    v3 = next(e for e in doc["events"] if e["kind"] == "release" and e["version"] == 3)
    assert not v3["verified"] and any("manifest" in p for p in v3["problems"])
    # the deleted reject is still in the timeline, and still answers for the report
    assert any(e["kind"] == "signoff" and e["decision"] == "reject" for e in doc["events"])


def test_releases_are_judged_by_the_roster_at_head_first(history, tmp_path, monkeypatch) -> None:
    """The releases a releaser of HEAD's roster signed need no gate decision at their commits;
    after that releaser's key is rotated, the old releases are judged by the roster at their
    own commit (one decision each) and still verify."""
    import subprocess

    from audit_support import KEYS, sign

    from reportflow.audit import collect
    from reportflow.release import assess

    root, _named = history
    decided: list[str] = []
    real = assess.decision

    def counted(report_dir, commit, *rest):
        decided.append(commit)
        return real(report_dir, commit, *rest)

    monkeypatch.setattr(assess, "decision", counted)
    releases = [e for e in collect.collect(root / FOLDER).events if e.kind == "release"]
    assert [(e.data["version"], e.data["verified"]) for e in releases] == [(1, True), (2, True)]
    assert decided == []  # both signed by the releaser in force at HEAD
    copy = tmp_path / "reports"
    shutil.copytree(root, copy, symlinks=True)
    new_key = tmp_path / "party-secretary-2"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(new_key)], check=True)
    new_pub = " ".join(new_key.with_suffix(".pub").read_text().split()[:2])
    yaml_path = copy / FOLDER / "report.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    assert KEYS["party-secretary"][1] in text
    yaml_path.write_text(text.replace(KEYS["party-secretary"][1], new_pub), encoding="utf-8")
    commit_all(copy, "roster: the party secretary's new key", "office-director")
    sign(copy / FOLDER, "party-secretary", "--roster")  # with the old key, in force till now
    # v3, released with the new key, is judged by HEAD's roster: no decision at its commit
    report = ("signoff", copy / FOLDER, "--report", "--as", "party-secretary", "--key", new_key)
    proc = reportflow(*report)
    assert proc.returncode == 0, proc.stderr
    proc = reportflow("release", copy / FOLDER, "--key", new_key)
    assert proc.returncode == 0, proc.stderr
    releases = [e for e in collect.collect(copy / FOLDER).events if e.kind == "release"]
    assert [(e.data["version"], e.data["verified"], e.data["problems"]) for e in releases] == [
        (1, True, []),
        (2, True, []),
        (3, True, []),
    ]
    tags = [
        git(copy, "rev-parse", f"political-ecology/2022/v{n}^{{commit}}").strip() for n in (1, 2)
    ]
    assert sorted(set(decided)) == sorted(tags)  # v1 and v2 only


def test_the_audit_reads_the_same_through_files_as_through_pipes(history) -> None:
    """The early walk and the blob read go through temporary files (not pipes drained on a
    second thread): the timeline is the one the pipe-read walk gives (the early walk started
    at another commit, so the audit reads the log again through GitPython's pipe), and every
    blob ``read_blobs`` returns is ``git cat-file blob``'s, one process each."""
    import subprocess

    from reportflow.audit import collect
    from reportflow.commands.audit import as_json
    from reportflow.core import gitio
    from reportflow.core.prewalk import Prewalk

    root, _named = history
    report_dir = root / FOLDER
    through_files = collect.collect(report_dir, "HEAD", Prewalk(report_dir, "HEAD"))
    through_pipe = collect.collect(report_dir, "HEAD", Prewalk(report_dir, "HEAD~1"))
    assert as_json(through_files.to_json()) == as_json(through_pipe.to_json())
    assert len(through_files.events) > 20
    # the command's output is the same timeline
    assert audit_json(root)["events"] == json.loads(as_json(through_files.to_json()))["events"]
    repo = gitio.require_repo(report_dir)
    ids = sorted({e.data["blob"] for e in through_files.events if e.kind == "edit"} - {"0" * 40})
    assert len(ids) > 5
    got = gitio.read_blobs(repo, [*ids, "f" * 40])  # a missing one is left out
    assert set(got) == set(ids)
    for blob in ids:
        one = subprocess.run(["git", "cat-file", "blob", blob], cwd=root, capture_output=True)
        assert got[blob] == one.stdout, blob
