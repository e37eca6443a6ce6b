"""The history walk's parser, on git's real output for a small hand-made DAG."""

from __future__ import annotations

from pathlib import Path

from conftest import author_env, git

from reportflow.core import gitio, history


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "s").mkdir()
    (repo / "s" / "f.md").write_text("a\nb\nc\n", "utf-8")
    (repo / "other.md").write_text("x\n", "utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "one", env=author_env("office-director"))
    return repo


def test_a_walk_sees_every_commit_its_parents_and_everyone_who_made_it(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    git(repo, "checkout", "-q", "-b", "side")
    (repo / "s" / "f.md").write_text("a\nb\nc\nside\n", "utf-8")
    git(repo, "commit", "-qam", "side", env=author_env("deputy-head-2"))
    git(repo, "checkout", "-q", "main")
    (repo / "s" / "f.md").write_text("main\na\nb\nc\n", "utf-8")
    (repo / "other.md").write_text("y\n", "utf-8")
    env = {**author_env("office-director"), "GIT_COMMITTER_EMAIL": "Deputy-Head-1@X.cn"}
    git(repo, "commit", "-qam", "main", "-m", "Co-authored-by: 甲 <jia@x.cn>", env=env)
    git(repo, "merge", "-q", "--no-ff", "--no-commit", "side", env=author_env("party-secretary"))
    (repo / "s" / "f.md").write_text("main\na\nb\nc\nside\nmerger's own\n", "utf-8")
    git(repo, "commit", "-qam", "merge", env=author_env("party-secretary"))

    walk = gitio.walk(gitio.require_repo(repo), "HEAD", "s/")
    assert len(walk.commits) == 4
    merge = next(c for c in walk.commits.values() if c.is_merge)
    assert next(iter(walk.commits)) == merge.sha  # newest first, children before parents
    changes = walk.changes["s/f.md"]
    assert [c.merge for c in changes] == [True, False, False, False]
    assert changes[0].emails == ("party-secretary@example.gov.cn",)
    assert changes[0].blob == git(repo, "rev-parse", "HEAD:s/f.md").strip()
    main_change = next(c for c in changes if "jia@x.cn" in c.emails)
    assert main_change.emails == (
        "office-director@example.gov.cn",
        "deputy-head-1@x.cn",
        "jia@x.cn",
    )
    assert "other.md" not in walk.changes  # only the prefixes asked for


def test_a_clean_merge_is_no_change_of_the_mergers(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    git(repo, "checkout", "-q", "-b", "side")
    (repo / "s" / "f.md").write_text("a\nb\nc\nside\n", "utf-8")
    git(repo, "commit", "-qam", "side", env=author_env("deputy-head-2"))
    git(repo, "checkout", "-q", "main")
    (repo / "s" / "f.md").write_text("main\na\nb\nc\n", "utf-8")
    git(repo, "commit", "-qam", "main", env=author_env("office-director"))
    git(repo, "merge", "-q", "--no-ff", "side", "-m", "m", env=author_env("party-secretary"))
    walk = gitio.walk(gitio.require_repo(repo), "HEAD", "s/")
    assert walk.merge_candidates["s/f.md"]  # the result differs from both parents ...
    assert not any(c.merge for c in walk.changes["s/f.md"])  # ... but adds nothing of its own


def test_combined_diff_marks() -> None:
    sha = "a" * 40
    head = f"{sha}\ndiff --cc s/f.md\n--- a/s/f.md\n+++ b/s/f.md\n@@@ -1,2 -1,2 +1,3 @@@\n"
    joined = head + "+ one side\n +other side\n  context\n"
    assert history.merges_with_own_text(joined, {sha: 2}) == set()
    assert history.merges_with_own_text(joined + "++own\n", {sha: 2}) == {(sha, "s/f.md")}
    assert history.merges_with_own_text(joined + "--gone from both\n", {sha: 2}) == {
        (sha, "s/f.md")
    }
