"""Sign-off and roster events: every ledger record, whether it counts and why.

"Counts" is the gate's verdict at the audited commit (``approval.decide``), and for older texts
the releases' manifests, which hold the records that approved each released version. A record
that counts in neither says why: it approved a text that changed since (stale), its signature
does not verify, separation of duties excluded its reviewer, the reviewer may not approve that
scope, or the edge refused it (named in the gate's problems).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from reportflow.audit.timeline import Event
from reportflow.signoff import approval, gate
from reportflow.signoff.ledger import SignoffRecord
from reportflow.signoff.roster import Roster


def _current(ctx: approval.Context) -> dict[str, str]:
    """scope -> the fingerprint of its text at the audited commit."""
    now = {f"section:{s.id}": s.blob for s in ctx.facts.sections}
    now["report"] = ctx.facts.report_fingerprint
    if ctx.candidate is not None:
        now["roster"] = ctx.candidate.digest
    return now


def _verdicts(result: gate.GateResult) -> dict[str, gate.SectionVerdict]:
    found = {v.scope: v for v in result.sections.values()}
    found["report"] = result.report
    if result.roster.verdict is not None:
        found["roster"] = result.roster.verdict
    return found


def status(
    rec: SignoffRecord,
    ctx: approval.Context,
    result: gate.GateResult,
    released: Mapping[str, list[int]],
    problems: Mapping[str, list[str]],
    eff: Roster | None,
) -> tuple[bool, str, str]:
    """(counted, status id, why) of one record."""
    counted = {r.digest for r in result.counted}
    invalid = {r.digest for r in result.invalid}
    now = _current(ctx)
    verdict = _verdicts(result).get(rec.scope)
    versions = released.get(rec.digest, [])
    in_release = ", ".join(f"v{n}" for n in versions)
    if rec.digest in counted:
        return True, "counted", "counts at the audited commit"
    if rec.digest in invalid:
        return False, "invalid", "signature does not verify with the reviewer's listed keys"
    if problems.get(rec.source):
        return False, "refused", "; ".join(problems[rec.source])
    if rec.decision == "reject" and rec.fingerprint == now.get(rec.scope):
        if verdict is not None and verdict.status == "rejected":
            return True, "counted", "the text is rejected"
        return False, "answered", "a later approval answered this reject"
    if versions:
        return True, "released", f"approved the text released as {in_release}"
    if rec.fingerprint != now.get(rec.scope):
        if rec.decision == "reject":
            return False, "stale", "rejected a text that was changed since"
        return False, "stale", "approved a text that was changed since"
    excluded = dict(verdict.excluded) if verdict is not None else {}
    if rec.reviewer in excluded:
        return False, "excluded", f"separation of duties: {excluded[rec.reviewer]}"
    if eff is not None and not _eligible(eff, rec):
        return False, "not-eligible", f"{rec.reviewer} may not approve {rec.scope} under the policy"
    if verdict is not None and verdict.status == "rejected":
        return False, "outranked", "made before an unanswered reject"
    return False, "not-counted", verdict.still_needed if verdict is not None else ""


def _eligible(roster: Roster, rec: SignoffRecord) -> bool:
    if rec.section_id is not None:
        return roster.may_approve_section(rec.section_id, rec.reviewer)
    return roster.may_approve_report(rec.reviewer)


def problems_by_source(ctx: approval.Context, records: list[SignoffRecord]) -> dict[str, list[str]]:
    """The gate's problem lines that name a record file, by that file (``"<source>: why"``)."""
    sources = sorted({r.source for r in records if r.source}, key=len, reverse=True)
    found: dict[str, list[str]] = {}
    for line in ctx.problems:
        for src in sources:
            if line.startswith(f"{src}:"):
                found.setdefault(src, []).append(line[len(src) + 1 :].strip())
                break
    return found


def signoff_events(
    ctx: approval.Context,
    result: gate.GateResult,
    released: Mapping[str, list[int]],
    eff: Roster | None,
    commit_time: Mapping[str, str],
) -> list[Event]:
    problems = problems_by_source(ctx, ctx.records)
    events = []
    for rec in ctx.records:
        counted, state, why = status(rec, ctx, result, released, problems, eff)
        added = ctx.added_in.get(rec.digest, "")
        data: dict[str, Any] = {
            "scope": rec.scope,
            "decision": rec.decision,
            "counted": counted,
            "status": state,
            "reason": why,
            "fingerprint": rec.fingerprint,
            "reviewed_commit": rec.commit,
            "channel": rec.channel,
            "comment": rec.comment,
            "signed": rec.signature is not None,
            "record_time": rec.time,
            "added_time": commit_time.get(added, ""),
            "file": rec.source,
            "released_in": list(released.get(rec.digest, [])),
        }
        events.append(
            Event("signoff", rec.time, added, rec.reviewer, rec.section_id, MappingProxyType(data))
        )
    return events


def roster_events(
    ctx: approval.Context,
    result: gate.GateResult,
    person_at: Mapping[str, str],
    commit_time: Mapping[str, str],
) -> list[Event]:
    """The roster in force, each later roster in report.yaml, and the one at the audited
    commit if it differs: with who signed each one off (or rejected it) and its status."""
    steps: list[Roster] = []
    if ctx.in_force is not None:
        steps.append(ctx.in_force)
    seen = {r.digest for r in steps}
    for step in [*ctx.roster_steps, ctx.candidate]:
        if step is not None and step.digest not in seen:
            steps.append(step)
            seen.add(step.digest)
    counted = {r.digest for r in result.counted}
    effective = result.roster.roster.digest if result.roster.roster is not None else None
    events = []
    for i, step in enumerate(steps):
        signers = [
            {"person": r.reviewer, "decision": r.decision, "counted": r.digest in counted}
            for r in ctx.records
            if r.scope == "roster" and r.fingerprint == step.digest
        ]
        if i == 0:
            state = "in force"
        elif any(s["counted"] for s in signers) or step.digest == effective:
            state = "approved"
        elif any(s["decision"] == "reject" for s in signers):
            state = "rejected"
        else:
            state = "pending"
        data = {
            "digest": step.digest,
            "status": state,
            "origin": step.origin,
            "signed_by": signers,
            "people_ids": sorted(step.people),
        }
        events.append(
            Event(
                "roster",
                commit_time.get(step.commit, ""),
                step.commit,
                person_at.get(step.commit, ""),
                None,
                MappingProxyType(data),
            )
        )
    return events
