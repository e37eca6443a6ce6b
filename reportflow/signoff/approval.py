"""The I/O edge of the approval gate: read a report, its records and its history from git at
one commit, verify the signatures the decision needs, and ask ``gate.evaluate``.

Everything is read from git objects at the commit, never from the working tree, so the answer
for a commit is the same on every clone, and a release can re-check it years later from the
records copied into its manifest (``evaluate_records``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reportflow.content import model
from reportflow.core import gitio, history, i18n
from reportflow.core.errors import ReportflowError
from reportflow.core.history import Change
from reportflow.core.prewalk import Prewalk
from reportflow.signoff import chain as rchain
from reportflow.signoff import chainio, commitsig, gate, ledger, ledgerview, pin, roster, trust
from reportflow.signoff.gate import SectionVerdict
from reportflow.signoff.ledger import SignoffRecord
from reportflow.signoff.order import TIME_ORDER, DagOrder, Order

__all__ = ["Approval", "SectionVerdict", "evaluate_at", "evaluate_records"]

#: checks signatures: records and each reviewer's keys in, results by record digest out
Verifier = Callable[
    [Iterable[SignoffRecord], Mapping[str, Sequence[str]]], dict[str, ledger.Verification]
]

# How far a record's time may lie outside its commits' times (clocks of different PCs).
CLOCK_SKEW = 600


@dataclass(frozen=True)
class Approval:
    passed: bool  # the whole report is approved at this commit
    sections: Mapping[str, SectionVerdict]
    report_status: str  # approved | pending | stale | rejected
    missing: tuple[str, ...]  # human-readable lines: what is still needed
    counted: tuple[SignoffRecord, ...]  # records that counted (sections + report + roster)
    problems: tuple[str, ...]  # malformed/refused record files, named
    report: SectionVerdict | None = None
    roster_status: str = "unchanged"  # unchanged | approved | pending | rejected | missing
    commit: str = ""
    contributors: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )


@dataclass
class Context:
    """What one decision needs, read once; ``signoff`` reuses it for its own checks."""

    repo: Any
    commit: str
    folder: str  # repository-relative report folder
    report: model.Report
    facts: gate.Facts
    records: list[SignoffRecord]
    problems: list[str]
    history: dict[str, tuple[Change, ...]]  # section id -> changes, newest first, merges too
    in_force: roster.Roster | None  # the end of the roster chain from the trust root
    candidate: roster.Roster | None
    roster_steps: list[roster.Roster]  # kept for callers; the chain holds the steps now
    order: Order = TIME_ORDER  # which record came after which (the commit graph)
    blocking: tuple[str, ...] = ()  # ledger damage that keeps the gate shut
    dag: history.Dag | None = None  # ancestry: what each approval had seen (separation of duties)
    # changes to any section or report.yaml, newest first: who changed the report (the final
    # approver's separation of duties)
    report_history: tuple[Change, ...] = ()
    chain: rchain.RosterChain | None = None  # from the trust root to the roster in force
    trust: trust.Trust | None = None  # the pinned root chain; None: no pin (unverified)
    pin: pin.Pin | None = None
    # what the audit reads beyond the decision: the whole walk, and each ledger record's
    # adding commit (record digest -> commit), the ledger view (missing and edited records)
    walk: history.Walk | None = None
    ledger: ledgerview.LedgerView | None = None
    added_in: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    # The gate reads a change's commit, blob and emails, which history.Change has: handing
    # the walk's changes over as they are saves rebuilding thousands of objects (40 ms on the
    # gate benchmark); gate.Change is the same shape, for tests that build history by hand.
    def gate_history(self) -> Mapping[str, Sequence[Change]]:
        return self.history

    def gate_report_changes(self) -> Sequence[Change]:
        return self.report_history


def _join(folder: str, rel: str) -> str:
    return f"{folder}/{rel}" if folder not in ("", ".") else rel


def load_context(
    report_dir: Path,
    rev: str = "HEAD",
    records: Sequence[SignoffRecord] | None = None,
    *,
    at: model.Snapshot | None = None,
    early: Prewalk | None = None,
    trust_pin: str | None = None,
    since: tuple[str, history.Walk] | None = None,
) -> Context:
    """Everything the decision at ``rev`` reads; ``at`` is the report at that commit when
    the caller has loaded it already (then ``rev`` is ignored); ``early``: the history walk,
    started before the imports (used only if it walked this commit); ``trust_pin``: the
    trust root's digest (default: ``pin.find``, from ``--trust``, the environment or the
    config outside the repository; none found: ``ctx.trust`` is None, nothing is verified).
    ``since``: (an ancestor of the commit, the walk of it) when the commits after it only
    added record files (the review server checks that, ``cycle/recordsonly.py``): only they
    are walked, and the walk before is joined to them."""
    report_dir = Path(report_dir)
    repo = gitio.require_repo(report_dir)
    commit = at.commit if at is not None else gitio.resolve(repo, rev)
    folder = at.folder if at is not None else gitio.relpath(repo, report_dir)
    yaml_path = _join(folder, model.REPORT_FILE)
    pinned = pin.Pin(pin.check(trust_pin, "pin"), "argument") if trust_pin else None
    pinned = pinned or pin.find(chainio.repo_names(repo))
    series_dir = chainio.series_dir(folder)
    prefixes = (
        (series_dir + "/",)
        if series_dir is not None
        else (
            _join(folder, model.SECTIONS_DIR) + "/",
            yaml_path,
            _join(folder, model.SIGNOFFS_DIR) + "/",
        )
    )
    # The history walk is the slowest step: git runs it on the other core while we parse.
    with ThreadPoolExecutor(max_workers=1) as pool:
        walk_job = pool.submit(
            lambda: (
                gitio.walk(
                    repo,
                    commit,
                    *prefixes,
                    trust.FOLDER + "/",
                    log=early.output_for(commit) if early is not None else None,
                )
                if since is None
                else _joined(
                    gitio.walk(repo, f"{since[0]}..{commit}", *prefixes, trust.FOLDER + "/"),
                    since[1],
                )
            )
        )
        snap = at if at is not None else model.snapshot(repo, commit, folder, report_dir)
        report, blobs = snap.report, snap.blobs
        parsed = _parse_present(snap, report_dir)  # while git walks
        walk = walk_job.result()
    changes = walk.changes
    dag = history.Dag(walk.commits)
    view, found, problems, added_in = _ledger(repo, walk, snap, report_dir, parsed)
    skew = trust.DEFAULT_SKEW
    inputs = (
        chainio.read_inputs(repo, walk, commit, found, yaml_path) if pinned is not None else None
    )
    checked = chainio.check_root(inputs, commit, pinned) if inputs and pinned else None
    if checked is not None and checked.root is not None:
        skew = checked.root.clock_skew
    ledger_records = _anchored(found, added_in, walk, dag, commit, problems, skew)
    if records is not None:
        found = _anchored(list(records), added_in, walk, dag, commit, problems, skew)
    else:
        found = ledger_records
    sections = tuple(gate.SectionFacts(s.id, s.title, blobs[s.path]) for s in report.sections)
    fingerprint = ledger.report_fingerprint(
        blobs[model.REPORT_FILE], [(s.id, s.blob) for s in sections]
    )
    by_path = {_join(folder, s.path): s.id for s in report.sections}
    per_section = {by_path[p]: c for p, c in changes.items() if p in by_path}
    place = {sha: i for i, sha in enumerate(walk.commits)}  # newest first
    report_history = sorted(
        (c for p in [*by_path, yaml_path] for c in changes.get(p, ())),
        key=lambda c: place.get(c.commit, 1 << 30),
    )
    mine: list[SignoffRecord] = []
    for rec in found:
        if rec.report != report.report or rec.year != report.year:
            problems.append(
                f"{rec.source}: record is for {rec.report}/{rec.year}, "
                f"not {report.report}/{report.year} (ignored)"
            )
        else:
            mine.append(rec)
    blocking = list(view.problems(commit))
    chain = None
    if checked is not None and inputs is not None:
        blocking += chainio.root_problems(inputs, commit, checked, problems)
        if checked.root is not None:
            chain = chainio.roster_chain(
                repo, walk, dag, added_in, ledger_records, folder, report, checked.root, inputs
            )
            problems += chain.notes
            if chain.problem:
                blocking.append(chain.problem)
    return Context(
        repo=repo,
        commit=commit,
        folder=folder,
        report=report,
        facts=gate.Facts(report.report, report.year, sections, fingerprint),
        records=mine,
        problems=problems,
        history=per_section,
        in_force=chain.roster if chain is not None else None,
        candidate=roster.from_doc(report.raw, f"report.yaml at {commit[:10]}", commit),
        roster_steps=[],
        order=DagOrder(dag, added_in),
        blocking=tuple(blocking),
        dag=dag,
        report_history=tuple(report_history),
        chain=chain,
        trust=checked,
        pin=pinned,
        walk=walk,
        ledger=view,
        added_in=MappingProxyType(added_in),
    )


def _joined(newer: history.Walk, older: history.Walk) -> history.Walk:
    """The walk of ``older``'s commit extended by ``newer``, the walk of the commits after it
    (``a..b``): their commits first (newest first, as one walk gives them), each path's
    changes newest first."""
    commits = dict(newer.commits)
    commits.update((k, v) for k, v in older.commits.items() if k not in commits)
    paths = [*newer.changes, *(p for p in older.changes if p not in newer.changes)]
    changes = {p: (*newer.changes.get(p, ()), *older.changes.get(p, ())) for p in paths}
    return history.Walk(
        MappingProxyType(commits),
        MappingProxyType(changes),
        {**older.merge_candidates, **newer.merge_candidates},
        older._merge_blobs,
    )


Parsed = dict[tuple[str, str], "SignoffRecord | str"]  # (relative path, blob) -> record or problem


def _parse_present(snap: model.Snapshot, report_dir: Path) -> Parsed:
    """The record files at the commit, parsed: the ledger's usual contents, read while the
    history walk runs in git."""
    inner = model.SIGNOFFS_DIR + "/"
    return {
        (rel, blob): _parsed(snap.source.files[rel], str(report_dir / rel), i18n.language())
        for rel, blob in snap.blobs.items()
        if rel.startswith(inner)
        and rel.rsplit("/", 1)[-1] != ledgerview.KEEP
        and rel in snap.source.files
    }


@functools.lru_cache(maxsize=4096)
def _parsed(data: bytes, name: str, lang: str) -> SignoffRecord | str:
    """``ledger.parse_or_problem``, kept by its arguments (and the language a problem is
    told in): pure (a record is frozen), and the review server parses the same record files
    again at every new HEAD (a third of its decision on 100 records, each through the
    record schema)."""
    return ledger.parse_or_problem(data, name)


def _ledger(
    repo: Any, walk: history.Walk, snap: model.Snapshot, report_dir: Path, parsed: Parsed
) -> tuple[ledgerview.LedgerView, list[SignoffRecord], list[str], dict[str, str]]:
    """Every record ever added to this report's ``signoffs/`` in the history of the commit,
    parsed, deduplicated by content, each with the commit that added it."""
    prefix = _join(snap.folder, model.SIGNOFFS_DIR) + "/"
    inner = model.SIGNOFFS_DIR + "/"
    present = {
        _join(snap.folder, rel): blob for rel, blob in snap.blobs.items() if rel.startswith(inner)
    }
    view = ledgerview.from_walk(walk, prefix, present)
    cut = len(prefix) - len(inner)  # repository-relative -> report-relative
    wanted = [e for e in view.entries if e.path.rsplit("/", 1)[-1] != ledgerview.KEEP]
    lost = [e.blob for e in wanted if (e.path[cut:], e.blob) not in parsed]
    data = gitio.read_blobs(repo, lost)
    records: list[SignoffRecord] = []
    problems = view.notes()
    added_in: dict[str, str] = {}
    for entry in wanted:
        rec = parsed.get((entry.path[cut:], entry.blob))
        if rec is None:
            if entry.blob not in data:
                continue
            name = f"{report_dir / entry.path[cut:]} (as added in {entry.commit[:10]})"
            rec = ledger.parse_or_problem(data[entry.blob], name)
        if isinstance(rec, str):
            problems.append(rec)
            continue
        if rec.digest not in added_in:  # the same record twice: it counts once, the oldest
            added_in[rec.digest] = entry.commit
            records.append(rec)
    return view, records, problems, added_in


def _anchored(
    found: Sequence[SignoffRecord],
    added_in: Mapping[str, str],
    walk: history.Walk,
    dag: history.Dag,
    commit: str,
    problems: list[str],
    skew: int = CLOCK_SKEW,
) -> list[SignoffRecord]:
    """The records whose place in history is consistent: added by a commit of the ledger,
    reviewing a commit in that commit's history, and dated no later than the commit that added
    it (give or take ``CLOCK_SKEW`` seconds). ``reportflow signoff`` writes the time and commits
    at once, so an honest record always passes; a hand-made record dated 2999 does not. Dates
    are self-declared, so this only catches naive forgeries and wrong clocks; the order of
    decisions comes from the graph (``order.DagOrder``). There is deliberately no check against
    the reviewed commit's date: any author sets that (``GIT_COMMITTER_DATE``), and a commit
    dated in the future would then refuse every honest record made on top of it."""
    kept: list[SignoffRecord] = []
    for rec in found:
        added = added_in.get(rec.digest)
        when = _epoch(rec.time)
        if added is None or added not in dag:
            problems.append(f"{rec.source}: not in the ledger of {commit[:10]}; not counted")
        elif not dag.is_ancestor(rec.commit, added):
            problems.append(
                f"{rec.source}: claims to review commit {rec.commit[:10]}, which is not in the "
                f"history of the commit that added it ({added[:10]}); not counted"
            )
        elif when is None or when > walk.commits[added].ctime + skew:
            problems.append(
                f"{rec.source}: time {rec.time} is after the commit that added it "
                f"({added[:10]}); not counted"
            )
        else:
            kept.append(rec)
    return kept


def _epoch(stamp: str) -> float | None:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _problems(ctx: Context, result: gate.GateResult, eff: roster.Roster | None) -> list[str]:
    lines = list(ctx.problems)
    for rec in result.invalid:
        lines.append(
            f"{rec.source}: signature does not verify with the keys listed for "
            f"{rec.reviewer} (edited after signing, copied from another record, or a key not "
            "listed for that person); not counted"
        )
    known = {s.id for s in ctx.facts.sections}
    for rec in ctx.records:
        if rec.section_id is not None and rec.section_id not in known:
            lines.append(f"{rec.source}: no section {rec.section_id!r} in this report (ignored)")
    if eff is not None:
        for rec in ctx.records:
            if rec.channel == rchain.ROOT_CHANNEL and ctx.trust is not None:
                continue  # the root's own records: judged by the roster chain
            if rec.reviewer not in eff.people:
                lines.append(f"{rec.source}: {rec.reviewer} is not in the report's people")
            elif rec.signature is None and eff.signature_required(rec.reviewer):
                lines.append(
                    f"{rec.source}: unsigned, but the policy requires {rec.reviewer} to sign; "
                    "not counted"
                )
    return lines


def contributors(ctx: Context) -> dict[str, tuple[str, ...]]:
    """Per section, who changed it (people ids where the email is known), first one first."""
    people = ctx.report.people
    by_email = {p.email.lower(): pid for pid, p in people.items() if p.email}
    result: dict[str, tuple[str, ...]] = {}
    for sec in ctx.report.sections:
        names: dict[str, None] = {}
        for ch in reversed(ctx.history.get(sec.id, ())):
            for email in ch.emails:  # author, committer, co-authors
                names.setdefault(by_email.get(email, f"{ch.author} <{email}>"), None)
        result[sec.id] = tuple(names)
    return result


def effective_roster(
    ctx: Context, verify: Verifier = ledger.verify_many
) -> tuple[gate.RosterVerdict, dict[str, ledger.Verification]]:
    """The roster that judges the commit: the end of the roster chain from the trust root
    (``chain.py``), or report.yaml's roster once the final approvers of that one signed it
    off. The verdict's ``counted`` holds this year's chain records too (genesis, roster
    changes): a manifest needs them all. No pin, or no roster in force: status "missing"."""
    base = ctx.in_force
    if base is None:
        return gate.RosterVerdict(None, "missing"), {}
    need = gate.roster_checks(base, ctx.candidate, ctx.records)
    verified = dict(verify(need, base.keys_of()))
    rv = gate.effective_roster(
        base, ctx.candidate, ctx.records, verified, ctx.order, _roster_editors(ctx, base)
    )
    year = ctx.report.year
    counted = ctx.chain.counted(year) if ctx.chain is not None else ()
    if counted:
        status = rv.status
        if status == "unchanged" and ctx.chain is not None and ctx.chain.changed_in(year):
            status = "approved"
        verdict = rv.verdict or gate.SectionVerdict(
            "roster",
            "approved",
            len(counted),
            tuple(dict.fromkeys(r.reviewer for r in counted)),
            "",
        )
        extra = tuple(r for r in verdict.counted if r not in counted)
        rv = replace(rv, status=status, verdict=replace(verdict, counted=(*counted, *extra)))
    return rv, verified


def _roster_editors(ctx: Context, base: roster.Roster) -> dict[str, str]:
    if ctx.dag is None or ctx.walk is None:
        return {}
    path = _join(ctx.folder, model.REPORT_FILE)
    return chainio.roster_editors(
        ctx.repo,
        ctx.dag,
        ctx.walk,
        path,
        ctx.chain,
        ctx.report.year,
        base,
        ctx.candidate,
        ctx.commit,
    )


def require_pin(report_dir: Path) -> pin.Pin:
    """The pinned trust root for the repository of ``report_dir``; ``Refused`` ("trust root
    not pinned", exit 1) without one: gate, release and verify never guess a root."""
    repo = gitio.find_repo(Path(report_dir))
    found = pin.find(chainio.repo_names(repo)) if repo is not None else pin.find()
    if found is None:
        raise pin.not_pinned()
    return found


def decide(
    ctx: Context,
    verify: Verifier = ledger.verify_many,
    known: tuple[str, Mapping[str, ledger.Verification]] | None = None,
) -> tuple[Approval, gate.GateResult]:
    """Verify what the decision needs, then evaluate. Without a pinned trust root nothing
    is verified: the verdict is "unverified" (``status`` shows it; gate, release and verify
    refuse before they get here). ``verify``: ``ledger.verify_many`` or one that remembers
    this process's answers (``remember.Remembered``, the review server's). ``known``: (roster
    digest, results by record digest) of section and report records verified in this process
    against that roster's keys, reused when the effective roster is that one (``narrow.py``:
    the decision at a release tag)."""
    rv, verified = effective_roster(ctx, verify)
    if ctx.pin is None:
        ctx.blocking = (*ctx.blocking, pin.not_pinned().message)
    history = ctx.gate_history()
    report_changes = ctx.gate_report_changes()
    if rv.roster is not None and rv.roster.policy.signed_commits:
        since = commitsig.policy_since(ctx.chain)
        before = ctx.dag.ancestors(since) if since and ctx.dag is not None else frozenset()
        history, report_changes = commitsig.with_signers(
            ctx.repo, rv.roster, before, history, report_changes
        )
    if rv.roster is not None:
        need = gate.checks(ctx.facts, rv.roster, ctx.records, history, report_changes)
        done = known[1] if known is not None and known[0] == rv.roster.digest else {}
        verified |= {r.digest: done[r.digest] for r in need if r.digest in done}
        fresh = [r for r in need if r.digest not in done]
        verified |= verify(fresh, rv.roster.keys_of())
    result = gate.evaluate(
        ctx.facts,
        rv,
        ctx.records,
        history,
        verified,
        ctx.order,
        ctx.blocking,
        ctx.dag,
        report_changes,
    )
    approval = Approval(
        passed=result.passed,
        sections=result.sections,
        report_status="unverified" if ctx.pin is None else result.report.status,
        missing=result.missing,
        counted=result.counted,
        problems=tuple(_problems(ctx, result, rv.roster)),
        report=result.report,
        roster_status=rv.status,
        commit=ctx.commit,
        contributors=MappingProxyType(contributors(ctx)),
    )
    return approval, result


def evaluate_at(
    report_dir: Path,
    rev: str = "HEAD",
    *,
    at: model.Snapshot | None = None,
    early: Prewalk | None = None,
) -> Approval:
    """The decision at ``rev`` (or at the snapshot ``at``), with the records in
    ``signoffs/`` there."""
    return decide(load_context(Path(report_dir), rev, at=at, early=early))[0]


def evaluate_records(report_dir: Path, rev: str, records: Sequence[Mapping[str, Any]]) -> Approval:
    """The same decision using exactly ``records`` (e.g. from a release manifest) instead of
    ``signoffs/``; a malformed one is named in ``problems`` and otherwise ignored."""
    parsed: list[SignoffRecord] = []
    problems: list[str] = []
    for i, data in enumerate(records, 1):
        try:
            parsed.append(ledger.parse_record(data, f"record {i}"))
        except ReportflowError as exc:
            problems.append(f"{exc} (ignored)")
    ctx = load_context(Path(report_dir), rev, parsed)
    ctx.problems[:0] = problems
    return decide(ctx)[0]
