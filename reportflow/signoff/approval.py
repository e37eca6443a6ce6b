"""The I/O edge of the approval gate: read a report, its records and its history from git at
one commit, verify the signatures the decision needs, and ask ``gate.evaluate``.

Everything is read from git objects at the commit, never from the working tree, so the answer
for a commit is the same on every clone, and a release can re-check it years later from the
records copied into its manifest (``evaluate_records``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reportflow.content import model
from reportflow.core import gitio
from reportflow.core.errors import ReportflowError
from reportflow.core.history import Change
from reportflow.signoff import gate, ledger, roster
from reportflow.signoff.gate import SectionVerdict
from reportflow.signoff.ledger import SignoffRecord

__all__ = ["Approval", "SectionVerdict", "evaluate_at", "evaluate_records"]


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
    in_force: roster.Roster | None
    candidate: roster.Roster | None
    roster_steps: list[roster.Roster]  # later rosters in report.yaml, oldest first

    def gate_history(self) -> dict[str, list[gate.Change]]:
        return {
            sid: [gate.Change(c.commit, c.email, c.blob, c.emails[1:]) for c in changes]
            for sid, changes in self.history.items()
        }


def _join(folder: str, rel: str) -> str:
    return f"{folder}/{rel}" if folder not in ("", ".") else rel


def records_in(files: Mapping[str, bytes], shown: Path) -> tuple[list[SignoffRecord], list[str]]:
    """The record files in ``signoffs/`` among ``files`` (relative to the report folder)."""
    prefix = model.SIGNOFFS_DIR + "/"
    return ledger.load_files(
        (str(shown / rel), data) for rel, data in sorted(files.items()) if rel.startswith(prefix)
    )


def load_context(
    report_dir: Path,
    rev: str = "HEAD",
    records: Sequence[SignoffRecord] | None = None,
    *,
    at: model.Snapshot | None = None,
) -> Context:
    """Everything the decision at ``rev`` reads; ``at`` is the report at that commit when
    the caller has loaded it already (then ``rev`` is ignored)."""
    report_dir = Path(report_dir)
    repo = gitio.require_repo(report_dir)
    commit = at.commit if at is not None else gitio.resolve(repo, rev)
    folder = at.folder if at is not None else gitio.relpath(repo, report_dir)
    yaml_path = _join(folder, model.REPORT_FILE)
    # The history walk is the slowest step: git runs it on the other core while we parse.
    with ThreadPoolExecutor(max_workers=1) as pool:
        walk = pool.submit(
            gitio.walk, repo, commit, _join(folder, model.SECTIONS_DIR) + "/", yaml_path
        )
        snap = at if at is not None else model.snapshot(repo, commit, folder, report_dir)
        report, blobs = snap.report, snap.blobs
        problems: list[str] = []
        if records is None:
            found, problems = records_in(snap.source.files, report_dir)
        else:
            found = list(records)
        changes = walk.result().changes
    sections = tuple(gate.SectionFacts(s.id, s.title, blobs[s.path]) for s in report.sections)
    fingerprint = ledger.report_fingerprint(
        blobs[model.REPORT_FILE], [(s.id, s.blob) for s in sections]
    )
    by_path = {_join(folder, s.path): s.id for s in report.sections}
    history = {by_path[p]: c for p, c in changes.items() if p in by_path}
    yaml_commits = [c.commit for c in reversed(changes.get(yaml_path, []))]
    mine: list[SignoffRecord] = []
    for rec in found:
        if rec.report != report.report or rec.year != report.year:
            problems.append(
                f"{rec.source}: record is for {rec.report}/{rec.year}, "
                f"not {report.report}/{report.year} (ignored)"
            )
        else:
            mine.append(rec)
    in_force = roster.in_force(repo, folder, report.report, report.year, commit, yaml_commits)
    steps = (
        roster.later_versions(repo, in_force, commit, yaml_path, yaml_commits)
        if in_force is not None
        else []
    )
    return Context(
        repo=repo,
        commit=commit,
        folder=folder,
        report=report,
        facts=gate.Facts(report.report, report.year, sections, fingerprint),
        records=mine,
        problems=problems,
        history=history,
        in_force=in_force,
        candidate=roster.from_doc(report.raw, f"report.yaml at {commit[:10]}", commit),
        roster_steps=steps,
    )


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


def effective_roster(ctx: Context) -> tuple[gate.RosterVerdict, dict[str, ledger.Verification]]:
    """Walk the roster changes since the roster in force: each one signed off by the final
    approvers of the roster before it (verified with that roster's keys) takes effect."""
    verified: dict[str, ledger.Verification] = {}
    base, approved = ctx.in_force, None
    chain: list[SignoffRecord] = []  # every step's counted records: a manifest needs them all
    for step in [*ctx.roster_steps, ctx.candidate]:
        if base is None or step is None:
            break
        need = gate.roster_checks(base, step, ctx.records)
        verified |= ledger.verify_many(need, base.keys_of())
        rv = gate.effective_roster(base, step, ctx.records, verified)
        if rv.status == "approved" and rv.verdict is not None:
            base, approved = rv.roster, rv
            chain += [r for r in rv.verdict.counted if r not in chain]
    rv = gate.effective_roster(base, ctx.candidate, ctx.records, verified)
    if rv.status == "unchanged" and approved is not None:
        rv = approved  # the roster at the commit took effect through sign-offs
    if rv.verdict is not None and chain:
        extra = tuple(r for r in rv.verdict.counted if r not in chain)
        rv = replace(rv, verdict=replace(rv.verdict, counted=(*chain, *extra)))
    return rv, verified


def decide(ctx: Context) -> tuple[Approval, gate.GateResult]:
    """Verify what the decision needs, then evaluate."""
    rv, verified = effective_roster(ctx)
    history = ctx.gate_history()
    if rv.roster is not None:
        need = gate.checks(ctx.facts, rv.roster, ctx.records, history)
        verified = {**verified, **ledger.verify_many(need, rv.roster.keys_of())}
    result = gate.evaluate(ctx.facts, rv, ctx.records, history, verified)
    approval = Approval(
        passed=result.passed,
        sections=result.sections,
        report_status=result.report.status,
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
    report_dir: Path, rev: str = "HEAD", *, at: model.Snapshot | None = None
) -> Approval:
    """The decision at ``rev`` (or at the snapshot ``at``), with the records in
    ``signoffs/`` there."""
    return decide(load_context(Path(report_dir), rev, at=at))[0]


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
