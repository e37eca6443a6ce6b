"""Sign-off and roster events: every ledger record, whether it counts and why.

"Counts" is the gate's verdict at the audited commit (``approval.decide``), and for older texts
the verified releases' manifests, which hold the records that approved each released version. A
record that counts in neither says why: it approved a text that changed since (stale), its
signature does not verify, separation of duties excluded its reviewer, the reviewer may not
approve that scope, or the edge refused it (named in the gate's problems).

The gate verifies only the signatures its decision depends on (the current texts'); a record
file is anyone's to write with plain git, so the audit verifies every other one too
(``signatures``, by the roster in force where it was added: ``inforce``) before it calls a
record stale or released: a forged or edited record, or one signed with a key rotated out
before, is "invalid", never an honest old approval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from reportflow.audit import inforce
from reportflow.audit.timeline import Event
from reportflow.core import gitio
from reportflow.core.i18n import _
from reportflow.release.sheet import meaning_of
from reportflow.signoff import approval, gate, ledger
from reportflow.signoff.ledger import SignoffRecord
from reportflow.signoff.ledgerview import NULL
from reportflow.signoff.roster import Roster, from_yaml


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


def signatures(
    ctx: approval.Context,
    result: gate.GateResult,
    only: str | None = None,
    in_force: inforce.InForce | None = None,
) -> dict[str, ledger.Verification]:
    """Every section, report and roster record's signature (``only``: of that scope), by
    record digest: the gate's answers where it verified, the others verified here (about
    0.1-0.5 ms each in process), each against the keys of the roster in force where the
    record was added (``inforce``: a key rotated out before it verifies nothing; the
    caller's ``in_force`` when it has one)."""
    known: dict[str, ledger.Verification] = {r.digest: "valid" for r in result.counted}
    known |= {r.digest: "invalid" for r in result.invalid}
    todo = [
        r
        for r in ctx.records
        if r.scope != "release" and r.digest not in known and only in (None, r.scope)
    ]
    place = in_force if in_force is not None else inforce.of(ctx, result)
    # keys_at gives one dict per roster (and one for the root), so the records are verified
    # in one verify_many per roster in force
    groups: dict[int, tuple[dict[str, tuple[str, ...]], list[SignoffRecord]]] = {}
    for rec in todo:
        keys = place.keys_at(ctx.added_in.get(rec.digest), rec.channel)
        groups.setdefault(id(keys), (keys, []))[1].append(rec)
    for keys, recs in groups.values():
        known |= ledger.verify_many(recs, keys)
    return known


@dataclass(frozen=True)
class Verdicts:
    """What every record's status is judged against, computed once for all of them."""

    counted: frozenset[str]
    invalid: frozenset[str]
    now: Mapping[str, str]
    by_scope: Mapping[str, gate.SectionVerdict]
    signature: Mapping[str, ledger.Verification] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @classmethod
    def of(
        cls,
        ctx: approval.Context,
        result: gate.GateResult,
        checked: Mapping[str, ledger.Verification] | None = None,
    ) -> Verdicts:
        return cls(
            frozenset(r.digest for r in result.counted),
            frozenset(r.digest for r in result.invalid),
            _current(ctx),
            _verdicts(result),
            MappingProxyType(dict(checked or {})),
        )


def status(
    rec: SignoffRecord,
    v: Verdicts,
    released: Mapping[str, list[int]],
    problems: Mapping[str, list[str]],
    eff: Roster | None,
) -> tuple[bool, str, str]:
    """(counted, status id, why) of one record."""
    counted, invalid, now = v.counted, v.invalid, v.now
    verdict = v.by_scope.get(rec.scope)
    versions = released.get(rec.digest, [])
    in_release = ", ".join(f"v{n}" for n in versions)
    if rec.digest in counted:
        return True, "counted", _("counts at the audited commit")
    if rec.digest in invalid:
        return False, "invalid", _("signature does not verify with the reviewer's listed keys")
    if problems.get(rec.source):
        return False, "refused", "; ".join(problems[rec.source])
    signed = v.signature.get(rec.digest)
    if signed == "invalid":
        return (
            False,
            "invalid",
            _("signature does not verify with any key the roster listed for it"),
        )
    if signed == "unsigned" and eff is not None and eff.signature_required(rec.reviewer):
        return (
            False,
            "invalid",
            _("unsigned, and the policy requires {person}'s signature").format(person=rec.reviewer),
        )
    if rec.decision == "reject" and rec.fingerprint == now.get(rec.scope):
        if verdict is not None and verdict.status == "rejected":
            return True, "counted", _("the text is rejected")
        return False, "answered", _("a later approval answered this reject")
    if versions:
        return (
            True,
            "released",
            _("approved the text released as {versions}").format(versions=in_release),
        )
    if rec.fingerprint != now.get(rec.scope):
        if rec.decision == "reject":
            return False, "stale", _("rejected a text that was changed since")
        return False, "stale", _("approved a text that was changed since")
    excluded = dict(verdict.excluded) if verdict is not None else {}
    if rec.reviewer in excluded:
        return (
            False,
            "excluded",
            _("separation of duties: {why}").format(why=excluded[rec.reviewer]),
        )
    if eff is not None and not _eligible(eff, rec):
        return (
            False,
            "not-eligible",
            _("{person} may not approve {scope} under the policy").format(
                person=rec.reviewer, scope=rec.scope
            ),
        )
    if verdict is not None and verdict.status == "rejected":
        return False, "outranked", _("made before an unanswered reject")
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
    checked: Mapping[str, ledger.Verification] | None = None,
) -> list[Event]:
    """``checked``: ``signatures``' answers, when the caller has them (the roster events
    use them too)."""
    problems = problems_by_source(ctx, ctx.records)
    checked = signatures(ctx, result) if checked is None else checked
    judged = Verdicts.of(ctx, result, checked)
    events = []
    for rec in ctx.records:
        if rec.scope == "release":
            continue  # a release record: the release event shows it (releases.py)
        counted, state, why = status(rec, judged, released, problems, eff)
        added = ctx.added_in.get(rec.digest, "")
        data: dict[str, Any] = {
            "scope": rec.scope,
            "meaning": meaning_of(rec, eff),
            "decision": rec.decision,
            "counted": counted,
            "status": state,
            "reason": why,
            "fingerprint": rec.fingerprint,
            "reviewed_commit": rec.commit,
            "channel": rec.channel,
            "comment": rec.comment,
            "signed": rec.signature is not None,
            "signature": checked.get(rec.digest, "unsigned"),
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
    yaml_path: str,
    person_at: Mapping[str, str],
    commit_time: Mapping[str, str],
    checked: Mapping[str, ledger.Verification] | None = None,
) -> list[Event]:
    """One event per commit whose report.yaml has another roster than the version before it
    (people's roles, e-mails and keys, and the policy), oldest first: the first one is trust
    on first use, each later one counts once the final approvers of the roster before it have
    signed it off; with who signed each one off or rejected it."""
    walk = ctx.walk
    if walk is None:
        return []
    changes = [c for c in reversed(walk.changes.get(yaml_path, ())) if c.blob != NULL]
    blobs = gitio.read_blobs(ctx.repo, sorted({c.blob for c in changes}))
    counted = {r.digest for r in result.counted}
    signed = checked
    if signed is None:
        signed = signatures(ctx, result, only="roster")
    effective = result.roster.roster.digest if result.roster.roster is not None else None
    in_force = ctx.in_force.digest if ctx.in_force is not None else None
    events: list[Event] = []
    last = None
    for change in changes:
        data = blobs.get(change.blob)
        step = None if data is None else from_yaml(data, f"{change.commit[:10]}:{yaml_path}")
        if step is None or step.digest == last:
            continue
        signers = [
            {
                "person": r.reviewer,
                "decision": r.decision,
                "counted": r.digest in counted,
                "signature": signed.get(r.digest, "unsigned"),
            }
            for r in ctx.records
            if r.scope == "roster" and r.fingerprint == step.digest
        ]
        if last is None:
            state, origin = "in force", _("first policy (trust on first use)")
        elif any(s["counted"] for s in signers) or step.digest in (effective, in_force):
            state, origin = "approved", _("signed off by the final approvers in force")
        elif any(s["decision"] == "reject" and s["signature"] == "valid" for s in signers):
            state, origin = "rejected", ""
        else:
            state, origin = "pending", ""
        last = step.digest
        info = {
            "digest": step.digest,
            "status": state,
            "origin": origin,
            "signed_by": signers,
            "people_ids": sorted(step.people),
        }
        events.append(
            Event(
                "roster",
                commit_time.get(change.commit, ""),
                change.commit,
                person_at.get(change.commit, ""),
                None,
                MappingProxyType(info),
            )
        )
    return events
