"""What the review page shows, decided without the web: a reviewer's inbox and the report's
status, from the gate's decision at HEAD, made once per HEAD and kept (the section page's
content is ``sectionview``'s, from the same decision).

``reportflow serve`` only lays these out. Everything is read from git at HEAD (the text that
a sign-off will name), never from the working tree; a page shows the commit it was decided
at, and a sign-off decides again at HEAD.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportflow.content import model
from reportflow.core import gitio
from reportflow.cycle import recordsonly, todo
from reportflow.signoff import approval, remember
from reportflow.signoff.gate import GateResult
from reportflow.validate.findings import Finding

#: the to-do kinds that are a reviewer's: what the inbox lists
INBOX_KINDS = ("signoff", "final", "roster")


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    status: str  # approved | pending | stale | rejected
    still_needed: str
    approvers: tuple[str, ...]


@dataclass(frozen=True)
class ReportView:
    report: str
    year: int
    title: str
    commit: str
    rows: tuple[Row, ...]
    final: Row
    passed: bool
    roster_status: str
    due: str | None
    fingerprint: str  # the report's, which the final approval names (the page sends it back)


@dataclass(frozen=True)
class Decision:
    """The gate's decision at one commit and what the pages derive from it. A pure function
    of the commit (and the pin): kept per HEAD, so that twenty reviewers reading pages between
    two sign-offs cost one decision, not twenty (bench/bench_serve.py)."""

    ctx: approval.Context
    verdict: approval.Approval
    result: GateResult
    findings: tuple[Finding, ...]
    reviews: todo.Reviews
    coordinator: str | None
    #: the report as read at the commit: the next decision starts from it when the commits
    #: since only added records (``recordsonly.extended``)
    snap: model.Snapshot | None = None


_KEEP = 4  # decisions kept: HEAD and a few before it (a page opened just before a sign-off)
_decisions: OrderedDict[tuple[str, str, str], Decision] = OrderedDict()
_filling: dict[tuple[str, str, str], threading.Lock] = {}
#: validation findings by report fingerprint (report.yaml and every section's blob): the
#: findings are a function of the text, which most commits (sign-offs) do not change
_findings: OrderedDict[str, tuple[Finding, ...]] = OrderedDict()
#: per report folder and pin: the newest decision made (by when its HEAD was asked for), what
#: ``latest`` shows while the one for a new HEAD is being made
_newest: dict[tuple[str, str], tuple[int, Decision]] = {}
_refreshing: set[tuple[str, str, str]] = set()
_asked = itertools.count()
#: commits that only add sign-off records, made by this process: commit -> its parent
_records_only: dict[str, str] = {}
#: what the pages derive from a decision, kept with it: (report folder, commit, pin, ...)
_derived: OrderedDict[tuple[object, ...], object] = OrderedDict()
_making: dict[tuple[object, ...], threading.Lock] = {}
_guard = threading.Lock()
#: signature checks, remembered for the life of the server (``remember.py``)
_verify = remember.Remembered()


@functools.lru_cache(maxsize=16)
def _repo(report_dir: str) -> object:
    """The repository of a report folder, found once: finding it (``git.Repo``) walks the
    folders up, and every page asks for HEAD."""
    return gitio.require_repo(Path(report_dir))


@functools.lru_cache(maxsize=64)
def _where(report_dir: Path) -> str:
    return str(Path(report_dir).resolve())


def _key(report_dir: Path) -> tuple[str, str, str]:
    where = _where(Path(report_dir))
    return (where, gitio.head_id(_repo(where)), pin_env())  # type: ignore[arg-type]


def decision(report_dir: Path) -> Decision:
    """The decision at HEAD, made once per HEAD however many requests ask at once. What a
    sign-off checks (``signoff.prepare``) and the login read: never an older one."""
    from reportflow import validate

    key = _key(report_dir)
    asked = next(_asked)
    with _guard:
        found = _decisions.get(key)
        if found is not None:
            return found
        lock = _filling.setdefault(key, threading.Lock())
    with lock:
        with _guard:
            found = _decisions.get(key)
        if found is not None:
            return found
        snap, since = _snapshot(report_dir, key)
        ctx = approval.load_context(report_dir, at=snap, since=since)
        verdict, result = approval.decide(ctx, _verify)
        reviews, coordinator = todo.reviews_of(ctx.repo, ctx, verdict, result)
        findings = _findings.get(ctx.facts.report_fingerprint)
        if findings is None:  # the text changed: validate it (a sign-off changes no text)
            findings = tuple(validate.check(ctx.report).findings)
        made = Decision(ctx, verdict, result, findings, reviews, coordinator, snap)
        with _guard:
            _decisions[key] = made
            _findings[ctx.facts.report_fingerprint] = findings
            if _newest.get((key[0], key[2]), (-1, None))[0] < asked:
                _newest[(key[0], key[2])] = (asked, made)
            while len(_decisions) > _KEEP:
                _decisions.popitem(last=False)
            while len(_findings) > _KEEP:
                _findings.popitem(last=False)
            _filling.pop(key, None)
        return made


def _snapshot(
    report_dir: Path, key: tuple[str, str, str]
) -> tuple[model.Snapshot, tuple[str, Any] | None]:
    """The report at HEAD (``key[1]``): the newest decision's snapshot with the record files
    added since, when that is all that changed (``recordsonly``), and (its commit, its
    history walk) to walk only the commits since; else read in full, and no walk to start
    from."""
    repo = _repo(key[0])
    with _guard:
        newest = _newest.get((key[0], key[2]))
    old = newest[1] if newest is not None else None
    if old is not None and old.snap is not None:
        found = recordsonly.extended(repo, old.snap, key[1])
        if found is not None:
            since = (old.snap.commit, old.ctx.walk) if old.ctx.walk is not None else None
            return found, since if found.commit != old.snap.commit else None
    folder = gitio.relpath(repo, Path(report_dir))  # type: ignore[arg-type]
    return model.snapshot(repo, key[1], folder, Path(report_dir)), None


def latest(report_dir: Path) -> Decision:
    """``current``'s decision."""
    return current(report_dir)[0]


def current(report_dir: Path) -> tuple[Decision, bool]:
    """(decision, whether its commit is HEAD), HEAD read once: a page lays out one decision
    and says when HEAD has moved on since (each read of the ref files is a file opened and,
    under load, a wait for the GIL after it).

    For the pages that decide nothing (inbox, report, section): the decision at HEAD when
    it is made, else the newest one made before while the one for HEAD is made on another
    thread, as long as the commits since are only records this server committed
    (``records_added``). Every sign-off made on the server moves HEAD, and twenty pages
    waiting for each new decision was what made them slow under load (bench/bench_serve.py).
    A page shows the commit it was decided at; a sign-off decides again at HEAD
    (``decision``), and names the text the page showed (``seen``), refused when HEAD's
    differs."""
    key = _key(report_dir)
    with _guard:
        found = _decisions.get(key)
        if found is not None:
            return found, True
        older = _newest.get((key[0], key[2]))
        if older is not None and not _only_records(older[1].ctx.commit, key[1]):
            older = None  # text, roster or policy may have changed: decide at HEAD first
        start = older is not None and key not in _refreshing
        if start:
            _refreshing.add(key)
    if older is None:
        made = decision(report_dir)
        return made, made.ctx.commit == key[1]
    if start:
        threading.Thread(target=_refresh, args=(report_dir, key), daemon=True).start()
    return older[1], older[1].ctx.commit == key[1]


def records_added(parent: str, commit: str) -> None:
    """Tell ``latest`` that ``commit`` (on ``parent``) only adds sign-off records: the review
    server's writer says so of its own commits. Anything else between a decision and HEAD (an
    edit, a roster change, a rebase onto the remote) and the pages wait for HEAD's decision."""
    with _guard:
        _records_only[commit] = parent
        while len(_records_only) > 4096:
            _records_only.pop(next(iter(_records_only)))


def _only_records(old: str, head: str, steps: int = 256) -> bool:
    """Whether every commit from ``old`` to ``head`` is one ``records_added`` named."""
    at = head
    for _ in range(steps):
        if at == old:
            return True
        parent = _records_only.get(at)
        if parent is None:
            return False
        at = parent
    return False


def _refresh(report_dir: Path, key: tuple[str, str, str]) -> None:
    """HEAD's decision made off the pages' path, and what the pages derive from it (today's
    plan, the report view), so that the first pages after a sign-off do not make them."""
    try:
        made = decision(report_dir)
        _plan(report_dir, made, dt.date.today())
        report_view(report_dir, made)
    except Exception:  # a page that asks for HEAD's decision itself reports the error
        pass
    finally:
        with _guard:
            _refreshing.discard(key)


def _kept(key: tuple[object, ...], make: Callable[[], object]) -> object:
    """``make()`` once per ``key`` (a decision's commit and what else the result depends on):
    the inbox and the report view are pure functions of the decision. Once: twenty pages
    arriving after a sign-off wait for one ``make()`` instead of each making it, all of
    them holding up one another on the GIL."""
    with _guard:
        if key in _derived:
            return _derived[key]
        lock = _making.setdefault(key, threading.Lock())
    with lock:
        with _guard:
            if key in _derived:
                return _derived[key]
        try:
            value = make()
        except BaseException:  # no lock left behind: the next caller makes it again
            with _guard:
                _making.pop(key, None)
            raise
        with _guard:
            _derived[key] = value
            _making.pop(key, None)
            while len(_derived) > 64:
                _derived.popitem(last=False)
        return value


def pin_env() -> str:
    return os.environ.get("REPORTFLOW_TRUST", "")


def inbox(
    report_dir: Path, person: str, today: dt.date | None = None, d: Decision | None = None
) -> list[todo.Item]:
    """What waits for ``person``: the to-do items (``cycle.todo.plan``) that are theirs to
    sign, as the gate judges them at HEAD (``d``: the decision the page lays out)."""
    d = d or latest(report_dir)
    items = _plan(report_dir, d, today or dt.date.today())
    return [i for i in items if i.person == person and i.kind in INBOX_KINDS]


def _plan(report_dir: Path, d: Decision, day: dt.date) -> list[todo.Item]:
    return _kept(  # type: ignore[return-value]
        ("plan", str(report_dir), d.ctx.commit, pin_env(), day),
        lambda: todo.plan(d.ctx.report, d.reviews, d.findings, day, coordinator=d.coordinator),
    )


def _row(sid: str, title: str, verdict: approval.SectionVerdict | None) -> Row:
    if verdict is None:
        return Row(sid, title, "pending", "", ())
    return Row(sid, title, verdict.status, verdict.still_needed, verdict.approvers)


def report_view(report_dir: Path, d: Decision | None = None) -> ReportView:
    d = d or latest(report_dir)
    return _kept(("view", str(report_dir), d.ctx.commit, pin_env()), lambda: _view(d))  # type: ignore[return-value]


def _view(d: Decision) -> ReportView:
    ctx, verdict = d.ctx, d.verdict
    rows = tuple(_row(s.id, s.title, verdict.sections.get(s.id)) for s in ctx.report.sections)
    final = _row("report", ctx.report.title, verdict.report)
    if verdict.report is None:
        final = Row("report", ctx.report.title, verdict.report_status, "", ())
    return ReportView(
        ctx.report.report, ctx.report.year, ctx.report.title, ctx.commit, rows, final,
        verdict.passed, verdict.roster_status,
        ctx.report.dates.get("approve_by") or ctx.report.dates.get("due"),
        ctx.facts.report_fingerprint,
    )  # fmt: skip
