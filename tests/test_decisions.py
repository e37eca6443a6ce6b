"""One test for each single-edit mutation of a decision that the rest of the suite let through
(issue 17). Each asserts the exact verdict, so the mutated decision gives a different one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import commit_all, git
from releasing import demo_key, entry, ready_to_release, releaser_key
from test_gate import PEOPLE, POLICY, full, rec, run
from validate_util import BODY_LINE, findings_for, where

from reportflow.release.archive import ArchiveStore
from reportflow.signoff import gate

TWO = {**POLICY, "sections": {"default": {"approvals": 2, "roles": ["deputy-head"]}}}


def test_approvals_before_a_later_reject_no_longer_count() -> None:
    records = [
        rec("section:a", "a" * 40, "deputy-head-1", t=1),
        rec("section:a", "a" * 40, "deputy-head-2", "reject", t=2),
        rec("section:a", "a" * 40, "deputy-head-2", t=3),  # changes their mind
        *full()[1:],
    ]
    verdict = run(records, policy=TWO).sections["a"]
    assert verdict.status == "pending"
    assert verdict.approvers == ("deputy-head-2",)  # deputy-head-1 approved before the reject
    assert verdict.still_needed == "1 more approval from role deputy-head"


def test_one_person_approving_twice_is_one_approval() -> None:
    records = [
        rec("section:a", "a" * 40, "deputy-head-1", t=1),
        rec("section:a", "a" * 40, "deputy-head-1", t=2),
        rec("section:b", "b" * 40, "deputy-head-1", t=3),
        rec("section:b", "b" * 40, "deputy-head-2", t=4),
    ]
    result = run(records, policy=TWO)
    assert result.sections["a"].status == "pending"
    assert result.sections["a"].approvers == ("deputy-head-1",)
    assert result.sections["b"].status == "approved"


@pytest.mark.parametrize("kind", ["rejected", "stale"])
def test_the_final_approval_waits_for_rejected_and_stale_sections(kind: str) -> None:
    records = full()
    if kind == "rejected":
        records.insert(1, rec("section:a", "a" * 40, "deputy-head-2", "reject", t=2))
    else:
        records[0] = rec("section:a", "0" * 40, "deputy-head-1", t=1)  # an older text of a
    result = run(records)
    assert result.sections["a"].status == kind
    assert result.report.status == "pending"
    assert "once every section is approved" in result.report.still_needed
    assert not result.passed


def test_separation_of_duties_compares_emails_case_blind() -> None:
    history = {"a": [gate.Change("3" * 40, "D1@X.cn", "a" * 40)]}  # deputy-head-1: d1@x.cn
    assert PEOPLE["deputy-head-1"]["email"] == "d1@x.cn"
    records = [rec("section:a", "a" * 40, "deputy-head-1"), *full()[1:]]
    verdict = run(records, history).sections["a"]
    assert verdict.status == "pending"
    assert "separation of duties" in verdict.notes[0]


def test_percent_over_100_with_a_full_width_percent_sign(tmp_path: Path) -> None:
    found = findings_for(tmp_path, "办复率为105％。")
    assert where(found, "figures.percent-over-100") == [(BODY_LINE, 5)]


def test_release_refuses_an_untracked_file_in_the_report_folder(
    cli, repo: Path, report_dir: Path
) -> None:
    ready_to_release(cli, repo, report_dir)
    (report_dir / "sections" / "04-extra.md").write_text("---\nid: extra\n---\n", "utf-8")
    result = cli("release", report_dir, "--key", releaser_key())
    assert result.code == 1
    assert "uncommitted changes" in result.err and "04-extra.md" in result.err
    assert git(repo, "tag") == "" and not entry(repo, 1).exists()


def test_release_of_an_older_commit_validates_that_commit(
    cli, repo: Path, report_dir: Path
) -> None:
    """The approved commit is clean; a later commit (HEAD, the working tree) has an error.
    Releasing the approved commit must judge that commit, not what is checked out."""
    ready_to_release(cli, repo, report_dir)
    approved = git(repo, "rev-parse", "HEAD").strip()
    section = report_dir / "sections" / "02-problems.md"
    section.write_text(section.read_text("utf-8") + "\n全年召开会议\\*\\*\\*次。\n", "utf-8")
    commit_all(repo, "problems: a figure still to fill in")
    assert cli("validate", report_dir).code == 1
    result = cli("release", report_dir, "--key", releaser_key(), "--commit", approved)
    assert result.code == 0, result.err
    assert git(repo, "rev-list", "-n1", "political-ecology/2022/v1").strip() == approved


def test_release_refuses_an_unsigned_roster_change(cli, repo: Path, report_dir: Path) -> None:
    """Every section and the report approved on the current text, but report.yaml gives the
    office director a reviewer role and nobody signed that roster change: not released."""
    ready_to_release(cli, repo, report_dir)
    path = report_dir / "report.yaml"
    doc = yaml.safe_load(path.read_text("utf-8"))
    doc["people"]["office-director"]["roles"] = [
        *doc["people"]["office-director"].get("roles", []),
        "deputy-head",
    ]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    commit_all(repo, "report.yaml: the office director reviews too")
    key = demo_key("party-secretary")
    assert cli("signoff", report_dir, "--report", "--as", "party-secretary", "--key", key).code == 0
    gate_out = cli("gate", report_dir)
    assert gate_out.code == 1 and "roster" in gate_out.out
    result = cli("release", report_dir, "--key", releaser_key())
    assert result.code == 1
    assert "not approved" in result.err
    assert git(repo, "tag") == "" and not entry(repo, 1).exists()


def test_the_local_archive_never_replaces_an_entry_at_rename(tmp_path: Path) -> None:
    """Two writers both found v1 free; the second one's rename must fail and leave the first
    writer's entry as it was (a delete before the rename would lose it)."""
    store = ArchiveStore(str(tmp_path / "archive"))
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, text in ((first, "first"), (second, "second")):
        folder.mkdir()
        (folder / "manifest.json").write_text(text, "utf-8")
    final = Path(store.publish(first, "r", 2022, 1))
    with pytest.raises(Exception, match="write-once"):
        store._publish_local(second, final)  # the second writer, past the occupied() check
    assert (final / "manifest.json").read_text("utf-8") == "first"
    assert [p.name for p in final.parent.iterdir()] == ["v1"]  # no staging folder left
