"""The audit's memo (``audit/memo.py``): a state already audited is answered from a sealed
file, and anything that changes what the audit reads is read again.

Every check compares the memo's answer with ``--memo off`` (everything read and verified
again) on the same state, through the real CLI on the scripted history of audit_support."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import audit_support
import pytest
from audit_support import FOLDER, SECTIONS, append, reportflow
from conftest import author_env, commit_all, git

from reportflow.audit import memo
from reportflow.audit.timeline import Timeline
from reportflow.core import cache

history, copy = audit_support.history, audit_support.copy  # the shared fixtures


def _audit(root: Path, *args: str) -> str:
    proc = reportflow("audit", root / FOLDER, *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _kept(root: Path) -> str | None:
    place = memo.key(root / FOLDER, "HEAD")
    assert place is not None
    return memo.load(place)


def _memo_file(root: Path) -> Path:
    place = memo.key(root / FOLDER, "HEAD")
    assert place is not None
    return place[1]


def test_a_kept_audit_reads_as_a_fresh_one_in_every_format_and_filter(copy: Path) -> None:
    first = _audit(copy, "--format", "json")
    kept = _kept(copy)
    assert kept == first  # the unfiltered JSON is kept as it was written
    assert _memo_file(copy).parent.stat().st_mode & 0o077 == 0  # the folder is the user's
    for args in (
        ("--format", "json"),
        ("--format", "csv"),
        ("--format", "html"),
        ("--format", "table"),
        ("--format", "json", "--person", "deputy-head-2"),
        ("--format", "json", "--section", "measures"),
        ("--format", "csv", "--since", "2000-01-01", "--until", "2999-12-31"),
    ):
        assert _audit(copy, *args) == _audit(copy, *args, "--memo", "off"), args
    assert _kept(copy) == first  # still the one memo, unchanged


def test_the_timeline_goes_through_json_and_back_unchanged(copy: Path) -> None:
    doc = json.loads(_audit(copy, "--format", "json"))
    again = Timeline.from_json(doc).to_json()
    assert again == doc
    assert len(doc["events"]) > 20


def _edit(root: Path) -> None:
    append(root / SECTIONS / "00-preface.md", "\n再补一句。\n")
    commit_all(root, "preface: one more", "office-director")


def _move_tag(root: Path) -> None:
    tag = "political-ecology/2022/v1"
    git(root, "tag", "-d", tag)
    git(root, "tag", tag, "HEAD")  # lightweight, on another commit


def _same_size_manifest_edit(root: Path) -> None:
    """A byte of v1's manifest changed, its size and modification time kept."""
    path = next(root.rglob("political-ecology/2022/v1/manifest.json"))
    info = path.stat()
    raw = path.read_bytes()
    at = raw.index(b'"created": "') + len(b'"created": "')
    digit = raw[at : at + 1]
    raw = raw[:at] + (b"1" if digit != b"1" else b"2") + raw[at + 1 :]
    path.write_bytes(raw)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def _drop_manifest(root: Path) -> None:
    v2 = next(root.rglob("political-ecology/2022/v2/manifest.json"))
    (v2.parent.parent / "v3").mkdir()
    shutil.copy(v2, v2.parent.parent / "v3" / "manifest.json")


def _replace_object(root: Path) -> None:
    """``git replace``: the last edit of a section shown with another message."""
    edit = git(root, "log", "-1", "--format=%H", "--", str(SECTIONS)).strip()
    raw = git(root, "cat-file", "commit", edit)
    headers, _sep, message = raw.partition("\n\n")
    forged = f"{headers}\n\nreplaced: {message}"
    proc = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
        cwd=root, input=forged, capture_output=True, text=True, check=True,
    )  # fmt: skip
    git(root, "replace", edit, proc.stdout.strip())


@pytest.mark.parametrize(
    "change",
    [_edit, _move_tag, _same_size_manifest_edit, _drop_manifest, _replace_object],
    ids=["a-new-commit", "a-moved-tag", "a-manifest-byte", "a-new-archive-entry", "git-replace"],
)
def test_what_changes_what_the_audit_reads_is_read_again(copy: Path, change) -> None:
    before = _audit(copy, "--format", "json")
    assert _kept(copy) == before
    change(copy)
    fresh = _audit(copy, "--format", "json", "--memo", "off")
    assert fresh != before  # the change shows in the audit
    assert _audit(copy, "--format", "json") == fresh


def test_the_language_and_the_trust_pin_are_part_of_the_key(copy: Path, monkeypatch) -> None:
    english = _audit(copy, "--format", "csv")
    pinned = _audit(copy, "--format", "json")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    chinese = _audit(copy, "--format", "csv")
    assert chinese != english and chinese == _audit(copy, "--format", "csv", "--memo", "off")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("REPORTFLOW_TRUST")  # no pinned root: no release verifies
    unpinned = _audit(copy, "--format", "json")
    assert unpinned != pinned
    assert unpinned == _audit(copy, "--format", "json", "--memo", "off")


def test_an_edited_memo_is_not_used(copy: Path) -> None:
    honest = _audit(copy, "--format", "json")
    path = _memo_file(copy)
    sealed = path.read_bytes()
    forged = sealed.replace(b'"decision": "reject"', b'"decision": "approve"')
    assert forged != sealed
    path.write_bytes(forged)
    assert _kept(copy) is None
    assert _audit(copy, "--format", "json") == honest


def test_a_memo_sealed_by_another_user_is_not_used(copy: Path, tmp_path: Path, monkeypatch) -> None:
    """The cache folder restored from elsewhere (a CI cache of another branch): its memo
    carries a seal this user's key does not make."""
    honest = _audit(copy, "--format", "json")
    path = _memo_file(copy)
    _mac, _sep, data = path.read_bytes().partition(b"\n")
    forged = data.replace(b'"decision": "reject"', b'"decision": "approve"')
    assert forged != data
    with monkeypatch.context() as other:  # another user's key
        other.setenv("XDG_CONFIG_HOME", str(tmp_path / "other-config"))
        resealed = cache.seal(forged)
    assert resealed is not None and cache.unseal(resealed) is None
    path.write_bytes(resealed)
    assert _kept(copy) is None
    assert _audit(copy, "--format", "json") == honest


def test_a_seal_key_others_can_read_seals_nothing(copy: Path) -> None:
    _audit(copy, "--format", "json")
    path = _memo_file(copy)
    key_file = cache.config_dir() / cache.SEAL_FILE  # type: ignore[operator]
    key_file.chmod(0o644)
    assert _kept(copy) is None
    path.unlink()
    _audit(copy, "--format", "json")
    assert not path.exists()  # nothing kept without a key of the user's own


def test_a_timeline_with_a_date_ahead_of_the_clock_is_not_kept(copy: Path) -> None:
    append(copy / SECTIONS / "00-preface.md", "\n未来。\n")
    git(copy, "add", "-A")
    future = "2090-01-01T00:00:00+00:00"
    env = {**author_env("office-director"), "GIT_COMMITTER_DATE": future}
    git(copy, "commit", "-q", "-m", "from the future", env=env)
    doc = json.loads(_audit(copy, "--format", "json"))
    assert any(e.get("flag") == "date-out-of-order" for e in doc["events"])
    assert not _memo_file(copy).exists()


def test_an_uncommitted_edit_changes_nothing(copy: Path) -> None:
    """Uncommitted edits are not part of any history: the kept audit stands."""
    before = _audit(copy, "--format", "json")
    append(copy / SECTIONS / "00-preface.md", "\n未提交。\n")
    assert _kept(copy) == before
    assert _audit(copy, "--format", "json", "--memo", "off") == before


def test_a_second_watcher_keeps_nothing_and_blocks_no_read(copy: Path) -> None:
    """Two audits at once in one process (threads): the first records the archive's reads,
    the second records none (so keeps no memo), and neither holds the other up."""
    import threading

    from reportflow.release import archive

    store = archive.ArchiveStore(str(copy / "archive"))
    with archive.watch() as first:
        done = []

        def second() -> None:
            with archive.watch() as other:
                done.append(other)
                store.versions("political-ecology", 2022)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive() and done == [None]
        store.read("political-ecology", 2022, 1, "manifest.json")
    assert first is not None and [call[0] for call, _found in first] == ["versions", "read"]
    with archive.watch() as again:  # the first one's end freed the place
        assert again == []
