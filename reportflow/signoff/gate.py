"""The approval gate as pure functions: facts, records and history in, verdicts out.

No I/O here: no files, no git, no ssh-keygen. Signatures are verified by the caller
(``approval.py``), in two rounds because the roster decides whose keys count: first
``roster_checks`` (roster records, verified against the roster in force), then ``checks``
(section and report records, verified against the effective roster). Only the records a
decision can depend on are listed for verification, so a ledger of thousands of stale records
costs nothing. The verdict depends only on the *set* of records: they are ordered by
(time, digest) here, never by how they were read. Separation of duties (who may not
approve because they wrote part of the text, sections and the final approval alike) is in
``duties.py``.

Statuses, per section and for the report:
- approved: enough counted approvals of the current text, none rejected since;
- rejected: the newest counted decision on the current text is a reject;
- stale: someone approved an older text (informational: signatures of older texts are not
  checked for this, a stale approval never counts);
- pending: otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from reportflow.core.i18n import N_, _, ngettext
from reportflow.signoff import duties
from reportflow.signoff.duties import Ancestry, Change, counts
from reportflow.signoff.ledger import SignoffRecord, Verification
from reportflow.signoff.order import TIME_ORDER, Order
from reportflow.signoff.roster import Roster, Who


@dataclass(frozen=True)
class SectionFacts:
    id: str
    title: str
    blob: str  # git blob id of the section file at the reviewed commit


@dataclass(frozen=True)
class Facts:
    report: str
    year: int
    sections: tuple[SectionFacts, ...]
    report_fingerprint: str


@dataclass(frozen=True)
class SectionVerdict:
    scope: str  # "section:<id>", "report" or "roster"
    status: str  # approved | pending | stale | rejected
    required: int
    approvers: tuple[str, ...]  # whose approvals counted
    still_needed: str  # "" when approved, else e.g. "1 more approval from role deputy-head"
    notes: tuple[str, ...] = ()  # e.g. why someone's approval did not count
    counted: tuple[SignoffRecord, ...] = ()
    # (person, why) for everyone separation of duties keeps from approving this text now:
    # ``signoff`` refuses them and ``todo`` does not ask them
    excluded: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RosterVerdict:
    roster: Roster | None  # the effective roster: in force, or the new one once signed off
    status: str  # unchanged | approved | pending | rejected | missing
    verdict: SectionVerdict | None = None


@dataclass(frozen=True)
class GateResult:
    passed: bool
    sections: Mapping[str, SectionVerdict]
    report: SectionVerdict
    roster: RosterVerdict
    missing: tuple[str, ...]
    counted: tuple[SignoffRecord, ...]
    invalid: tuple[SignoffRecord, ...] = field(default=())  # checked and did not verify


History = Mapping[str, Sequence[Change]]  # section id -> changes, newest first
Verified = Mapping[str, Verification]  # record digest -> result


def _scoped(records: Iterable[SignoffRecord], scope: str) -> list[SignoffRecord]:
    return [r for r in records if r.scope == scope]


def _by_scope(records: Iterable[SignoffRecord]) -> dict[str, list[SignoffRecord]]:
    """Records grouped by scope once, not scanned once per section."""
    groups: dict[str, list[SignoffRecord]] = {}
    for rec in records:
        groups.setdefault(rec.scope, []).append(rec)
    return groups


def _tally(
    records: Sequence[SignoffRecord],
    fingerprint: str,
    who: Who,
    roster: Roster,
    verified: Verified,
    scope: str,
    excluded: Mapping[str, str] = MappingProxyType({}),
    order: Order = TIME_ORDER,
    version: str = "version",
) -> SectionVerdict:
    """Count the decisions on ``fingerprint``; ``excluded`` maps people to why they may not
    approve (separation of duties). An approval counts only if it sees every reject of this
    text; a reject that no approval sees leaves the text rejected. ``version`` names the last
    approved text in the dead-end message ("version" of a section, "report")."""
    shut = tuple(sorted(excluded.items()))
    current = sorted(
        (
            r
            for r in records
            if r.fingerprint == fingerprint
            and roster.eligible(who, r.reviewer)
            and counts(r, roster, verified)
        ),
        key=lambda r: r.order,
    )
    notes: list[str] = []
    rejects = [r for r in current if r.decision == "reject"]
    approvals = [r for r in current if r.decision == "approve"]
    # only an approval that may count answers a reject: an author's own approval after a
    # reject of their text leaves it rejected (it counts for nothing, issue 11 family 5)
    answering = [a for a in approvals if a.reviewer not in excluded]
    unanswered = [j for j in rejects if not any(order.sees(a, j) for a in answering)]
    counted: dict[str, SignoffRecord] = {}
    for rec in approvals:
        if not all(order.sees(rec, j) for j in rejects):
            continue  # made before (or beside) a reject
        if rec.reviewer in excluded:
            notes.append(
                _("{person}'s approval does not count: {reason}").format(
                    person=rec.reviewer, reason=excluded[rec.reviewer]
                )
            )
            continue
        counted[rec.reviewer] = rec
    if unanswered:
        rec = unanswered[-1]
        if rec.comment:
            why = _("rejected by {person}: {comment}; needs a new approval from {who}")
        else:
            why = _("rejected by {person}; needs a new approval from {who}")
        return SectionVerdict(
            scope,
            "rejected",
            who.approvals,
            (),
            why.format(person=rec.reviewer, comment=rec.comment, who=who.describe()),
            tuple(notes),
            excluded=shut,
        )
    if len(counted) >= who.approvals:
        chosen = tuple(sorted(counted.values(), key=lambda r: r.order))
        return SectionVerdict(
            scope,
            "approved",
            who.approvals,
            tuple(r.reviewer for r in chosen),
            "",
            (),
            chosen,
            shut,
        )
    older = any(
        r.decision == "approve"
        and r.fingerprint != fingerprint
        and roster.eligible(who, r.reviewer)
        for r in records
    )
    short = who.approvals - len(counted)
    what = (
        _(_WHAT[scope])
        if scope in _WHAT
        else _("section {section}").format(section=scope.replace("section:", ""))
    )
    needed = duties.dead_end(what, version, who, roster, excluded, tuple(counted), short)
    if not needed:
        more = ngettext("{n} more approval from {who}", "{n} more approvals from {who}", short)
        needed = more.format(n=short, who=who.describe())
        blocked = sorted(p for p in excluded if roster.eligible(who, p))
        if blocked:
            needed = _("{needed} (not {people})").format(needed=needed, people=", ".join(blocked))
    return SectionVerdict(
        scope,
        "stale" if older else "pending",
        who.approvals,
        tuple(counted),
        needed,
        tuple(notes),
        excluded=shut,
    )


#: what a dead-end sentence names (``duties.dead_end``), by scope; a section is "section <id>"
_WHAT = {"report": N_("the report"), "roster": N_("the roster change")}


# --- the roster -------------------------------------------------------------------------------


def roster_checks(
    in_force: Roster | None, candidate: Roster | None, records: Iterable[SignoffRecord]
) -> tuple[SignoffRecord, ...]:
    """Roster records to verify against ``in_force``'s keys."""
    if in_force is None or candidate is None or candidate.digest == in_force.digest:
        return ()
    return tuple(
        r
        for r in _scoped(records, "roster")
        if r.fingerprint == candidate.digest and in_force.may_approve_report(r.reviewer)
    )


def effective_roster(
    in_force: Roster | None,
    candidate: Roster | None,
    records: Iterable[SignoffRecord],
    verified: Verified,
    order: Order = TIME_ORDER,
    excluded: Mapping[str, str] = MappingProxyType({}),
) -> RosterVerdict:
    """``excluded``: people whose sign-off of the change does not count, with why (they
    edited the roster since the one in force took effect: ``chain.editors``)."""
    if in_force is None:  # no roster chain from the trust root: report.yaml is no evidence
        return RosterVerdict(None, "missing")
    if candidate is None or candidate.digest == in_force.digest:
        return RosterVerdict(in_force, "unchanged")
    verdict = _tally(
        _scoped(records, "roster"),
        candidate.digest,
        in_force.policy.report,
        in_force,
        verified,
        "roster",
        excluded,
        order,
        "roster",
    )
    if verdict.status == "approved":
        return RosterVerdict(candidate, "approved", verdict)
    return RosterVerdict(
        in_force, "rejected" if verdict.status == "rejected" else "pending", verdict
    )


# --- sections and the report ------------------------------------------------------------------


def _eligible_for(roster: Roster, sid: str) -> Callable[[str], bool]:
    return lambda person: roster.may_approve_section(sid, person)


def _report_changes(history: History, report_changes: Sequence[Change] | None) -> list[Change]:
    """Changes to the report: to any section or report.yaml (the edge passes them, newest
    first); pure callers that pass none get the sections' changes."""
    if report_changes is not None:
        return list(report_changes)
    return [ch for changes in history.values() for ch in changes]


def checks(
    facts: Facts,
    roster: Roster,
    records: Iterable[SignoffRecord],
    history: History,
    report_changes: Sequence[Change] | None = None,
) -> tuple[SignoffRecord, ...]:
    """Section and report records whose signatures the decision depends on: the current
    text's, and the older texts' too where separation of duties has to find the last approved
    version (someone who may approve also changed the text)."""
    groups = _by_scope(records)
    needed: list[SignoffRecord] = []
    for sec in facts.sections:
        eligible = _eligible_for(roster, sec.id)
        mine = [r for r in groups.get(f"section:{sec.id}", []) if eligible(r.reviewer)]
        needed += [r for r in mine if r.fingerprint == sec.blob]
        who = roster.policy.for_section(sec.id)
        if duties.needs_history(history.get(sec.id, ()), roster, who):
            needed += [r for r in mine if r.fingerprint != sec.blob]
    finals = [r for r in groups.get("report", []) if roster.may_approve_report(r.reviewer)]
    needed += [r for r in finals if r.fingerprint == facts.report_fingerprint]
    changes = _report_changes(history, report_changes)
    if duties.needs_history(changes, roster, roster.policy.report):
        needed += [r for r in finals if r.fingerprint != facts.report_fingerprint]
    return tuple(needed)


def _section(
    sec: SectionFacts,
    roster: Roster,
    records: Sequence[SignoffRecord],
    history: History,
    verified: Verified,
    order: Order,
    ancestry: Ancestry | None = None,
) -> SectionVerdict:
    scope = f"section:{sec.id}"
    mine = list(records)
    who = roster.policy.for_section(sec.id)
    changes = history.get(sec.id, ())
    excluded: dict[str, str] = {}
    if duties.needs_history(changes, roster, who):
        excluded = duties.excluded(
            changes, mine, sec.blob, who, roster, verified, order, ancestry, "version"
        )
    return _unverified(_tally(mine, sec.blob, who, roster, verified, scope, excluded, order))


def _unverified(verdict: SectionVerdict) -> SectionVerdict:
    """With ``policy.signed_commits``, a text changed by a commit nobody's key signed since
    it was last approved cannot be approved: who wrote it is unknown, so separation of duties
    cannot be applied (``duties.UNVERIFIED``)."""
    why = dict(verdict.excluded).get(duties.UNVERIFIED)
    if why is None or verdict.status == "rejected":
        return verdict
    return replace(verdict, status="pending", approvers=(), still_needed=why, counted=())


def evaluate(
    facts: Facts,
    roster_verdict: RosterVerdict,
    records: Iterable[SignoffRecord],
    history: History,
    verified: Verified,
    order: Order = TIME_ORDER,
    blocking: Sequence[str] = (),
    ancestry: Ancestry | None = None,
    report_changes: Sequence[Change] | None = None,
) -> GateResult:
    """The decision for the whole report at one commit. ``blocking``: problems found at the
    edge that keep the gate shut whatever the records say (a record deleted from the ledger).
    ``ancestry``: the commit graph, for what each approval had seen (separation of duties);
    ``report_changes``: changes to any section or report.yaml, newest first."""
    records = [r for r in records if r.report == facts.report and r.year == facts.year]
    roster = roster_verdict.roster
    if roster is None:
        empty = SectionVerdict("report", "pending", 1, (), _("a policy in report.yaml"))
        return GateResult(
            False,
            MappingProxyType({}),
            empty,
            roster_verdict,
            tuple(blocking)
            or (
                _(
                    "report.yaml has no policy: nobody can approve "
                    "(add policy: with sections and report)"
                ),
            ),
            (),
        )
    groups = _by_scope(records)
    sections = {
        s.id: _section(
            s, roster, groups.get(f"section:{s.id}", []), history, verified, order, ancestry
        )
        for s in facts.sections
    }
    missing: list[str] = []
    for sec in facts.sections:
        v = sections[sec.id]
        if v.status != "approved":
            missing.append(
                _("section {section} ({title}): {status}, {needed}").format(
                    section=sec.id, title=sec.title, status=_(v.status), needed=v.still_needed
                )
            )
        missing += [_("section {section}: {note}").format(section=sec.id, note=n) for n in v.notes]
    finals = groups.get("report", [])
    changes = _report_changes(history, report_changes)
    final_excluded: dict[str, str] = {}
    if duties.needs_history(changes, roster, roster.policy.report):
        final_excluded = duties.excluded(
            changes,
            finals,
            facts.report_fingerprint,
            roster.policy.report,
            roster,
            verified,
            order,
            ancestry,
            "report",
            by_blob=False,
        )
    report = _unverified(
        _tally(
            finals,
            facts.report_fingerprint,
            roster.policy.report,
            roster,
            verified,
            "report",
            final_excluded,
            order,
            "report",
        )
    )
    not_ready = [sid for sid, v in sections.items() if v.status != "approved"]
    if not_ready and report.status == "approved":
        report = SectionVerdict(
            "report",
            "pending",
            report.required,
            (),
            _("final approval counts only once every section is approved ({sections})").format(
                sections=", ".join(not_ready)
            ),
            report.notes,
            excluded=report.excluded,
        )
    if report.status != "approved":
        missing.append(
            _("report (final approval): {status}, {needed}").format(
                status=_(report.status), needed=report.still_needed
            )
        )
    missing += [_("report: {note}").format(note=n) for n in report.notes]
    if roster_verdict.status in ("pending", "rejected"):
        who = roster_verdict.verdict.still_needed if roster_verdict.verdict else ""
        missing.append(
            _(
                "roster change (people, keys or policy in report.yaml differ from the roster in "
                "force, {origin}): {status}, {needed}; "
                "sign it off with: reportflow signoff <dir> --roster --as <person> --key <key>"
            ).format(origin=roster.origin, status=_(roster_verdict.status), needed=who)
        )
    counted: list[SignoffRecord] = []
    for v in sections.values():
        counted += v.counted
    counted += report.counted
    if roster_verdict.verdict is not None:
        counted += roster_verdict.verdict.counted
    missing += blocking
    passed = (
        report.status == "approved"
        and roster_verdict.status in ("unchanged", "approved")
        and not blocking
    )
    invalid = tuple(r for r in records if verified.get(r.digest) == "invalid")
    return GateResult(
        passed,
        MappingProxyType(sections),
        report,
        roster_verdict,
        tuple(missing),
        tuple(sorted(counted, key=lambda r: r.order)),
        invalid,
    )
