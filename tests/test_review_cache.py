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


def test_a_push_behind_a_colleague_never_touches_the_operators_uncommitted_work(
    tmp_path: Path,
) -> None:
    """The server commits records with a dirty tree beside them (worktree=False); a push that
    must rebase refuses rather than stash and pop the operator's edit onto a colleague's change
    of the same file, even with rebase.autoStash set, and leaves no rebase half done."""
    from reportflow.core.errors import GitError

    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    server, colleague = tmp_path / "server", tmp_path / "colleague"
    git(tmp_path, "clone", "-q", str(remote), str(server))
    (server / "NOTE.md").write_text("原文。\n", encoding="utf-8")
    commit_all(server, "a note")
    git(server, "push", "-q", "origin", "HEAD:main")
    git(tmp_path, "clone", "-q", str(remote), str(colleague))
    (colleague / "NOTE.md").write_text("同事改的。\n", encoding="utf-8")
    commit_all(colleague, "a colleague's change, pushed first")
    git(colleague, "push", "-q", "origin", "main")
    git(server, "config", "rebase.autoStash", "true")
    (server / "signoffs").mkdir()
    (server / "signoffs" / "r.json").write_text("{}\n", encoding="utf-8")
    ours = commit_all(server, "a record")
    (server / "NOTE.md").write_text("操作员未提交的修改。\n", encoding="utf-8")
    with pytest.raises(GitError):
        gitio.push(gitio.require_repo(server))
    assert (server / "NOTE.md").read_text(encoding="utf-8") == "操作员未提交的修改。\n"
    assert git(server, "rev-parse", "HEAD").strip() == ours
    assert not (server / ".git" / "rebase-merge").exists()
    assert not (server / ".git" / "rebase-apply").exists()
    assert (
        git(remote, "log", "-1", "--format=%s", "main").strip()
        == "a colleague's change, pushed first"
    )
