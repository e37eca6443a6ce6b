"""``reportflow signoff`` / ``gate`` end to end: real git, real ssh-keygen keys, the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import commit_all, git
from signoff_support import edit, head, make_keys, record_files, section_file

SECTIONS = ("preface", "situation", "problems", "measures")


def repo_of(rdir: Path) -> Path:
    return rdir.parents[2]


@pytest.fixture
def sign(cli, keys):
    def run(rdir: Path, person: str, *scope: str, key: str | None = None, extra=()):
        key_path = keys[key or person][0]
        return cli("signoff", rdir, *scope, "--as", person, "--key", key_path, *extra)

    return run


def approve_all_sections(sign, rdir: Path) -> None:
    for sid in SECTIONS:
        result = sign(rdir, "deputy-head-1", "--section", sid)
        assert result.code == 0, result.err


def test_full_approval_then_edit_goes_stale_then_approve_again(cli, sign, rdir: Path) -> None:
    assert cli("gate", rdir).code == 1
    approve_all_sections(sign, rdir)
    result = sign(rdir, "party-secretary", "--report")
    assert result.code == 0, result.err
    gate = cli("gate", rdir)
    assert gate.code == 0, gate.out + gate.err
    assert "APPROVED" in gate.out
    log = git(repo_of(rdir), "log", "-1", "--format=%an|%ae|%s")
    assert log.startswith("区政府党组书记|party-secretary@example.gov.cn|signoff: party-secretary")

    edit(section_file(rdir, "problems"))
    commit_all(repo_of(rdir), "problems: one more sentence")
    gate = cli("gate", rdir, "--format", "json")
    assert gate.code == 1
    data = json.loads(gate.out)
    assert data["sections"]["problems"]["status"] == "stale"
    assert data["sections"]["situation"]["status"] == "approved"
    assert data["report_status"] == "stale"
    assert any("problems" in m for m in data["missing"])

    assert sign(rdir, "deputy-head-2", "--section", "problems").code == 0
    assert cli("gate", rdir).code == 1  # the report fingerprint changed too
    assert sign(rdir, "party-secretary", "--report").code == 0
    assert cli("gate", rdir).code == 0


def test_reject_then_approve(cli, sign, rdir: Path) -> None:
    result = sign(
        rdir, "deputy-head-1", "--section", "problems", extra=("--reject", "-m", "数据不全")
    )
    assert result.code == 0, result.err
    data = json.loads(cli("gate", rdir, "--format", "json").out)
    assert data["sections"]["problems"]["status"] == "rejected"
    assert "数据不全" in data["sections"]["problems"]["still_needed"]
    assert sign(rdir, "deputy-head-2", "--section", "problems").code == 0
    data = json.loads(cli("gate", rdir, "--format", "json").out)
    assert data["sections"]["problems"]["status"] == "approved"
    assert data["sections"]["problems"]["approvers"] == ["deputy-head-2"]


def test_final_approval_refused_before_all_sections(cli, sign, rdir: Path) -> None:
    assert sign(rdir, "deputy-head-1", "--section", "preface").code == 0
    before = head(repo_of(rdir))
    files = record_files(rdir)
    result = sign(rdir, "party-secretary", "--report")
    assert result.code == 1
    assert "only once every section is approved" in result.err
    assert "situation (pending)" in result.err
    assert head(repo_of(rdir)) == before and record_files(rdir) == files


def test_two_clones_sign_different_sections_and_merge(cli, sign, rdir: Path, tmp_path) -> None:
    repo = repo_of(rdir)
    other = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(other))
    other_dir = other / "content" / "political-ecology" / "2022"
    assert sign(rdir, "deputy-head-1", "--section", "situation").code == 0
    assert sign(other_dir, "deputy-head-2", "--section", "problems").code == 0
    git(repo, "pull", "-q", "--no-rebase", "--no-edit", str(other), "main")
    assert len(record_files(rdir)) == 2
    data = json.loads(cli("gate", rdir, "--format", "json").out)
    assert data["sections"]["situation"]["status"] == "approved"
    assert data["sections"]["problems"]["status"] == "approved"


def test_signoff_commits_only_the_record(sign, rdir: Path) -> None:
    repo = repo_of(rdir)
    (repo / "notes.txt").write_text("staged, not for the sign-off commit\n")
    git(repo, "add", "notes.txt")
    assert sign(rdir, "deputy-head-1", "--section", "preface").code == 0
    changed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert changed == [str(record_files(rdir)[0].relative_to(repo))]
    assert "A  notes.txt" in git(repo, "status", "--porcelain")


def _refused(result, code: int, *words: str) -> None:
    assert result.code == code, (result.out, result.err)
    for word in words:
        assert word in result.err


@pytest.mark.parametrize(
    ("person", "scope", "key", "code", "words"),
    [
        ("deputy-head-1", ("--section", "problems"), "intruder", 1, ("is not listed for",)),
        ("intruder", ("--section", "problems"), "intruder", 1, ("not in the report's people",)),
        ("deputy-head-1", ("--section", "nope"), None, 2, ("no section 'nope'",)),
        ("office-director", ("--section", "problems"), None, 1, ("may not sign off section",)),
        ("deputy-head-1", ("--report",), None, 1, ("may not sign off the whole report",)),
        ("party-secretary", ("--roster",), None, 1, ("nothing to sign off",)),
    ],
)
def test_refusals_write_nothing(sign, rdir: Path, person, scope, key, code, words) -> None:
    before = head(repo_of(rdir))
    _refused(sign(rdir, person, *scope, key=key), code, *words)
    assert head(repo_of(rdir)) == before
    assert record_files(rdir) == []
    assert git(repo_of(rdir), "status", "--porcelain") == ""


def test_author_may_not_approve_a_section_they_changed(sign, rdir: Path) -> None:
    repo = repo_of(rdir)
    edit(section_file(rdir, "measures"))
    commit_all(repo, "measures: my addition", person="deputy-head-1")
    before = head(repo)
    _refused(
        sign(rdir, "deputy-head-1", "--section", "measures"),
        1,
        "separation of duties",
        "may not approve section measures",
    )
    assert head(repo) == before and record_files(rdir) == []
    assert sign(rdir, "deputy-head-2", "--section", "measures").code == 0
    # once approved, a later text by someone else may be approved by deputy-head-1 again
    edit(section_file(rdir, "measures"), "\n再补充。\n")
    commit_all(repo, "measures: office addition")
    assert sign(rdir, "deputy-head-1", "--section", "measures").code == 0


def test_uncommitted_section_is_refused(sign, rdir: Path) -> None:
    edit(section_file(rdir, "problems"))
    _refused(sign(rdir, "deputy-head-1", "--section", "problems"), 1, "uncommitted changes")
    assert record_files(rdir) == []


def _commit_record(rdir: Path, name: str, data: dict | str) -> None:
    path = rdir / "signoffs" / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    commit_all(repo_of(rdir), f"add {name}")


def test_edited_and_replayed_records_are_named_and_not_counted(cli, sign, rdir: Path) -> None:
    assert sign(rdir, "deputy-head-1", "--section", "problems").code == 0
    original = json.loads(record_files(rdir)[0].read_text(encoding="utf-8"))
    edited = {**original, "comment": "added after signing"}
    _commit_record(rdir, "20990101T000000000Z-deputy-head-1-section-problems.json", edited)
    blob = git(
        repo_of(rdir),
        "rev-parse",
        f"HEAD:{section_file(rdir, 'measures').relative_to(repo_of(rdir))}",
    ).strip()
    replay = {**original, "scope": "section:measures", "fingerprint": blob}
    _commit_record(rdir, "20990101T000000001Z-deputy-head-1-section-measures.json", replay)
    gate = cli("gate", rdir)
    assert gate.code == 1
    assert (
        "20990101T000000000Z-deputy-head-1-section-problems.json: signature does not verify"
        in gate.out
    )
    assert (
        "20990101T000000001Z-deputy-head-1-section-measures.json: signature does not verify"
        in gate.out
    )
    data = json.loads(cli("gate", rdir, "--format", "json").out)
    assert data["sections"]["measures"]["status"] == "pending"
    assert data["sections"]["problems"]["status"] == "approved"  # the genuine record still counts


def test_malformed_record_is_named_by_gate_and_status(cli, rdir: Path) -> None:
    _commit_record(rdir, "broken.json", "{not json")
    _commit_record(rdir, "wrong.json", {"report": "political-ecology", "year": "2022"})
    gate = cli("gate", rdir)
    assert gate.code == 1
    assert "broken.json" in gate.out and "not valid JSON" in gate.out
    assert "wrong.json" in gate.out and "schema violation" in gate.out
    status = cli("status", rdir, "--format", "json")
    assert status.code == 0, status.err
    problems = json.loads(status.out)["approval"]["problems"]
    assert any("broken.json" in p for p in problems) and any("wrong.json" in p for p in problems)


def test_attack_author_adds_own_key_and_approves(cli, keys, rdir: Path) -> None:
    """The office director gives themselves the deputy-head role and their key, then signs a
    record for a section: the roster in force (first commit) does not know them as a reviewer,
    so the gate neither counts it nor passes while the roster change is unsigned."""
    from reportflow.signoff import ledger

    repo = repo_of(rdir)
    yaml_path = rdir / "report.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    text = text.replace("roles: [author]", "roles: [author, deputy-head]")
    pub = keys["intruder"][1]
    text = text.replace("keys: [ssh-ed25519", f"keys: [{pub} extra, ssh-ed25519", 2)
    yaml_path.write_text(text, encoding="utf-8")
    commit_all(repo, "people: small fixes")
    blob = git(repo, "rev-parse", "HEAD:content/political-ecology/2022/sections/02-problems.md")
    for who, key in (("office-director", "office-director"), ("deputy-head-1", "intruder")):
        rec = ledger.SignoffRecord(
            "political-ecology",
            2022,
            "section:problems",
            blob.strip(),
            head(repo),
            who,
            "approve",
            ledger.now_utc(),
        )
        rec = ledger.SignoffRecord(
            **{**rec.to_dict(), "signature": ledger.sign(rec.payload(), keys[key][0])}
        )
        _commit_record(rdir, ledger.file_name(rec), rec.to_dict())
    result = cli(
        "signoff",
        rdir,
        "--section",
        "situation",
        "--as",
        "office-director",
        "--key",
        keys["office-director"][0],
    )
    assert result.code == 1 and "may not sign off section" in result.err
    gate = cli("gate", rdir, "--format", "json")
    assert gate.code == 1
    data = json.loads(gate.out)
    assert data["sections"]["problems"]["status"] == "pending"
    assert data["roster_status"] == "pending"
    assert any("roster change" in m for m in data["missing"])
    assert any("deputy-head-1" in p and "does not verify" in p for p in data["problems"])


def test_roster_change_takes_effect_once_signed_off(cli, sign, keys, rdir: Path) -> None:
    repo = repo_of(rdir)
    yaml_path = rdir / "report.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    text = text.replace(
        "  party-secretary:\n",
        f"  deputy-head-3:\n    name: 副区长\n    roles: [deputy-head]\n"
        f"    email: deputy-head-3@example.gov.cn\n    keys: [{keys['intruder'][1]}]\n"
        "  party-secretary:\n",
    )
    yaml_path.write_text(text, encoding="utf-8")
    commit_all(repo, "people: a new deputy head")
    _refused(
        sign(rdir, "deputy-head-3", "--section", "problems", key="intruder"),
        1,
        "not in the report's people",
    )
    _refused(sign(rdir, "deputy-head-1", "--roster"), 1, "may not sign off a roster change")
    assert sign(rdir, "party-secretary", "--roster").code == 0
    result = sign(rdir, "deputy-head-3", "--section", "problems", key="intruder")
    assert result.code == 0, result.err
    data = json.loads(cli("gate", rdir, "--format", "json").out)
    assert data["roster_status"] == "approved"
    assert data["sections"]["problems"]["approvers"] == ["deputy-head-3"]


def test_owners_lists_foreign_changes(cli, rdir: Path) -> None:
    repo = repo_of(rdir)
    start = head(repo)
    edit(section_file(rdir, "situation"))
    commit_all(repo, "situation: a figure", person="deputy-head-2")
    result = cli("owners", rdir, f"{start}..HEAD")
    assert result.code == 1
    assert "deputy-head-2 changed section situation, owned by office-director" in result.out
    assert cli("owners", rdir, f"{start}..{start}").code == 0
    status = json.loads(cli("status", rdir, "--format", "json").out)
    rows = {r["id"]: r for r in status["sections"]}
    assert rows["situation"]["contributors"] == ["office-director", "deputy-head-2"]
    assert rows["situation"]["approval"] == "pending"


def test_roster_changes_chain_so_a_rotated_key_signs_the_next_change(
    cli, keys, rdir: Path, tmp_path: Path
) -> None:
    repo = repo_of(rdir)
    new_key = make_keys(tmp_path / "rotated")["party-secretary"]
    yaml_path = rdir / "report.yaml"
    yaml_path.write_text(
        yaml_path.read_text(encoding="utf-8").replace(keys["party-secretary"][1], new_key[1]),
        encoding="utf-8",
    )
    commit_all(repo, "people: the party secretary's new key")
    old_key = keys["party-secretary"][0]
    refused = cli("signoff", rdir, "--roster", "--as", "party-secretary", "--key", new_key[0])
    _refused(refused, 1, "is not listed for party-secretary")
    ok = cli("signoff", rdir, "--roster", "--as", "party-secretary", "--key", old_key)
    assert ok.code == 0, ok.err
    text = yaml_path.read_text(encoding="utf-8").replace(
        "approvals: 1, roles: [deputy", "approvals: 2, roles: [deputy"
    )
    yaml_path.write_text(text, encoding="utf-8")
    commit_all(repo, "policy: two approvals per section")
    data = json.loads(cli("gate", rdir, "--format", "json").out)
    assert data["roster_status"] == "pending"
    assert data["sections"]["problems"]["required"] == 1  # the new policy is not in force yet
    _refused(
        cli("signoff", rdir, "--roster", "--as", "party-secretary", "--key", old_key),
        1,
        "is not listed",
    )
    ok = cli("signoff", rdir, "--roster", "--as", "party-secretary", "--key", new_key[0])
    assert ok.code == 0, ok.err
    data = json.loads(cli("gate", rdir, "--format", "json").out)
    assert data["roster_status"] == "approved"
    assert data["sections"]["problems"]["required"] == 2
    from reportflow.signoff import approval

    counted = [r for r in approval.evaluate_at(rdir).counted if r.scope == "roster"]
    # both steps of the chain and the root's genesis, so a manifest can re-check it
    assert len([r for r in counted if r.channel != "trust-root"]) == 2
    assert len([r for r in counted if r.channel == "trust-root"]) == 2


def test_gate_at_an_older_revision_and_unknown_section_record(cli, sign, rdir: Path) -> None:
    first = head(repo_of(rdir))
    approve_all_sections(sign, rdir)
    assert sign(rdir, "party-secretary", "--report").code == 0
    assert cli("gate", rdir).code == 0
    assert cli("gate", rdir, "--rev", first).code == 1  # no records existed at that commit
    record = json.loads(record_files(rdir)[0].read_text(encoding="utf-8"))
    _commit_record(rdir, "x-section-nope.json", {**record, "scope": "section:nope"})
    gate = cli("gate", rdir)
    assert gate.code == 0  # still approved; the stray record is named, not counted
    assert "x-section-nope.json: no section 'nope'" in gate.out


def test_unsigned_ui_signoff_counts_only_where_policy_allows(cli, keys, rdir: Path) -> None:
    from reportflow.core.errors import InputError, Refused
    from reportflow.signoff import request

    with pytest.raises(Refused, match="to sign with an SSH key"):
        request.record(rdir, person="deputy-head-1", scope="section:problems", channel="prefect-ui")
    with pytest.raises(InputError, match="unknown scope"):
        request.record(rdir, person="deputy-head-1", scope="problems", channel="prefect-ui")
    assert record_files(rdir) == []
    yaml_path = rdir / "report.yaml"
    text = yaml_path.read_text(encoding="utf-8").replace(
        "signatures: {required_for: everyone}",
        "signatures: {required_for: {roles: [party-secretary]}}",
    )
    yaml_path.write_text(text, encoding="utf-8")
    commit_all(repo_of(rdir), "policy: deputy heads may sign off in the Prefect UI")
    ok = cli(
        "signoff", rdir, "--roster", "--as", "party-secretary", "--key", keys["party-secretary"][0]
    )
    assert ok.code == 0, ok.err
    path = request.record(
        rdir, person="deputy-head-1", scope="section:problems", comment="同意", channel="prefect-ui"
    )
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["signature"] is None and data["channel"] == "prefect-ui"
    verdict = json.loads(cli("gate", rdir, "--format", "json").out)
    assert verdict["sections"]["problems"]["status"] == "approved"
    with pytest.raises(Refused, match="to sign with an SSH key"):
        request.record(
            rdir, person="party-secretary", scope="report", reject=True, channel="prefect-ui"
        )
