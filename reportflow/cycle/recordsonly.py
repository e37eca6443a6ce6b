"""The report at a commit that only added sign-off records, from the snapshot before it.

Every decision on the review page moves HEAD by one commit that adds record files and
nothing else, and the decision at the new HEAD used to read and parse the whole report again:
every section from git, report.yaml through its schema (about a third of a decision on a
100-section report, bench/bench_serve.py). Here the snapshot of the commit before is reused
with the new record files put in, *after git itself says* that is all that changed: who made
the commits (the review server, or anyone with plain git) is not taken on trust. Every commit
between the two must have one parent, and its diff against it must only add regular files
under the report's ``signoffs/``. A merge, a rewrite, an edit, a deleted or changed record, a
link, a file elsewhere: the caller reads the commit in full (``model.snapshot``).

What this saves is reading and parsing; the decision itself is made again on the extended
snapshot by the same code as ever (``approval.load_context(at=…)``), so it is the decision a
full read gives (tests/test_serve_incremental.py compares them).
"""

from __future__ import annotations

from typing import Any

from reportflow.content import model
from reportflow.content.sources import TreeSource
from reportflow.core import gitio
from reportflow.core.errors import ReportflowError

#: at most this many commits between two snapshots are looked at; more: read in full
MAX_COMMITS = 64
_ZERO = "0" * 40


def added_records(repo: Any, old: str, new: str, folder: str) -> dict[str, str] | None:
    """``{path relative to the report folder: blob}`` of the files the commits from ``old``
    (excluded) to ``new`` added, when they form one line of single-parent commits on ``old``
    that only add regular files under ``folder``'s ``signoffs/``; else None."""
    prefix = _join(folder, model.SIGNOFFS_DIR) + "/"
    try:
        out = gitio.run(
            repo, "-c", "core.quotePath=true", "log", f"--max-count={MAX_COMMITS + 1}",
            "--format=%x00%H %P", "--raw", "--no-renames", "--no-abbrev", f"{old}..{new}",
        )  # fmt: skip
    except ReportflowError:
        return None
    added: dict[str, str] = {}
    want = new  # the commits come newest first, each the parent of the one before
    commits = 0
    for chunk in out.split("\0")[1:]:
        head, _nl, raw = chunk.partition("\n")
        ids = head.split()
        commits += 1
        if commits > MAX_COMMITS or len(ids) != 2 or ids[0] != want:
            return None
        want = ids[1]
        for line in raw.splitlines():
            if not line:
                continue
            meta, tab, path = line.partition("\t")
            fields = meta.split()
            # ":000000 100644 <zeros> <blob> A": a new regular file, nothing else
            if not tab or len(fields) != 5 or fields[0] != ":000000" or fields[1] != "100644":
                return None
            if fields[4] != "A" or not path.startswith(prefix) or path in added:
                return None
            name = path[len(prefix) :]
            if "/" in name or name.startswith(".") or not name.endswith(".json"):
                return None
            added[path] = fields[3]
    if want != old or not commits:
        return None
    cut = len(folder) + 1 if folder not in ("", ".") else 0
    return {path[cut:]: blob for path, blob in added.items()}


def extended(repo: Any, snap: model.Snapshot, new: str) -> model.Snapshot | None:
    """The snapshot of ``new`` made from ``snap`` (the report at an ancestor of ``new``),
    when the commits between only added record files; else None (read ``new`` in full)."""
    if snap.commit == new:
        return snap
    added = added_records(repo, snap.commit, new, snap.folder)
    if added is None or any(rel in snap.blobs for rel in added):
        return None
    data = gitio.read_blobs(repo, sorted(set(added.values())))
    if any(blob not in data for blob in added.values()):
        return None
    files = {**snap.source.files, **{rel: data[blob] for rel, blob in added.items()}}
    label = f"{new[:10]}:{snap.folder}" if snap.folder not in ("", ".") else new[:10]
    source = TreeSource(files, label, snap.source.links)
    return model.Snapshot(new, snap.folder, source, {**snap.blobs, **added}, snap.report)


def _join(folder: str, rel: str) -> str:
    return f"{folder}/{rel}" if folder not in ("", ".") else rel
