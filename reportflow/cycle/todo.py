"""What each person owes on a report: sections to draft, findings to fix, sign-offs to give.

The review page, ``reportflow todo`` and the weekly reminders all need the same answer, so it
is decided once, here, by ``plan``: a pure function of the report, the gate's verdict (reduced
to ``Reviews``: who may still approve what, by name), the validation findings and today's date.
``gather`` is the I/O edge that reads those from the report folder and git.

Who owes what:

* **draft**: the owner of a section that is empty or holds only placeholders;
* **fix**: the owner of a section with validation findings (errors first: they block its
  approval), and for report.yaml the ``coordinator`` (whoever last changed it);
* **signoff**: every person who may approve a section that is not approved yet (eligible by
  policy, not excluded by separation of duties, not already counted), named one by one;
* **final**: the final approvers while the report is not approved;
* **roster**: the final approvers of the roster in force while a roster change is pending.

An item that cannot be done yet says why in ``blocked`` ("draft", "errors", "sections"), so a
reviewer sees what is coming without being told to do the impossible. Drafting and fixing are
due on ``dates.due``, sign-offs on ``dates.approve_by`` (else ``dates.due``); an item is
overdue once its date has passed.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reportflow.content import model
from reportflow.content.markdown import parse
from reportflow.validate.findings import ERROR, Finding
from reportflow.validate.placeholders import unwritten

KINDS = ("draft", "fix", "signoff", "final", "roster")


@dataclass(frozen=True)
class Review:
    """One scope's approval state, reduced to what a to-do list needs."""

    status: str  # approved | pending | stale | rejected | unchanged
    eligible: tuple[str, ...] = ()  # who may approve it now, by person id


@dataclass(frozen=True)
class Reviews:
    sections: Mapping[str, Review] = field(default_factory=lambda: MappingProxyType({}))
    report: Review = Review("pending")
    roster: Review = Review("unchanged")


@dataclass(frozen=True)
class Item:
    person: str
    kind: str  # one of KINDS
    target: str  # a section id, "report.yaml", "report" or "roster"
    title: str  # the section's title, or the report's
    due: str | None = None  # YYYY-MM-DD
    overdue: bool = False
    blocked: str = ""  # "" | "draft" | "errors" | "sections": why it cannot be done yet
    errors: int = 0
    warnings: int = 0
    findings: tuple[str, ...] = ()  # "file:line:column rule" for a fix item

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "target": self.target,
            "title": self.title,
            "due": self.due,
            "overdue": self.overdue,
            "blocked": self.blocked or None,
            "errors": self.errors,
            "warnings": self.warnings,
            "findings": list(self.findings),
        }


def _due(report: model.Report, kind: str) -> str | None:
    if kind in ("draft", "fix"):
        return report.dates.get("due")
    return report.dates.get("approve_by") or report.dates.get("due")


def _item(report: model.Report, today: dt.date, person: str, kind: str, **kw: Any) -> Item:
    due = _due(report, kind)
    overdue = due is not None and dt.date.fromisoformat(due) < today
    return Item(person, kind, due=due, overdue=overdue, **kw)


def plan(
    report: model.Report,
    reviews: Reviews,
    findings: Sequence[Finding],
    today: dt.date,
    *,
    coordinator: str | None = None,
) -> tuple[Item, ...]:
    """Everything owed on ``report``, in the order of the report: drafts and fixes, then
    section sign-offs, then the final approval and the roster; pure (no I/O)."""
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.file, []).append(f)
    items: list[Item] = []
    blank = {s.id for s in report.sections if _unwritten(s.body, s.body_line)}
    errors_in: dict[str, int] = {}
    for sec in report.sections:
        found = sorted(by_file.get(sec.path, []), key=lambda f: f.severity != ERROR)
        errors_in[sec.id] = sum(f.severity == ERROR for f in found)
        if sec.id in blank:
            items.append(_item(report, today, sec.owner, "draft", target=sec.id, title=sec.title))
        elif found:
            items.append(_fix(report, today, sec.owner, sec.id, sec.title, found))
    yaml_found = by_file.get(model.REPORT_FILE, [])
    if yaml_found:
        owner = coordinator or (report.sections[0].owner if report.sections else None)
        if owner is not None:
            items.append(_fix(report, today, owner, model.REPORT_FILE, report.title, yaml_found))
    waiting = []
    for sec in report.sections:
        review = reviews.sections.get(sec.id, Review("pending"))
        if review.status == "approved":
            continue
        waiting.append(sec.id)
        blocked = "draft" if sec.id in blank else ("errors" if errors_in[sec.id] else "")
        for person in review.eligible:
            items.append(
                _item(
                    report,
                    today,
                    person,
                    "signoff",
                    target=sec.id,
                    title=sec.title,
                    blocked=blocked,
                    errors=errors_in[sec.id],
                )
            )
    if reviews.report.status != "approved":
        total = sum(errors_in.values()) + sum(f.severity == ERROR for f in yaml_found)
        blocked = "sections" if waiting else ("errors" if total else "")
        for person in reviews.report.eligible:
            items.append(
                _item(
                    report,
                    today,
                    person,
                    "final",
                    target="report",
                    title=report.title,
                    blocked=blocked,
                    errors=total,
                )
            )
    if reviews.roster.status == "pending":
        for person in reviews.roster.eligible:
            items.append(
                _item(report, today, person, "roster", target="roster", title=report.title)
            )
    return tuple(items)


@functools.lru_cache(maxsize=4096)
def _unwritten(body: str, line: int) -> bool:
    """Whether a section's text is empty or only placeholders; kept by text, because the
    review page plans every inbox at every commit and most commits change no text."""
    return bool(unwritten(parse(body, line)))


def _fix(
    report: model.Report,
    today: dt.date,
    person: str,
    target: str,
    title: str,
    found: Sequence[Finding],
) -> Item:
    return _item(
        report,
        today,
        person,
        "fix",
        target=target,
        title=title,
        errors=sum(f.severity == ERROR for f in found),
        warnings=sum(f.severity != ERROR for f in found),
        findings=tuple(f"{f.file}:{f.line}:{f.column} {f.rule}" for f in found),
    )


def by_person(report: model.Report, items: Sequence[Item]) -> dict[str, list[Item]]:
    """Every person of the report (in report.yaml order) with their items, none left out:
    "nothing to do" is an answer too. Items for someone not in people come last."""
    out: dict[str, list[Item]] = {pid: [] for pid in report.people}
    for item in items:
        out.setdefault(item.person, []).append(item)
    return out


# --- the I/O edge --------------------------------------------------------------------------


def reviews_at_head(report_dir: Path) -> tuple[Reviews, str | None]:
    """The gate's verdict at HEAD as ``Reviews`` (who may approve what now, by name), and who
    last changed report.yaml (a person id), or (no reviews, None) outside git."""
    from reportflow.core import gitio
    from reportflow.core.errors import ReportflowError
    from reportflow.signoff import approval

    repo = gitio.find_repo(report_dir)
    if repo is None or not gitio.has_commits(repo):
        return Reviews(), None
    try:
        ctx = approval.load_context(report_dir, "HEAD")
    except ReportflowError:
        return Reviews(), None  # e.g. the report folder is not committed yet
    verdict, result = approval.decide(ctx)
    return reviews_of(repo, ctx, verdict, result)


def reviews_of(repo: Any, ctx: Any, verdict: Any, result: Any) -> tuple[Reviews, str | None]:
    """``reviews_at_head`` from a decision already made (the review page keeps one per HEAD)."""
    from reportflow.core import gitio

    eff = result.roster.roster
    if eff is None:
        return Reviews(), None
    sections: dict[str, Review] = {}
    for sec in ctx.facts.sections:
        v = verdict.sections.get(sec.id)
        if v is None:
            continue
        excluded = excluded_now(v)
        who = eff.policy.for_section(sec.id)
        eligible = tuple(
            p
            for p in eff.people
            if eff.eligible(who, p) and p not in excluded and p not in v.approvers
        )
        sections[sec.id] = Review(v.status, eligible)
    final = verdict.report
    done = final.approvers if final is not None else ()
    report_review = Review(
        "approved" if verdict.passed else verdict.report_status,
        tuple(
            p
            for p in eff.people
            if eff.may_approve_report(p) and p not in done and p not in excluded_now(final)
        ),
    )
    roster_review = Review(
        verdict.roster_status,
        tuple(p for p in eff.people if eff.may_approve_report(p)),
    )
    coordinator = None
    yaml_path = f"{ctx.folder}/{model.REPORT_FILE}" if ctx.folder else model.REPORT_FILE
    walk = getattr(ctx, "walk", None)
    if walk is not None:  # the decision's own history walk: no second ``git log``
        last = next((c for c in walk.changes.get(yaml_path, ()) if not c.merge), None)
        email = last.email if last is not None else None
    else:
        change = gitio.last_changes(repo, ctx.folder or ".").get(yaml_path)
        email = change.email if change is not None else None
    if email is not None:
        coordinator = eff.person_by_email(email)
    return Reviews(MappingProxyType(sections), report_review, roster_review), coordinator


def excluded_now(verdict: Any) -> dict[str, str]:
    """People separation of duties keeps from approving a section (or the report) now, with
    why: the gate's own judgement, which ``reportflow signoff`` also refuses by."""
    return dict(verdict.excluded) if verdict is not None else {}


def gather(report_dir: Path, today: dt.date | None = None) -> tuple[model.Report, list[Item]]:
    """The to-do items of the report in ``report_dir``: the working tree's text and findings
    (what the drafters see), the sign-offs as the gate judges them at HEAD."""
    from reportflow import validate

    report = model.load_report(report_dir)
    findings = validate.check(report).findings
    reviews, coordinator = reviews_at_head(Path(report_dir))
    items = plan(report, reviews, findings, today or dt.date.today(), coordinator=coordinator)
    return report, list(items)


def escalations(report: model.Report, items: Sequence[Item]) -> dict[str, list[Item]]:
    """After a due date: each final approver hears of the overdue items of others (who has
    not drafted, fixed or signed what by when), so the person who answers for the report
    knows whom to chase. Pure; nothing when nothing is overdue or nobody approves finally."""
    finals = [i.person for i in items if i.kind == "final"]
    if not finals:
        finals = [
            pid
            for pid, person in report.people.items()
            if set(person.roles) & set((report.policy.get("report") or {}).get("roles") or ())
        ]
    out: dict[str, list[Item]] = {}
    for boss in dict.fromkeys(finals):
        late = [i for i in items if i.overdue and i.person != boss and i.kind != "final"]
        if late:
            out[boss] = late
    return out
