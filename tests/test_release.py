from __future__ import annotations

import fcntl
import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from conftest import SAMPLE_REPORT, Result, commit_all, git, isolate, trusted
from releasing import (
    approve_all,
    approve_unchecked,
    demo_key,
    entry,
    fill_figures,
    ready_to_release,
    releaser_key,
    tamper_bytes,
    tamper_json,
)

from reportflow.release import release
from reportflow.release.archive import ArchiveStore
from reportflow.signoff import ledger


def _tags(repo: Path) -> list[str]:
    return git(repo, "tag", "--list").split()


def _nothing_released(repo: Path) -> None:
    assert _tags(repo) == []
    assert ArchiveStore(str(repo / "archive")).versions("political-ecology", 2022) == []
    assert not entry(repo, 1).exists()


def test_release_refuses_a_report_with_validation_errors(cli, repo: Path, report_dir: Path):
    refused = cli(
        "signoff", report_dir, "--section", "preface", "--as", "deputy-head-1",
        "--key", demo_key("deputy-head-1"),
    )  # fmt: skip
    assert refused.code == 1 and "validation error" in refused.err  # signoff refuses first
    approve_unchecked(repo, report_dir)  # approved, but the *** figures are still missing
    assert cli("gate", report_dir).code == 0
    result = cli("release", report_dir, "--key", releaser_key())
    assert result.code == 1
    assert "validation finds" in result.err
    _nothing_released(repo)


def test_release_refuses_an_unapproved_report(cli, repo: Path, report_dir: Path) -> None:
    fill_figures(report_dir)
    commit_all(repo, "fill in the figures")
    result = cli("release", report_dir, "--key", releaser_key())
    assert result.code == 1
    assert "not approved" in result.err
    _nothing_released(repo)


def test_release_refuses_uncommitted_changes(cli, repo: Path, report_dir: Path) -> None:
    ready_to_release(cli, repo, report_dir)
    (report_dir / "sections" / "01-situation.md").write_text("---\n", encoding="utf-8")
    result = cli("release", report_dir, "--key", releaser_key())
    assert result.code == 1
    assert "uncommitted changes" in result.err and "01-situation.md" in result.err
    _nothing_released(repo)


def test_release_archives_tags_and_verifies(
    cli, repo: Path, report_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ready_to_release(cli, repo, report_dir)
    head = git(repo, "rev-parse", "HEAD").strip()
    result = cli("release", report_dir, "--key", releaser_key())
    assert result.code == 0, result.err
    assert "released political-ecology/2022/v1" in result.out

    v1 = entry(repo, 1)
    assert sorted(p.name for p in v1.iterdir()) == [
        "approval-sheet.json",  # the approval sheet (签批单), listed in the manifest
        "approval-sheet.pdf",
        "audit.html",  # the audit at the released commit (reportflow.audit.archived)
        "history.bundle",  # the history up to the released commit (release/bundle.py)
        "manifest.json",
        "manifest.sig",
        "report.docx",
        "report.html",
        "report.pdf",
        "sources.tar.gz",
    ]
    manifest = json.loads((v1 / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["commit"] == head and manifest["version"] == 1
    assert manifest["previous"] is None
    assert manifest["approvers"] == ["deputy-head-1", "party-secretary"]
    assert {s["scope"] for s in manifest["signoffs"]} >= {"report", "section:situation"}
    assert manifest["validation"]["errors"] == 0
    digest = release.sha256_bytes((v1 / "manifest.json").read_bytes())
    tag_message = git(repo, "tag", "-l", "--format=%(contents)", "political-ecology/2022/v1")
    assert f"manifest-sha256: {digest}" in tag_message
    assert git(repo, "rev-parse", "political-ecology/2022/v1^{commit}").strip() == head
    # git itself accepts the tag's SSH signature from the releaser's key
    allowed = repo.parent / "allowed_signers"
    allowed.write_text(f"party-secretary {ledger.public_key(releaser_key())}\n")
    checked = subprocess.run(
        ["git", "-c", f"gpg.ssh.allowedSignersFile={allowed}", "verify-tag",
         "political-ecology/2022/v1"],
        cwd=repo, capture_output=True, text=True,
    )  # fmt: skip
    assert checked.returncode == 0 and 'Good "git" signature' in checked.stderr, checked.stderr
    (record,) = (report_dir / "signoffs").glob("*-party-secretary-release-v1.json")
    signed = json.loads(record.read_text(encoding="utf-8"))
    assert signed["scope"] == "release" and signed["version"] == 1 and signed["commit"] == head
    assert signed["fingerprint"] == f"sha256:{digest}"
    assert git(repo, "log", "-1", "--format=%an", "--", str(record)).strip() == "区政府党组书记"

    verified = cli("verify", report_dir)
    assert verified.code == 0, verified.out
    assert "✗" not in verified.out and "all" in verified.out

    versions = json.loads(cli("versions", report_dir, "--format", "json").out)["versions"]
    assert [(v["version"], v["commit"]) for v in versions] == [(1, head)]

    # safe to rerun: the same text (HEAD is now the release record's commit) is not released twice
    again = cli("release", report_dir, "--key", releaser_key())
    assert again.code == 0 and "already released as political-ecology/2022/v1" in again.out
    assert _tags(repo) == ["political-ecology/2022/v1"]

    # a later sign-off changes no text: a v2 would hold v1's text, so nothing is released
    signed = cli(
        "signoff", report_dir, "--section", "preface", "--as", "deputy-head-2",
        "--key", demo_key("deputy-head-2"), "-m", "同意",
    )  # fmt: skip
    assert signed.code == 0, signed.err
    same = cli("release", report_dir, "--key", releaser_key())
    assert same.code == 1, same.out
    assert "nothing changed since v1: the text is identical" in same.err
    assert _tags(repo) == ["political-ecology/2022/v1"] and not entry(repo, 2).exists()
    # and in Chinese for a Chinese locale
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    zh = cli("release", report_dir, "--key", releaser_key())
    assert zh.code == 1 and "自v1以来没有变化" in zh.err, zh.err


@pytest.mark.parametrize("step", release.STEPS)
def test_a_fault_at_any_step_leaves_nothing_and_a_rerun_succeeds(
    cli, repo: Path, report_dir: Path, step: str
) -> None:
    ready_to_release(cli, repo, report_dir)

    def fail_at(name: str) -> None:
        if name == step:
            raise OSError(f"injected fault at {name}")

    with pytest.raises(OSError, match="injected"):
        release.release(report_dir, key=releaser_key(), on_step=fail_at)
    _nothing_released(repo)
    assert [p.name for p in entry(repo, 1).parent.glob("*")] in ([], [])
    done = release.release(report_dir, key=releaser_key())
    assert done.version == 1 and not done.already
    assert cli("verify", report_dir).code == 0


def test_an_attachment_that_fails_or_clashes_leaves_nothing(
    cli, repo: Path, report_dir: Path
) -> None:
    """Attachments (the audit page) are made before the manifest: one that raises, or names
    a file the entry has, stops the release with neither tag nor entry; a good one is listed."""
    from reportflow.audit import archived

    ready_to_release(cli, repo, report_dir)

    def boom(facts):
        raise OSError(f"injected fault making v{facts.version}'s page")

    with pytest.raises(OSError, match="v1's page"):
        release.release(report_dir, key=releaser_key(), attachments=(boom,))
    _nothing_released(repo)
    with pytest.raises(RuntimeError, match=r"report\.pdf"):
        release.release(
            report_dir, key=releaser_key(), attachments=(lambda _f: {"report.pdf": b"x"},)
        )
    _nothing_released(repo)
    seen = []

    def note(facts):
        seen.append((facts.version, facts.tag, facts.commit))
        return {"note.txt": b"made before the manifest"}

    done = release.release(report_dir, key=releaser_key(), attachments=(note, archived.audit_page))
    assert seen == [(1, "political-ecology/2022/v1", done.commit)]
    manifest = json.loads((entry(repo, 1) / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["name"] for f in manifest["files"]}
    assert {"note.txt", "audit.html"} <= listed
    assert cli("verify", report_dir).code == 0


def _release_v2(cli, repo: Path, report_dir: Path) -> None:
    ready_to_release(cli, repo, report_dir)
    assert cli("release", report_dir, "--key", releaser_key()).code == 0
    section = report_dir / "sections" / "02-problems.md"
    section.write_text(section.read_text(encoding="utf-8") + "\n四是补充问题。\n", "utf-8")
    commit_all(repo, "problems: a fourth point")
    approve_all(cli, report_dir, reviewer="deputy-head-2")
    done = cli("release", report_dir, "--key", releaser_key())
    assert done.code == 0, done.err


def test_amend_reapprove_release_v2_and_verify_all(cli, repo: Path, report_dir: Path) -> None:
    _release_v2(cli, repo, report_dir)
    v1 = (entry(repo, 1) / "manifest.json").read_bytes()
    v2 = json.loads((entry(repo, 2) / "manifest.json").read_bytes())
    assert v2["previous"] == {"version": 1, "manifest_sha256": release.sha256_bytes(v1)}
    assert "deputy-head-2" in v2["approvers"]
    result = cli("verify", report_dir, "--all")
    assert result.code == 0, result.out
    assert "v1" in result.out and "v2" in result.out and "chain to v1's manifest" in result.out


def _swap_a_source_file(repo: Path) -> None:
    """Replace sources.tar.gz with a well-formed archive whose section text differs."""
    path = entry(repo, 2) / "sources.tar.gz"
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(path.read_bytes()), mode="r:gz") as src,
        tarfile.open(fileobj=out, mode="w:gz") as dst,
    ):
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name.endswith("02-problems.md"):
                data = data.replace("问题".encode(), "成绩".encode())
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    tamper_bytes(path, lambda _old: out.getvalue())


V1, V2 = "political-ecology/2022/v1", "political-ecology/2022/v2"


def _sign_file(key: Path, namespace: str, data: bytes) -> str:
    return subprocess.run(
        ["ssh-keygen", "-q", "-Y", "sign", "-n", namespace, "-f", str(key)],
        input=data, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip


def _replace_newest(repo: Path, tag_key: Path | None = None, manifest_key: Path | None = None):
    """a8.sh: a doctored PDF in v2, its manifest recomputed to match (and re-signed with
    ``manifest_key``), and the tag made again with the new digest: unsigned, or signed with
    ``tag_key`` by git itself (``git tag -s``, gpg.format=ssh)."""
    v2 = entry(repo, 2)
    tamper_bytes(v2 / "report.pdf", lambda b: b[:-10] + b"X" + b[-9:])
    manifest = json.loads((v2 / "manifest.json").read_bytes())
    pdf = (v2 / "report.pdf").read_bytes()
    for item in manifest["files"]:
        if item["name"] == "report.pdf":
            item.update(sha256=release.sha256_bytes(pdf), size=len(pdf))
    data = release.manifest_bytes(manifest)
    tamper_bytes(v2 / "manifest.json", lambda _old: data)
    if manifest_key is not None:
        sig = _sign_file(manifest_key, "reportflow-manifest", data)
        tamper_bytes(v2 / "manifest.sig", lambda _old: sig.encode())
    message = f"v2\n\nmanifest-sha256: {release.sha256_bytes(data)}\n"
    commit = git(repo, "rev-parse", f"{V2}^{{commit}}").strip()
    git(repo, "tag", "-d", V2)
    if tag_key is None:
        git(repo, "tag", "-a", V2, commit, "-m", message)
    else:
        git(repo, "-c", "gpg.format=ssh", "-c", f"user.signingkey={tag_key}",
            "tag", "-s", V2, commit, "-m", message)  # fmt: skip


def _delete_newest(repo: Path) -> None:
    shutil.rmtree(entry(repo, 2))
    git(repo, "tag", "-d", V2)


def _retag_v1_unsigned(repo: Path) -> None:
    """v1's tag made again, same commit and same message, but without the signature."""
    name = "political-ecology/2022/v1"
    message = git(repo, "tag", "-l", "--format=%(contents:subject)%0a%0a%(contents:body)", name)
    commit = git(repo, "rev-parse", f"{name}^{{commit}}").strip()
    git(repo, "tag", "-d", name)
    git(repo, "tag", "-a", name, commit, "-m", message)


def _swap_manifest_sig(repo: Path) -> None:
    """v2's manifest.sig replaced by v1's: a genuine signature, of another manifest."""
    old = (entry(repo, 1) / "manifest.sig").read_bytes()
    tamper_bytes(entry(repo, 2) / "manifest.sig", lambda _b: old)


def _drop_manifest_sig(repo: Path) -> None:
    path = entry(repo, 2) / "manifest.sig"
    path.parent.chmod(0o755)
    path.unlink()


TAMPERING = {
    "a byte of the PDF": (
        lambda repo: tamper_bytes(entry(repo, 2) / "report.pdf", lambda b: b[:-10] + b"X" + b[-9:]),
        "file report.pdf",
    ),
    "the manifest": (
        lambda repo: tamper_json(entry(repo, 2) / "manifest.json", lambda m: m.update(title="改")),
        "tag message carries the manifest's SHA-256",
    ),
    "a sign-off record": (
        lambda repo: tamper_json(
            entry(repo, 2) / "manifest.json",
            lambda m: m["signoffs"][0].update(comment="edited after signing"),
        ),
        "sign-off",
    ),
    "the chain": (
        lambda repo: tamper_json(
            entry(repo, 1) / "manifest.json", lambda m: m.update(title="someone else's")
        ),
        "chain to v1's manifest",
    ),
    "the tag": (
        lambda repo: git(repo, "tag", "-f", "-a", V2, f"{V1}^{{commit}}", "-m", "x"),
        "tag points at the manifest's commit",
    ),
    "the sources": (_swap_a_source_file, "sources match the tagged tree"),
    "consistent replacement of the newest version, unsigned tag": (
        _replace_newest,
        f"v2: tag {V2} is signed by a releaser: no SSH signature",
    ),
    "consistent replacement of the newest version, tag signed by a non-releaser": (
        lambda repo: _replace_newest(repo, tag_key=demo_key("office-director")),
        "signed by office-director, who may not release",
    ),
    "consistent replacement of the newest version, signed by an unlisted key": (
        lambda repo: _replace_newest(repo, tag_key=_intruder_key(repo)),
        "signed by a key not listed for any releaser",
    ),
    "consistent replacement of the newest version by its releaser": (
        lambda repo: _replace_newest(repo, releaser_key(), manifest_key=releaser_key()),
        "the archive has",  # the release record in the ledger names the original manifest
    ),
    "newest version deleted with its tag": (
        _delete_newest,
        "v2: release record in history but no tag and no archive entry: newest version deleted",
    ),
    "unsigned tag": (_retag_v1_unsigned, "tag political-ecology/2022/v1 is signed by a releaser"),
    "manifest.sig of another manifest": (
        _swap_manifest_sig,
        "manifest.sig is the releaser's signature of the manifest",
    ),
    "manifest.sig missing": (_drop_manifest_sig, "no manifest.sig in the archive entry"),
}


def _intruder_key(repo: Path) -> Path:
    from signoff_support import make_keys

    return make_keys(repo.parent / "keys")["intruder"][0]


@pytest.fixture(scope="module")
def released_twice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with v1 and v2 released, built once; each tampering test gets a copy."""
    root = tmp_path_factory.mktemp("released") / "reports"
    root.mkdir()

    def cli(*args: str | Path) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "reportflow", *map(str, args)],
            capture_output=True,
            text=True,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("home"))
        git(root, "init", "-q", "-b", "main")
        report_dir = root / "content" / "political-ecology" / "2022"
        shutil.copytree(SAMPLE_REPORT, report_dir)
        commit_all(root, "import the 2022 report")
        trusted(root, report_dir)
        _release_v2(cli, root, report_dir)
        assert cli("verify", report_dir, "--all").code == 0
    return root


@pytest.mark.parametrize("what", sorted(TAMPERING))
def test_verify_names_what_was_tampered_with(cli, tmp_path: Path, released_twice: Path, what):
    repo = tmp_path / "reports"
    shutil.copytree(released_twice, repo, symlinks=True)
    report_dir = repo / "content" / "political-ecology" / "2022"
    tamper, check = TAMPERING[what]
    tamper(repo)
    result = cli("verify", report_dir, "--all")
    assert result.code == 1
    assert "✗" in result.out, result.out
    # the summary lists the failed checks only ("v2: <check>: <detail>"); rich wraps lines
    failures = " ".join(result.out.rsplit("failed:", 1)[1].split())
    assert check in failures, result.out


def test_two_releases_at_once_exactly_one_wins(cli, repo: Path, report_dir: Path) -> None:
    ready_to_release(cli, repo, report_dir)
    key = str(releaser_key())
    cmd = [sys.executable, "-m", "reportflow", "release", str(report_dir), "--key", key]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outcomes = [(p.wait(), *p.communicate()) for p in procs]
    released = [o for o in outcomes if o[0] == 0 and "released political-ecology" in o[1]]
    assert len(released) == 1, outcomes
    loser = next(o for o in outcomes if o is not released[0])
    assert "Traceback" not in loser[2]
    assert (loser[0] == 1 and "another release" in loser[2]) or "already released" in loser[1]
    assert _tags(repo) == ["political-ecology/2022/v1"]
    assert not entry(repo, 2).exists()
    assert cli("verify", report_dir).code == 0


def test_lost_archive_entry_blocks_the_next_version(cli, repo: Path, report_dir: Path) -> None:
    ready_to_release(cli, repo, report_dir)
    assert cli("release", report_dir, "--key", releaser_key()).code == 0
    shutil.rmtree(entry(repo, 1))
    audit = cli("verify", report_dir, "--all")
    assert audit.code == 1 and "no manifest.json" in audit.out
    section = report_dir / "sections" / "02-problems.md"
    section.write_text(section.read_text(encoding="utf-8") + "\n四是补充问题。\n", "utf-8")
    commit_all(repo, "problems: a fourth point")
    approve_all(cli, report_dir, reviewer="deputy-head-2")
    result = cli("release", report_dir, "--key", releaser_key())
    assert result.code == 1
    assert "v1 has a tag but no archived manifest" in result.err
    assert _tags(repo) == ["political-ecology/2022/v1"]
    assert not entry(repo, 2).exists()


def test_an_archive_entry_without_its_tag_is_not_skipped_over(
    cli, repo: Path, report_dir: Path
) -> None:
    """v1's tag is gone (deleted, or made in another clone and not fetched): the next release
    must not quietly become v2 chained to an entry no tag vouches for."""
    ready_to_release(cli, repo, report_dir)
    assert cli("release", report_dir, "--key", releaser_key()).code == 0
    git(repo, "tag", "-d", "political-ecology/2022/v1")
    result = cli("release", report_dir, "--key", releaser_key())
    assert result.code == 1, result
    assert "archive entry" in result.err and "exists but tag" in result.err, result.err
    assert "git fetch --tags" in result.err
    assert _tags(repo) == [] and not entry(repo, 2).exists()


def test_a_held_lock_refuses_even_before_its_holder_wrote_its_pid(
    cli, repo: Path, report_dir: Path
) -> None:
    """The race of the old lock: a holder that has created the file but not yet written its
    pid looked like a dead process's lock, and the second release ran at the same time."""
    ready_to_release(cli, repo, report_dir)
    lock = repo / ".git" / "reportflow" / "release-political-ecology-2022.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as held:  # empty, and locked by a live process: this test
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = cli("release", report_dir, "--key", releaser_key())
        assert result.code == 1, result
        assert "another release of political-ecology/2022 is running" in result.err
        assert _tags(repo) == [] and not entry(repo, 1).exists()
    assert cli("release", report_dir, "--key", releaser_key()).code == 0  # once it is free


def test_a_lock_left_by_a_dead_process_is_taken_over(cli, repo: Path, report_dir: Path) -> None:
    ready_to_release(cli, repo, report_dir)
    lock = repo / ".git" / "reportflow" / "release-political-ecology-2022.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    lock.write_text(dead.stdout)
    result = cli("release", report_dir, "--key", releaser_key())
    assert result.code == 0, result.err
    with lock.open("r+") as fh:  # free again: the release held it only while it ran
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    manifest = json.loads((entry(repo, 1) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "reportflow-manifest/2"
    pub = ledger.public_key(releaser_key())
    assert manifest["released_by"] == {"person": "party-secretary", "key": pub}


def _copy(released_twice: Path, tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "reports"
    shutil.copytree(released_twice, repo, symlinks=True)
    return repo, repo / "content" / "political-ecology" / "2022"


def test_verify_expect_catches_a_rewritten_history(
    cli, tmp_path: Path, released_twice: Path, monkeypatch: pytest.MonkeyPatch
):
    """The newest version deleted with its tag *and* its release record (a history rewrite
    of the branch): nothing left in the clone contradicts v1 being the latest; what this
    machine saw at the last verify does, and on a machine that saw nothing, the digest the
    approval sheet recorded does."""
    repo, report_dir = _copy(released_twice, tmp_path)
    digest = release.sha256_bytes((entry(repo, 2) / "manifest.json").read_bytes())
    assert cli("verify", report_dir, "--expect", f"v2:sha256:{digest}").code == 0
    _delete_newest(repo)
    record = git(repo, "log", "-1", "--format=%H", "--", "content/*/2022/signoffs/*-v2.json")
    git(repo, "reset", "-q", "--hard", f"{record.strip()}~1")
    seen = cli("verify", report_dir, "--all")
    assert seen.code == 1, seen.out
    failures = " ".join(seen.out.rsplit("failed:", 1)[1].split())
    assert (
        f"rollback: this machine saw political-ecology/2022 v2 (manifest sha256 {digest[:12]}…) "
        "on 20" in failures
    ), failures
    assert "the repository and the archive now end at v1" in failures
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "another-machine"))
    assert cli("verify", report_dir, "--all").code == 0  # consistent: only --expect can tell
    result = cli("verify", report_dir, "--expect", f"v2:sha256:{digest}")
    assert result.code == 1
    failures = " ".join(result.out.rsplit("failed:", 1)[1].split())
    assert f"expected v2 with manifest {digest[:12]}… as the latest: found v1" in failures
    wrong = cli("verify", report_dir, "--expect", "v2")
    assert wrong.code == 2 and "is not v<N>:sha256:" in wrong.err


def test_verify_reads_the_archive_it_is_told(cli, tmp_path: Path, released_twice: Path):
    repo, report_dir = _copy(released_twice, tmp_path)
    office = tmp_path / "records-office"
    shutil.move(repo / "archive", office)
    lost = cli("verify", report_dir)
    assert lost.code == 1 and "no manifest.json" in lost.out
    found = cli("verify", report_dir, "--all", "--archive", office)
    assert found.code == 0, found.out


def test_rebuild_reproduces_an_honest_release(cli, tmp_path: Path, released_twice: Path):
    _repo, report_dir = _copy(released_twice, tmp_path)
    result = cli("verify", report_dir, "--version", "2", "--rebuild")
    assert result.code == 0, result.out
    out = " ".join(result.out.split())
    for name in ("report.docx", "report.pdf", "report.html"):
        assert f"✓ {name} is byte-identical to the rebuilt file" in out, out
    assert "formats compared by the rebuild (docx, pdf, html)" in out


def test_the_manifest_records_its_root_and_source_date_epoch(
    cli, repo: Path, report_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Released with SOURCE_DATE_EPOCH set: the manifest records it and the trust root (the
    pin an auditor needs); a rebuild in an environment without it still reproduces every
    file, because it renders under the recorded value."""
    from conftest import DEMO_PIN

    ready_to_release(cli, repo, report_dir)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert cli("release", report_dir, "--key", releaser_key()).code == 0
    manifest = json.loads((entry(repo, 1) / "manifest.json").read_text("utf-8"))
    assert manifest["source_date_epoch"] == 1700000000
    assert manifest["root"]["pin"] == DEMO_PIN and manifest["root"]["version"] == 1
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    result = cli("verify", report_dir, "--rebuild")
    assert result.code == 0, result.out
    out = " ".join(result.out.split())
    assert "✓ released under the pinned trust root (root v1, pin " in out
    for name in ("report.docx", "report.pdf", "report.html"):
        assert f"✓ {name} is byte-identical to the rebuilt file" in out, out


def test_rebuild_catches_a_pdf_doctored_at_release_time(
    cli, repo: Path, report_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An insider releaser (a changed reportflow on their PC) doctors the PDF before it is
    hashed and signed: every signature holds, only a rebuild from the sources shows it."""
    ready_to_release(cli, repo, report_dir)
    honest = release.build_manifest

    def doctored(report, **kwargs):
        pdf = kwargs["staged"] / "report.pdf"
        data = pdf.read_bytes()
        pdf.write_bytes(data[:-10] + b"X" + data[-9:])
        return honest(report, **kwargs)

    with pytest.MonkeyPatch.context() as patch:  # not monkeypatch.undo(): that drops the pin
        patch.setattr(release, "build_manifest", doctored)
        release.release(report_dir, key=releaser_key())
    assert cli("verify", report_dir).code == 0
    result = cli("verify", report_dir, "--rebuild")
    assert result.code == 1, result.out
    failures = " ".join(result.out.rsplit("failed:", 1)[1].split())
    assert "v1: report.pdf is byte-identical to the rebuilt file: report.pdf differs" in failures


def test_release_refuses_while_an_older_tag_is_not_a_valid_release(
    cli, tmp_path: Path, released_twice: Path
) -> None:
    repo, report_dir = _copy(released_twice, tmp_path)
    _retag_v1_unsigned(repo)
    section = report_dir / "sections" / "02-problems.md"
    section.write_text(section.read_text(encoding="utf-8") + "\n补充一句。\n", "utf-8")
    commit_all(repo, "problems: one more sentence")
    approve_all(cli, report_dir)
    result = cli("release", report_dir, "--key", releaser_key())
    assert result.code == 1, result.out
    err = " ".join(result.err.split())
    assert f"tag {V1} is not a valid release: no SSH signature; nothing was released" in err
    assert "git tag -s -f" in err
    assert not entry(repo, 3).exists() and "political-ecology/2022/v3" not in git(repo, "tag")


@pytest.mark.parametrize("who", ["no key", "office-director"])
def test_release_needs_a_releasers_key(cli, repo: Path, report_dir: Path, monkeypatch, who):
    """A clerk cannot release: without a key (and no agent holding a releaser's) or with a
    key of someone policy.release does not name, nothing is written."""
    ready_to_release(cli, repo, report_dir)
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    args = [] if who == "no key" else ["--key", demo_key(who)]
    result = cli("release", report_dir, *args)
    assert result.code == 1, result.out
    err = " ".join(result.err.split())
    if who == "no key":
        assert "releasing needs the SSH key of a releaser (role party-secretary" in err
    else:
        assert "is office-director's, who may not release: policy.release asks for" in err
    assert "nothing was released" in err
    _nothing_released(repo)


def test_what_verify_saw_is_kept_outside_the_repository(
    cli, tmp_path: Path, released_twice: Path
) -> None:
    """After a verify that passed, the state file (``$XDG_STATE_HOME/reportflow/seen.json``)
    holds the latest version, its manifest and the root version; a root version lower than
    the one recorded there is refused as a rollback by the gate, naming when it was seen."""
    import os

    repo, report_dir = _copy(released_twice, tmp_path)
    assert cli("verify", report_dir).code == 0
    state_file = Path(os.environ["HOME"]) / ".local" / "state" / "reportflow" / "seen.json"
    doc = json.loads(state_file.read_text("utf-8"))
    ((key, entry_),) = doc["entries"].items()
    assert key.endswith(" " + str(repo.resolve())) and key.startswith("sha256:")
    digest = release.sha256_bytes((entry(repo, 2) / "manifest.json").read_bytes())
    assert entry_["releases"]["political-ecology/2022"]["version"] == 2
    assert entry_["releases"]["political-ecology/2022"]["manifest"] == digest
    assert entry_["root_version"] == 1
    assert not list(repo.rglob("seen.json"))
    entry_["root_version"], entry_["root_when"] = 2, "2026-12-01T08:00:00Z"
    state_file.write_text(json.dumps(doc), "utf-8")
    gate = cli("gate", report_dir)
    assert gate.code == 1
    assert "rollback: this machine saw trust root version 2 on 2026-12-01T08:00:00Z" in gate.out


def test_release_does_not_number_after_a_rollback(
    cli, tmp_path: Path, released_twice: Path
) -> None:
    """The newest version deleted with its tag and its release record after this machine
    verified it: ``release`` refuses to make a new v2 in its place."""
    repo, report_dir = _copy(released_twice, tmp_path)
    assert cli("verify", report_dir).code == 0
    _delete_newest(repo)
    record = git(repo, "log", "-1", "--format=%H", "--", "content/*/2022/signoffs/*-v2.json")
    git(repo, "reset", "-q", "--hard", f"{record.strip()}~1")
    section = report_dir / "sections" / "02-problems.md"
    section.write_text(section.read_text(encoding="utf-8") + "\n另补一句。\n", "utf-8")
    commit_all(repo, "problems: one more sentence")
    approve_all(cli, report_dir)
    result = cli("release", report_dir, "--key", releaser_key())
    assert result.code == 1, result.out
    err = " ".join(result.err.split())
    assert "rollback: this machine saw political-ecology/2022 v2" in err, err
    assert "now end at v1; nothing was released" in err
    assert not entry(repo, 2).exists() and "political-ecology/2022/v2" not in git(repo, "tag")
