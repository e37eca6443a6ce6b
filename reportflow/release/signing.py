"""The release's signed steps and its refusals about earlier versions: every tagged version
must be a valid release before a new one is numbered and chained after it; the tag is signed
by the releaser; the release record is committed in the ledger (see ``anchors``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from reportflow.content import model
from reportflow.core import gitio
from reportflow.core.errors import Refused
from reportflow.core.i18n import _
from reportflow.release import anchors, assess
from reportflow.release.archive import ArchiveStore


def read_tagged(
    repo: Any, store: ArchiveStore, report: model.Report, tags: dict[int, Any]
) -> dict[int, assess.Version]:
    """Every tagged version as its tag and archive entry show it (read, not judged yet)."""
    return assess.read_versions(repo, store, report.report, report.year, tags, sorted(tags), {})


def refuse_invalid(
    report_dir: Path, known: Mapping[int, assess.Version], current: Any = None
) -> None:
    """The release refuses while any tagged version is not a valid release (it would number
    and chain after it), naming it. Each is judged under the roster in force at its tagged
    commit, which costs one history walk per version; so the newest one (the one numbered
    and chained after) is always judged that way, and an older one only when it is not a
    valid release under ``current`` (the roster in force at the commit being released):
    rosters rarely change, and a tag a releaser of today's roster signed is not one an
    outsider forged."""
    newest = max(known, default=0)
    for number, v in sorted(known.items()):
        assert v.tag is not None
        problem = assess.release_problem(v, current) if number != newest else "judge"
        if problem is not None:
            signed = v.manifest["signoffs"] if v.manifest is not None else None
            roster, verdict = assess.decision(report_dir, v.tag.commit, signed)
            problem = assess.release_problem(v, roster)
            if problem is None and (verdict is None or not verdict.passed):
                # a releaser can sign a tag and a manifest by hand on any commit
                problem = _("the report is not approved at {commit} by the sign-offs of its "
                            "manifest").format(commit=v.tag.commit[:10])  # fmt: skip
        if problem is not None:
            raise Refused(
                _("tag {tag} is not a valid release: {problem}; nothing was released").format(
                    tag=v.name, problem=problem
                ),
                file=report_dir,
                hint=_(
                    "if v{n} is genuine, a releaser signs its tag again (git tag -s -f {tag} "
                    "{commit} with gpg.format=ssh and the same message); otherwise delete the "
                    "tag (git tag -d {tag}); then run 'reportflow verify {folder} --all'"
                ).format(n=number, tag=v.name, commit=v.tag.commit[:10], folder=report_dir),
            )


def release_records(report_dir: Path, ctx: Any, head: str) -> dict[int, list[Any]]:
    """The release records in the ledger at HEAD (where they are committed), by version:
    those of ``ctx`` when it is HEAD's, as it usually is."""
    from reportflow.signoff import approval

    if ctx.commit != head:
        ctx = approval.load_context(report_dir, head)
    return anchors.versions_of(ctx.records)


def releaser(roster: Any, key: Path | None) -> tuple[str, Any]:
    found = anchors.find_releaser(roster, key)
    if isinstance(found, str):
        raise Refused(
            _("{reason}; nothing was released").format(reason=found),
            hint=_("see policy.release in report.yaml"),
        )
    return found


def identity(report: model.Report, person: str) -> str:
    """``Name <email>`` of a person of the report, for the tag and the record commit: the
    releaser's, whoever's git identity the clone has."""
    member = report.people.get(person)
    email = (member.email if member else None) or f"{person}@reportflow.invalid"
    return f"{member.name if member else person} <{email}>"


def create_tag(repo: Any, name: str, commit: str, message: str, signing: Any, who: str) -> None:
    import time

    tagger = f"{who} {int(time.time())} {time.strftime('%z')}"
    obj = anchors.tag_object(commit, name, tagger, message)
    gitio.create_tag_object(repo, name, anchors.sign_tag(obj, signing))


def commit_record(
    repo: Any,
    report_dir: Path,
    report: model.Report,
    commit: str,
    version: int,
    digest: str,
    person: str,
    signing: Any,
) -> Path:
    """The signed release record, committed (its file only) in the ledger, authored by the
    releaser: append-only, so the version stays visible if its tag and entry go."""
    from reportflow.signoff import ledger

    tag = gitio.release_tag_name(report.report, report.year, version)
    rec = ledger.SignoffRecord(
        report.report, report.year, "release", f"sha256:{digest}", commit, person, "approve",
        ledger.now_utc(), comment=f"released {tag}", version=version,
    )  # fmt: skip
    rec = ledger.SignoffRecord(
        **{**rec.to_dict(), "signature": ledger.sign(rec.payload(), signing)}
    )
    path = ledger.write_record(report_dir / model.SIGNOFFS_DIR, rec)
    author = identity(report, person)
    try:
        gitio.commit_path(
            repo,
            gitio.relpath(repo, path),
            f"release: {person} releases v{version} of {report.report}/{report.year}",
            author,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def link_to_previous(
    store: ArchiveStore,
    report: model.Report,
    version: int,
    report_dir: Path,
    known: Mapping[int, assess.Version],
    records: Mapping[int, Sequence[Any]],
) -> dict[str, Any] | None:
    """The hash-chain link to v<version-1>, whose release ``_known`` has found valid;
    refuses when the chain cannot be continued."""
    where = (report.report, report.year)
    if store.occupied(*where, version):
        claim = "" if store.local else f" (and its claim {store.claim_path(*where, version)})"
        raise Refused(
            f"archive entry {store.display(*where, version)} exists "
            f"but tag {gitio.release_tag_name(*where, version)} does not",
            hint="if another clone released it, fetch its tags (git fetch --tags); else an "
            "earlier release was interrupted or the archive was changed by hand: run "
            f"'reportflow verify --all', then restore the tag or remove the entry{claim}",
        )
    later = sorted(n for n in records if n >= version)
    if later:
        n = later[0]
        raise Refused(
            _("v{n} has a release record ({file}) but no tag {tag}; nothing was released").format(
                n=n, file=Path(records[n][0].source).name, tag=gitio.release_tag_name(*where, n)
            ),
            file=report_dir,
            hint=_(
                "if another clone released it, fetch its tags (git fetch --tags); else v{n} "
                "was deleted: run 'reportflow verify {folder} --all'"
            ).format(n=n, folder=report_dir),
        )
    if version == 1:
        return None
    before = known.get(version - 1)
    if before is None or before.manifest_raw is None:
        raise Refused(
            f"v{version - 1} has a tag but no archived manifest, so v{version} cannot "
            "chain to it; nothing was released",
            hint=f"run 'reportflow verify {report_dir} --all' and restore the archive",
        )
    return {"version": version - 1, "manifest_sha256": anchors.sha256_hex(before.manifest_raw)}


def remember(repo: Any, ctx: Any, version: int, digest: str) -> None:
    """What this machine saw (``signoff/seen.py``): the version just released as the latest
    of its report and year, and the root version it was released under."""
    from reportflow.signoff import chainio, seen

    if ctx.pin is None:
        return
    root = ctx.trust.root.version if ctx.trust is not None and ctx.trust.root else None
    where = (ctx.report.report, ctx.report.year)
    seen.remember(chainio.repo_names(repo), ctx.pin.digest, *where, version, digest, root)


def root_of(ctx: Any) -> dict[str, Any] | None:
    """The manifest's ``root``: the pinned digest and the root version in force."""
    if ctx.pin is None or ctx.trust is None or ctx.trust.root is None:
        return None
    return {
        "pin": ctx.pin.digest,
        "version": ctx.trust.root.version,
        "digest": ctx.trust.root.digest,
    }


def refuse_rollback(
    repo: Any,
    report_dir: Path,
    pin: str,
    report: model.Report,
    known: Mapping[int, assess.Version],
    latest: int,
) -> None:
    """No release numbered after a rollback: this machine saw a later version (or another
    manifest for the latest) than the tags show, so v<latest+1> would replace one in its
    place (``signoff/seen.py``)."""
    from reportflow.signoff import chainio, seen

    v = known.get(latest)
    digest = v.digest if v is not None else None
    names = chainio.repo_names(repo)
    why = seen.latest_problem(names, pin, report.report, report.year, latest, digest)
    if why is not None:
        raise Refused(
            _("{reason}; nothing was released").format(reason=why),
            file=report_dir,
            hint=_(
                "fetch the tags and the history that hold the newer version, or run "
                "'reportflow verify {folder} --all'"
            ).format(folder=report_dir),
        )
