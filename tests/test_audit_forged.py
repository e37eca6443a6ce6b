"""What the audit says of things anyone can make with plain git (a security review of the audit,
2026-12-04): a record file edited or forged for an older text, a manifest dropped into the
archive folder, a tag whose tagger line names someone else, a history reset below a release.
Each was shown as honest before: "stale", "counted (released as v3)", the tagger as releaser,
and only a misleading "no release record". The scripted history of tests/audit_support.py,
the real CLI, the JSON checked against its schema."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from audit_support import FOLDER, SECTIONS, append, audit_json, copy_of, scripted_history
from conftest import author_env, commit_all, git


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return scripted_history(tmp_path_factory)


_copy = copy_of


def _forge_old_approval(copy: Path, reviewer: str = "deputy-head-1") -> tuple[Path, dict]:
    """deputy-head-1's approval of the situation, copied with an older text's fingerprint
    and as ``reviewer``'s (the signature is the real one, over other bytes), committed as a
    new record."""
    signoffs = copy / FOLDER / "signoffs"
    real = sorted(signoffs.glob("*deputy-head-1-section-situation.json"))[-1]
    doc = json.loads(real.read_text(encoding="utf-8"))
    older = git(copy, "rev-parse", f"HEAD~12:{FOLDER}/sections/01-situation.md").strip()
    assert older != doc["fingerprint"]
    doc["fingerprint"] = older
    doc["reviewer"] = reviewer
    forged = signoffs / real.name.replace("deputy-head-1", f"{reviewer}-copy")
    forged.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    commit_all(copy, "a sign-off", "deputy-head-2")
    return forged, doc


def _event_of(doc: dict, file: Path) -> dict:
    signoffs = [e for e in doc["events"] if e["kind"] == "signoff"]
    return next(e for e in signoffs if e["file"].endswith(file.name))


@pytest.mark.parametrize(
    ("reviewer", "reason"),
    [
        # the gate verified this one: its decision looks at older approvals of eligible
        # reviewers (separation of duties)
        ("deputy-head-1", "signature does not verify with the reviewer's listed keys"),
        # no decision needs a party secretary's section record: the audit verifies it itself
        ("party-secretary", "signature does not verify with any key the roster listed for it"),
    ],
)
def test_a_forged_record_for_an_older_text_is_invalid_not_stale(
    history, tmp_path, reviewer: str, reason: str
) -> None:
    copy = _copy(history, tmp_path)
    forged, _doc = _forge_old_approval(copy, reviewer)
    doc = audit_json(copy)
    event = _event_of(doc, forged)
    assert (event["status"], event["counted"], event["signature"]) == ("invalid", False, "invalid")
    assert event["reason"] == reason
    others = [e for e in doc["events"] if e["kind"] == "signoff" and e["file"] != event["file"]]
    assert others and all(e["signature"] == "valid" for e in others)


def test_a_manifest_dropped_into_the_archive_vouches_for_no_sign_off(history, tmp_path) -> None:
    copy = _copy(history, tmp_path)
    forged, record = _forge_old_approval(copy)
    v2 = next(copy.rglob("political-ecology/2022/v2/manifest.json"))
    manifest = json.loads(v2.read_text(encoding="utf-8"))
    manifest.update(version=3, tag="political-ecology/2022/v3", signoffs=[record])
    (v2.parent.parent / "v3").mkdir()
    (v2.parent.parent / "v3" / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    doc = audit_json(copy)
    event = _event_of(doc, forged)
    assert (event["status"], event["counted"], event["released_in"]) == ("invalid", False, [])
    v3 = next(e for e in doc["events"] if e["kind"] == "release" and e["version"] == 3)
    assert not v3["verified"]
    flags = [e["flag"] for e in doc["events"] if e["kind"] == "flag"]
    assert flags.count("tag-unverified") == 1
    # the honest releases still vouch for theirs
    assert any(e["kind"] == "signoff" and e["status"] == "released" for e in doc["events"])


def test_an_unsigned_roster_record_is_shown_unsigned_and_signs_off_nothing(
    history, tmp_path
) -> None:
    copy = _copy(history, tmp_path)
    report_dir = copy / FOLDER
    yaml_path = report_dir / "report.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    assert "email: deputy-head-2@example.gov.cn" in text
    yaml_path.write_text(
        text.replace("deputy-head-2@example.gov.cn", "deputy-head-2@district.gov.cn"), "utf-8"
    )
    commit_all(copy, "roster: an address", "office-director")
    pending = [e for e in audit_json(copy)["events"] if e["kind"] == "roster"][-1]
    assert pending["status"] == "pending" and pending["signed_by"] == []
    real = sorted((report_dir / "signoffs").glob("*party-secretary-roster.json"))[-1]
    doc = json.loads(real.read_text(encoding="utf-8"))
    doc.update(fingerprint=pending["digest"], signature=None)  # unsigned: the schema allows it
    (report_dir / "signoffs" / real.name.replace("roster", "roster-2")).write_text(
        json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    commit_all(copy, "roster sign-off", "office-director")
    roster = [e for e in audit_json(copy)["events"] if e["kind"] == "roster"][-1]
    assert roster["status"] == "pending"
    assert roster["signed_by"] == [
        {"person": "party-secretary", "decision": "approve", "counted": False,
         "signature": "unsigned"}
    ]  # fmt: skip
    from reportflow.audit import collect
    from reportflow.audit.table import rows

    timeline = collect.collect(report_dir)
    shown = [cells[5] for cells, e in zip(rows(timeline), timeline.events, strict=True)
             if e.kind == "roster"][-1]  # fmt: skip
    assert shown.endswith("pending; signed off by party-secretary approve (unsigned)"), shown


def test_a_release_event_names_the_releaser_whose_key_verifies_not_the_tagger(
    history, tmp_path
) -> None:
    copy = _copy(history, tmp_path)
    tag = "political-ecology/2022/v2"
    message = git(copy, "tag", "-l", "--format=%(contents)", tag)
    commit = git(copy, "rev-parse", f"{tag}^{{commit}}").strip()
    git(copy, "tag", "-d", tag)
    git(copy, "tag", "-a", tag, commit, "-m", message, env=author_env("deputy-head-2"))
    doc = audit_json(copy)
    v2 = next(e for e in doc["events"] if e["kind"] == "release" and e["version"] == 2)
    assert (v2["person"], v2["releaser_verified"], v2["verified"]) == (
        "party-secretary", True, False
    )  # fmt: skip
    v1 = next(e for e in doc["events"] if e["kind"] == "release" and e["version"] == 1)
    assert (v1["person"], v1["releaser_verified"], v1["verified"]) == (
        "party-secretary", True, True
    )  # fmt: skip


def test_a_history_reset_below_a_release_is_flagged(history, tmp_path) -> None:
    copy = _copy(history, tmp_path)
    v2 = git(copy, "rev-parse", "political-ecology/2022/v2^{commit}").strip()
    git(copy, "reset", "-q", "--hard", f"{v2}~3")
    append(copy / SECTIONS / "00-preface.md", "\n重写后的一句。\n")
    head = commit_all(copy, "preface: after the reset", "office-director")
    doc = audit_json(copy)
    flags = [e for e in doc["events"] if e["kind"] == "flag" and e["flag"] == "history-rewritten"]
    assert [(f["commit"], f["person"]) for f in flags] == [(v2, "party-secretary")]
    assert f"{v2[:10]}, which is not in the history of {head[:10]}" in flags[0]["detail"]


def test_a_key_rotated_out_verifies_nothing_signed_after_the_rotation(history, tmp_path) -> None:
    """The party secretary's key is replaced by a signed-off roster change (it leaked, say);
    a record signed with the old key and added afterwards is not hers, while her records from
    before the change still are. Judged by the roster in force where each record was added
    (audit/inforce.py), not by every key any roster ever listed."""
    import subprocess

    from audit_support import KEYS, sign

    from reportflow.signoff import ledger

    copy = _copy(history, tmp_path)
    report_dir = copy / FOLDER
    new_key = tmp_path / "party-secretary-new"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(new_key)], check=True)
    new_pub = " ".join(new_key.with_suffix(".pub").read_text().split()[:2])
    yaml_path = report_dir / "report.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    old_pub = KEYS["party-secretary"][1]
    assert old_pub in text
    yaml_path.write_text(text.replace(old_pub, new_pub), "utf-8")
    commit_all(copy, "roster: the party secretary's new key", "office-director")
    sign(report_dir, "party-secretary", "--roster")  # approved with the key in force: the old
    rotated = [e for e in audit_json(copy)["events"] if e["kind"] == "roster"][-1]
    assert rotated["status"] == "approved"
    # a section record in her name (no decision needs it), signed with the old key afterwards
    honest = sorted((report_dir / "signoffs").glob("*party-secretary-report.json"))[0]
    doc = json.loads(honest.read_text(encoding="utf-8"))
    older = git(copy, "rev-parse", f"HEAD~14:{FOLDER}/sections/01-situation.md").strip()
    doc.update(scope="section:situation", fingerprint=older, decision="approve", comment="")
    doc.pop("signature")
    doc["signature"] = ledger.sign(ledger.canonical(doc), KEYS["party-secretary"][0])
    late = report_dir / "signoffs" / "29990101T000000Z-party-secretary-section-situation.json"
    late.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    commit_all(copy, "a sign-off", "deputy-head-2")
    events = audit_json(copy)["events"]
    event = _event_of({"events": events}, late)
    assert (event["signature"], event["status"]) == ("invalid", "invalid")
    before = _event_of({"events": events}, honest)
    assert before["signature"] == "valid"


def test_a_trust_root_members_record_is_judged_by_the_roots_keys(history, tmp_path) -> None:
    """The records officer is a member of the trust root, not of the report's people: a
    record of hers on the trust-root channel (here for a roster no chain step has, so no
    decision verifies it) verifies with the root's keys, not "invalid" for want of a roster
    key."""
    from conftest import root_key

    from reportflow.signoff import ledger

    copy = _copy(history, tmp_path)
    report_dir = copy / FOLDER
    genesis = next(p for p in sorted((report_dir / "signoffs").glob("*roster*.json"))
                   if '"trust-root"' in p.read_text(encoding="utf-8"))  # fmt: skip
    doc = json.loads(genesis.read_text(encoding="utf-8"))
    assert doc["reviewer"] != "records-officer"
    doc.update(reviewer="records-officer", fingerprint="sha256:" + "5" * 64)
    doc.pop("signature")
    doc["signature"] = ledger.sign(ledger.canonical(doc), root_key("records-officer"))
    made = report_dir / "signoffs" / genesis.name.replace(genesis.name.split("-")[1], "records")
    assert not made.exists()
    made.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    commit_all(copy, "the records officer's approval too", "office-director")
    event = _event_of(audit_json(copy), made)
    assert (event["signature"], event["scope"], event["counted"]) == ("valid", "roster", False)


def test_a_signed_manifest_copied_into_another_entry_names_no_verified_releaser(
    history, tmp_path
) -> None:
    """v2's entry copied whole to v3: manifest.sig still verifies its bytes, but they are v2's;
    v3 neither verifies nor has a verified releaser."""
    copy = _copy(history, tmp_path)
    v2 = next(copy.rglob("political-ecology/2022/v2/manifest.json")).parent
    shutil.copytree(v2, v2.parent / "v3")
    doc = audit_json(copy)
    v3 = next(e for e in doc["events"] if e["kind"] == "release" and e["version"] == 3)
    assert (v3["verified"], v3["releaser_verified"]) == (False, False)
