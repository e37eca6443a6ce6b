"""Write-once archive storage for released versions, through fsspec.

An archive entry ``<archive>/<report>/<year>/v<N>/`` becomes visible in one step: on a local
disk by renaming a finished staging folder into place (atomic, and refused when the target
exists); on object stores, which have no rename, by uploading ``manifest.json`` last, since an
entry counts as present only when its manifest is, after claiming the entry with a create-only
write. Nothing here ever overwrites an entry.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import socket
import stat
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from reportflow.core.errors import Refused, ToolError

MANIFEST = "manifest.json"
#: The releaser's SSH signature over manifest.json (namespace reportflow-manifest); it cannot
#: be listed in the manifest it signs.
MANIFEST_SIG = "manifest.sig"
#: Beside an entry on an object store: the create-only marker of the writer that owns it.
CLAIM_SUFFIX = ".claim"
_VERSION_DIR = re.compile(r"^v([1-9][0-9]*)$")

#: What every ArchiveStore read while someone watches (``watch``); None: no one does.
_watched: list[tuple[tuple[object, ...], object]] | None = None
_watch_lock = threading.Lock()


@contextlib.contextmanager
def watch() -> Iterator[list[tuple[tuple[object, ...], object]] | None]:
    """Every archive read made inside, as ((method, url, *arguments), what it found: the
    listing, or the bytes' SHA-256, or None for a missing file): what the audit's memo
    depends on outside git, asked again by ``replay`` (``audit/memo.py``). One watcher at a
    time (a second one gets None and keeps nothing)."""
    global _watched
    mine: list[tuple[tuple[object, ...], object]] | None = []
    with _watch_lock:  # decided under the lock, yielded outside it (reads take it to note)
        if _watched is None:
            _watched = mine
        else:
            mine = None
    try:
        yield mine
    finally:
        if mine is not None:
            with _watch_lock:
                _watched = None


def _note(call: tuple[object, ...], found: object) -> None:
    if _watched is not None:
        with _watch_lock:
            if _watched is not None:
                _watched.append((call, found))


def locate(top: str, configured: str | None) -> str:
    """The archive's URL: ``configured`` (a URL, or a folder relative to the repository's
    top ``top``, symbolic links resolved), else ``archive/`` at the top."""
    if not configured:
        found = str(Path(top) / "archive")
    elif "://" in configured:
        found = configured
    else:
        found = str((Path(top) / configured).resolve())
    _note(("locate", top, configured), found)
    return found


def replay(reads: list[tuple[tuple[object, ...], object]]) -> bool:
    """True if every read ``watch`` recorded finds the same again (the same location, the
    same listings, the same bytes); False at the first difference or error."""
    import hashlib

    stores: dict[str, ArchiveStore] = {}
    for (method, url, *args), found in reads:
        try:
            if method == "locate":
                again: object = locate(str(url), *args)  # type: ignore[arg-type]
            elif method in ("read", "versions", "files"):
                if str(url) not in stores:
                    stores[str(url)] = ArchiveStore(str(url))
                if method == "read":
                    try:
                        again = hashlib.sha256(stores[str(url)].read(*args)).hexdigest()  # type: ignore[arg-type]
                    except (FileNotFoundError, OSError):
                        again = None
                else:
                    again = getattr(stores[str(url)], method)(*args)
            else:
                return False
        except (ToolError, OSError, TypeError, ValueError):
            return False
        if again != found:
            return False
    return True


class ArchiveStore:
    def __init__(self, url: str, **storage_options: object) -> None:
        """``storage_options`` go to fsspec; without them fsspec reads its ``FSSPEC_*``
        environment variables (e.g. FSSPEC_S3_ENDPOINT_URL) when it is first imported."""
        import fsspec  # here, not at the top: importing it costs ~60 ms
        from fsspec.implementations.local import LocalFileSystem

        self.url = url
        try:
            self.fs, self.root = fsspec.core.url_to_fs(url, **storage_options)
        except (ImportError, ValueError) as exc:
            raise ToolError(f"cannot open archive {url!r}: {exc}") from None
        self.root = self.root.rstrip("/")
        self.local = isinstance(self.fs, LocalFileSystem)

    def entry(self, report: str, year: int, version: int) -> str:
        return f"{self.root}/{report}/{year}/v{version}"

    def display(self, report: str, year: int, version: int) -> str:
        entry = self.entry(report, year, version)
        return entry if self.local else self.fs.unstrip_protocol(entry)

    def versions(self, report: str, year: int) -> list[int]:
        """Versions whose entry is complete (has a manifest), ascending."""
        base = f"{self.root}/{report}/{year}"
        try:
            names = [p.rstrip("/").rsplit("/", 1)[-1] for p in self.fs.ls(base, detail=False)]
        except FileNotFoundError:
            _note(("versions", self.url, report, year), [])
            return []
        found = []
        for name in names:
            match = _VERSION_DIR.match(name)
            if match and self.fs.exists(f"{base}/{name}/{MANIFEST}"):
                found.append(int(match[1]))
        _note(("versions", self.url, report, year), sorted(found))
        return sorted(found)

    def occupied(self, report: str, year: int, version: int) -> bool:
        """True if anything at all is at the entry's place, complete or not."""
        return bool(self.fs.exists(self.entry(report, year, version)))

    def read(self, report: str, year: int, version: int, name: str) -> bytes:
        try:
            data = self.fs.cat_file(f"{self.entry(report, year, version)}/{name}")
        except (FileNotFoundError, OSError):
            _note(("read", self.url, report, year, version, name), None)
            raise
        if _watched is not None:
            import hashlib

            _note(("read", self.url, report, year, version, name), hashlib.sha256(data).hexdigest())
        return data

    def files(self, report: str, year: int, version: int) -> list[str]:
        entry = self.entry(report, year, version)
        names = sorted(
            p.rstrip("/").rsplit("/", 1)[-1]
            for p in self.fs.ls(entry, detail=False)
            if not self.fs.isdir(p)
        )
        _note(("files", self.url, report, year, version), names)
        return names

    def claim_path(self, report: str, year: int, version: int) -> str:
        """Where a writer on an object store claims v<version> (see ``_publish_remote``)."""
        return self.entry(report, year, version) + CLAIM_SUFFIX

    def publish(self, staged: Path, report: str, year: int, version: int) -> str:
        """Make the finished folder ``staged`` the entry v<version>; refuse if it exists."""
        final = self.entry(report, year, version)
        shown = self.display(report, year, version)
        if self.occupied(report, year, version):
            raise _write_once(shown)
        if self.local:
            self._publish_local(staged, Path(final))
        else:
            self._publish_remote(staged, final, self.claim_path(report, year, version), shown)
        return final

    def _publish_local(self, staged: Path, final: Path) -> None:
        final.parent.mkdir(parents=True, exist_ok=True)
        stage = final.parent / f".staging-{final.name}-{uuid.uuid4().hex[:8]}"
        try:
            shutil.copytree(staged, stage)
            for path in stage.iterdir():
                path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            # rename() onto an existing non-empty folder fails: the second writer loses.
            os.rename(stage, final)
        except OSError as exc:
            shutil.rmtree(stage, ignore_errors=True)
            if final.exists():
                raise _write_once(str(final)) from None
            raise ToolError(f"cannot write the archive entry {final}: {exc}") from None

    def _publish_remote(self, staged: Path, final: str, claim: str, shown: str) -> None:
        """Object stores have no rename, so two clones releasing v<N> into one bucket at once
        would interleave their uploads. A writer first claims the entry by creating the object
        ``v<N>.claim`` beside it, create-only: on S3 (``If-None-Match: *``) exactly one claim
        succeeds and the other writer stops before it has written anything; fsspec stores
        without conditional writes only check before writing. Claims stay, so a slower writer
        cannot claim after a faster one has finished."""
        note = {"host": socket.gethostname(), "pid": os.getpid(), "id": uuid.uuid4().hex}
        note["time"] = datetime.now(UTC).replace(microsecond=0).isoformat()
        try:
            self.fs.pipe_file(claim, json.dumps(note, sort_keys=True).encode(), mode="create")
        except OSError as exc:
            # S3 answers 412 when the claim exists and may answer 409 (EBUSY) while another
            # conditional write of it is in flight: both mean another writer has it.
            if isinstance(exc, FileExistsError) or exc.errno == errno.EBUSY:
                raise Refused(
                    f"another release is writing archive entry {shown} ({self._claimed_by(claim)})",
                    hint="wait for it and fetch its tag; if no release is running (one was killed "
                    f"while uploading), delete {self.fs.unstrip_protocol(claim)} and the entry",
                ) from None
            raise _cannot_claim(shown, exc) from None
        except Exception as exc:
            raise _cannot_claim(shown, exc) from None
        names = sorted(p.name for p in staged.iterdir())
        ordered = [n for n in names if n != MANIFEST] + [MANIFEST]
        try:
            for name in ordered:
                self.fs.put_file(str(staged / name), f"{final}/{name}")
        except BaseException as exc:  # Ctrl-C too: never leave a half-uploaded entry behind
            with contextlib.suppress(Exception):
                self._remove(final)
                self._remove(claim)
            if isinstance(exc, Exception):
                raise ToolError(f"cannot upload the archive entry {shown}: {exc}") from None
            raise

    def _claimed_by(self, claim: str) -> str:
        try:
            note = json.loads(self.fs.cat_file(claim))
            return f"claimed by {note['host']} pid {note['pid']} at {note['time']}"
        except Exception:  # an unreadable claim is still a claim
            return "claimed"

    def withdraw(self, report: str, year: int, version: int) -> None:
        """Remove an entry this process has just published, when a later step failed."""
        self._remove(self.entry(report, year, version))
        if not self.local:
            self._remove(self.claim_path(report, year, version))

    def _remove(self, path: str) -> None:
        if self.local:
            target = Path(path)
            if target.exists():
                shutil.rmtree(target, ignore_errors=True)
            return
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(path, recursive=True)


def _write_once(shown: str) -> Refused:
    return Refused(
        f"archive entry {shown} already exists; archives are write-once",
        hint="an existing version is never overwritten",
    )


def _cannot_claim(shown: str, exc: Exception) -> ToolError:
    return ToolError(
        f"cannot claim archive entry {shown} with a create-only write: {exc}",
        hint="the store must accept conditional writes (If-None-Match: *), as AWS S3 does",
    )
