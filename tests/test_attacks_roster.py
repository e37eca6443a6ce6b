"""Issue 11, families 1-3: what chooses the roster. Each attack built with plain git by one
insider (the office director, an author with write access and their own clone), each asserting
the refusal. The roster in force comes from the chain at the pinned trust root (genesis,
carry-over, signed changes); tags, first commits, unrelated histories and next year's first
commit choose nothing (``signoff/chain.py``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import yaml
from conftest import SAMPLE_REPORT, author_env, commit_all, git, root_key, trusted
from releasing import SECTIONS, approve_all, demo_key, fill_figures

from reportflow.signoff import approval

ROSTER_PENDING = "differ from the roster in force, "
NO_GENESIS = "the trust root has not approved a first roster"


def _make_himself_everything(report_dir: Path) -> None:
    """The office director's report.yaml: every role for himself, separation of duties off."""
    path = report_dir / "report.yaml"
    doc = yaml.safe_load(path.read_text("utf-8"))
    doc["people"]["office-director"]["roles"] += ["deputy-head", "party-secretary"]
    doc["policy"]["separation_of_duties"] = False
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")


def _sign(cli, report_dir: Path, who: str, *scope: str):
    return cli("signoff", report_dir, *scope, "--as", who, "--key", demo_key(who))


def _sign_everything_as_od(cli, report_dir: Path):
    return [_sign(cli, report_dir, "office-director", "--section", sid) for sid in SECTIONS]


def test_attack_1_a_forged_release_tag_gains_nothing(cli, repo: Path, report_dir: Path) -> None:
    fill_figures(report_dir)
    _make_himself_everything(report_dir)
    forged = commit_all(repo, "roles")
    git(repo, "tag", "-a", "political-ecology/2022/v1", "-m", "x", forged)
    (repo / "archive").mkdir()
    (repo / "archive" / "manifest.json").write_text("{}")
    git(repo, "commit", "-q", "--allow-empty", "-m", "after the release")

    refused = _sign_everything_as_od(cli, report_dir)[0]
    assert refused.code == 1
    assert "may not sign off section preface: the policy asks for role deputy-head" in refused.err
    gate = cli("gate", report_dir)
    assert gate.code == 1
    assert ROSTER_PENDING + "root-approved at commit" in gate.out and "pending" in gate.out
    assert "tag political-ecology/2022/v1 is not a valid release" in gate.out
    data = json.loads(cli("gate", report_dir, "--format", "json").out)
    assert any("political-ecology/2022/v1 is not a valid release" in p for p in data["problems"])
    assert data["roster_status"] == "pending"


def test_attack_2_an_unrelated_history_brings_no_roster(cli, repo: Path, report_dir: Path) -> None:
    """An orphan branch holding only the attacker's report.yaml, dated 2020, merged with
    --allow-unrelated-histories: its report.yaml wins the merge, the honest history stays."""
    rel = report_dir.relative_to(repo)
    fill_figures(report_dir)
    commit_all(repo, "fill in the figures")
    git(repo, "checkout", "-q", "--orphan", "evil")
    git(repo, "rm", "-rq", "--cached", ".")
    _make_himself_everything(report_dir)
    git(repo, "add", str(rel / "report.yaml"))
    od = {**author_env("office-director"), "GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z"}
    od["GIT_AUTHOR_DATE"] = od["GIT_COMMITTER_DATE"]
    git(repo, "commit", "-q", "-m", "the first policy", env=od)
    git(repo, "checkout", "-q", "-f", "main")
    subprocess.run(  # conflicts on report.yaml: the attacker resolves them his way
        ["git", "merge", "-q", "--allow-unrelated-histories", "--no-commit", "evil"],
        cwd=repo,
        capture_output=True,
        check=False,
    )
    git(repo, "checkout", "evil", "--", str(rel / "report.yaml"))
    git(repo, "commit", "-q", "-m", "merge", env=author_env("office-director"))

    assert _sign_everything_as_od(cli, report_dir)[0].code == 1
    gate = cli("gate", report_dir)
    assert gate.code == 1
    assert ROSTER_PENDING + "root-approved at commit" in gate.out and "pending" in gate.out


def test_attack_2_a_rewritten_first_commit_loses_the_genesis(
    cli, repo: Path, report_dir: Path
) -> None:
    """The history rewritten into one first commit with the attacker's roster (an amended
    root commit), the root's genesis records copied along: they approved a commit that is no
    longer in the history, so no roster is in force."""
    fill_figures(report_dir)
    _make_himself_everything(report_dir)
    git(repo, "checkout", "-q", "--orphan", "rewritten")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "import (amended)", env=author_env("office-director"))

    refused = _sign_everything_as_od(cli, report_dir)[0]
    assert refused.code == 1 and NO_GENESIS in refused.err
    gate = cli("gate", report_dir)
    assert gate.code == 1 and NO_GENESIS in gate.out
    assert "which is not in the history of the commit that added it" in gate.out


def test_attack_2_no_genesis_then_the_root_approves(cli, tmp_path: Path) -> None:
    """A repository with the trust root but no genesis: nobody's roster is in force, until
    two root members approve the first roster with 'trust approve-roster'."""
    repo = tmp_path / "reports"
    report_dir = repo / "content" / "political-ecology" / "2022"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shutil.copytree(SAMPLE_REPORT, report_dir)
    fill_figures(report_dir)
    commit_all(repo, "import")
    trusted(repo, report_dir, signers=())
    gate = cli("gate", report_dir)
    assert gate.code == 1 and NO_GENESIS in gate.out
    assert "reportflow trust approve-roster content/political-ecology/2022" in gate.out
    one = cli("trust", "approve-roster", report_dir, "--as", "party-secretary",
              "--key", root_key("party-secretary"))  # fmt: skip
    assert one.code == 0, one.err
    assert NO_GENESIS in cli("gate", report_dir).out  # 1 of the threshold of 2
    intruder = cli("trust", "approve-roster", report_dir, "--as", "deputy-head-1",
                   "--key", demo_key("deputy-head-1"))  # fmt: skip
    assert intruder.code == 1 and "not a member of the trust root" in intruder.err
    two = cli("trust", "approve-roster", report_dir, "--as", "office-director",
              "--key", root_key("office-director"))  # fmt: skip
    assert two.code == 0, two.err
    approve_all(cli, report_dir)
    gate = cli("gate", report_dir)
    assert gate.code == 0, gate.out


def _new_year(cli, repo: Path) -> Path:
    made = cli("new", "political-ecology", "2023", "--from", "content/political-ecology/2022",
               cwd=repo)  # fmt: skip
    assert made.code == 0, made.err
    commit_all(repo, "open 2023")
    return repo / "content" / "political-ecology" / "2023"


def test_attack_3_next_year_inherits_the_roster(cli, repo: Path, report_dir: Path) -> None:
    fill_figures(report_dir)
    commit_all(repo, "fill in the figures")
    approve_all(cli, report_dir)
    y2023 = _new_year(cli, repo)
    data = json.loads(cli("gate", y2023, "--format", "json").out)
    assert data["roster_status"] == "unchanged"
    assert NO_GENESIS not in json.dumps(data)
    _make_himself_everything(y2023)
    commit_all(repo, "2023: roles")

    refused = _sign(cli, y2023, "office-director", "--section", "preface")
    assert refused.code == 1
    assert "may not sign off section preface: the policy asks for role deputy-head" in refused.err
    gate = cli("gate", y2023)
    assert gate.code == 1
    assert ROSTER_PENDING + "carried over from political-ecology/2022" in gate.out
    assert "pending" in gate.out
    # the positive path: the final approver of the roster carried over signs the change
    ok = _sign(cli, y2023, "party-secretary", "--roster")
    assert ok.code == 0, ok.err
    data = json.loads(cli("gate", y2023, "--format", "json").out)
    assert data["roster_status"] == "approved", data
    assert _sign(cli, y2023, "office-director", "--section", "preface").code == 0


def test_attack_3_a_new_series_year_without_history_has_no_roster(
    cli, repo: Path, report_dir: Path
) -> None:
    """A 2023 folder of another series: no earlier year to carry over, no genesis."""
    other = repo / "content" / "other-report" / "2023"
    shutil.copytree(SAMPLE_REPORT, other)
    path = other / "report.yaml"
    doc = yaml.safe_load(path.read_text("utf-8"))
    doc["report"], doc["year"] = "other-report", 2023
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    commit_all(repo, "another series")
    gate = cli("gate", other)
    assert gate.code == 1 and NO_GENESIS in gate.out


def test_the_root_can_replace_a_years_roster(cli, repo: Path, report_dir: Path) -> None:
    """Recovery: nobody who could sign a change is left, so two root members approve 2023's
    roster directly; it replaces the one carried over from 2022."""
    y2023 = _new_year(cli, repo)
    _make_himself_everything(y2023)
    commit_all(repo, "2023: a new roster")
    assert json.loads(cli("gate", y2023, "--format", "json").out)["roster_status"] == "pending"
    for member in ("party-secretary", "office-director"):
        done = cli("trust", "approve-roster", y2023, "--as", member, "--key", root_key(member))
        assert done.code == 0, done.err
    data = json.loads(cli("gate", y2023, "--format", "json").out)
    assert data["roster_status"] == "unchanged", data
    in_force = approval.load_context(y2023).in_force
    assert in_force.origin.startswith("root-approved at commit")
    assert "deputy-head" in in_force.people["office-director"].roles
    # 2022 keeps its own roster
    assert _sign(cli, report_dir, "office-director", "--section", "preface").code == 1


def _edit_policy(report_dir: Path, change) -> None:
    path = report_dir / "report.yaml"
    doc = yaml.safe_load(path.read_text("utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")


def test_roster_changes_approved_on_two_branches_are_a_conflict(
    cli, repo: Path, report_dir: Path
) -> None:
    fill_figures(report_dir)
    commit_all(repo, "fill in the figures")
    git(repo, "checkout", "-q", "-b", "a")
    _edit_policy(report_dir, lambda d: d["policy"]["sections"]["default"].update(approvals=2))
    commit_all(repo, "two approvals per section")
    assert _sign(cli, report_dir, "party-secretary", "--roster").code == 0
    git(repo, "checkout", "-q", "main")
    _edit_policy(report_dir, lambda d: d["policy"].update(separation_of_duties=False))
    commit_all(repo, "no separation of duties")
    assert _sign(cli, report_dir, "party-secretary", "--roster").code == 0
    subprocess.run(["git", "merge", "-q", "--no-commit", "a"], cwd=repo, capture_output=True)
    git(repo, "checkout", "main", "--", str(report_dir.relative_to(repo) / "report.yaml"))
    git(repo, "commit", "-q", "-m", "merge a", env=author_env("office-director"))
    gate = cli("gate", report_dir)
    assert gate.code == 1
    assert "conflicting roster changes approved on two branches" in gate.out


def test_the_final_approver_may_not_sign_off_a_roster_they_edited(
    cli, repo: Path, report_dir: Path
) -> None:
    """The party secretary (the only final approver) gives the office director the
    deputy-head role and commits it himself: his own sign-off of that roster change does not
    count, neither through ``signoff`` nor written by hand; the gate names the dead end. The
    same change committed by the office director is his to sign off."""
    from reportflow.signoff import ledger

    fill_figures(report_dir)
    commit_all(repo, "fill in the figures")
    _edit_policy(
        report_dir, lambda d: d["people"]["office-director"]["roles"].append("deputy-head")
    )
    edited = commit_all(repo, "people: the office director reviews too", "party-secretary")
    refused = _sign(cli, report_dir, "party-secretary", "--roster")
    assert refused.code == 1, refused.out
    err = " ".join(refused.err.split())
    assert (
        "party-secretary may not sign off the roster change: edited the roster in report.yaml "
        f"(commit {edited[:10]}) since the roster in force took effect" in err
    ), err
    # written and signed by hand, as the library lets anyone
    ctx = approval.load_context(report_dir)
    rec = ledger.SignoffRecord(
        "political-ecology", 2022, "roster", ctx.candidate.digest, ctx.commit,
        "party-secretary", "approve", ledger.now_utc(),
    )  # fmt: skip
    signed = ledger.SignoffRecord(
        **{**rec.to_dict(), "signature": ledger.sign(rec.payload(), demo_key("party-secretary"))}
    )
    ledger.write_record(report_dir / "signoffs", signed)
    commit_all(repo, "signoff: roster", "party-secretary")
    data = json.loads(cli("gate", report_dir, "--format", "json").out)
    assert data["roster_status"] == "pending", data
    line = next(m for m in data["missing"] if m.startswith("roster change"))
    assert "no eligible reviewer left for the roster change: party-secretary" in line, line
    refused = _sign(cli, report_dir, "office-director", "--section", "preface")
    assert "the policy asks for role deputy-head" in refused.err
    # a title edit by the party secretary is no roster edit: the office director's change is
    # signed off by him
    git(repo, "reset", "-q", "--hard", "HEAD~2")
    _edit_policy(
        report_dir, lambda d: d["people"]["office-director"]["roles"].append("deputy-head")
    )
    commit_all(repo, "people: the office director reviews too", "office-director")
    _edit_policy(report_dir, lambda d: d.update(title=d["title"] + "（修订）"))
    commit_all(repo, "title", "party-secretary")
    ok = _sign(cli, report_dir, "party-secretary", "--roster")
    assert ok.code == 0, ok.err
    assert (
        json.loads(cli("gate", report_dir, "--format", "json").out)["roster_status"] == "approved"
    )
