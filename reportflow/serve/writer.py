"""The review server's single writer: web decisions queued, committed several to a commit.

Twenty reviewers approving at once made twenty commits one after another, each waiting for
the one before (git has one index), and the last waited for all of them (bench/bench_serve.py).
Here one thread takes every record queued while the previous commit was made and commits them
together: one ``git add`` and one ``git commit`` of several record files.

Who is the author of a commit holding several records? One record: its reviewer, exactly as
``reportflow signoff`` commits it (``signoff.commit_record``). Several: the review server's
git identity (``gitio.committer``), each reviewer named in the message. That is still sound:
a commit's author is never evidence (anyone with git sets it to anything); what counts is the
record's own signature, verified against the roster by the gate, ``status`` and ``verify``,
whichever commit carries it. Separation of duties reads the commits that change sections and
report.yaml, never the ones that only add records, so the author of this commit decides
nothing either.

After each commit the writer pushes (when the server was told to, ``--push``) and wakes the
waiting release runs on another thread; a push is made by this thread, between two commits,
because a push that finds the remote ahead rebases our commits in the work tree we commit to.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from reportflow.content import model
from reportflow.core import gitio
from reportflow.core.errors import Refused, ReportflowError
from reportflow.core.i18n import _
from reportflow.cycle import review
from reportflow.signoff import approval, ledger

#: at most this many records in one commit (a bounded message, a bounded retry)
BATCH = 50


@dataclass(frozen=True)
class Job:
    ctx: approval.Context
    record: ledger.SignoffRecord
    done: Future[dict[str, str]] = field(default_factory=Future, compare=False)


class Writer:
    """One thread committing queued records; ``submit`` returns what the page confirms.
    ``push``: push each commit to ``origin`` and wake the release runs waiting on the report,
    as ``reportflow signoff --push`` does."""

    def __init__(self, report_dir: Path, lock: threading.Lock, push: bool = False) -> None:
        self.report_dir = Path(report_dir)
        self.lock = lock  # shared with the passkey registration, which commits report.yaml
        self.push = push
        self.jobs: queue.Queue[Job] = queue.Queue()
        #: per commit made here: what its push and wake said (shown on the confirmation)
        self.pushed: dict[str, list[str]] = {}
        #: a commit of ours that a push rebased onto the remote: the commit it became
        self.moved: dict[str, str] = {}
        self.commits = 0  # commits made (the benchmark reports records per commit)
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def submit(self, job: Job, timeout: float = 120.0) -> dict[str, str]:
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="writer", daemon=True)
                self._thread.start()
        self.jobs.put(job)
        return job.done.result(timeout=timeout)

    def drain(self, timeout: float = 60.0) -> bool:
        """Wait until every decision submitted so far is committed (or refused): what the
        server's shutdown waits for, so that a decision the writer accepted is in git before
        the process ends, even one whose page stopped waiting for it. False on timeout."""
        with self.jobs.all_tasks_done:
            return self.jobs.all_tasks_done.wait_for(
                lambda: self.jobs.unfinished_tasks == 0, timeout
            )

    def _loop(self) -> None:
        while True:
            batch = [self.jobs.get()]
            while len(batch) < BATCH:
                try:
                    batch.append(self.jobs.get_nowait())
                except queue.Empty:
                    break
            try:
                self._run(batch)
            finally:
                for _job in batch:
                    self.jobs.task_done()

    def _run(self, batch: list[Job]) -> None:
        try:
            commit, paths = self._commit(batch)
        except Exception as exc:  # every page waiting on this batch is told
            for job in batch:
                if not job.done.done():
                    job.done.set_exception(exc)
            return
        if commit and self.push:
            self._push(commit, paths)

    def _commit(self, batch: list[Job]) -> tuple[str, list[str]]:
        """Commit the records of ``batch`` that still hold; each job's future resolved."""
        with self.lock:
            ready: list[tuple[Job, Path]] = []
            blobs = _blobs_at_head(batch)
            folder = self.report_dir / model.SIGNOFFS_DIR
            for job in batch:
                try:
                    still_holds(job.ctx, job.record, blobs)
                    ready.append((job, ledger.write_record(folder, job.record)))
                except Exception as exc:  # this record only: the others are committed
                    job.done.set_exception(exc)
            if not ready:
                return "", []
            repo = ready[0][0].ctx.repo
            paths = [gitio.relpath(repo, p) for _, p in ready]
            try:
                commit = gitio.commit_files(repo, paths, *_message(ready[0][0].ctx, ready))
            except Exception:
                gitio.run(repo, "reset", "-q", "--", *paths)
                for _, path in ready:
                    path.unlink(missing_ok=True)
                raise
            self.commits += 1
            # the parent the commit names, not HEAD read before it: an author committing in
            # the server's worktree in between would be hidden behind "records only"
            parent = gitio.first_parent(repo, commit)
            if parent is not None:
                review.records_added(parent, commit)  # pages may show the decision before it
        for (job, _path), rel in zip(ready, paths, strict=True):
            job.done.set_result({
                "file": rel, "commit": commit, "scope": job.record.scope,
                "decision": job.record.decision, "person": job.record.reviewer,
            })  # fmt: skip
        return commit, paths

    def _push(self, commit: str, paths: list[str]) -> None:
        """Push, as ``signoff.push_and_wake`` does, but in two steps: ``gitio.push`` under the
        commit lock (when the remote is ahead it rebases our commits in the work tree the next
        batch is committed to), then ``wake.wake`` on its own thread (it may wait up to
        ``REPORTFLOW_WAKE_WAIT`` seconds for a busy run, which must not hold up commits)."""
        repo = gitio.require_repo(self.report_dir)
        try:
            with self.lock:
                branch = gitio.current_branch(repo) or "main"
                gitio.push(repo, branch)
                now = gitio.run(repo, "log", "-1", "--format=%H", "--", paths[0]).strip()
        except ReportflowError as exc:
            self.pushed[commit] = [_("could not push to origin: {error}").format(error=exc.message)]
            return
        if now and now != commit:
            self.moved[commit] = now
        self.pushed[commit] = [_("pushed to origin/{branch}").format(branch=branch)]
        threading.Thread(target=self._wake, args=(commit,), daemon=True).start()

    def _wake(self, commit: str) -> None:
        from reportflow.core import wake

        report = model.load_report(self.report_dir)
        woken, error = wake.wake(report.report, report.year)
        lines = list(self.pushed.get(commit, []))
        if error:
            lines.append(_("could not wake the waiting release runs: {error}").format(error=error))
        elif woken:
            lines.append(_("woke release run {runs}").format(runs=", ".join(woken)))
        self.pushed[commit] = lines


def _section_path(ctx: approval.Context, sid: str) -> str:
    return _join(ctx.folder, ctx.report.section(sid).path)


def _blobs_at_head(batch: list[Job]) -> dict[str, str]:
    """The blob at HEAD of every section a record of ``batch`` names: one ``git ls-tree``."""
    paths = {_section_path(j.ctx, j.record.section_id) for j in batch if j.record.section_id}
    if not paths:
        return {}
    out = gitio.run(batch[0].ctx.repo, "ls-tree", "-z", "HEAD", "--", *sorted(paths))
    found = {}
    for entry in out.split("\0"):
        meta, _tab, path = entry.partition("\t")
        if path:
            found[path] = meta.split()[2]
    return found


def still_holds(
    ctx: approval.Context, record: ledger.SignoffRecord, blobs: dict[str, str] | None = None
) -> None:
    """Refused when the text the record names is no longer the report's at HEAD (changed
    since the page was opened): the record would count for nothing, or, for the final
    approval, vouch for a text nobody read; say so instead of committing it. ``blobs``: the
    sections' blobs at HEAD by path, when the caller has them."""
    sid = record.section_id
    if sid is not None:
        path = _section_path(ctx, sid)
        if blobs is None or path not in blobs:
            blobs = {path: gitio.run(ctx.repo, "rev-parse", f"HEAD:{path}").strip()}
        same = blobs[path] == record.fingerprint
    else:  # the report's fingerprint: report.yaml and every section, as prepare() read them
        paths = [_join(ctx.folder, model.REPORT_FILE)]
        paths += [_join(ctx.folder, s.path) for s in ctx.report.sections]
        changed = gitio.run(ctx.repo, "diff", "--name-only", ctx.commit, "HEAD", "--", *paths)
        if changed.strip():
            raise Refused(
                _("the report has changed since you opened it"),
                hint=_("open the page again and read the new text"),
            )
        return
    if not same:
        raise Refused(
            _("section {section} has changed since you opened it").format(section=sid),
            hint=_("open the page again and read the new text"),
        )


def _join(folder: str, rel: str) -> str:
    return f"{folder}/{rel}" if folder not in ("", ".") else rel


def _message(ctx: approval.Context, ready: list[tuple[Job, Path]]) -> tuple[str, str]:
    """(message, author) of the commit: the reviewer for one record, the server for several
    (see the module's docstring for why that is sound)."""
    records = [job.record for job, _ in ready]
    if len(records) == 1:
        rec = records[0]
        person = ctx.report.people.get(rec.reviewer)
        name = person.name if person else rec.reviewer
        email = (person.email if person else None) or f"{rec.reviewer}@reportflow.invalid"
        return _line(rec), f"{name} <{email}>"
    head = f"signoff: {len(records)} web decisions of {records[0].report}/{records[0].year}"
    return "\n".join([head, "", *(_line(r) for r in records)]), gitio.committer(ctx.repo)


def _line(rec: ledger.SignoffRecord) -> str:
    what = "approve" if rec.decision == "approve" else "reject"
    scope = rec.scope.replace("section:", "section ")
    return f"signoff: {rec.reviewer} {what}s {scope} of {rec.report}/{rec.year}"


__all__ = ["Job", "Writer"]
