"""The I/O edge of the trust root and the roster chain: what ``trust.py`` and ``chain.py``
decide on, read from git objects of the one history walk.

Root files are every ``trust/root-v<N>.json`` ever committed in the history of the reviewed
commit (the walk has no pathspec, so a merged unrelated history or a deleted file hides
nothing); roster records are every roster record ever added to a year's ``signoffs/``; the
roster a record names is report.yaml at the commit its reviewer signed. Nothing is read from
the working tree, tags or commit dates.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from reportflow.content import model
from reportflow.core import gitio, history
from reportflow.signoff import chain, ledger, pin, roster, trust
from reportflow.signoff.ledger import SignoffRecord
from reportflow.signoff.order import DagOrder

NULL = "0" * 40


def repo_names(repo: Any) -> Any:
    """How a trust config may name this repository: its absolute path, and its
    ``remote.origin.url`` (asked of git only when a config file is read)."""

    def names() -> tuple[str, ...]:
        top = str(Path(repo.working_tree_dir or repo.git_dir).resolve())
        try:
            url = gitio.run(repo, "config", "--get", "remote.origin.url").strip()
        except gitio.GitError:
            url = ""
        return (top, url) if url else (top,)

    return names


def series_dir(folder: str) -> str | None:
    """``content/<report>`` for a year folder ``content/<report>/<year>``: the folder whose
    year siblings the roster chain crosses; None for a report folder not named by its year."""
    path = PurePosixPath(folder)
    if folder in ("", ".") or not path.name.isdigit() or str(path.parent) in ("", "."):
        return None
    return str(path.parent)


def _added(walk: history.Walk, match: Any) -> list[tuple[str, str, str]]:
    """(path, blob, oldest commit that added it) for the walk's paths ``match`` accepts."""
    age = {sha: i for i, sha in enumerate(walk.commits)}
    first: dict[tuple[str, str], str] = {}
    for path, changes in walk.changes.items():
        if not match(path):
            continue
        for ch in changes:
            if ch.blob == NULL:
                continue
            known = first.get((path, ch.blob))
            if known is None or age.get(ch.commit, -1) > age.get(known, -1):
                first[(path, ch.blob)] = ch.commit
    return sorted(
        ((p, b, c) for (p, b), c in first.items()), key=lambda t: (age.get(t[2], -1), t[0])
    )  # newest first


@dataclass(frozen=True)
class Inputs:
    """What the root chain and this year's roster chain read, fetched in one ``cat-file``."""

    files: tuple[trust.RootFile, ...]  # every root file version ever committed, newest first
    present: frozenset[str]  # root file paths in the tree of the reviewed commit
    yamls: Mapping[str, bytes]  # "<commit>:<report.yaml path>" of the roster records


def read_inputs(
    repo: Any, walk: history.Walk, commit: str, records: Sequence[SignoffRecord], yaml_path: str
) -> Inputs:
    """Root blobs, which root files the reviewed commit has (``<commit>:<path>``, instead of
    an ``ls-tree``) and report.yaml at the commit each roster record reviewed: one git
    process for all three (each process is ~10 ms on a loaded machine, the gate's budget)."""
    found = _added(walk, lambda p: trust.FILE_RE.match(p) is not None)
    paths = sorted({p for p, _b, _c in found})
    blobs = sorted({b for _p, b, _c in found})
    yamls = sorted({f"{r.commit}:{yaml_path}" for r in records if r.scope == "roster"})
    data = gitio.read_blobs(repo, [*blobs, *(f"{commit}:{p}" for p in paths), *yamls])
    return Inputs(
        tuple(trust.RootFile(p, b, c, data[b]) for p, b, c in found if b in data),
        frozenset(p for p in paths if f"{commit}:{p}" in data),
        {n: data[n] for n in yamls if n in data},
    )


def check_root(inputs: Inputs, commit: str, pinned: pin.Pin) -> trust.Trust:
    return trust.resolve(pinned.digest, inputs.files, commit, pinned.seen, pinned.seen_when)


def root_problems(
    inputs: Inputs, commit: str, checked: trust.Trust, problems: list[str]
) -> list[str]:
    """Blocking lines: the root chain's error, root files missing at the commit; notes go to
    ``problems``."""
    problems += checked.notes
    if checked.error:
        return [checked.error]
    present = {p: "" for p in inputs.present}
    return trust.missing(inputs.files, present, commit)


def _year_records(
    repo: Any,
    walk: history.Walk,
    dag: history.Dag,
    sdir: str,
    year: int,
    report: str,
    added_in: dict[str, str],
) -> list[SignoffRecord]:
    """Another year's roster records, from its ledger (files named ``…-roster.json``, as
    ``signoff`` names them), anchored like the reviewed year's."""
    prefix = f"{sdir}/{year}/{model.SIGNOFFS_DIR}/"
    found = _added(walk, lambda p: p.startswith(prefix) and p.endswith("-roster.json"))
    data = gitio.read_blobs(repo, sorted({b for _p, b, _c in found}))
    records: list[SignoffRecord] = []
    for path, blob, commit in reversed(found):  # oldest first: the first adding commit wins
        if blob not in data:
            continue
        rec = ledger.parse_or_problem(data[blob], path)
        if isinstance(rec, str) or rec.scope != "roster":
            continue
        if rec.report != report or rec.year != year or rec.digest in added_in:
            continue
        if commit in dag and dag.is_ancestor(rec.commit, commit):
            added_in[rec.digest] = commit
            records.append(rec)
    return records


def roster_edits(
    repo: Any, dag: history.Dag, changes: Sequence[history.Change], path: str
) -> tuple[chain.RosterEdit, ...]:
    """Each change of report.yaml (newest first) with the roster it left and the roster
    before it (the newest older change in its history): one ``cat-file`` batch for the
    blobs, read only when a roster change is judged."""
    blobs = gitio.read_blobs(repo, sorted({c.blob for c in changes if c.blob != NULL}))
    digests: dict[str, str | None] = {}
    for blob, data in blobs.items():
        found = roster.from_yaml(data, f"{path} ({blob[:10]})")
        digests[blob] = found.digest if found is not None else None
    edits = []
    for i, ch in enumerate(changes):
        older = next(
            (
                o
                for o in changes[i + 1 :]
                if o.commit in dag and dag.is_ancestor(o.commit, ch.commit)
            ),
            None,
        )
        before = "" if older is None else digests.get(older.blob)
        edits.append(chain.RosterEdit(ch.commit, ch.emails, digests.get(ch.blob), before))
    return tuple(edits)


def roster_editors(
    repo: Any,
    dag: history.Dag,
    walk: history.Walk,
    path: str,
    found: chain.RosterChain | None,
    year: int,
    base: roster.Roster,
    candidate: roster.Roster | None,
    commit: str,
) -> dict[str, str]:
    """Who may not sign off report.yaml's roster (``path``) at ``commit``: they changed the
    roster since ``base``, the one in force, took effect (``chain.editors``). Read only when
    the roster there differs from ``base``."""
    if candidate is None or candidate.digest == base.digest:
        return {}
    if not base.policy.separation_of_duties:
        return {}
    last = found.links[-1] if found is not None and found.links else None
    effect = last.effect if last is not None and last.year == year else None
    edits = roster_edits(repo, dag, walk.changes.get(path, ()), path)
    before = dag.ancestors(effect) if effect else frozenset()
    return chain.editors(base, edits, dag.ancestors(commit), before)


def roster_chain(
    repo: Any,
    walk: history.Walk,
    dag: history.Dag,
    added_in: Mapping[str, str],
    ledger_records: Sequence[SignoffRecord],
    folder: str,
    report: model.Report,
    root: trust.RootVersion,
    inputs: Inputs,
) -> chain.RosterChain:
    """The roster chain for the report at the walked commit."""
    sdir = series_dir(folder)
    added = dict(added_in)
    per_year: dict[int, list[SignoffRecord]] = {
        report.year: [r for r in ledger_records if r.scope == "roster"]
    }
    here = f"{folder}/{model.REPORT_FILE}" if folder not in ("", ".") else model.REPORT_FILE
    yaml_of = {report.year: here}
    if sdir is not None:
        years = set()
        for path in walk.changes:
            if path.startswith(sdir + "/"):
                head = path[len(sdir) + 1 :].split("/", 1)[0]
                if head.isdigit() and int(head) < report.year:
                    years.add(int(head))
        for year in sorted(years):
            per_year[year] = _year_records(repo, walk, dag, sdir, year, report.report, added)
            yaml_of[year] = f"{sdir}/{year}/{model.REPORT_FILE}"
    names = sorted({f"{r.commit}:{yaml_of[y]}" for y, recs in per_year.items() for r in recs})
    blobs = dict(inputs.yamls)
    blobs |= gitio.read_blobs(repo, [n for n in names if n not in blobs])
    order = DagOrder(dag, added)
    years_map: dict[int, chain.YearLedger] = {}
    for year, recs in per_year.items():
        rosters: dict[str, roster.Roster] = {}
        for rec in recs:
            data = blobs.get(f"{rec.commit}:{yaml_of[year]}")
            if data is None or rec.fingerprint in rosters:
                continue
            shown = f"{rec.commit[:10]}:{yaml_of[year]}"
            found = roster.from_yaml(data, shown, "", rec.commit)
            if found is not None and found.digest == rec.fingerprint:
                rosters[rec.fingerprint] = found
        edits = functools.cache(
            lambda p=yaml_of[year]: roster_edits(repo, dag, walk.changes.get(p, ()), p)
        )
        years_map[year] = chain.YearLedger(tuple(recs), rosters, order, edits)
    return chain.build(
        report.report,
        report.year,
        root,
        years_map,
        dag,
        added,
        ledger.verify_many,
        folder or ".",
    )
