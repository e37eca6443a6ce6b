"""``history.bundle``: the repository's history up to the released commit, in the archive entry.

Why: ``verify`` judges a version's approval against the ledger and the commit graph, which
live in the content repository; an auditor years later may have the archive and the root
digest but not the repository (moved, rewritten, lost). With each entry holding a git bundle
of the history up to its commit, the archive alone suffices: ``git fetch`` the bundles of
v1…vN into an empty repository and run ``reportflow verify`` there (README, trust section).

Incremental, as the design proposed: v1's bundle holds the whole history up to its commit,
each later one only what is new since the previous version's commit (git's bundle
"prerequisites"), so a release adds the commits since the last one, not the whole history
again; the bundle of vN therefore needs v1…vN-1 to be unpacked. It is the whole
repository's history, not the report folder's: the gate walks every commit (no pathspec),
the trust root lives in ``trust/`` and a roster may be carried over from last year's
folder; history cannot be cut down to a folder without new commit ids, which would no
longer be the commit the manifest and the tag name.

The bundle is listed in the manifest with its SHA-256 like every file of the entry, so the
manifest's signature covers it. ``checks`` reads its header without git: exactly one ref,
pointing at the released commit, and no prerequisite but the previous version's commit;
``HistoryCheck`` unpacks the chain of bundles once per ``verify`` into a temporary
repository and checks that the manifest's sign-off records are in the ledger at the released
commit in that history (the records "agree").
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from reportflow.content import model
from reportflow.core import gitio
from reportflow.core.errors import GitError, ReportflowError
from reportflow.core.i18n import _

FILE = "history.bundle"
SIGNATURE = b"# v2 git bundle\n"
#: where the ref the bundle lists lives (a bundle needs a ref name; it exists only while the
#: bundle is written, one per release, so that releases of two reports at once never share it)
REF = "refs/reportflow/released"


def write(repo: Any, staged: Path, commit: str, previous: str | None) -> Path:
    """The bundle of ``commit``'s history into ``staged``; ``previous``: the previous
    version's commit when it is in that history (its history is left out), else None."""
    out = staged / FILE
    gitio.create_bundle(repo, out, commit, f"{REF}/{uuid.uuid4().hex}", exclude=previous)
    return out


def base(dag: Any, commit: str, known: Mapping[int, Any], version: int) -> str | None:
    """The previous version's commit when it is in ``commit``'s history (``dag``: the walk
    from ``commit``), so that the bundle holds only what is new since; else None (all)."""
    before = known.get(version - 1)
    tag = getattr(before, "tag", None)
    if tag is None or dag is None or tag.commit == commit:
        return None
    return tag.commit if dag.is_ancestor(tag.commit, commit) else None


def header(data: bytes) -> tuple[dict[str, str], set[str]] | str:
    """The bundle's refs (name -> id) and prerequisites (ids), or why it is not a bundle."""
    if not data.startswith(SIGNATURE):
        return _("not a git bundle (v2)")
    end = data.find(b"\n\n")
    if end < 0:
        return _("the bundle's header has no end")
    refs: dict[str, str] = {}
    needs: set[str] = set()
    for line in data[len(SIGNATURE) : end].decode("ascii", errors="replace").splitlines():
        if line.startswith("-"):
            needs.add(line[1:].split(" ", 1)[0])
        else:
            sha, _sep, name = line.partition(" ")
            refs[name] = sha
    pack = data[end + 2 :]
    if (
        not pack.startswith(b"PACK")
        or hashlib.sha1(pack[:-20], usedforsecurity=False).digest() != pack[-20:]
    ):
        return _("the bundle's pack is damaged (its checksum does not match)")
    return refs, needs


def checks(data: bytes, commit: str, previous: str | None) -> Iterator[tuple[str, bool, str]]:
    """What the header says: its one ref is the released ``commit``, and it needs nothing
    but ``previous`` (the previous version's commit; None for v1)."""
    name = _("{file} holds the history up to the released commit").format(file=FILE)
    found = header(data)
    if isinstance(found, str):
        yield name, False, found
        return
    refs, needs = found
    tips = sorted(set(refs.values()))
    yield (
        name,
        tips == [commit],
        _("tip {tip}, released {commit}").format(
            tip=", ".join(t[:10] for t in tips) or "-", commit=commit[:10]
        ),
    )
    allowed = {previous} if previous else set()
    extra = sorted(needs - allowed)
    yield (
        _("{file} continues the previous version's").format(file=FILE),
        not extra,
        _("needs {commits}, not in the previous version's history").format(
            commits=", ".join(c[:10] for c in extra)
        )
        if extra
        else (
            _("since {commit}").format(commit=previous[:10])
            if previous
            else _("from the first commit")
        ),
    )


class HistoryCheck:
    """The archive's history, unpacked once: v1…vN's bundles unbundled in order into a
    temporary bare repository (all of them in one ``git index-pack``, ``joined``), then the
    ledger at every released commit read in two ``cat-file`` batches (its trees, then its
    record files). ``start`` runs it on a thread while ``verify`` makes its decisions;
    ``records_at`` waits for it."""

    def __init__(self, read: Callable[[int], bytes | None]) -> None:
        self._read = read
        self._thread: threading.Thread | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._found: dict[int, set[str] | str] = {}

    def start(self, commits: Mapping[int, str], folder: str) -> None:
        """Unpack and read for the versions ``commits`` names (version -> released commit)."""
        self._thread = threading.Thread(target=self._run, args=(dict(commits), folder), daemon=True)
        self._thread.start()

    def records_at(self, version: int) -> set[str] | str:
        """The digests of the sign-off records in the ledger at ``version``'s commit in the
        history of the bundles up to it, or why they cannot be read."""
        if self._thread is None:
            return _("v{n} has no {file}").format(n=version, file=FILE)
        self._thread.join()
        return self._found.get(version, _("v{n} has no {file}").format(n=version, file=FILE))

    def _run(self, commits: dict[int, str], folder: str) -> None:
        try:
            self._unpack_and_read(commits, folder)
        except (ReportflowError, OSError) as exc:  # named on every version, not a crash
            for n in commits:
                self._found.setdefault(n, str(exc))

    def _unpack_and_read(self, commits: dict[int, str], folder: str) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="reportflow-history-")
        repo = gitio.bare_repo(Path(self._tmp.name))
        found: list[bytes] = []
        broken = ""  # the first version whose bundle cannot be read: later ones need it
        for n in range(1, max(commits, default=0) + 1):
            data = self._read(n)
            if not broken and data is None:
                broken = _("v{n} has no {file}").format(n=n, file=FILE)
            elif not broken and isinstance(header(data), str):
                broken = f"v{n}: {header(data)}"
            elif not broken:
                found.append(data)
            if n in commits and broken:
                self._found[n] = broken
        try:
            if found:
                gitio.index_pack(repo, joined(found))
        except GitError:  # which one: unbundled one by one, the first refusal named
            for n, data in enumerate(found, 1):
                path = Path(self._tmp.name) / f"v{n}.bundle"
                path.write_bytes(data)
                try:
                    gitio.unbundle(repo, path)
                except GitError as exc:
                    self._found |= {m: f"v{n}: {exc.message}" for m in commits if m >= n}
                    break
        specs = {n: f"{c}:{folder}/{model.SIGNOFFS_DIR}" for n, c in commits.items()}
        trees = gitio.trees(repo, [specs[n] for n in sorted(specs) if n not in self._found])
        data = gitio.read_blobs(repo, sorted({b for t in trees.values() for b in t.values()}))
        parsed: dict[str, str | None] = {}  # blob -> record digest: each file parsed once
        self._found |= {
            n: _digests(trees[specs[n]], data, parsed) for n in specs if specs[n] in trees
        }
        for n, commit in commits.items():
            self._found.setdefault(
                n,
                _("commit {commit} is not in the history of the bundles up to v{n}").format(
                    commit=commit[:10], n=n
                ),
            )

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._tmp is not None:
            self._tmp.cleanup()


def joined(bundles: list[bytes]) -> bytes:
    """One pack of the objects of ``bundles`` (v1…vN, in order), for one ``git index-pack``.

    Hand-made because git unpacks one bundle per process (``bundle unbundle`` and the
    ``index-pack`` it runs: about 25 ms each at load 7), which made ``verify --all`` over 50
    versions 1.5 s slower. A pack is "PACK", a version, an object count, the objects and a
    SHA-1 of all that; in a bundle's pack a delta's base is either earlier in the same pack
    at a distance (kept when the objects are copied in order) or named by id, then in an
    earlier bundle (its prerequisite), so it is earlier in the joined pack too. ``index-pack``
    then checks every object's id, as for any pack."""
    count, body, version = 0, [], b"\0\0\0\2"
    for data in bundles:
        pack = data[data.index(b"\n\n") + 2 :]
        version = pack[4:8]
        count += int.from_bytes(pack[8:12], "big")
        body.append(pack[12:-20])
    whole = b"PACK" + version + count.to_bytes(4, "big") + b"".join(body)
    return whole + hashlib.sha1(whole, usedforsecurity=False).digest()


def _digests(
    entries: Mapping[str, str], data: Mapping[str, bytes], parsed: dict[str, str | None]
) -> set[str]:
    """The digests of the records among ``entries`` (name -> blob); ``parsed`` is shared by
    the versions (the ledger of v50 holds v49's records)."""
    from reportflow.signoff import ledger

    for name, blob in entries.items():
        if blob not in parsed:
            rec = ledger.parse_or_problem(data.get(blob, b""), name)
            parsed[blob] = None if isinstance(rec, str) else rec.digest
    return {d for d in (parsed[b] for b in entries.values()) if d is not None}


def agree(
    history: HistoryCheck, version: int, manifest: Mapping[str, Any]
) -> tuple[str, bool, str]:
    """The manifest's sign-off records are all in the ledger at the released commit, in the
    history the archive holds."""
    from reportflow.signoff import ledger

    name = _("the sign-offs are in the ledger of {file}").format(file=FILE)
    found = history.records_at(version)
    if isinstance(found, str):
        return name, False, found
    wanted = []
    for i, data in enumerate(manifest["signoffs"], 1):
        try:
            wanted.append(ledger.parse_record(data, f"record {i}").digest)
        except ReportflowError as exc:
            wanted.append(str(exc))  # never in the ledger: named as missing
    missing = [w for w in wanted if w not in found]
    if missing:
        return name, False, _("{n} of {total} not there").format(n=len(missing), total=len(wanted))
    return name, True, _("{n} records").format(n=len(wanted))


def entry_checks(
    verifier: Any, version: int, manifest: Mapping[str, Any]
) -> Iterator[tuple[str, bool, str]]:
    """``verify``'s checks of an entry's bundle (none for an entry released before it had
    one; its digest is checked with the entry's files)."""
    if FILE not in {f["name"] for f in manifest["files"]}:
        return
    data = verifier.bundle_bytes(version)
    if data is None:
        return  # "missing from the archive", said by the file checks
    before = verifier.versions.get(version - 1)
    previous = str(before.manifest["commit"]) if before and before.manifest else None
    yield from checks(data, str(manifest["commit"]), previous)
    yield agree(verifier.history, version, manifest)


def released(versions: Mapping[int, Any]) -> dict[int, str]:
    """Version -> released commit, for the versions whose manifest lists a bundle."""
    return {
        n: str(v.manifest["commit"])
        for n, v in versions.items()
        if v.manifest is not None and FILE in {f["name"] for f in v.manifest["files"]}
    }
