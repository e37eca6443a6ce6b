"""Records, signatures (both verifiers), fingerprints and the roster in force."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from conftest import commit_all, git
from signoff_support import head, make_repo, section_file

from reportflow.core import history
from reportflow.signoff import approval, ledger, ledgerview


def record(**changes) -> ledger.SignoffRecord:
    base = ledger.SignoffRecord(
        "political-ecology",
        2022,
        "section:problems",
        "a" * 40,
        "c" * 40,
        "deputy-head-1",
        "approve",
        "2023-01-05T08:30:12.345Z",
        comment="同意",
    )
    return ledger.SignoffRecord(**{**base.to_dict(), **changes})


def signed(keys, person="deputy-head-1", **changes) -> ledger.SignoffRecord:
    rec = record(reviewer=person, **changes)
    sig = ledger.sign(rec.payload(), keys[person][0])
    return ledger.SignoffRecord(**{**rec.to_dict(), "signature": sig})


def test_payload_is_canonical_and_excludes_signature(keys) -> None:
    rec = signed(keys)
    payload = rec.payload()
    assert b"signature" not in payload
    assert "同意".encode() in payload  # UTF-8, not \\u escapes
    assert payload.startswith(b'{"channel":"cli","comment":')
    assert json.loads(payload) == {k: v for k, v in rec.to_dict().items() if k != "signature"}
    assert rec.digest != record().digest


def test_round_trip_through_dict_and_file(keys, tmp_path: Path) -> None:
    rec = signed(keys)
    assert ledger.parse_record(rec.to_dict(), "x") == rec
    path = ledger.write_record(tmp_path, rec)
    assert path.name == "20230105T083012345Z-deputy-head-1-section-problems.json"
    assert ledger.parse_file(path.read_bytes(), str(path)) == rec
    with pytest.raises(ledger.Refused):
        ledger.write_record(tmp_path, rec)  # append-only: never overwritten


@pytest.mark.parametrize("verifier", ["inprocess", "ssh-keygen"])
def test_both_verifiers_agree(keys, verifier, monkeypatch) -> None:
    if verifier == "ssh-keygen":
        monkeypatch.setenv("REPORTFLOW_VERIFIER", "ssh-keygen")
    mine = [keys["deputy-head-1"][1]]
    good = signed(keys)
    assert ledger.verify(good, mine) == "valid"
    edited = ledger.SignoffRecord(**{**good.to_dict(), "comment": "改过"})
    assert ledger.verify(edited, mine) == "invalid"
    replayed = ledger.SignoffRecord(**{**good.to_dict(), "scope": "section:measures"})
    assert ledger.verify(replayed, mine) == "invalid"
    other_report = ledger.SignoffRecord(**{**good.to_dict(), "report": "annual-summary"})
    assert ledger.verify(other_report, mine) == "invalid"
    wrong_key = ledger.SignoffRecord(
        **{**good.to_dict(), "signature": ledger.sign(good.payload(), keys["intruder"][0])}
    )
    assert ledger.verify(wrong_key, mine) == "invalid"
    assert ledger.verify(good, []) == "invalid"
    assert ledger.verify(record(), mine) == "unsigned"


def test_malformed_files_become_named_problems() -> None:
    good = json.dumps(record().to_dict() | {"signature": None}).encode()
    files = [
        ("s/ok.json", good),
        ("s/bad.json", b"{"),
        ("s/gbk.json", "签批记录".encode("gb18030") + b"\xff"),
        ("s/partial.json", b'{"report": "political-ecology"}'),
        ("s/readme.txt", b"hi"),
        ("s/.gitkeep", b""),
    ]
    parsed = [ledger.parse_or_problem(data, name) for name, data in files[:4]]
    records = [r for r in parsed if not isinstance(r, str)]
    problems = [p for p in parsed if isinstance(p, str)]
    assert [r.source for r in records] == ["s/ok.json"]
    assert len(problems) == 3
    for name, text in zip(
        ["bad.json", "gbk.json", "partial.json"],
        ["not valid JSON", "not UTF-8", "schema violation"],
        strict=True,
    ):
        assert any(name in p and text in p for p in problems), problems
    # file names are the ledger view's to judge: .gitkeep belongs, readme.txt does not
    walk = history.Walk({}, {})
    view = ledgerview.from_walk(walk, "s/", {n: ledger.blob_id(d) for n, d in files})
    assert view.odd == ("s/readme.txt",)
    assert any("s/readme.txt" in n and "not a sign-off record file name" in n for n in view.notes())


def test_blob_id_and_report_fingerprint(tmp_path: Path) -> None:
    data = "---\nid: x\n---\n正文\n".encode()
    (tmp_path / "f").write_bytes(data)
    expected = subprocess.run(
        ["git", "hash-object", str(tmp_path / "f")], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert ledger.blob_id(data) == expected
    text = "reportflow-report-v1\nreport.yaml y\na 1\nb 2\n"
    want = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    assert ledger.report_fingerprint("y", [("a", "1"), ("b", "2")]) == want
    assert ledger.report_fingerprint("y", [("b", "2"), ("a", "1")]) != want


def test_roster_in_force_comes_from_the_root_and_no_tag_changes_it(keys, tmp_path: Path) -> None:
    """No trust on first use and no tags (issue 11, families 1-2): the roster in force is
    the root-approved genesis until the final approvers sign a change; a release tag on a
    commit with another roster changes nothing."""
    rdir = make_repo(tmp_path / "reports", keys)
    repo_path = rdir.parents[2]
    genesis = approval.load_context(rdir).in_force
    assert genesis is not None and genesis.origin.startswith("root-approved at commit")
    yaml_path = rdir / "report.yaml"
    yaml_path.write_text(
        yaml_path.read_text(encoding="utf-8").replace(
            "approvals: 1, roles: [deputy", "approvals: 2, roles: [deputy"
        ),
        encoding="utf-8",
    )
    second = commit_all(repo_path, "policy: two approvals per section")
    assert approval.load_context(rdir).in_force.digest == genesis.digest
    git(repo_path, "tag", "-a", "-m", "v1", "political-ecology/2022/v1", second)
    (repo_path / "x.txt").write_text("later\n")
    commit_all(repo_path, "later work")
    ctx = approval.load_context(rdir)
    assert ctx.in_force.digest == genesis.digest
    assert ctx.in_force.policy.for_section("problems").approvals == 1
    assert ctx.candidate.policy.for_section("problems").approvals == 2


def test_evaluate_records_round_trip(keys, tmp_path: Path) -> None:
    rdir = make_repo(tmp_path / "reports", keys)
    repo = rdir.parents[2]
    blobs = {
        sid: git(repo, "rev-parse", f"HEAD:{section_file(rdir, sid).relative_to(repo)}").strip()
        for sid in ("preface", "situation", "problems", "measures")
    }
    commit = head(repo)
    now = ledger.now_utc()
    dicts = [
        signed(
            keys, "deputy-head-2", scope=f"section:{sid}", fingerprint=blob, commit=commit, time=now
        ).to_dict()
        for sid, blob in blobs.items()
    ]
    ctx = approval.load_context(rdir, "HEAD", [])
    dicts.append(
        signed(
            keys,
            "party-secretary",
            scope="report",
            fingerprint=ctx.facts.report_fingerprint,
            commit=commit,
            time=now,
        ).to_dict()
    )
    # records count only from the ledger: a list of dicts (a manifest) cannot bring new ones
    outside = approval.evaluate_records(rdir, commit, dicts)
    assert not outside.passed
    assert sum("not in the ledger" in p for p in outside.problems) == 5
    for d in dicts:
        ledger.write_record(rdir / "signoffs", ledger.parse_record(d, "x"))
    commit = commit_all(repo, "the sign-offs")
    result = approval.evaluate_records(rdir, commit, dicts)
    assert result.passed, result.missing
    mine = [r for r in result.counted if r.channel != "trust-root"]  # the root's genesis too
    assert sorted(r.to_dict()["scope"] for r in mine) == sorted(d["scope"] for d in dicts)
    assert [r.to_dict() for r in result.counted] == [
        ledger.parse_record(r.to_dict(), "again").to_dict() for r in result.counted
    ]
    tampered = [*dicts[:-1], {**dicts[-1], "comment": "changed"}, {"nonsense": 1}]
    result = approval.evaluate_records(rdir, commit, tampered)
    assert not result.passed
    assert any("record 5" in p and "not in the ledger" in p for p in result.problems)
    assert any("record 6" in p for p in result.problems)


def test_damaged_signature_is_invalid_not_a_crash(keys) -> None:
    good = signed(keys)
    body = good.signature.splitlines()
    damaged = "\n".join([body[0], body[1][:20], body[-1]]) + "\n"
    rec = ledger.SignoffRecord(**{**good.to_dict(), "signature": damaged})
    assert ledger.verify(rec, [keys["deputy-head-1"][1]]) == "invalid"


def test_policy_schema_errors_name_the_field(tmp_path: Path) -> None:
    import shutil

    from conftest import SAMPLE_REPORT

    from reportflow.content import model, schema
    from reportflow.core.errors import SchemaError

    dest = tmp_path / "r"
    shutil.copytree(SAMPLE_REPORT, dest)
    yaml_path = dest / "report.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    yaml_path.write_text(
        text.replace(
            "{approvals: 1, roles: [deputy-head]}", "{approvals: 0, roles: [deputy-head]}"
        ),
        encoding="utf-8",
    )
    with pytest.raises(SchemaError) as err:
        model.load_report(dest)
    assert "policy/sections/default/approvals" in str(err.value)
    assert err.value.line is not None
    assert schema._fast_check("report.schema.json") is not None  # the fast path is in use
    yaml_path.write_text(
        text.replace("separation_of_duties: true", "separation_of_duty: true"), encoding="utf-8"
    )
    with pytest.raises(SchemaError, match="separation_of_duty"):
        model.load_report(dest)
