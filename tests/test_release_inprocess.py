"""``release.release`` and its helpers called in the test process (issue 17: release's tests run
the CLI in a subprocess, where no mutant of ``release/release.py`` is seen). The refusals and
the "released already" answers need no render, so they run on a copy of the repository with
v1 and v2 released (``test_verify_exact.released``); one test releases v3 for real."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path

import pytest
import test_verify_exact
from conftest import author_env, git
from releasing import demo_key, entry, releaser_key
from test_verify_exact import FOLDER, V1, V2

from reportflow.content import model
from reportflow.core import gitio
from reportflow.core.errors import Refused
from reportflow.release import release
from reportflow.release.attach import Attaching
from reportflow.release.release import Released, sha256_bytes

released = test_verify_exact.released  # the repository with v1 and v2, built once
repo = test_verify_exact.repo  # a copy of it for each test


def _digest(repo: Path, version: int) -> str:
    return sha256_bytes((entry(repo, version) / "manifest.json").read_bytes())


def _commit(repo: Path, message: str) -> None:
    """Commit the report folder only (the archive/ beside it stays out of the history)."""
    git(repo, "add", "-A", "--", str(FOLDER))
    git(repo, "commit", "-q", "-m", message, env=author_env("office-director"))


def _commit_of(repo: Path, tag: str) -> str:
    return git(repo, "rev-parse", f"{tag}^{{commit}}").strip()


def test_where_the_archive_is(tmp_path: Path, monkeypatch) -> None:
    top = tmp_path / "reports"
    git_dir = top / ".git"
    git_dir.mkdir(parents=True)
    repo = type("Repo", (), {"working_tree_dir": str(top)})()
    report = model.load_report(Path(__file__).resolve().parent.parent / FOLDER)
    monkeypatch.delenv("REPORTFLOW_ARCHIVE", raising=False)
    assert release.archive_location(repo, dataclasses.replace(report, archive=None)) == str(
        top / "archive"
    )
    assert release.archive_location(repo, dataclasses.replace(report, archive="")) == str(
        top / "archive"
    )
    assert release.archive_location(repo, dataclasses.replace(report, archive="../kept")) == str(
        tmp_path / "kept"
    )
    s3 = dataclasses.replace(report, archive="s3://bucket/reports")
    assert release.archive_location(repo, s3) == "s3://bucket/reports"
    monkeypatch.setenv("REPORTFLOW_ARCHIVE", "memory://given")
    assert release.archive_location(repo, s3) == "memory://given"  # said out of band: it wins


def test_the_tag_message_and_the_manifest_bytes() -> None:
    manifest = {
        "report": "r",
        "year": 2022,
        "version": 3,
        "title": "年度报告",
        "signoffs": [
            {"scope": "section:a", "reviewer": "x", "time": "T1"},
            {"scope": "report", "reviewer": "y", "time": "T2"},
        ],
    }
    assert release.tag_message(manifest, "d" * 64, "/archive/r/2022/v3") == (
        "r 2022 v3: 年度报告\n\n"
        f"manifest-sha256: {'d' * 64}\n"
        "archive: /archive/r/2022/v3\n"
        "approved-by:\n"
        "  section:a x T1\n"
        "  report y T2\n"
    )
    assert release.manifest_bytes({"b": 1, "a": ["é", None]}) == (
        '{\n  "a": [\n    "é",\n    null\n  ],\n  "b": 1\n}\n'.encode()
    )
    assert release.sha256_file(Path(__file__)) == sha256_bytes(Path(__file__).read_bytes())


def test_the_release_lock_names_its_holder(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    repo = gitio.require_repo(tmp_path)
    path = gitio.cache_dir(repo) / "release-r-2022.lock"
    with release.release_lock(repo, "r", 2022):
        assert path.read_text() == f"{os.getpid()}\n"
        with pytest.raises(Refused) as err, release.release_lock(repo, "r", 2022):
            pass
        assert err.value.message == f"another release of r/2022 is running (pid {os.getpid()})"
        assert err.value.file == str(path)
        assert err.value.hint == "wait for it to finish; nothing was written"
        with release.release_lock(repo, "r", 2023):  # another year: another lock
            assert (path.parent / "release-r-2023.lock").exists()
        path.write_text("")  # the holder has not written its pid yet
        with pytest.raises(Refused) as err, release.release_lock(repo, "r", 2022):
            pass
        assert err.value.message == "another release of r/2022 is running"
    with release.release_lock(repo, "r", 2022):  # released when its holder is done
        assert path.read_text() == f"{os.getpid()}\n"
    assert path.exists()  # never removed (see release_lock)
    for text, holder in (("42\n", 42), ("0", None), ("", None), ("x", None)):
        path.write_text(text)
        assert release._lock_holder(path) == holder
    assert release._lock_holder(tmp_path / "missing") is None


def test_a_released_commit_is_released_already(repo: Path) -> None:
    """HEAD differs from v2's commit only by v2's own release record: a rerun, exit 0."""
    head = gitio.resolve(gitio.require_repo(repo), "HEAD")
    assert head != _commit_of(repo, V2)
    before = git(repo, "rev-parse", "HEAD")
    found = release.release(repo / FOLDER)
    assert found == Released(
        2, V2, _commit_of(repo, V2), str(entry(repo, 2)), _digest(repo, 2), already=True
    )
    found = release.release(repo / FOLDER, _commit_of(repo, V1))
    assert found == Released(
        1, V1, _commit_of(repo, V1), str(entry(repo, 1)), _digest(repo, 1), already=True
    )
    assert git(repo, "rev-parse", "HEAD") == before  # nothing committed


def test_a_lost_release_record_is_committed_again(repo: Path) -> None:
    """The release was killed after its tag: the rerun commits its record, nothing else."""
    (lost,) = (repo / FOLDER / "signoffs").glob("*-release-v2.json")
    before = json.loads(lost.read_text("utf-8"))
    git(repo, "reset", "-q", "--hard", f"{V2}^{{commit}}")  # as if killed before the record
    assert not list((repo / FOLDER / "signoffs").glob("*-release-v2.json"))
    head = git(repo, "rev-parse", "HEAD").strip()
    steps: list[str] = []
    found = release.release(repo / FOLDER, key=releaser_key(), on_step=steps.append)
    assert steps[-1] == "record"  # the step the run shows while it commits the record
    assert found == Released(
        2, V2, _commit_of(repo, V2), str(entry(repo, 2)), _digest(repo, 2), already=True
    )
    assert git(repo, "rev-parse", "HEAD^").strip() == head  # one commit: the record
    added = git(repo, "diff", "--name-only", "HEAD^", "HEAD").split()
    assert len(added) == 1 and added[0].endswith("-release-v2.json")
    again = json.loads((repo / added[0]).read_text("utf-8"))
    assert again["version"] == 2
    # the same record as the one lost: the tagged commit, the manifest's digest, the releaser
    same = ("report", "year", "scope", "fingerprint", "commit", "reviewer", "decision")
    assert {k: again.get(k) for k in same} == {k: before.get(k) for k in same}
    assert again["commit"] == _commit_of(repo, V2) and again["reviewer"]


def test_only_new_sign_offs_since_the_latest_version_is_nothing_to_release(
    repo: Path,
) -> None:
    old = next((repo / FOLDER / "signoffs").glob("*-deputy-head-2-section-*.json"))
    data = json.loads(old.read_text("utf-8"))
    data.update(time="2030-01-01T00:00:00.000Z", comment="again")
    (old.parent / "20300101T000000000Z-deputy-head-2-again.json").write_text(
        json.dumps(data), "utf-8"
    )
    _commit(repo, "one more sign-off")
    with pytest.raises(Refused) as err:
        release.release(repo / FOLDER, key=releaser_key())
    assert err.value.message == (
        "nothing changed since v2: the text is identical (only sign-off records changed since "
        f"{V2}); nothing was released"
    )
    assert err.value.hint == f"change the text first; the version in force is {V2}"
    assert err.value.file == str(repo / FOLDER)


def test_uncommitted_changes_are_refused_and_named(repo: Path) -> None:
    sections = repo / FOLDER / "sections"
    first = sorted(sections.iterdir())[0]
    first.write_text(first.read_text("utf-8") + "改\n", "utf-8")
    with pytest.raises(Refused) as err:
        release.release(repo / FOLDER)
    assert err.value.message == (
        f"the report folder has uncommitted changes ({FOLDER}/sections/{first.name}); "
        "nothing was released"
    )
    assert err.value.hint == "commit or stash them first"
    assert Path(err.value.file) == repo / FOLDER
    git(repo, "checkout", "--", str(FOLDER))
    for name in ("a.md", "b.md", "c.md"):
        (repo / FOLDER / name).write_text("x", "utf-8")  # untracked files count too
    with pytest.raises(Refused) as err:
        release.release(repo / FOLDER)
    assert err.value.message == (  # three: each named, no "…"
        f"the report folder has uncommitted changes ({FOLDER}/a.md, {FOLDER}/b.md, {FOLDER}/c.md"
        "); nothing was released"
    )
    first.write_text(first.read_text("utf-8") + "改\n", "utf-8")
    for name in ("a.md", "b.md", "c.md"):
        (repo / FOLDER / name).write_text("x", "utf-8")  # untracked files count too
    with pytest.raises(Refused) as err:
        release.release(repo / FOLDER)
    assert err.value.message == (
        f"the report folder has uncommitted changes ({FOLDER}/a.md, {FOLDER}/b.md, {FOLDER}/c.md"
        ", …); nothing was released"
    )


def test_a_commit_outside_the_history_of_head_is_refused(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "side")
    (repo / FOLDER / "elsewhere.txt").write_text("x", "utf-8")
    _commit(repo, "a commit on another branch")
    side = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "main")
    with pytest.raises(Refused) as err:
        release.release(repo / FOLDER, side)
    assert err.value.message == (
        f"{side[:10]} is not in the history of HEAD, where the release record is committed; "
        "nothing was released"
    )
    assert err.value.hint == "check out the branch that holds it, then release"
    assert Path(err.value.file) == repo / FOLDER


def test_a_new_text_is_released_as_the_next_version(repo: Path) -> None:
    """The whole release in this process: render, manifest, archive entry, tag, record."""
    section = repo / FOLDER / "sections" / "02-problems.md"
    section.write_text(section.read_text("utf-8") + "\n五是再补充问题。\n", "utf-8")
    _commit(repo, "problems: a fifth point")
    from releasing import approve_all

    def cli(*args):  # the sign-offs as a user makes them
        import subprocess
        import sys

        from conftest import Result

        proc = subprocess.run(
            [sys.executable, "-m", "reportflow", *map(str, args)], capture_output=True, text=True
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    approve_all(cli, repo / FOLDER, reviewer="deputy-head-2")
    commit = git(repo, "rev-parse", "HEAD").strip()
    # HEAD moves on to a text nobody approved: the release of ``commit`` judges that commit
    section.write_text(section.read_text("utf-8") + "\n六是尚未审核。\n", "utf-8")
    _commit(repo, "problems: a sixth point, not approved")

    head = git(repo, "rev-parse", "HEAD").strip()
    for killed_at in ("tag", "record"):  # published, before its tag; and after it

        def fails(name: str, at: str = killed_at) -> None:
            if name == at:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):  # the interruption itself, nothing in its place
            release.release(repo / FOLDER, commit, key=releaser_key(), on_step=fails)
        # all or nothing: no tag, no entry, nothing committed; the rerun starts clean
        assert git(repo, "tag", "-l", "political-ecology/2022/v3") == ""
        assert not entry(repo, 3).exists()
        assert git(repo, "rev-parse", "HEAD").strip() == head
    steps: list[str] = []
    told: list[Attaching] = []

    def probe(facts: Attaching) -> dict[str, bytes]:
        told.append(facts)
        return {"probe.txt": f"{facts.tag} {facts.commit}".encode()}

    found = release.release(
        repo / FOLDER, commit, key=releaser_key(), on_step=steps.append, attachments=[probe]
    )
    assert steps == list(release.STEPS)
    assert told == [Attaching(repo / FOLDER, commit, 3, "political-ecology/2022/v3")]
    probe_file = entry(repo, 3) / "probe.txt"
    assert probe_file.read_text("utf-8") == f"political-ecology/2022/v3 {commit}"
    assert found == Released(3, "political-ecology/2022/v3", commit, str(entry(repo, 3)),
                             _digest(repo, 3))  # fmt: skip
    manifest = json.loads((entry(repo, 3) / "manifest.json").read_bytes())
    assert manifest["previous"] == {"version": 2, "manifest_sha256": _digest(repo, 2)}
    assert (manifest["version"], manifest["commit"], manifest["tag"]) == (3, commit, found.tag)
    assert manifest["approvers"] == ["deputy-head-1", "deputy-head-2", "party-secretary"]
    assert manifest["released_by"]["person"] == "party-secretary"
    assert manifest["format"] == release.MANIFEST_FORMAT
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["created"]), manifest
    v2 = json.loads((entry(repo, 2) / "manifest.json").read_bytes())
    assert manifest["root"] == v2["root"] and manifest["root"]["pin"].startswith("sha256:")
    assert "probe.txt" in [f["name"] for f in manifest["files"]]
    assert [f["name"] for f in manifest["files"]] == sorted(
        p.name for p in entry(repo, 3).iterdir() if p.name not in ("manifest.json", "manifest.sig")
    )
    message = git(repo, "tag", "-l", "--format=%(contents)", found.tag)
    assert f"manifest-sha256: {found.manifest_sha256}\n" in message
    assert f"archive: {entry(repo, 3)}\n" in message
    import zipfile

    docx = next(p for p in entry(repo, 3).iterdir() if p.suffix == ".docx")
    core = zipfile.ZipFile(docx).read("docProps/core.xml").decode("utf-8")
    assert f">{commit}</dc:identifier>" in core and ">v3</cp:version>" in core
    from reportflow.signoff import chainio, seen

    names = chainio.repo_names(gitio.require_repo(repo))
    pin = os.environ["REPORTFLOW_TRUST"]
    assert (
        seen.latest_problem(names, pin, "political-ecology", 2022, 3, found.manifest_sha256) is None
    )
    assert seen.latest_problem(names, pin, "political-ecology", 2022, 3, "0" * 64) is not None
    assert message.startswith(f"political-ecology 2022 v3: {manifest['title']}\n")
    record = git(repo, "diff", "--name-only", "HEAD^", "HEAD").split()
    assert len(record) == 1 and record[0].endswith("-release-v3.json")
    assert demo_key("party-secretary").exists()
    from reportflow.release import verify

    assert [c for c in verify.verify(repo / FOLDER, all_versions=True) if not c.ok] == []


def test_a_repository_rolled_back_below_what_this_machine_saw_is_not_released(
    repo: Path,
) -> None:
    """This machine saw v2; the repository is reset to v2's text with v2's tag, entry and
    record gone (a consistent picture, older than seen): releasing it again as v2 would put
    another manifest in v2's place. Refused, naming the rollback, before anything is made."""
    from reportflow.release import signing
    from reportflow.signoff import approval

    ctx = approval.load_context(repo / FOLDER, "HEAD")
    signing.remember(gitio.require_repo(repo), ctx, 2, _digest(repo, 2))
    tagged = _commit_of(repo, V2)
    git(repo, "tag", "-d", V2)
    git(repo, "reset", "-q", "--hard", tagged)  # v2's record was committed after its tag
    import shutil

    shutil.rmtree(entry(repo, 2))
    with pytest.raises(Refused) as refused:
        release.release(repo / FOLDER, key=releaser_key())
    assert "nothing was released" in str(refused.value)
    assert "v2" in str(refused.value), refused.value
    assert Path(refused.value.file) == repo / FOLDER
    assert git(repo, "tag", "-l", V2) == "" and not entry(repo, 2).exists()


def test_a_first_release_of_an_unapproved_report_is_refused_by_the_gate(
    tmp_path: Path,
) -> None:
    """No tag yet (the first release): the gate's refusal, for v1, nothing made."""
    from signoff_support import make_keys, make_repo

    report_dir = make_repo(tmp_path / "reports", make_keys(tmp_path / "keys"))
    with pytest.raises(Refused) as refused:
        release.release(report_dir, key=releaser_key())
    assert ": the report is not approved at " in str(refused.value)
    assert "report (final approval): pending" in str(refused.value)
    assert git(tmp_path / "reports", "tag", "-l") == ""
    assert not (tmp_path / "reports" / "archive").exists()
