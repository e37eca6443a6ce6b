"""The gate's decision at an ancestor of a commit whose context is already read: how the gate
judges the newest release tag (``release/tagcheck.py``) without a second history walk.

Why: a releaser holds a key that signs tags and release records, so a tag and its record made
by hand on a commit nobody approved look exactly like ``release``'s (issue 11, the gap left
after family 1). Only the approval at the tagged commit tells them apart. Binding the release
record to the records it was released under would not do: checking the binding means
verifying those records' signatures against the texts at the tagged commit, and the
decision needs rejects, separation of duties and the roster too, so it is the gate again.
A second ``load_context`` at the tagged commit costs about as much as the gate itself (the
history walk, and parsing the ledger's thousand records), which breaks the gate's 3x goal.
But everything that decision reads is in the context already read for HEAD: the walk holds
every commit (one ``git log`` without a pathspec), the ledger every record with the commit
that added it, and the roster chain the commits where each roster took effect. The ledger
at the tagged commit is the records added in its history; its history is the changes of
commits in its history; its texts are HEAD's when the sections and report.yaml trees are the
same, else one ``ls-tree`` and parse. Signatures HEAD's decision verified against the same
roster are not verified again.

Where the context cannot answer exactly (HEAD's ledger or roster chain is damaged, a roster
took effect or the trust root changed after the tagged commit) ``at`` returns None and the
caller evaluates at the commit from scratch, as it also does to confirm a "not approved"
(which then costs a full evaluation, only for a tag that is not a release). Conservative in
one place: a reject that reviewed a commit in the tag's history is kept even if HEAD saw it
added by a commit that is not (the same record committed twice); it can only make the
answer "not approved", which the full evaluation then decides. Ledger damage at the tagged
commit itself (a record file missing there) is not judged: every record ever added counts
either way, so it cannot turn a rejected or pending text into an approved one.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reportflow.content import model
from reportflow.core import gitio
from reportflow.core.errors import ContentError, GitError
from reportflow.core.history import Change
from reportflow.signoff import approval, gate, ledger, roster, trust
from reportflow.signoff.ledger import SignoffRecord


def at(
    ctx: approval.Context, decided: gate.GateResult, commit: str, report_dir: Path
) -> approval.Approval | None:
    """The decision at ``commit``, an ancestor of ``ctx.commit``, from ``ctx`` (HEAD's) and
    ``decided`` (HEAD's result, for its verified signatures); None when only a full
    evaluation at ``commit`` can tell."""
    dag, walk, chain = ctx.dag, ctx.walk, ctx.chain
    if dag is None or walk is None or chain is None or ctx.blocking or chain.problem:
        return None
    if commit not in dag or not dag.is_ancestor(commit, ctx.commit):
        return None
    seen = dag.ancestors(commit)
    if any(link.effect is not None and link.effect not in seen for link in chain.links):
        return None  # a roster took effect after the tagged commit
    root_files = (p for p in walk.changes if p.startswith(trust.FOLDER + "/"))
    if any(c.commit not in seen for p in root_files for c in walk.changes[p]):
        return None  # the trust root changed after the tagged commit
    texts = _texts(ctx, commit, report_dir)
    if texts is None:
        return None
    report, facts, candidate = texts
    records = [r for r in ctx.records if _in_ledger(r, ctx, seen)]
    history, report_history = _histories(ctx, report, seen)
    there = replace(
        ctx,
        commit=commit,
        report=report,
        facts=facts,
        candidate=candidate,
        records=records,
        problems=[],
        history=history,
        report_history=report_history,
    )
    return approval.decide(there, known=_verified(ctx, decided))[0]


def _in_ledger(rec: SignoffRecord, ctx: approval.Context, seen: frozenset[str]) -> bool:
    if ctx.added_in.get(rec.digest) in seen:
        return True
    return rec.decision == "reject" and rec.commit in seen


def _verified(
    ctx: approval.Context, decided: gate.GateResult
) -> tuple[str, dict[str, ledger.Verification]] | None:
    """HEAD's verified section and report records, with the roster they were verified by."""
    eff = decided.roster.roster
    if eff is None:
        return None
    found: dict[str, ledger.Verification] = {}
    for rec in decided.counted:
        if rec.scope != "roster":
            found[rec.digest] = "valid"
    for rec in decided.invalid:
        if rec.scope != "roster":
            found[rec.digest] = "invalid"
    return eff.digest, found


Texts = tuple[model.Report, gate.Facts, "roster.Roster | None"]


def _texts(ctx: approval.Context, commit: str, report_dir: Path) -> Texts | None:
    """The report, its facts and report.yaml's roster at ``commit``: HEAD's when its
    sections folder and report.yaml are the same objects there (one ``rev-parse``)."""
    folder = "" if ctx.folder in ("", ".") else ctx.folder + "/"
    specs = [f"{folder}{model.SECTIONS_DIR}", f"{folder}{model.REPORT_FILE}"]
    try:
        ids = gitio.run(
            ctx.repo, "rev-parse", *(f"{c}:{s}" for c in (commit, ctx.commit) for s in specs)
        )
    except GitError:
        return None
    ids_list = ids.split()
    if ids_list[:2] == ids_list[2:]:
        return ctx.report, ctx.facts, ctx.candidate
    try:
        snap = model.snapshot(ctx.repo, commit, ctx.folder, report_dir)
    except (ContentError, GitError):
        return None
    report, blobs = snap.report, snap.blobs
    sections = tuple(gate.SectionFacts(s.id, s.title, blobs[s.path]) for s in report.sections)
    fingerprint = ledger.report_fingerprint(
        blobs[model.REPORT_FILE], [(s.id, s.blob) for s in sections]
    )
    candidate = roster.from_doc(report.raw, f"report.yaml at {commit[:10]}", commit)
    return report, gate.Facts(report.report, report.year, sections, fingerprint), candidate


def _histories(
    ctx: approval.Context, report: model.Report, seen: frozenset[str]
) -> tuple[dict[str, tuple[Change, ...]], tuple[Change, ...]]:
    """Per section and for the whole report, the changes made in the history of the tagged
    commit, newest first (as ``approval.load_context`` builds them for its commit)."""
    assert ctx.walk is not None
    folder = "" if ctx.folder in ("", ".") else ctx.folder + "/"
    changes = ctx.walk.changes
    by_path = {f"{folder}{s.path}": s.id for s in report.sections}
    mine = {p: tuple(c for c in changes.get(p, ()) if c.commit in seen) for p in by_path}
    per_section = {by_path[p]: c for p, c in mine.items() if p in changes}
    place = {sha: i for i, sha in enumerate(ctx.walk.commits)}
    yaml_path = f"{folder}{model.REPORT_FILE}"
    whole = [*(c for cs in mine.values() for c in cs)]
    whole += [c for c in changes.get(yaml_path, ()) if c.commit in seen]
    return per_section, tuple(sorted(whole, key=lambda c: place.get(c.commit, 1 << 30)))
