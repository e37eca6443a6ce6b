"""One shared git remote (issue 13): push with retry, the workers' clones, the yearly cycle
committed, escalation, notifications that are retried and never raise, waking without a
server. Real git, bare remotes in tmp_path; no Prefect."""

from __future__ import annotations

import datetime as dt
import logging
import socket
import subprocess
from pathlib import Path

import pytest
from conftest import PEOPLE, commit_all, git
from releasing import demo_key, fill_figures

from reportflow.content import model
from reportflow.core import gitio, wake, workspace
from reportflow.cycle import nextyear, notify, todo


@pytest.fixture
def remote(repo: Path, tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    return bare


def _clone(remote: Path, dest: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(remote), str(dest)], check=True)
    return dest


def test_push_rebases_its_own_commit_onto_what_others_pushed(remote: Path, tmp_path: Path) -> None:
    a, b = _clone(remote, tmp_path / "a"), _clone(remote, tmp_path / "b")
    (a / "one.txt").write_text("a\n")
    commit_all(a, "a's file")
    (b / "two.txt").write_text("b\n")
    commit_all(b, "b's file", person="deputy-head-1")
    assert gitio.push(gitio.require_repo(b)) == 1
    assert gitio.push(gitio.require_repo(a)) == 2  # refused once (non-fast-forward), rebased
    log = git(remote, "log", "--format=%an|%s", "main")
    assert log.splitlines()[:2] == [
        f"{PEOPLE['office-director'][0]}|a's file",
        f"{PEOPLE['deputy-head-1'][0]}|b's file",
    ]


def test_push_gives_up_on_a_real_refusal(tmp_path: Path, repo: Path) -> None:
    bare = tmp_path / "nowhere.git"  # not a repository: no retry, a named git error
    git(repo, "remote", "add", "origin", str(bare))
    with pytest.raises(gitio.GitError, match="git push failed"):
        gitio.push(gitio.require_repo(repo))


def test_worker_checkout_clones_then_follows_the_remote(
    remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORTFLOW_WORKDIR", str(tmp_path / "clones"))
    with workspace.checkout(str(remote)) as co:
        first = workspace.head(co)
        assert co.root.parent == tmp_path / "clones"
        (co.root / "stray.txt").write_text("left by a crashed run")
    pc = _clone(remote, tmp_path / "pc")
    (pc / "new.txt").write_text("pushed from a PC\n")
    commit_all(pc, "from a PC")
    git(pc, "push", "-q", "origin", "main")
    with workspace.checkout(str(remote)) as co:
        assert workspace.moved_on(co, first)
        assert (co.root / "new.txt").is_file() and not (co.root / "stray.txt").exists()
        assert not workspace.moved_on(co, workspace.head(co))


def test_open_cycle_is_idempotent_and_commits_the_year(repo: Path, report_dir: Path) -> None:
    series = report_dir.parent
    opened = nextyear.commit_opened(nextyear.open_cycle(series, today=dt.date(2023, 11, 1)))
    assert not opened.already and opened.path == series / "2023"
    log = git(repo, "log", "-1", "--format=%an|%s|%H")
    assert log.startswith(f"{PEOPLE['office-director'][0]}|open political-ecology/2023 from ")
    assert opened.commit in log
    assert not gitio.dirty_paths(gitio.require_repo(repo), "content")
    commits = git(repo, "rev-list", "--count", "HEAD").strip()
    again = nextyear.commit_opened(nextyear.open_cycle(series, today=dt.date(2023, 11, 20)))
    assert again.already and again.source == "already open (2023)" and again.commit is None
    assert git(repo, "rev-list", "--count", "HEAD").strip() == commits  # nothing more
    assert nextyear.open_reports(repo / "content") == [series / "2023"]


def test_overdue_items_are_escalated_to_the_final_approver(report_dir: Path) -> None:
    report, items = todo.gather(report_dir, dt.date(2023, 1, 15))  # after due (10 January)
    up = todo.escalations(report, items)
    assert set(up) == {"party-secretary"}
    assert {i.person for i in up["party-secretary"]} >= {"office-director"}
    assert all(i.overdue for i in up["party-secretary"])
    _report, early = todo.gather(report_dir, dt.date(2022, 11, 15))
    assert todo.escalations(report, early) == {}


def test_a_failed_notification_is_retried_logged_and_not_raised(
    report_dir: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens there once closed
    report = model.load_report(report_dir)
    person = report.people["party-secretary"]
    people = dict(report.people)
    people["party-secretary"] = type(person)(
        **{**person.__dict__, "notify": (f"json://127.0.0.1:{port}/x",)}
    )
    report = type(report)(**{**report.__dict__, "people": people})
    monkeypatch.setenv("PREFECT_UI_URL", "http://127.0.0.1:4300")
    link = notify.run_link("abc")
    assert link == "http://127.0.0.1:4300/runs/flow-run/abc"
    with caplog.at_level(logging.WARNING, logger="reportflow.notify"):
        sent = notify.send(report, ["party-secretary"], "t", "b", link=link, pause=0.01)
    assert [(d.person, d.sent, d.attempts) for d in sent] == [("party-secretary", False, 3)]
    assert "notifying party-secretary failed after 3 attempt(s)" in caplog.text
    assert notify.compose("b", link) == f"b\n\n{link}"


def test_wake_without_a_server_says_so_and_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    assert wake.wake("political-ecology", 2022) == ([], None)  # no PREFECT_API_URL: nothing
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    woken, error = wake.wake("political-ecology", 2022, api=f"http://127.0.0.1:{port}/api")
    assert woken == [] and error and "refused" in error.lower()


def test_signoff_push_sends_the_signoff_to_the_shared_remote(
    cli, repo: Path, report_dir: Path, remote: Path, tmp_path: Path
) -> None:
    fill_figures(report_dir)
    commit_all(repo, "figures")
    git(repo, "push", "-q", str(remote), "main")
    pc = _clone(remote, tmp_path / "pc")
    done = cli(
        "signoff",
        pc / report_dir.relative_to(repo),
        "--section",
        "preface",
        "--as",
        "deputy-head-1",
        "--key",
        demo_key("deputy-head-1"),
        "--push",
    )
    assert done.code == 0, done.err
    assert "pushed to origin/main" in done.out
    assert "signoff: deputy-head-1 approves section preface" in git(
        remote, "log", "-1", "--format=%s"
    )
