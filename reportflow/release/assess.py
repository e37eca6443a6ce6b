"""Is a released version what its anchors say? Read once per version, judged for ``release``
(which refuses to number or chain after a version that is not a valid release) and for
``verify`` (which shows each judgement as a check).

A version is known from any of its tag, its archive entry and its release record; each is
read here, and ``anchors`` says who signed what.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportflow.content import schema
from reportflow.core import gitio
from reportflow.core.errors import ContentError, ReportflowError, SchemaError
from reportflow.core.i18n import _
from reportflow.release import anchors
from reportflow.release.archive import MANIFEST, MANIFEST_SIG, ArchiveStore
from reportflow.signoff import ledger
from reportflow.signoff.ledger import SignoffRecord
from reportflow.signoff.roster import Roster

FORMAT_1 = "reportflow-manifest/1"
FORMAT_2 = "reportflow-manifest/2"


@dataclass(frozen=True)
class Version:
    """One version as its anchors show it; any part may be missing."""

    number: int
    name: str  # the tag name it has or would have
    tag: gitio.Tag | None
    tag_raw: bytes | None  # the annotated tag object, signature included
    manifest_raw: bytes | None
    manifest: Mapping[str, Any] | None  # None when missing or not well-formed
    manifest_problem: str | None
    manifest_sig: str | None
    records: tuple[SignoffRecord, ...] = field(default=())

    @property
    def digest(self) -> str | None:
        return anchors.sha256_hex(self.manifest_raw) if self.manifest_raw is not None else None

    @property
    def commit(self) -> str | None:
        if self.tag is not None:
            return self.tag.commit
        if self.manifest is not None:
            return str(self.manifest["commit"])
        return self.records[0].commit if self.records else None

    @property
    def format(self) -> str | None:
        return None if self.manifest is None else str(self.manifest["format"])


def _read(store: ArchiveStore, report: str, year: int, number: int, name: str) -> bytes | None:
    try:
        return store.read(report, year, number, name)
    except (FileNotFoundError, OSError):
        return None


def parse_manifest(raw: bytes | None, shown: str) -> tuple[dict[str, Any] | None, str | None]:
    if raw is None:
        return None, f"no {MANIFEST} in {shown}"
    try:
        manifest = json.loads(raw)
        schema.validate(manifest, "manifest.schema.json", file=f"{shown}/{MANIFEST}")
    except (ValueError, SchemaError) as exc:
        return None, str(exc)
    return manifest, None


def read_versions(
    repo: Any,
    store: ArchiveStore,
    report: str,
    year: int,
    tags: Mapping[int, gitio.Tag],
    numbers: Sequence[int],
    records: Mapping[int, Sequence[SignoffRecord]],
) -> dict[int, Version]:
    names = {n: gitio.release_tag_name(report, year, n) for n in numbers}
    raw_tags = gitio.tag_objects(repo, [names[n] for n in numbers if n in tags])
    found = {}
    for n in numbers:
        raw = _read(store, report, year, n, MANIFEST)
        manifest, problem = parse_manifest(raw, store.display(report, year, n))
        sig = _read(store, report, year, n, MANIFEST_SIG)
        found[n] = Version(
            n,
            names[n],
            tags.get(n),
            raw_tags.get(names[n]),
            raw,
            manifest,
            problem,
            sig.decode("ascii", errors="replace") if sig is not None else None,
            tuple(records.get(n, ())),
        )
    return found


def tag_signer(v: Version, roster: Roster | None) -> anchors.Signer | str:
    if v.tag is None:
        return _("no tag {tag}").format(tag=v.name)
    if v.tag_raw is None:
        return _("{tag} is a lightweight tag").format(tag=v.name)
    payload, signature = anchors.split_tag(v.tag_raw)
    return anchors.signed_by(payload, signature, roster, anchors.TAG_NAMESPACE)


def manifest_signer(v: Version, roster: Roster | None) -> anchors.Signer | str:
    if v.manifest_raw is None:
        return f"no {MANIFEST}"
    if v.manifest_sig is None:
        return _("no {file} in the archive entry").format(file=MANIFEST_SIG)
    signer = anchors.signed_by(v.manifest_raw, v.manifest_sig, roster, anchors.MANIFEST_NAMESPACE)
    if isinstance(signer, anchors.Signer) and v.manifest is not None:
        named = anchors.released_by_key(v.manifest)
        if named != signer.key:
            return _(
                "signed by {person}, but the manifest names another key as released_by"
            ).format(person=signer.person)
    return signer


def record_problem(v: Version, roster: Roster | None) -> str | None:
    """Why the version's release record does not vouch for its archived manifest, if not."""
    if not v.records:
        return _("the ledger has no release record of it")
    allowed = anchors.releaser_keys(roster) if roster is not None else {}
    good = [
        r
        for r in v.records
        if r.reviewer in allowed and ledger.verify(r, allowed[r.reviewer]) == "valid"
    ]
    if not good:
        rec = v.records[0]
        return _("release record {file} is not signed by a releaser (policy.release)").format(
            file=rec.source
        )
    if v.digest is not None and all(
        anchors.digest_of_record(r.fingerprint) != v.digest for r in good
    ):
        rec = good[0]
        return _(
            "release record {file} names manifest sha256 {named}…, the archive has {found}… "
            "(replaced)"
        ).format(
            file=Path(rec.source).name,
            named=anchors.digest_of_record(rec.fingerprint)[:12],
            found=v.digest[:12],
        )
    return None


def release_problem(v: Version, roster: Roster | None) -> str | None:
    """Why ``v`` is not a valid release to number and chain after, or None. Checked: the tag
    is signed by a releaser of the roster in force at its commit; its message carries the
    archived manifest's SHA-256; the manifest is well-formed; for format 2, ``manifest.sig``
    is that releaser's too. (A version released before signed releases, format 1, passes once
    a releaser has signed its tag.)"""
    signer = tag_signer(v, roster)
    if isinstance(signer, str):
        return signer
    if v.manifest_raw is None:
        return _("v{n} has a tag but no archived manifest").format(n=v.number)
    if v.manifest is None:
        return _("its archived manifest is not well-formed ({problem})").format(
            problem=v.manifest_problem
        )
    named = anchors.digest_in_message(v.tag.message) if v.tag is not None else None
    if named != v.digest:
        return _("its message names manifest sha256 {named}…, the archive has {found}…").format(
            named=str(named)[:12], found=str(v.digest)[:12]
        )
    if v.format == FORMAT_2:
        by = manifest_signer(v, roster)
        if isinstance(by, str):
            return f"{MANIFEST_SIG}: {by}"
        if by.key != signer.key:
            return _("{file} and the tag are signed by different keys").format(file=MANIFEST_SIG)
    return None


Decision = tuple[Roster | None, Any]  # (roster in force, approval.Approval)


def decision(
    report_dir: Path,
    commit: str,
    records: Sequence[Mapping[str, Any]] | None = None,
    contexts: dict[str, Any] | None = None,
) -> Decision:
    """The gate's decision at ``commit``: the roster in force there (whose releasers sign)
    and the approval. ``records``: a manifest's sign-off records, judged instead of the
    ledger's (each must still be a record of the ledger there, anchored, or it does not
    count), which is what a release copied; far cheaper than the whole ledger's decision
    when ``verify --all`` takes one per version. ``contexts``: gets the context read at
    ``commit`` (the approval sheet is built from it)."""
    from reportflow.signoff import approval

    parsed: list[SignoffRecord] = []
    problems: list[str] = []
    for i, data in enumerate(records or (), 1):
        try:
            parsed.append(ledger.parse_record(data, f"record {i}"))
        except ReportflowError as exc:
            problems.append(f"{exc} (ignored)")
    try:
        ctx = approval.load_context(report_dir, commit, parsed if records is not None else None)
    except (ContentError, gitio.GitError):
        return None, None
    ctx.problems[:0] = problems
    verdict, result = approval.decide(ctx)
    if contexts is not None:
        contexts[commit] = ctx
    return result.roster.roster, verdict


def decisions(report_dir: Path, commits: Sequence[str]) -> dict[str, Decision]:
    """``decision`` from the ledger at each commit."""
    return {c: decision(report_dir, c) for c in dict.fromkeys(commits)}
