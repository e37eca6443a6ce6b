"""The review server's small shared pieces (helper review of the review4 merge): a derived
value whose making fails leaves nothing behind, and the writer learns a commit's parent from
the commit itself. Real git repositories in temp folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import commit_all, git

from reportflow.core import gitio
from reportflow.cycle import review


def test_a_derived_value_that_fails_to_be_made_leaves_no_lock_and_is_made_again() -> None:
    key = ("test-review-cache", "a failing make")

    def fails() -> object:
        raise ValueError("the view could not be made")

    with pytest.raises(ValueError, match="could not be made"):
        review._kept(key, fails)
    assert key not in review._making and key not in review._derived
    assert review._kept(key, lambda: "made") == "made"
    assert review._kept(key, fails) == "made"  # kept now: not made again
    assert key not in review._making


def test_first_parent_is_the_one_the_commit_names(tmp_path: Path) -> None:
    repo_dir = tmp_path / "repo"
    repo_dir.mkdir()
    gitio.init_repo(repo_dir)
    (repo_dir / "a.md").write_text("一\n", encoding="utf-8")
    first = commit_all(repo_dir, "first")
    git(repo_dir, "checkout", "-q", "-b", "side")
    (repo_dir / "b.md").write_text("二\n", encoding="utf-8")
    side = commit_all(repo_dir, "side")
    git(repo_dir, "checkout", "-q", "main")
    (repo_dir / "c.md").write_text("三\n", encoding="utf-8")
    second = commit_all(repo_dir, "second")
    git(repo_dir, "merge", "-q", "--no-ff", "-m", "merge side", "side")
    merge = git(repo_dir, "rev-parse", "HEAD").strip()
    repo = gitio.require_repo(repo_dir)
    assert gitio.first_parent(repo, first) is None
    assert gitio.first_parent(repo, second) == first
    assert gitio.first_parent(repo, merge) == second != side
