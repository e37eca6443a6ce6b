"""The review server's writer and its push (issue 14, second round): decisions queued together
are one commit that the gate counts record by record; a record whose text changed meanwhile is
refused and not written; pages show the newest decision only while nothing but this server's
records came since; with ``push`` every decision reaches a real bare remote (rebased onto what
others pushed meanwhile) and the confirmation says so. Real git, real SSH and P-256 keys."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import commit_all, git
from signoff_support import edit, section_file
from starlette.testclient import TestClient
from test_serve import ORIGIN, decide, enrolled, login

from reportflow.core.errors import Refused
from reportflow.cycle import review
from reportflow.serve.app import Config, RelyingParty, create_app
from reportflow.serve.writer import Job, Writer
from reportflow.signoff import approval, request


def job(rdir: Path, keys, sid: str, person: str = "deputy-head-1") -> Job:
    """A decision prepared and signed with the person's SSH key, as the CLI makes it."""
    req = request.Request(f"section:{sid}", person, "approve", "同意。", keys[person][0], "web")
    ctx, record, new = request.build(rdir, req)
    assert new
    return Job(ctx, record)


def test_decisions_queued_together_are_one_commit_the_gate_counts(rdir: Path, keys) -> None:
    repo = rdir.parents[2]
    before = git(repo, "rev-parse", "HEAD").strip()
    lock = threading.Lock()
    writer = Writer(rdir, lock)
    busy, first, second = (job(rdir, keys, s) for s in ("problems", "preface", "situation"))
    with lock:  # a commit under way (here: the lock held) while two more decisions arrive
        threading.Thread(target=writer.submit, args=(busy,), daemon=True).start()
        for _ in range(200):
            if writer.jobs.unfinished_tasks == 1 and writer.jobs.empty():  # put, then taken
                break  # the writer holds `busy` and waits for the lock
            time.sleep(0.01)
        writer.jobs.put(first)
        writer.jobs.put(second)
    alone = busy.done.result(timeout=30)["commit"]
    done = second.done.result(timeout=30)
    assert first.done.result(timeout=30)["commit"] == done["commit"] != alone
    assert writer.commits == 2
    assert git(repo, "rev-parse", "HEAD^").strip() == alone
    assert git(repo, "rev-parse", f"{alone}^").strip() == before
    shown = git(repo, "log", "-1", "--format=%an <%ae>%n%B")
    committer = git(repo, "var", "GIT_COMMITTER_IDENT").rsplit(" ", 2)[0]
    assert shown.startswith(committer)  # several reviewers: the server is the author
    assert "deputy-head-1 approves section preface" in shown
    assert "deputy-head-1 approves section situation" in shown
    files = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert len(files) == 2 and all("/signoffs/" in f for f in files)
    verdict = approval.evaluate_at(rdir)
    assert verdict.sections["preface"].status == "approved"
    assert verdict.sections["situation"].status == "approved"

    alone = job(rdir, keys, "measures")
    done = writer.submit(alone)  # one record: its reviewer is the author, as the CLI has it
    person = alone.ctx.report.people["deputy-head-1"]
    assert git(repo, "log", "-1", "--format=%an <%ae>", done["commit"]).strip() == (
        f"{person.name} <{person.email}>"
    )


def test_a_record_whose_text_changed_before_its_commit_is_refused(rdir: Path, keys) -> None:
    repo = rdir.parents[2]
    late = job(rdir, keys, "problems")
    edit(section_file(rdir, "problems"), "\n页面打开后又改了一句。\n")
    head = commit_all(repo, "problems: changed while the reviewer read it")
    writer = Writer(rdir, threading.Lock())
    with pytest.raises(Refused, match="problems has changed since you opened it"):
        writer.submit(late)
    assert git(repo, "rev-parse", "HEAD").strip() == head and writer.commits == 0
    assert not list((rdir / "signoffs").glob("*-section-problems.json"))


def test_pages_show_the_newest_decision_only_across_this_servers_records(rdir: Path, keys) -> None:
    repo = rdir.parents[2]
    old = review.decision(rdir)
    done = Writer(rdir, threading.Lock()).submit(job(rdir, keys, "preface"))
    shown = review.latest(rdir)  # HEAD's decision is being made; the page shows the last one
    assert shown.ctx.commit == old.ctx.commit != done["commit"]
    assert review.decision(rdir).ctx.commit == done["commit"]  # a sign-off's checks: HEAD's
    edit(section_file(rdir, "situation"), "\n作者又改了一句。\n")
    edited = commit_all(repo, "situation: an edit, not a record")
    assert review.latest(rdir).ctx.commit == edited  # not shown from before an edit


@pytest.fixture
def remote(rdir: Path, tmp_path: Path) -> Path:
    repo = rdir.parents[2]
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "fetch", "-q", "origin")
    git(repo, "branch", "-q", "--set-upstream-to=origin/main", "main")
    return bare


def confirmation(client: TestClient, url: str, want: str) -> str:
    """The confirmation page, once the push (on the writer's thread) has reported."""
    for _ in range(200):
        page = client.get(url).text
        if want in page:
            return page
        time.sleep(0.05)
    raise AssertionError(page)


def test_a_web_decision_reaches_the_remote_rebased_and_says_so(
    cli, keys, rdir: Path, remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # nothing listens: told
    monkeypatch.setenv("REPORTFLOW_WAKE_WAIT", "0")
    config = Config(rdir, RelyingParty("localhost", ORIGIN), lang="en", push=True)
    with TestClient(create_app(config), base_url="https://localhost") as client:
        auth = enrolled(cli, keys, rdir, client, "deputy-head-1")
        git(rdir.parents[2], "push", "-q", "origin", "main")  # the roster sign-off, shared
        other = tmp_path / "colleague"
        subprocess.run(["git", "clone", "-q", str(remote), str(other)], check=True)
        (other / "NOTE.md").write_text("另一台电脑的提交。\n", encoding="utf-8")
        commit_all(other, "a colleague's commit, pushed first")
        git(other, "push", "-q", "origin", "main")
        assert login(client, auth, "deputy-head-1").status_code == 200
        answer, _signed = decide(client, auth, "section:preface")
        assert answer.status_code == 200, answer.text
        url = answer.json()["redirect"]
        page = confirmation(client, url, "could not wake the waiting release runs")
    assert "pushed to origin/main" in page
    file = re.search(r'id="done-file">([^<]+)<', page)[1]  # type: ignore[index]
    moved = re.search(r'id="done-moved">([0-9a-f]{40})<', page)  # rebased onto the colleague's
    assert moved, page
    pushed = git(remote, "rev-parse", "main").strip()
    assert pushed == moved[1]
    assert file in git(remote, "ls-tree", "-r", "--name-only", pushed)
    assert "NOTE.md" in git(remote, "ls-tree", "--name-only", pushed)


def test_head_is_read_from_the_ref_files_as_git_reads_it(rdir: Path, tmp_path: Path) -> None:
    from reportflow.core import gitio

    repo = rdir.parents[2]

    def both(where: Path) -> tuple[str, str]:
        r = gitio.require_repo(where)
        return gitio.head_id(r), git(where, "rev-parse", "HEAD").strip()

    loose, want = both(repo)
    assert loose == want
    git(repo, "pack-refs", "--all")  # the branch now only in packed-refs
    assert not (repo / ".git" / "refs" / "heads" / "main").exists()
    packed, want = both(repo)
    assert packed == want
    git(repo, "worktree", "add", "-q", "-b", "other", str(tmp_path / "wt"))
    edit(tmp_path / "wt" / section_file(rdir, "preface").relative_to(repo))
    commit_all(tmp_path / "wt", "an edit in another work tree")
    in_worktree, want = both(tmp_path / "wt")
    assert in_worktree == want != packed
    git(repo, "checkout", "-q", "--detach", "HEAD")
    detached, want = both(repo)
    assert detached == want == packed


def test_the_inbox_says_which_commit_it_shows_while_heads_decision_is_made(
    cli, keys, rdir: Path
) -> None:
    config = Config(rdir, RelyingParty("localhost", ORIGIN), lang="zh")
    with TestClient(create_app(config), base_url="https://localhost") as client:
        auth = enrolled(cli, keys, rdir, client, "deputy-head-1")
        assert login(client, auth, "deputy-head-1").status_code == 200
        before = review.decision(rdir).ctx.commit
        answer, _signed = decide(client, auth, "section:preface")
        assert answer.status_code == 200, answer.text
        page = client.get("/").text  # the first page at the new HEAD
        assert 'id="stale"' in page and before[:10] in page and "正在更新" in page
        review.decision(rdir)  # made (the page's own refresh may still be at it)
        assert 'id="stale"' not in client.get("/").text
    ARTIFACTS = Path(__file__).resolve().parents[1] / "build" / "test-artifacts"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "review-inbox-stale.html").write_text(page, encoding="utf-8")
