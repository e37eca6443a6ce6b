"""One sign-off request, from any channel: check that a person may sign this, then write the
record and commit it. The CLI (``commands/signoff.py``), the review page (``serve/``) and the
Prefect UI form (``flows/release.py``) all come here, so a sign-off is judged the same way
whatever the door it came through.

Every check happens before anything is written, so a refused sign-off leaves no file and no
commit. The commit holds the record file only (the user's other staged changes stay staged),
with the reviewer as its author, so ``git log signoffs/`` reads as the approval history.
``prepare`` runs every check and returns the unsigned record (the review page signs it with a
passkey); ``build`` signs it with an SSH key as well.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportflow.content import model
from reportflow.core import gitio
from reportflow.core.errors import InputError, Refused
from reportflow.core.i18n import _, ngettext
from reportflow.signoff import approval, duties, gate, keys, ledger, pin
from reportflow.signoff.roster import Roster, Who
from reportflow.validate.findings import Finding

SCOPE_RE = re.compile(r"^(report|roster|section:[a-z0-9]+(-[a-z0-9]+)*)$")


@dataclass(frozen=True)
class Request:
    scope: str  # section:<id> | report | roster
    person: str
    decision: str  # approve | reject
    comment: str = ""
    key: Path | None = None
    channel: str = "cli"
    #: "webauthn": the record is signed with a passkey after ``prepare`` (``reportflow serve``)
    signature_kind: str | None = None


@dataclass(frozen=True)
class Done:
    """What a sign-off did: ``written`` is False when the ledger already held the same
    decision by the same person on the same text (``path`` then names that record)."""

    path: Path
    written: bool
    record: ledger.SignoffRecord


def _refuse(message: str, hint: str | None = None) -> Refused:
    return Refused(message, hint=hint)


def _dirty_check(ctx: approval.Context, paths: list[str]) -> None:
    dirty = gitio.dirty_paths(ctx.repo, ctx.folder or ".")
    touched = sorted(p for p in dirty if p in paths)
    if touched:
        raise _refuse(
            _("uncommitted changes in {files}: a sign-off is for the committed text").format(
                files=", ".join(touched)
            ),
            hint=_("commit or stash them first, then sign off"),
        )


def _scope_roster(ctx: approval.Context, req: Request, eff: Roster) -> tuple[Roster, str]:
    """The roster whose keys and policy judge this request, and the fingerprint signed."""
    if req.scope == "roster":
        if ctx.in_force is None or ctx.candidate is None:
            raise _refuse(_("report.yaml has no policy, so there is no roster to sign off"))
        if ctx.candidate.digest == eff.digest:
            raise _refuse(
                _(
                    "people, keys and policy in report.yaml are the roster in force already "
                    "({origin}): nothing to sign off"
                ).format(origin=eff.origin)
            )
        if not eff.may_approve_report(req.person):
            raise _refuse(
                _(
                    "{person} may not sign off a roster change: the roster in force "
                    "({origin}) asks for {who}"
                ).format(person=req.person, origin=eff.origin, who=eff.policy.report.describe())
            )
        return eff, ctx.candidate.digest
    if req.scope == "report":
        if not eff.may_approve_report(req.person):
            raise _refuse(
                _("{person} may not sign off the whole report: the policy asks for {who}").format(
                    person=req.person, who=eff.policy.report.describe()
                )
            )
        return eff, ctx.facts.report_fingerprint
    sid = req.scope.split(":", 1)[1]
    sec = next(s for s in ctx.facts.sections if s.id == sid)
    if not eff.may_approve_section(sid, req.person):
        raise _refuse(
            _("{person} may not sign off section {section}: the policy asks for {who}").format(
                person=req.person, section=sid, who=eff.policy.for_section(sid).describe()
            )
        )
    return eff, sec.blob


def _policy_checks(ctx: approval.Context, req: Request, result: gate.GateResult) -> None:
    if req.decision != "approve":
        return
    eff = result.roster.roster
    if req.scope.startswith("section:") and eff is not None:
        sid = req.scope.split(":", 1)[1]
        verdict = result.sections[sid]
        excluded = dict(verdict.excluded)
        if duties.UNVERIFIED in excluded:  # policy.signed_commits: nobody may approve yet
            raise _refuse(
                _("section {section} cannot be approved yet: {reason}").format(
                    section=sid, reason=excluded[duties.UNVERIFIED]
                )
            )
        if req.person in excluded:
            raise _refuse(
                _("{person} may not approve section {section}: {reason}").format(
                    person=req.person, section=sid, reason=excluded[req.person]
                ),
                hint=_dead_end_hint(verdict, eff.policy.for_section(sid), eff)
                or _("another reviewer must approve this section"),
            )
    if req.scope == "roster" and result.roster.verdict is not None:
        excluded = dict(result.roster.verdict.excluded)
        if req.person in excluded:
            raise _refuse(
                _("{person} may not sign off the roster change: {reason}").format(
                    person=req.person, reason=excluded[req.person]
                ),
                hint=_dead_end_hint(
                    result.roster.verdict,
                    ctx.in_force.policy.report if ctx.in_force else None,
                    ctx.in_force,
                )
                or _("another final approver must sign off the roster change"),
            )
    if req.scope == "report" and eff is not None:
        excluded = dict(result.report.excluded)
        if req.person in excluded:
            raise _refuse(
                _("{person} may not approve the report: {reason}").format(
                    person=req.person, reason=excluded[req.person]
                ),
                hint=_dead_end_hint(result.report, eff.policy.report, eff)
                or _("another final approver must approve the report"),
            )
    if req.scope == "report":
        waiting = [sid for sid, v in result.sections.items() if v.status != "approved"]
        if waiting:
            raise _refuse(
                _(
                    "final approval is possible only once every section is approved; "
                    "not yet: {sections}"
                ).format(
                    sections=", ".join(f"{sid} ({result.sections[sid].status})" for sid in waiting)
                )
            )


def already_decided(
    ctx: approval.Context, result: gate.GateResult, req: Request, fingerprint: str
) -> ledger.SignoffRecord | None:
    """The person's own record of this very decision on this very text, when a new one would
    add nothing (issue 16): an approval that counts now, or a reject that is their latest word
    on the text. A record that did not verify, or an approval that does not count (say, made
    before a later reject), is no reason to stop them signing again."""
    mine = [
        r
        for r in ctx.records
        if r.reviewer == req.person
        and r.scope == req.scope
        and r.fingerprint == fingerprint
        and r not in result.invalid
    ]
    if req.decision == "approve":
        return next((r for r in result.counted if r in mine and r.decision == "approve"), None)
    latest = [r for r in mine if not any(o is not r and ctx.order.sees(o, r) for o in mine)]
    if latest and all(r.decision == "reject" for r in latest):
        return latest[-1]
    return None


def _dead_end_hint(
    verdict: gate.SectionVerdict, who: Who | None, judge: Roster | None
) -> str | None:
    """The gate's dead-end sentence (nobody eligible is left), when that is the situation:
    asked of ``duties.dead_end`` again, not found in the sentence, which is in the reader's
    language."""
    if judge is None or who is None or verdict.status in ("approved", "rejected"):
        return None
    short = verdict.required - len(verdict.approvers)
    ended = duties.dead_end("", "", who, judge, dict(verdict.excluded), verdict.approvers, short)
    return verdict.still_needed if ended else None


#: How many validation errors a refusal names (the rest: "reportflow validate").
SHOWN_ERRORS = 10


def _validation_check(
    ctx: approval.Context, req: Request, report_dir: Path, known: Sequence[Finding] | None = None
) -> None:
    """Errors block approval (README, Validation): an approval of a section is refused while
    that section has validation errors, the final approval while the report has any. A
    reject, or a roster sign-off, is never blocked: rejecting a text with errors is right.
    ``known`` are the commit's findings (the review server's, from git); without them the
    report read here is the commit's too: the CLI's working tree equals the commit
    (``_dirty_check``)."""
    if req.decision != "approve" or req.scope == "roster":
        return
    from reportflow import validate

    findings = tuple(known) if known is not None else validate.check(ctx.report).findings
    if req.scope.startswith("section:"):
        path = ctx.report.section(req.scope.split(":", 1)[1]).path
        findings = tuple(f for f in findings if f.file == path)
    errors = [f for f in findings if f.severity == validate.ERROR]
    if not errors:
        return
    named = "; ".join(f"{f.file}:{f.line}:{f.column} {f.rule}" for f in errors[:SHOWN_ERRORS]) + (
        "; …" if len(errors) > SHOWN_ERRORS else ""
    )
    if req.scope == "report":
        message = ngettext(
            "the report has {count} validation error, so it cannot be approved: {errors}",
            "the report has {count} validation errors, so it cannot be approved: {errors}",
            len(errors),
        )
    else:
        message = ngettext(
            "section {section} has {count} validation error, so it cannot be approved: {errors}",
            "section {section} has {count} validation errors, so it cannot be approved: {errors}",
            len(errors),
        )
    raise _refuse(
        message.format(section=req.scope.split(":", 1)[-1], count=len(errors), errors=named),
        hint=_(
            "fix the text (reportflow validate {folder} lists each error), commit it, then sign off"
        ).format(folder=report_dir),
    )


def _signing_key(req: Request, judge: Roster) -> keys.SigningKey | None:
    """The key that signs: ``--key`` (a private key, protected or not, or a public key the
    agent holds), else on the CLI the first of the person's listed keys that ssh-agent holds;
    None for an unsigned record, which the policy must allow."""
    listed = judge.people[req.person].keys
    if req.key is not None:
        signing = keys.resolve(req.key)
        if signing.public not in {ledger.key_core(k) for k in listed}:
            raise _refuse(
                _(
                    "the key {key} is not listed for {person} in the roster in force ({origin})"
                ).format(key=req.key, person=req.person, origin=judge.origin),
                hint=_("use the key whose public half is under people: in report.yaml"),
            )
        return signing
    if req.channel == "cli":
        found = keys.from_agent(listed)
        if found is not None:
            return found
    if judge.signature_required(req.person):
        raise _refuse(
            _("the policy requires {person} to sign with an SSH key").format(person=req.person),
            hint=_(
                "reportflow signoff ... --key <ssh private key>, whose public half is listed "
                "under people: in report.yaml, or load that key into ssh-agent (ssh-add <key>); "
                "unsigned sign-offs (e.g. the Prefect UI) count only for people outside "
                "policy.signatures.required_for"
            ),
        )
    return None


def _no_roster(ctx: approval.Context) -> str | None:
    """Why no roster is in force: the trust root's or the roster chain's problem."""
    if ctx.trust is not None and ctx.trust.error:
        return ctx.trust.error
    if ctx.chain is not None and ctx.chain.roster is None:
        return ctx.chain.problem
    return None


@dataclass(frozen=True)
class Prepared:
    """A sign-off that passed every check, not yet signed: ``record`` is what gets signed (its
    payload, or for a passkey the challenge ``passkeys.challenge(record.payload())``), or the
    record already in the ledger that says the same when ``new`` is False."""

    ctx: approval.Context
    record: ledger.SignoffRecord
    judge: Roster  # whose keys and passkeys verify it
    new: bool


def build(report_dir: Path, req: Request) -> tuple[approval.Context, ledger.SignoffRecord, bool]:
    """All checks, then the signed record and True; or the record already in the ledger that
    says the same, and False (nothing to write). Writes nothing."""
    ready = prepare(report_dir, req)
    if not ready.new:
        return ready.ctx, ready.record, False
    ctx, record, judge = ready.ctx, ready.record, ready.judge
    signing = _signing_key(req, judge)
    if signing is not None:
        signed = ledger.SignoffRecord(
            **{**record.to_dict(), "signature": ledger.sign(record.payload(), signing)}
        )
        if ledger.verify(signed, judge.people[req.person].keys) != "valid":
            raise _refuse(
                _("the signature made with {key} does not verify").format(
                    key=signing.path or "ssh-agent"
                )
            )
        record = signed
    return ctx, record, True


def prepare(
    report_dir: Path,
    req: Request,
    decided: tuple[approval.Context, gate.GateResult] | None = None,
    findings: Sequence[Finding] | None = None,
    worktree: bool = True,
) -> Prepared:
    """Every check of a sign-off, and the unsigned record; writes nothing. ``decided``: the
    context and decision at HEAD when the caller has them (the review page keeps one per
    HEAD), instead of reading them again; ``findings``: the validation findings of its text.
    ``worktree``: refuse uncommitted changes to the report's files. A reviewer at the
    terminal reads the files in the working tree, so a sign-off must not name a committed
    text other than the one they read; the review server shows HEAD's text from git and
    commits nothing but records, so its working tree is not what anyone read (and a
    ``git status`` per approval was a tenth of the server's time, bench/bench_serve.py)."""
    if not SCOPE_RE.match(req.scope):
        raise InputError(
            _("unknown scope {scope!r}").format(scope=req.scope),
            hint=_("use section:<id>, report or roster"),
        )
    if req.decision not in ("approve", "reject"):
        raise InputError(
            _("unknown decision {decision!r}").format(decision=req.decision),
            hint=_("approve or reject"),
        )
    ctx = decided[0] if decided else approval.load_context(report_dir, "HEAD")
    if ctx.pin is None:
        raise pin.not_pinned()
    if req.scope.startswith("section:"):
        ctx.report.section(req.scope.split(":", 1)[1])  # ContentError for an unknown section
    paths = [f"{ctx.folder}/{model.REPORT_FILE}" if ctx.folder else model.REPORT_FILE]
    paths += [f"{ctx.folder}/{s.path}" if ctx.folder else s.path for s in ctx.report.sections]
    if worktree:
        _dirty_check(ctx, paths)
    result = decided[1] if decided else approval.decide(ctx)[1]
    eff = result.roster.roster
    why = _no_roster(ctx)
    if eff is None and why:
        raise _refuse(why)
    if eff is None:
        raise _refuse(
            _("report.yaml has no policy: nobody can approve yet"),
            hint=_("add policy: (sections, report) to report.yaml and commit it"),
        )
    judge = eff
    if req.person not in judge.people:
        raise _refuse(
            _("{person!r} is not in the report's people").format(person=req.person),
            hint=_("people are: {people}").format(people=", ".join(judge.people)),
        )
    judge, fingerprint = _scope_roster(ctx, req, eff)
    same = already_decided(ctx, result, req, fingerprint)
    if same is not None:
        return Prepared(ctx, same, judge, False)
    _policy_checks(ctx, req, result)
    _validation_check(ctx, req, report_dir, findings)
    record = ledger.SignoffRecord(
        report=ctx.report.report,
        year=ctx.report.year,
        scope=req.scope,
        fingerprint=fingerprint,
        commit=ctx.commit,
        reviewer=req.person,
        decision=req.decision,
        time=ledger.now_utc(),
        channel=req.channel,
        comment=req.comment,
        signature_kind=req.signature_kind,
    )
    return Prepared(ctx, record, judge, True)


def commit_record(ctx: approval.Context, report_dir: Path, record: ledger.SignoffRecord) -> Path:
    """Write the record file and commit just that file, authored by the reviewer."""
    person = ctx.report.people.get(record.reviewer)
    name = person.name if person else record.reviewer
    email = (person.email if person else None) or f"{record.reviewer}@reportflow.invalid"
    path = ledger.write_record(report_dir / model.SIGNOFFS_DIR, record)
    what = "approve" if record.decision == "approve" else "reject"
    scope = record.scope.replace("section:", "section ")
    message = f"signoff: {record.reviewer} {what}s {scope} of {record.report}/{record.year}"
    try:
        gitio.commit_path(ctx.repo, gitio.relpath(ctx.repo, path), message, f"{name} <{email}>")
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return path


def run(report_dir: Path, req: Request) -> Done:
    ctx, record, new = build(Path(report_dir), req)
    if not new:
        return Done(Path(report_dir) / model.SIGNOFFS_DIR / ledger.file_name(record), False, record)
    return Done(commit_record(ctx, Path(report_dir), record), True, record)


def record(
    report_dir: Path,
    *,
    person: str,
    scope: str,
    reject: bool = False,
    comment: str = "",
    key: Path | None = None,
    channel: str = "cli",
) -> Path:
    """One sign-off from any channel (the CLI, the Prefect UI form): all checks, then the
    record file committed; raises ``Refused``/``InputError`` and writes nothing otherwise."""
    decision = "reject" if reject else "approve"
    return run(Path(report_dir), Request(scope, person, decision, comment, key, channel)).path


def push_and_wake(report_dir: Path) -> list[str]:
    """After a sign-off: push it to ``origin`` (rebasing onto what others pushed meanwhile),
    then resume the release runs waiting on this report (``core/wake.py``). What happened, as
    lines for the user; a wake that fails is told, not raised: the sign-off is pushed."""
    from reportflow.core import wake

    repo = gitio.require_repo(report_dir)
    branch = gitio.current_branch(repo) or "main"
    gitio.push(repo, branch)
    lines = [_("pushed to origin/{branch}").format(branch=branch)]
    report = model.load_report(report_dir)
    woken, error = wake.wake(report.report, report.year)
    if error:
        lines.append(_("could not wake the waiting release runs: {error}").format(error=error))
    elif woken:
        lines.append(_("woke release run {runs}").format(runs=", ".join(woken)))
    return lines
