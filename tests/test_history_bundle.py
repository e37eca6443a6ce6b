"""``history.bundle`` in each archive entry (``release/bundle.py``): the history up to the
released commit, incremental since the previous version, listed in the manifest, checked by
``verify``, and enough to judge the approval without the original repository."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import commit_all, git
from releasing import approve_all, entry, ready_to_release, releaser_key, tamper_bytes
from signoff_support import section_file

from reportflow.release import bundle
from reportflow.signoff import approval


def _release_twice(cli, repo: Path, report_dir: Path) -> tuple[str, str]:
    ready_to_release(cli, repo, report_dir)
    assert cli("release", report_dir, "--key", releaser_key()).code == 0
    path = section_file(report_dir, "problems")
    path.write_text(path.read_text(encoding="utf-8") + "\n四是补充问题。\n", encoding="utf-8")
    commit_all(repo, "problems: one more point")
    approve_all(cli, report_dir)
    assert cli("release", report_dir, "--key", releaser_key()).code == 0
    return tuple(
        json.loads((entry(repo, n) / "manifest.json").read_bytes())["commit"] for n in (1, 2)
    )


def _failures(out: str) -> str:
    """The summary of failed checks ("v2: <check>: <detail>"), its lines joined."""
    return " ".join(re.split(r"\d+ checks? failed:", out)[-1].split())


@pytest.fixture
def released(cli, repo: Path, report_dir: Path) -> tuple[str, str]:
    return _release_twice(cli, repo, report_dir)


def test_each_entry_holds_the_history_since_the_previous_version(
    cli, repo: Path, report_dir: Path, released: tuple[str, str]
) -> None:
    v1, v2 = released
    for n, tip, needs in ((1, v1, set()), (2, v2, {v1})):
        data = (entry(repo, n) / bundle.FILE).read_bytes()
        manifest = json.loads((entry(repo, n) / "manifest.json").read_bytes())
        listed = {f["name"]: f for f in manifest["files"]}
        assert listed[bundle.FILE]["size"] == len(data)
        refs, prerequisites = bundle.header(data)
        assert set(refs.values()) == {tip} and prerequisites == needs
    assert not git(repo, "for-each-ref", bundle.REF + "/").strip()  # the bundle's ref is gone
    audit = cli("verify", report_dir, "--all")
    assert audit.code == 0, audit.out
    text = " ".join(audit.out.split())
    assert "history.bundle holds the history up to the released commit" in text
    assert "the sign-offs are in the ledger of history.bundle" in text


def test_the_archive_alone_judges_the_approval(
    cli, repo: Path, report_dir: Path, released: tuple[str, str], tmp_path: Path
) -> None:
    """The repository is gone: the bundles of v1 and v2, fetched in order into an empty
    repository, hold the released commit, and the gate recomputed there from the manifest's
    records passes (what ``verify`` does against the repository)."""
    _v1, v2 = released
    archive = tmp_path / "kept"
    shutil.copytree(repo / "archive", archive)
    shutil.rmtree(repo)
    rebuilt = tmp_path / "rebuilt"
    git(tmp_path, "init", "-q", str(rebuilt))
    for n in (1, 2):
        where = archive / "political-ecology" / "2022" / f"v{n}" / bundle.FILE
        git(rebuilt, "fetch", "-q", str(where), f"+refs/*:refs/v{n}/*")
    git(rebuilt, "checkout", "-q", v2)
    manifest = json.loads(
        (archive / "political-ecology" / "2022" / "v2" / "manifest.json").read_bytes()
    )
    judged = approval.evaluate_records(
        rebuilt / "content" / "political-ecology" / "2022", v2, manifest["signoffs"]
    )
    assert judged.passed, judged.missing
    assert sorted(r.digest for r in judged.counted) == sorted(
        approval.ledger.parse_record(d, "m").digest for d in manifest["signoffs"]
    )


def test_verify_names_a_bundle_of_another_commit_and_a_damaged_one(
    cli, repo: Path, report_dir: Path, released: tuple[str, str], tmp_path: Path
) -> None:
    v1, _v2 = released
    other = tmp_path / "other.bundle"
    git(repo, "tag", "x-old", v1)
    git(repo, "bundle", "create", "-q", str(other), "x-old")
    git(repo, "tag", "-d", "x-old")
    target = entry(repo, 2) / bundle.FILE
    tamper_bytes(target, lambda _old: other.read_bytes())
    audit = cli("verify", report_dir, "--all")
    assert audit.code == 1
    failed = _failures(audit.out)
    assert "v2: history.bundle holds the history up to the released commit" in failed, audit.out
    tamper_bytes(target, lambda data: data[:-1] + bytes([data[-1] ^ 1]))
    failed = _failures(cli("verify", report_dir, "--all").out)
    assert "the bundle's pack is damaged" in failed, failed


def test_a_bundle_that_does_not_hold_the_records(
    cli, repo: Path, report_dir: Path, released: tuple[str, str]
) -> None:
    """v1's manifest names a sign-off record its history's ledger does not have (edited)."""

    def edit(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["signoffs"][0]["comment"] = "不在账本里"
        return json.dumps(manifest, ensure_ascii=False, indent=2).encode()

    tamper_bytes(entry(repo, 1) / "manifest.json", edit)
    failed = _failures(cli("verify", report_dir, "--all").out)
    assert "v1: the sign-offs are in the ledger of history.bundle: 1 of" in failed, failed


def test_a_missing_bundle_breaks_the_history_of_every_later_version(
    cli, repo: Path, report_dir: Path, released: tuple[str, str]
) -> None:
    """v2's bundle holds only what is new since v1: without v1's, v2's ledger cannot be read."""
    target = entry(repo, 1) / bundle.FILE
    target.parent.chmod(0o755)
    target.chmod(0o644)
    target.unlink()
    failed = _failures(cli("verify", report_dir, "--all").out)
    assert "v1: file history.bundle: missing from the archive" in failed, failed
    assert "v2: the sign-offs are in the ledger of history.bundle: v1 has no history.bundle" in (
        failed
    ), failed
