"""The I/O edge of the audit: read the gate's context once and turn it into the timeline.

One history walk serves both the gate's decision and the audit (``approval.load_context``
with the walk started early by ``core.prewalk``; its text also gives each change's previous
blob, ``history.old_blobs``). Commit subjects and author times come from a second, diff-less
``git log`` run on the other core while the context is read; the edits' commit objects, whose
signatures say whether an author is verified (``edits.signers``), are read while the gate
decides. The walk's committer times give the date flags (``timeline.date_flags``).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import MappingProxyType

from reportflow.audit import decisions, edits, inforce, names, releases, versions
from reportflow.audit.timeline import Timeline, date_flags, future_dated, ordered
from reportflow.content import model
from reportflow.core import gitio, history
from reportflow.core.prewalk import Prewalk
from reportflow.signoff import approval


def _person_map(ctx: approval.Context) -> dict[str, str]:
    """e-mail -> person id, from the report's people at the audited commit, then every
    roster of the chain (someone who has left still has their old e-mail mapped)."""
    found: dict[str, str] = {}
    for p in ctx.report.people.values():
        if p.email:
            found.setdefault(p.email.lower(), p.id)
    for roster in [ctx.in_force, *ctx.roster_steps]:
        if roster is not None:
            for pid, member in roster.people.items():
                if member.email:
                    found.setdefault(member.email.lower(), pid)
    return found


def collect(report_dir: Path, rev: str = "HEAD", early: Prewalk | None = None) -> Timeline:
    report_dir = Path(report_dir)
    repo = gitio.require_repo(report_dir)
    commit = versions.resolve_at(repo, report_dir, rev)  # v<N> is a release
    if early is None:
        early = Prewalk(report_dir, commit)
    folder = gitio.relpath(repo, report_dir)
    prefix = (f"{folder}/" if folder not in ("", ".") else "") + model.SECTIONS_DIR + "/"
    yaml_path = (f"{folder}/" if folder not in ("", ".") else "") + model.REPORT_FILE
    with ThreadPoolExecutor(max_workers=3) as pool:
        notes_job = pool.submit(gitio.commit_notes, repo, commit)
        # git reads every version of every section while the gate reads its context and
        # decides; the thread waits for the walk, so the gate's snapshot and parse go on
        # meanwhile (waiting for it here left this thread idle 0.3 s of a 10,000-commit walk)
        text_job = pool.submit(_walk_text, repo, early, commit)
        blobs_job = pool.submit(
            lambda: gitio.read_blobs(repo, edits.blobs_in(text_job.result(), prefix))
        )
        ctx = approval.load_context(report_dir, commit, early=early)
        walk = ctx.walk
        assert walk is not None  # load_context always sets it
        before = history.old_blobs(text_job.result(), (prefix,))
        found = edits.touches(walk, prefix, before)
        # the edits' commit objects (is each signed?) are read while the gate decides
        raw_job = pool.submit(gitio.read_blobs, repo, sorted({t.commit for t in found}))
        notes = notes_job.result()
        _approval, result = approval.decide(ctx)
        versions_read = edits.read_versions(repo, found, blobs_job.result())
    person_of = _person_map(ctx)

    def person(sha: str) -> str:
        c = walk.commits.get(sha)
        if c is None:
            return ""
        if not c.emails:
            return c.author
        # the author (the first e-mail), as an edit's person is
        return person_of.get(c.emails[0], f"{c.author} <{c.emails[0]}>")

    person_at = {sha: person(sha) for sha in walk.commits}
    commit_time = {sha: when for sha, (when, _subject) in notes.items()}
    # approved rosters only, the one in force at each commit: report.yaml's own roster lists
    # whatever keys its last editor typed
    in_force = inforce.of(ctx, result)
    signed_by = edits.signers(raw_job.result(), person_at, in_force.roster_at)
    edit_list = edits.edit_events(versions_read, found, person_of, notes, signed_by)
    # the releases are judged as at HEAD (their records are committed after their tags)
    at_head = commit == gitio.resolve(repo, "HEAD")
    head = (ctx, result.roster.roster) if at_head else None
    release_list, released = releases.release_events(report_dir, person_of, ctx.report, head)
    checked = decisions.signatures(ctx, result, in_force=in_force)
    signoffs = decisions.signoff_events(
        ctx, result, released, result.roster.roster, commit_time, checked
    )
    now = time.time()
    sources = tuple(f"{r.source}:" for r in ctx.records if r.source)
    used = {line for line in ctx.problems if line.startswith(sources)}
    events = [
        *decisions.roster_events(ctx, result, yaml_path, person_at, commit_time, checked),
        *edit_list,
        *signoffs,
        *releases.ledger_flags(ctx, person_at, commit_time),
        *releases.merge_flags(edit_list),
        *release_list,
        *releases.problem_flags(ctx, used, commit_time),
        *date_flags(walk.commits, person_at, commit_time, now),
    ]
    yaml_changes = walk.changes.get(yaml_path, ())
    last = yaml_changes[0].commit if yaml_changes else None
    people, name_flags = names.approved(
        repo,
        yaml_path,
        {pid: p.name for pid, p in ctx.report.people.items()},
        release_list,
        lambda sha: sha in walk.commits,
        (last, person_at.get(last, ""), commit_time.get(last, "")) if last else None,
    )
    events += name_flags
    place = {sha: i for i, sha in enumerate(reversed(list(walk.commits)))}
    return Timeline(
        ctx.report.report,
        ctx.report.year,
        ctx.report.title,
        commit,
        MappingProxyType(people),
        ordered(events, place),
        clock_bound=future_dated(walk.commits, commit_time, now),
    )


def _walk_text(repo: object, early: Prewalk, commit: str) -> str:
    """The walk's ``git log`` text (the early walk's, or read again if it did not start at
    this commit)."""
    from reportflow.core.prewalk import LOG_ARGS

    text = early.output_for(commit)
    return text if text is not None else gitio.run(repo, *LOG_ARGS, commit)  # type: ignore[arg-type]
