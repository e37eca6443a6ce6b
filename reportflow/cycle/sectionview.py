"""The section page's content, decided without the web: the section as it will print, what
changed since this reviewer last approved it (or since the last release), the findings, who
wrote the changes, and whether this reviewer may approve it.

Nothing an author can make with plain git is taken on trust: the text a reviewer "last
approved" is the commit of their own newest approval of this section *whose signature
verifies* against the roster and whose fingerprint is the section's blob at that commit; "the
last release" is the newest release record that verifies. A forged record or tag cannot shrink
the diff a reviewer is shown. The decision it lays out is ``review``'s, kept per HEAD.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportflow.audit import versions
from reportflow.audit.versions import SectionDiff
from reportflow.core import gitio, pandoc
from reportflow.core.errors import ReportflowError
from reportflow.cycle.review import Decision, latest
from reportflow.signoff import approval, ledger
from reportflow.signoff.ledger import SignoffRecord
from reportflow.signoff.roster import Roster
from reportflow.validate.findings import Finding


@dataclass(frozen=True)
class SectionPage:
    id: str
    title: str
    status: str
    still_needed: str
    blob: str
    commit: str
    html: str  # the section rendered as the HTML output prints it (pandoc, escaped)
    base: str  # "approved" (this reviewer's last approval) | "release" | "" (no earlier text)
    base_commit: str
    diff: SectionDiff | None
    authors: tuple[str, ...]  # who wrote the changes shown (names), or the text's authors
    findings: tuple[Finding, ...]
    excluded: str  # why this reviewer may not approve it now ("" when they may)
    eligible: bool  # the policy lets this reviewer approve this section at all


@functools.lru_cache(maxsize=64)
def _compare(report_dir: str, old: str, new: str) -> versions.VersionDiff:
    """``versions.compare`` of two commits: pure, so kept."""
    return versions.compare(Path(report_dir), old, new)


@functools.lru_cache(maxsize=512)
def render_html(body: str) -> str:
    """A section's Markdown as HTML, read as the renderer reads it (no raw HTML, TeX or
    attributes pass: a ``<script>`` in the text is text). Cached by text: it is pure."""
    args = ["--sandbox", "--wrap=none", "--shift-heading-level-by=1"]
    return pandoc.convert(body, "html5", pandoc.RENDER_IN, args)


def _verified_own(
    records: Sequence[SignoffRecord], keys: Sequence[str], ok: object
) -> SignoffRecord | None:
    """The newest record of ``records`` whose signature verifies and ``ok`` accepts."""
    for rec in sorted(records, key=lambda r: r.order, reverse=True):
        if ledger.verify(rec, keys) == "valid" and ok(rec):  # type: ignore[operator]
            return rec
    return None


def _base(
    ctx: approval.Context, eff: Roster | None, sid: str, person: str, blob: str
) -> tuple[str, str]:
    """(what, commit) the diff starts from: this reviewer's last verified approval of an
    earlier text of the section, else the last verified release, else nothing."""
    if eff is None:
        return "", ""
    keys_of = eff.keys_of()
    repo, path = ctx.repo, _section_path(ctx, sid)

    def text_matches(rec: SignoffRecord) -> bool:
        try:
            return gitio.run(repo, "rev-parse", f"{rec.commit}:{path}").strip() == rec.fingerprint
        except ReportflowError:  # a commit or a path that is not there: not evidence
            return False

    mine = [
        r for r in ctx.records
        if r.reviewer == person and r.scope == f"section:{sid}" and r.decision == "approve"
        and r.fingerprint != blob and r.signature is not None
    ]  # fmt: skip
    rec = _verified_own(mine, keys_of.get(person, ()), text_matches)
    if rec is not None:
        return "approved", rec.commit
    releases = [r for r in ctx.records if r.scope == "release" and r.signature is not None]
    for rel in sorted(releases, key=lambda r: r.order, reverse=True):
        if ledger.verify(rel, keys_of.get(rel.reviewer, ())) == "valid":
            return "release", rel.commit
    return "", ""


def _section_path(ctx: approval.Context, sid: str) -> str:
    rel = ctx.report.section(sid).path
    return f"{ctx.folder}/{rel}" if ctx.folder not in ("", ".") else rel


def section_page(report_dir: Path, sid: str, person: str, d: Decision | None = None) -> SectionPage:
    """Everything the section page shows ``person`` about section ``sid`` at HEAD (``d``:
    the decision the page lays out)."""
    d = d or latest(report_dir)
    ctx, verdict, result = d.ctx, d.verdict, d.result
    sec = ctx.report.section(sid)  # ContentError for an unknown section
    v = verdict.sections.get(sid)
    blob = next(s.blob for s in ctx.facts.sections if s.id == sid)
    eff = result.roster.roster
    base, base_commit = _base(ctx, eff, sid, person, blob)
    diff = None
    names: list[str] = []
    if base_commit:
        whole = _compare(str(report_dir), base_commit, ctx.commit)
        diff = next((s for s in whole.sections if s.id == sid), None)
        if diff is not None:
            by = [*diff.inserted_by.values(), *diff.deleted_by.values()]
            names = [b.name or b.person for b in by]
    if not names:  # no earlier text: whoever committed to this section, newest first
        names = [ch.author for ch in ctx.history.get(sid, ()) if ch.author]
    if not names:
        people = ctx.report.people
        names = [people[a].name if a in people else a for a in sec.authors]
    findings = tuple(f for f in d.findings if f.file == sec.path)
    excluded = dict(result.sections[sid].excluded).get(person, "") if sid in result.sections else ""
    return SectionPage(
        sid, sec.title, v.status if v else "pending", v.still_needed if v else "", blob,
        ctx.commit, render_html(sec.body), base, base_commit, diff,
        tuple(dict.fromkeys(names)), findings, excluded,
        eff is not None and eff.may_approve_section(sid, person),
    )  # fmt: skip
