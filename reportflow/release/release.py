"""Release an approved version: render, archive with a manifest, tag. All or nothing.

Order matters for "nothing half-written": everything is built in a private temporary folder,
then the archive entry appears in one step, and the annotated tag is created last. If tagging
fails, the entry just published is withdrawn, so a failure at any step leaves neither a tag
nor a visible entry, and a rerun starts clean. A per-report lock in the git directory makes two
simultaneous releases of one report end with exactly one winner.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reportflow import __version__
from reportflow.content import model
from reportflow.core import gitio
from reportflow.core.errors import Refused
from reportflow.core.i18n import _
from reportflow.release import anchors, archive, assess, bundle, signing
from reportflow.release.archive import MANIFEST, MANIFEST_SIG, ArchiveStore
from reportflow.release.attach import Attaching, Attachment

FORMATS = ("docx", "pdf", "html")
SOURCES = "sources.tar.gz"
MANIFEST_FORMAT = "reportflow-manifest/2"  # readers accept /1 as well
#: The steps, in order; ``on_step`` is called with each before it runs (progress, and tests
#: inject a fault at any of them).
STEPS = ("check", "render", "sources", "manifest", "publish", "tag", "record")

StepHook = Callable[[str], None]


@dataclass(frozen=True)
class Released:
    version: int
    tag: str
    commit: str
    entry: str
    manifest_sha256: str
    already: bool = False  # this commit had been released before: nothing was done


def archive_location(repo: Any, report: model.Report) -> str:
    """REPORTFLOW_ARCHIVE, else report.yaml ``archive:``, else ``archive/`` at the repo root."""
    configured = os.environ.get("REPORTFLOW_ARCHIVE") or report.archive
    return archive.locate(str(repo.working_tree_dir), configured or None)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


def tools() -> dict[str, str]:
    from importlib import metadata  # ~25 ms of imports, paid while the render runs

    from reportflow.core import pandoc

    found = {"reportflow": __version__, "python": platform.python_version(), "git": gitio.version()}
    found["pandoc"] = pandoc.version()
    for dist in ("typst", "python-docx", "pypandoc-binary"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[dist] = metadata.version(dist)
    return found


def tag_message(manifest: Mapping[str, Any], digest: str, entry: str) -> str:
    lines = [
        f"{manifest['report']} {manifest['year']} v{manifest['version']}: {manifest['title']}",
        "",
        f"manifest-sha256: {digest}",
        f"archive: {entry}",
        "approved-by:",
    ]
    for rec in manifest["signoffs"]:
        lines.append(f"  {rec.get('scope')} {rec.get('reviewer')} {rec.get('time')}")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def release_lock(repo: Any, report: str, year: int) -> Iterator[None]:
    """An exclusive ``flock`` on a file in the git directory, held while the release runs.

    The kernel drops the lock when its holder dies, however it dies, so there is no stale lock
    to detect and take over. The earlier scheme (create the file, then write the pid; a file
    whose pid is dead is removed) had a window in which a second release read the still-empty
    file as a dead holder's and ran at the same time; and removing a lock file always races
    with a third process opening it. The file is therefore never removed; the pid written into
    it only names the holder in the refusal.
    """
    folder = gitio.cache_dir(repo)  # shared by all worktrees of the repository
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"release-{report}-{year}.lock"
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_holder(path)
            raise Refused(
                f"another release of {report}/{year} is running"
                + (f" (pid {holder})" if holder else ""),
                file=path,
                hint="wait for it to finish; nothing was written",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # releases the lock


def _lock_holder(path: Path) -> int | None:
    try:
        return int(path.read_text().strip() or "0") or None
    except (OSError, ValueError):
        return None


def _check(report_dir: Path, snap: model.Snapshot, ctx: Any) -> tuple[Any, Any, Any]:
    """Validation and the gate at the commit (``ctx``: its context); also the roster in force
    there, whose releasers sign this release."""
    from reportflow import validate
    from reportflow.signoff import approval

    commit = snap.commit
    result = validate.check(snap.report)
    if result.errors:
        raise Refused(
            f"validation finds {result.errors} error(s) at {commit[:10]}; nothing was released",
            file=report_dir,
            hint=f"run 'reportflow validate {report_dir}' and fix them",
        )
    verdict, gate_result = approval.decide(ctx)
    if not verdict.passed:
        missing = "; ".join(verdict.missing) or verdict.report_status
        raise Refused(
            f"the report is not approved at {commit[:10]}: {missing}",
            file=report_dir,
            hint=f"see 'reportflow gate {report_dir}'",
        )
    return result, verdict, gate_result.roster.roster


def build_manifest(
    report: model.Report,
    *,
    version: int,
    commit: str,
    staged: Path,
    signoffs: list[dict[str, Any]],
    validation: Mapping[str, int],
    tools: Mapping[str, str],
    previous: Mapping[str, Any] | None,
    released_by: Mapping[str, str],
    roster: str,
    fingerprint: str,
    root: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``root``: the trust root it was released under (the pin and the version in force), so
    that the archive alone tells an auditor which digest to pin; the render's
    ``SOURCE_DATE_EPOCH`` is recorded too, for ``verify --rebuild`` to render under it."""
    from reportflow.render.doc import source_date_epoch

    files = [
        {"name": p.name, "size": p.stat().st_size, "sha256": sha256_file(p)}
        for p in sorted(staged.iterdir())
        if p.name not in (MANIFEST, MANIFEST_SIG)
    ]
    return {
        "format": MANIFEST_FORMAT,
        "report": report.report,
        "year": report.year,
        "version": version,
        "title": report.title,
        "organisation": report.organisation,
        "commit": commit,
        "tag": gitio.release_tag_name(report.report, report.year, version),
        "created": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "released_by": dict(released_by),
        "roster": roster,
        "fingerprint": fingerprint,
        "files": files,
        "signoffs": signoffs,
        # the trust root's members approved the roster, not the report (their records stay in
        # signoffs: verify re-checks the chain)
        "approvers": sorted(
            {str(s.get("reviewer")) for s in signoffs if s.get("channel") != "trust-root"}
        ),
        "validation": dict(validation),
        "tools": dict(tools),
        "previous": dict(previous) if previous else None,
        **({"root": dict(root)} if root else {}),
        "source_date_epoch": source_date_epoch(),
    }


def _render(report: model.Report, staged: Path, commit: str, version: int) -> None:
    from reportflow import render  # imported by release() already, before the threads split

    render.render_report(report, FORMATS, staged, draft=False, commit=commit, version=f"v{version}")


def release(
    report_dir: Path,
    rev: str = "HEAD",
    *,
    key: Path | None = None,
    on_step: StepHook | None = None,
    attachments: Sequence[Attachment] = (),
) -> Released:
    """Release the approved report at ``rev``, signed with ``key`` (a releaser's SSH key;
    None: one that ssh-agent holds); ``attachments``: producers of extra files for the entry
    (the audit page), run beside the render, their files listed in the manifest."""
    from reportflow.signoff import approval

    step = on_step or (lambda _name: None)
    step("check")
    pinned = approval.require_pin(report_dir)  # no pin: no trust root to approve against
    repo = gitio.require_repo(report_dir)
    commit = gitio.resolve(repo, rev)
    folder = gitio.relpath(repo, report_dir)
    dirty = sorted(gitio.dirty_paths(repo, folder))
    if dirty:
        raise Refused(
            f"the report folder has uncommitted changes ({', '.join(dirty[:3])}"
            f"{', …' if len(dirty) > 3 else ''}); nothing was released",
            file=report_dir,
            hint="commit or stash them first",
        )
    if not gitio.is_ancestor(repo, commit, "HEAD"):
        raise Refused(
            _(
                "{commit} is not in the history of HEAD, where the release record is "
                "committed; nothing was released"
            ).format(commit=commit[:10]),
            file=report_dir,
            hint=_("check out the branch that holds it, then release"),
        )
    snap = model.snapshot(repo, commit, folder, report_dir)
    report = snap.report
    where = (report.report, report.year)
    with release_lock(repo, *where):
        tags = gitio.release_tags(repo, *where)
        # fsspec's import (~0.5 s) runs while the render does, unless a tag needs the archive
        store = _store(repo, report) if tags else None
        known = signing.read_tagged(repo, store, report, tags) if store is not None else {}
        fingerprint = _fingerprint(snap)
        latest = max(known, default=0)
        for number, v in sorted(known.items()):
            if v.tag is not None and _same_text(v, commit, fingerprint, number == latest):
                signing.refuse_invalid(report_dir, {number: v})
                if v.tag.commit != commit and not _only_its_record(repo, folder, v, commit):
                    raise _nothing_changed(report_dir, v)
                return _already(repo, report_dir, store, v, key, step)
        # The next number after the tags; an archive entry already there (a release whose
        # tag is missing) is refused by link_to_previous rather than skipped over.
        version = max([0, *tags]) + 1
        name = gitio.release_tag_name(*where, version)
        with tempfile.TemporaryDirectory(prefix="reportflow-release-") as tmp:
            staged = Path(tmp) / f"v{version}"
            staged.mkdir()
            step("render")
            # Imports in two threads at once slow each other down (one GIL): the render's
            # are done here, so that its pandoc processes start as soon as it does.
            import reportflow.render  # noqa: F401

            # The checks, the archive's chain link and the tool versions need nothing from
            # the render: they run while it does (its pandoc processes and typst's compile
            # leave this thread the GIL). A refusal drops the render, nothing of which is
            # visible before publish; it is reported once the render has stopped.
            with ThreadPoolExecutor(max_workers=3) as pool:
                rendering = pool.submit(_render, report, staged, commit, version)
                facts = Attaching(Path(report_dir), commit, version, name)
                extras = [pool.submit(make, facts) for make in attachments]
                store = store if store is not None else _store(repo, report)
                from reportflow.signoff import approval

                ctx = approval.load_context(report_dir, at=snap)
                records = signing.release_records(report_dir, ctx, gitio.resolve(repo, "HEAD"))
                current = approval.effective_roster(ctx)[0].roster
                signing.refuse_invalid(report_dir, known, current)  # before the gate
                previous = signing.link_to_previous(
                    store, report, version, report_dir, known, records
                )
                # after the specific refusals above: a consistent picture older than seen
                signing.refuse_rollback(repo, report_dir, pinned.digest, report, known, version - 1)
                result, verdict, in_force = _check(report_dir, snap, ctx)
                person, key_used = signing.releaser(in_force, key)
                # the approval sheet (签批单) of these records, beside the render
                sheet = pool.submit(_sheet, ctx, in_force, verdict, staged, version, name)
                used = tools()
                # git's work while the render runs: the history, for the archive alone to do
                bundle.write(repo, staged, commit, bundle.base(ctx.dag, commit, known, version))
                rendering.result()
                sheet.result()
                for job in extras:
                    _attach(staged, job.result())
            step("sources")
            gitio.archive_folder(repo, commit, folder, staged / SOURCES)
            step("manifest")
            manifest = build_manifest(
                report,
                version=version,
                commit=commit,
                staged=staged,
                signoffs=[rec.to_dict() for rec in verdict.counted],
                validation=result.summary(),
                tools=used,
                previous=previous,
                released_by={"person": person, "key": key_used.public},
                roster=in_force.digest,
                fingerprint=fingerprint,
                root=signing.root_of(ctx),
            )
            data = manifest_bytes(manifest)
            (staged / MANIFEST).write_bytes(data)
            (staged / MANIFEST_SIG).write_text(anchors.sign_manifest(data, key_used))
            digest = sha256_bytes(data)
            step("publish")
            entry = store.publish(staged, *where, version)
        tagged = False
        try:
            step("tag")
            signing.create_tag(
                repo,
                name,
                commit,
                tag_message(manifest, digest, entry),
                key_used,
                signing.identity(report, person),
            )
            tagged = True
            step("record")
            signing.commit_record(
                repo, report_dir, report, commit, version, digest, person, key_used
            )
        except BaseException:
            # all or nothing: the entry and the tag go again, so a rerun starts clean
            if tagged:
                gitio.delete_tag(repo, name)
            store.withdraw(*where, version)
            raise
    signing.remember(repo, ctx, version, digest)
    return Released(version, name, commit, store.display(*where, version), digest)


def _sheet(ctx: Any, roster: Any, verdict: Any, staged: Path, version: int, tag: str) -> None:
    """The approval sheet of the records the manifest will hold, as ``sheet.FILES`` in the
    staged entry (the manifest lists them like the render's files)."""
    from reportflow.release import sheet

    records = [rec.to_dict() for rec in verdict.counted]
    sheet.write_files(sheet.facts(ctx, roster, records, version=version, tag=tag), staged)


def _attach(staged: Path, files: Mapping[str, bytes]) -> None:
    """An attachment's files in the staged entry; a name the entry has already (the render's,
    the sheet's, another attachment's) or the manifest's is our bug (exit 3), never overwritten."""
    taken = {p.name for p in staged.iterdir()} | {MANIFEST, MANIFEST_SIG, SOURCES}
    for name, data in files.items():
        if name in taken or "/" in name or name.startswith("."):
            raise RuntimeError(f"attachment {name!r} clashes with a file of the entry")
        (staged / name).write_bytes(data)
        taken.add(name)


def _store(repo: Any, report: model.Report) -> ArchiveStore:
    return ArchiveStore(archive_location(repo, report))


def _fingerprint(snap: model.Snapshot) -> str:
    from reportflow.signoff import ledger

    sections = [(s.id, snap.blobs[s.path]) for s in snap.report.sections]
    return ledger.report_fingerprint(snap.blobs[model.REPORT_FILE], sections)


def _same_text(v: assess.Version, commit: str, fingerprint: str, latest: bool) -> bool:
    """Released already: the same commit, or (format 2) the same report fingerprint as the
    latest version. A text that goes back to an older version's is a new version: it is the
    text in force from now on."""
    assert v.tag is not None
    if v.tag.commit == commit:
        return True
    return latest and v.manifest is not None and v.manifest.get("fingerprint") == fingerprint


def _only_its_record(repo: Any, folder: str, v: assess.Version, commit: str) -> bool:
    """Whether ``commit`` differs from ``v``'s tagged commit, in the report folder, by nothing
    but ``v``'s own release record: a rerun of that release (exit 0), not a new request.

    A file an author names ``…-release-v<N>.json`` by hand only turns a refusal into "already
    released": nothing is released either way."""
    assert v.tag is not None
    before = gitio.tree_blobs(repo, v.tag.commit, folder)
    after = gitio.tree_blobs(repo, commit, folder)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    own = f"/{model.SIGNOFFS_DIR}/"
    return all(own in f"/{p}" and p.endswith(f"-release-v{v.number}.json") for p in changed)


def _nothing_changed(report_dir: Path, v: assess.Version) -> Refused:
    """Only sign-off records changed since ``v``: a new version would hold the same text."""
    return Refused(
        _(
            "nothing changed since v{number}: the text is identical (only sign-off records "
            "changed since {tag}); nothing was released"
        ).format(number=v.number, tag=v.name),
        file=report_dir,
        hint=_("change the text first; the version in force is {tag}").format(tag=v.name),
    )


def _already(
    repo: Any,
    report_dir: Path,
    store: ArchiveStore,
    v: assess.Version,
    key: Path | None,
    step: StepHook,
) -> Released:
    """This text is released as ``v``: nothing to do, unless its release record never made it
    into the ledger (the release was killed after its tag): then it is committed now."""
    assert v.tag is not None and v.manifest is not None and v.digest is not None
    report = model.snapshot(repo, v.tag.commit, gitio.relpath(repo, report_dir), report_dir).report
    entry = store.display(report.report, report.year, v.number)
    from reportflow.signoff import approval

    head = approval.load_context(report_dir, "HEAD")
    if v.number not in anchors.versions_of(head.records):
        roster = assess.decisions(report_dir, [v.tag.commit])[v.tag.commit][0]
        person, key_used = signing.releaser(roster, key)
        step("record")
        signing.commit_record(
            repo, report_dir, report, v.tag.commit, v.number, v.digest, person, key_used
        )
    return Released(v.number, v.name, v.tag.commit, entry, v.digest, already=True)
