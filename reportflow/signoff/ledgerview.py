"""The ledger as the history wrote it, not as the reviewed commit's tree shows it.

Sign-off records are append-only, but a tree is whatever its last commit made it: ``git rm`` of
a reject, a rename to a dot-file, or a ``merge -s ours`` of the branch that holds it used to
restore an approval with no trace (issue 11, family 6). So the records the gate reads are every
record file ever added under ``signoffs/`` anywhere in the history of the reviewed commit, each
with the commit that added it (which also orders decisions, see ``order.py``). A record added
and no longer there still counts, and keeps the gate shut until it is restored.

Pure: built from a ``history.Walk`` and the tree at the reviewed commit; the blobs' contents
are read at the edge (``approval.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reportflow.core.history import Walk
from reportflow.core.i18n import _

NULL = "0" * 40
KEEP = ".gitkeep"  # git keeps no empty folders; this one is expected


@dataclass(frozen=True)
class Entry:
    path: str  # repository-relative, as it was added
    blob: str
    commit: str  # the oldest commit in the walk that put this blob at this path


@dataclass(frozen=True)
class LedgerView:
    entries: tuple[Entry, ...]  # every record file version ever added, oldest first
    missing: tuple[Entry, ...]  # added, but not at that path in the reviewed commit
    odd: tuple[str, ...]  # paths under signoffs/ at the commit that are not record files

    def problems(self, commit: str) -> list[str]:
        """Blocking lines for the gate: each missing record, named, with how to restore it."""
        return [
            _(
                "{path} was added in commit {added} and is not there at {commit} (deleted, "
                "renamed, edited or dropped by a merge); it still counts, and the gate stays "
                "shut until the ledger is restored: git checkout {added} -- {path}"
            ).format(path=e.path, added=e.commit[:10], commit=commit[:10])
            for e in self.missing
        ]

    def notes(self) -> list[str]:
        return [
            _(
                "{path}: not a sign-off record file name (only <name>.json belongs in signoffs/)"
            ).format(path=p)
            for p in self.odd
        ]


def from_walk(walk: Walk, prefix: str, present: Mapping[str, str]) -> LedgerView:
    """``prefix``: the repository-relative ``.../signoffs/``; ``present``: repository-relative
    path -> blob of every file under it at the reviewed commit."""
    age = {sha: i for i, sha in enumerate(walk.commits)}  # larger: older
    first: dict[tuple[str, str], str] = {}
    for path, changes in walk.changes.items():
        if not path.startswith(prefix):
            continue
        for ch in changes:
            if ch.blob == NULL:
                continue
            key = (path, ch.blob)
            known = first.get(key)
            if known is None or age.get(ch.commit, -1) > age.get(known, -1):
                first[key] = ch.commit
    for path, blob in present.items():  # in the tree but added by nothing we walked: keep it
        first.setdefault((path, blob), "")
    entries = sorted(
        (Entry(path, blob, commit) for (path, blob), commit in first.items()),
        key=lambda e: (-age.get(e.commit, -1), e.path),
    )
    missing = tuple(e for e in entries if present.get(e.path) != e.blob and not _is_keep(e.path))
    odd = tuple(
        sorted(
            p
            for p in present
            if not _is_keep(p) and ("/" in p[len(prefix) :] or not p.endswith(".json"))
        )
    )
    return LedgerView(tuple(entries), missing, odd)


def _is_keep(path: str) -> bool:
    return path.rsplit("/", 1)[-1] == KEEP
