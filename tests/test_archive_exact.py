"""The archive's write-once store, called in the test process (issue 17: its tests ran the CLI
in a subprocess, so no mutant of ``archive.py`` could be caught). Every answer is stated
exactly: where an entry is, which versions count, what a second writer is told, what is left
after a failed upload. Local entries on a temp folder; object-store entries on fsspec's
in-memory filesystem, which, like S3, has no rename and honours create-only writes."""

from __future__ import annotations

import json
import os
import socket
import stat
import uuid
from pathlib import Path

import pytest

from reportflow.core.errors import Refused, ToolError
from reportflow.release.archive import CLAIM_SUFFIX, MANIFEST, MANIFEST_SIG, ArchiveStore


def _staged(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, "utf-8")
    return folder


@pytest.fixture
def memory():
    """An object store of its own (fsspec's memory filesystem is one per process)."""
    root = f"/arch-{uuid.uuid4().hex[:8]}"
    store = ArchiveStore(f"memory://{root}/")
    yield store
    if store.fs.exists(root):
        store.fs.rm(root, recursive=True)


def test_where_a_local_entry_is(tmp_path: Path) -> None:
    store = ArchiveStore(str(tmp_path / "archive") + "/")
    base = str(tmp_path / "archive")
    assert store.url == base + "/"
    assert store.root == base  # the trailing slash dropped
    assert store.local is True
    assert store.entry("r", 2022, 3) == f"{base}/r/2022/v3"
    assert store.display("r", 2022, 3) == f"{base}/r/2022/v3"
    assert store.claim_path("r", 2022, 3) == f"{base}/r/2022/v3{CLAIM_SUFFIX}"
    assert CLAIM_SUFFIX == ".claim" and MANIFEST == "manifest.json"


def test_where_an_object_store_entry_is(memory: ArchiveStore) -> None:
    root = memory.root
    assert not root.endswith("/") and root.startswith("/arch-")
    assert memory.local is False
    assert memory.entry("r", 2022, 1) == f"{root}/r/2022/v1"
    assert memory.display("r", 2022, 1) == f"memory://{root}/r/2022/v1"


def test_an_archive_url_fsspec_does_not_know_is_a_tool_error() -> None:
    with pytest.raises(ToolError) as err:
        ArchiveStore("nosuch://bucket/reports")
    assert str(err.value) == (
        "cannot open archive 'nosuch://bucket/reports': Protocol not known: nosuch"
    )


def test_only_complete_entries_are_versions_in_order(tmp_path: Path) -> None:
    store = ArchiveStore(str(tmp_path))
    assert store.versions("r", 2022) == []  # no folder for the year at all
    year = tmp_path / "r" / "2022"
    for name in ("v10", "v2", "v1", "v0", "v01", "x3", "v3x", "v4", "v5.claim"):
        (year / name).mkdir(parents=True)
    for name in ("v10", "v2", "v1", "v0", "v01", "x3", "v3x", "v5.claim"):
        (year / name / MANIFEST).write_text("{}", "utf-8")
    # v4 has no manifest (a half-written entry); v0, v01, x3, v3x, v5.claim are no version names
    assert store.versions("r", 2022) == [1, 2, 10]
    assert store.occupied("r", 2022, 4) is True  # anything at the place counts as occupied
    assert store.occupied("r", 2022, 6) is False
    assert store.versions("r", 2023) == []


def test_files_lists_files_only_and_read_gives_their_bytes(tmp_path: Path) -> None:
    store = ArchiveStore(str(tmp_path))
    entry = tmp_path / "r" / "2022" / "v1"
    (entry / "inner").mkdir(parents=True)
    for name in ("report.pdf", MANIFEST, "a.txt"):
        (entry / name).write_bytes(name.encode())
    assert store.files("r", 2022, 1) == ["a.txt", MANIFEST, "report.pdf"]
    assert store.read("r", 2022, 1, "report.pdf") == b"report.pdf"


def test_a_local_publish_makes_the_entry_read_only_in_one_step(tmp_path: Path) -> None:
    store = ArchiveStore(str(tmp_path / "archive"))
    staged = _staged(tmp_path / "staged", {MANIFEST: "{}", "report.pdf": "pdf"})
    final = store.publish(staged, "r", 2022, 1)
    assert final == str(tmp_path / "archive" / "r" / "2022" / "v1")
    for name in (MANIFEST, "report.pdf"):
        assert stat.S_IMODE(os.stat(Path(final) / name).st_mode) == 0o444
    assert (Path(final) / "report.pdf").read_text("utf-8") == "pdf"
    assert sorted(p.name for p in Path(final).parent.iterdir()) == ["v1"]  # no staging left
    assert store.versions("r", 2022) == [1]
    assert sorted(p.name for p in staged.iterdir()) == [MANIFEST, "report.pdf"]  # copied


def test_a_second_publish_of_a_version_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    store = ArchiveStore(str(tmp_path / "archive"))
    store.publish(_staged(tmp_path / "a", {MANIFEST: "first"}), "r", 2022, 1)
    with pytest.raises(Refused) as err:
        store.publish(_staged(tmp_path / "b", {MANIFEST: "second"}), "r", 2022, 1)
    shown = str(tmp_path / "archive" / "r" / "2022" / "v1")
    assert str(err.value) == (
        f"archive entry {shown} already exists; archives are write-once"
        " (an existing version is never overwritten)"
    )
    assert (Path(shown) / MANIFEST).read_text("utf-8") == "first"


def test_an_entry_place_taken_by_anything_refuses_a_publish(tmp_path: Path) -> None:
    """An incomplete entry (no manifest) is no version, and still never written over."""
    store = ArchiveStore(str(tmp_path / "archive"))
    (tmp_path / "archive" / "r" / "2022" / "v1").mkdir(parents=True)
    with pytest.raises(Refused, match="write-once"):
        store.publish(_staged(tmp_path / "a", {MANIFEST: "x"}), "r", 2022, 1)
    assert list((tmp_path / "archive" / "r" / "2022" / "v1").iterdir()) == []


def test_a_local_entry_that_cannot_be_written_is_a_tool_error_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    store = ArchiveStore(str(tmp_path / "archive"))
    staged = _staged(tmp_path / "staged", {MANIFEST: "{}"})
    os.symlink(tmp_path / "nowhere", staged / "dangling")  # copytree cannot copy it
    with pytest.raises(ToolError) as err:
        store.publish(staged, "r", 2022, 1)
    final = tmp_path / "archive" / "r" / "2022" / "v1"
    assert str(err.value).startswith(f"cannot write the archive entry {final}: ")
    assert not isinstance(err.value, Refused)
    assert list(final.parent.iterdir()) == []  # the staging folder removed, no entry


def test_withdraw_removes_a_local_entry(tmp_path: Path) -> None:
    store = ArchiveStore(str(tmp_path / "archive"))
    final = Path(store.publish(_staged(tmp_path / "s", {MANIFEST: "{}"}), "r", 2022, 1))
    store.withdraw("r", 2022, 1)
    assert not final.exists() and store.versions("r", 2022) == []
    store.withdraw("r", 2022, 1)  # nothing there any more: no error either
    assert not final.exists()


def test_an_object_store_publish_claims_then_uploads_the_manifest_last(
    memory: ArchiveStore, tmp_path: Path
) -> None:
    files = {"a.pdf": "a", MANIFEST: "{}", MANIFEST_SIG: "sig", "z.html": "z"}
    staged = _staged(tmp_path / "staged", files)
    final = memory.publish(staged, "r", 2022, 1)
    assert final == memory.entry("r", 2022, 1)
    assert memory.files("r", 2022, 1) == sorted(files)
    assert {n: memory.read("r", 2022, 1, n).decode() for n in files} == files
    created = {n: memory.fs.info(f"{final}/{n}")["created"] for n in files}
    assert max(created, key=created.__getitem__) == MANIFEST  # the entry counts from then on
    assert sorted(created, key=created.__getitem__)[:3] == ["a.pdf", MANIFEST_SIG, "z.html"]
    claim = json.loads(memory.fs.cat_file(memory.claim_path("r", 2022, 1)))
    assert sorted(claim) == ["host", "id", "pid", "time"]
    assert claim["host"] == socket.gethostname() and claim["pid"] == os.getpid()
    assert len(claim["id"]) == 32 and claim["time"].endswith("+00:00")
    assert "." not in claim["time"]  # whole seconds
    assert memory.versions("r", 2022) == [1]


def test_a_claimed_object_store_entry_refuses_a_second_writer(
    memory: ArchiveStore, tmp_path: Path
) -> None:
    claim = memory.claim_path("r", 2022, 1)
    note = {"host": "other-clone", "pid": 42, "time": "2026-01-02T03:04:05+00:00", "id": "x"}
    memory.fs.pipe_file(claim, json.dumps(note).encode())
    with pytest.raises(Refused) as err:
        memory.publish(_staged(tmp_path / "s", {MANIFEST: "{}"}), "r", 2022, 1)
    shown = memory.display("r", 2022, 1)
    assert err.value.message == (
        f"another release is writing archive entry {shown} "
        "(claimed by other-clone pid 42 at 2026-01-02T03:04:05+00:00)"
    )
    assert err.value.hint == (
        "wait for it and fetch its tag; if no release is running (one was killed while "
        f"uploading), delete memory://{claim} and the entry"
    )
    assert not memory.occupied("r", 2022, 1)  # nothing written
    assert json.loads(memory.fs.cat_file(claim)) == note  # the other writer's claim untouched


def test_an_unreadable_claim_is_still_a_claim(memory: ArchiveStore, tmp_path: Path) -> None:
    memory.fs.pipe_file(memory.claim_path("r", 2022, 1), b"not json")
    with pytest.raises(Refused) as err:
        memory.publish(_staged(tmp_path / "s", {MANIFEST: "{}"}), "r", 2022, 1)
    assert err.value.message.endswith(" (claimed)")
    memory.fs.pipe_file(memory.claim_path("r", 2022, 2), b'{"host": "h", "pid": 1}')  # no time
    with pytest.raises(Refused) as err:
        memory.publish(_staged(tmp_path / "t", {MANIFEST: "{}"}), "r", 2022, 2)
    assert err.value.message.endswith(" (claimed)")


def test_an_object_store_entry_already_there_is_refused_before_any_claim(
    memory: ArchiveStore, tmp_path: Path
) -> None:
    memory.publish(_staged(tmp_path / "a", {MANIFEST: "first"}), "r", 2022, 1)
    claim = memory.fs.cat_file(memory.claim_path("r", 2022, 1))
    with pytest.raises(Refused) as err:
        memory.publish(_staged(tmp_path / "b", {MANIFEST: "second"}), "r", 2022, 1)
    assert err.value.message == (
        f"archive entry {memory.display('r', 2022, 1)} already exists; archives are write-once"
    )
    assert memory.read("r", 2022, 1, MANIFEST) == b"first"
    assert memory.fs.cat_file(memory.claim_path("r", 2022, 1)) == claim


def test_a_failed_upload_leaves_neither_entry_nor_claim(
    memory: ArchiveStore, tmp_path: Path
) -> None:
    staged = _staged(tmp_path / "s", {MANIFEST: "{}", "a.pdf": "a"})
    os.symlink(tmp_path / "nowhere", staged / "b-gone")  # a file that vanished: upload fails
    with pytest.raises(ToolError) as err:
        memory.publish(staged, "r", 2022, 1)
    shown = memory.display("r", 2022, 1)
    assert str(err.value).startswith(f"cannot upload the archive entry {shown}: ")
    assert not memory.fs.exists(memory.entry("r", 2022, 1))
    assert not memory.fs.exists(memory.claim_path("r", 2022, 1))
    # and v1 can then be released
    memory.publish(_staged(tmp_path / "t", {MANIFEST: "{}"}), "r", 2022, 1)
    assert memory.versions("r", 2022) == [1]


def test_a_claim_that_cannot_be_written_is_a_tool_error(tmp_path: Path) -> None:
    """A store that fails the create-only write for another reason than "it exists" (here a
    local folder through fsspec's DirFileSystem, whose create-only write makes no parent
    folders) is named as such, not as another writer."""
    store = ArchiveStore(f"dir::file://{tmp_path}")
    assert store.local is False  # a DirFileSystem: the object-store path
    with pytest.raises(ToolError) as err:
        store.publish(_staged(tmp_path / "s", {MANIFEST: "{}"}), "r", 2022, 1)
    assert not isinstance(err.value, Refused)
    shown = store.display("r", 2022, 1)
    assert err.value.message.startswith(
        f"cannot claim archive entry {shown} with a create-only write: "
        "[Errno 2] No such file or directory: "
    )
    assert err.value.hint == (
        "the store must accept conditional writes (If-None-Match: *), as AWS S3 does"
    )


def test_withdraw_on_an_object_store_removes_entry_and_claim(
    memory: ArchiveStore, tmp_path: Path
) -> None:
    memory.publish(_staged(tmp_path / "a", {MANIFEST: "{}"}), "r", 2022, 1)
    memory.publish(_staged(tmp_path / "b", {MANIFEST: "{}"}), "r", 2022, 2)
    memory.withdraw("r", 2022, 2)
    assert not memory.fs.exists(memory.entry("r", 2022, 2))
    assert not memory.fs.exists(memory.claim_path("r", 2022, 2))
    assert memory.versions("r", 2022) == [1]  # the other entry and its claim stay
    assert memory.fs.exists(memory.claim_path("r", 2022, 1))
    memory.withdraw("r", 2022, 2)  # gone already: no error
    assert memory.versions("r", 2022) == [1]


def test_a_staged_folder_that_is_gone_is_a_tool_error(tmp_path: Path) -> None:
    store = ArchiveStore(str(tmp_path / "archive"))
    with pytest.raises(ToolError) as err:
        store.publish(tmp_path / "never-made", "r", 2022, 1)
    final = tmp_path / "archive" / "r" / "2022" / "v1"
    assert str(err.value).startswith(f"cannot write the archive entry {final}: ")
    assert list(final.parent.iterdir()) == []


def test_the_writer_that_loses_the_rename_is_told_which_entry(tmp_path: Path) -> None:
    store = ArchiveStore(str(tmp_path / "archive"))
    final = Path(store.publish(_staged(tmp_path / "a", {MANIFEST: "first"}), "r", 2022, 1))
    with pytest.raises(Refused) as err:
        store._publish_local(_staged(tmp_path / "b", {MANIFEST: "second"}), final)
    assert err.value.message == (f"archive entry {final} already exists; archives are write-once")
    assert err.value.hint == "an existing version is never overwritten"
