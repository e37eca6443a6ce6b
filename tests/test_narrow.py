"""The decision at a release tag's commit from HEAD's context (``signoff/narrow.py``) is the
decision a full evaluation at that commit makes, and it answers without one where it can."""

from __future__ import annotations

from pathlib import Path

from conftest import commit_all, git
from releasing import approve_all, ready_to_release, releaser_key
from signoff_support import section_file

from reportflow.release import assess
from reportflow.signoff import approval, narrow


def _both(report_dir: Path, commit: str) -> tuple[approval.Approval | None, approval.Approval]:
    ctx = approval.load_context(report_dir)
    _head, decided = approval.decide(ctx)
    full = assess.decision(report_dir, commit)[1]
    assert full is not None
    return narrow.at(ctx, decided, commit, report_dir), full


def _same(got: approval.Approval | None, full: approval.Approval) -> None:
    assert got is not None  # answered from HEAD's context, no second walk
    assert got.passed == full.passed
    assert got.report_status == full.report_status
    assert {s: v.status for s, v in got.sections.items()} == {
        s: v.status for s, v in full.sections.items()
    }
    assert sorted(r.digest for r in got.counted) == sorted(r.digest for r in full.counted)


def _append(report_dir: Path, text: str) -> None:
    path = section_file(report_dir, "problems")
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_at_a_released_commit_with_heads_texts_and_after_later_work(
    cli, repo: Path, report_dir: Path
) -> None:
    ready_to_release(cli, repo, report_dir)
    assert cli("release", report_dir, "--key", releaser_key()).code == 0
    tagged = git(repo, "rev-list", "-n1", "political-ecology/2022/v1").strip()
    got, full = _both(report_dir, tagged)
    _same(got, full)
    assert full.passed
    _append(report_dir, "\n下一版的一句。\n")
    commit_all(repo, "problems: work towards v2")
    approve_all(cli, report_dir)
    got, full = _both(report_dir, tagged)  # other texts at HEAD than at the tag
    _same(got, full)
    assert full.passed


def test_at_an_unapproved_commit_approved_only_later(cli, repo: Path, report_dir: Path) -> None:
    """Approvals added after the commit do not count there: the tag's attack (test_attacks)."""
    ready_to_release(cli, repo, report_dir)
    _append(report_dir, "\n未经审核的一句。\n")
    unapproved = commit_all(repo, "problems: a sentence nobody approved yet")
    approve_all(cli, report_dir)
    got, full = _both(report_dir, unapproved)
    _same(got, full)
    assert not full.passed and full.sections["problems"].status != "approved"
    assert approval.evaluate_at(report_dir).passed  # while HEAD passes


def test_a_reject_after_the_approval_counts_at_the_commit(cli, repo: Path, report_dir: Path):
    ready_to_release(cli, repo, report_dir)
    from releasing import demo_key

    done = cli("signoff", report_dir, "--section", "problems", "--reject", "-m", "改",
               "--as", "deputy-head-2", "--key", demo_key("deputy-head-2"))  # fmt: skip
    assert done.code == 0, done.err
    rejected = git(repo, "rev-parse", "HEAD").strip()
    (repo / "notes.txt").write_text("later\n", encoding="utf-8")
    commit_all(repo, "unrelated later work")
    got, full = _both(report_dir, rejected)
    _same(got, full)
    assert full.sections["problems"].status == "rejected"
