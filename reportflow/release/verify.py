"""Check a released version years later: every claim the release made, recomputed.

Each check is independent and reported by name, so a records officer sees exactly what no
longer matches (a changed byte in the PDF, a moved tag, a broken chain) instead of one
"verification failed".
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import re
import tarfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportflow.content import model, schema
from reportflow.core import gitio
from reportflow.core.errors import ContentError, InputError, SchemaError
from reportflow.core.i18n import _
from reportflow.release import anchors, assess, bundle, sheetcheck
from reportflow.release.archive import MANIFEST, MANIFEST_SIG, ArchiveStore
from reportflow.release.attach import AUDIT_MARK, AUDIT_PAGE
from reportflow.release.release import (
    SOURCES,
    archive_location,
    sha256_bytes,
)


@dataclass(frozen=True)
class Check:
    version: int
    name: str
    ok: bool
    detail: str = ""


def _blob_id(data: bytes) -> str:
    """git's blob id, so the archived sources compare with the tree without a checkout."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _sources_match(data: bytes, expected: dict[str, str]) -> tuple[bool, str]:
    found: dict[str, str] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar.getmembers():
                if member.isfile():
                    handle = tar.extractfile(member)
                    found[member.name] = _blob_id(handle.read() if handle else b"")
    except (tarfile.TarError, OSError, EOFError) as exc:
        return False, f"{SOURCES} cannot be read: {exc}"
    if found == expected:
        return True, f"{len(found)} files"
    differ = sorted(p for p in set(found) | set(expected) if found.get(p) != expected.get(p))
    return False, "differs from the tagged tree: " + ", ".join(differ[:5])


class Verifier:
    def __init__(
        self,
        report_dir: Path,
        archive: str | None = None,
        report: model.Report | None = None,
        context: Any = None,
    ) -> None:
        """``report``: the report when the caller has loaded it already (the audit has it
        from the commit it audits); otherwise it is read from the folder. ``context``: the
        ledger and trust root at HEAD (``approval.Context``) when the caller has read them
        (the audit's one history walk); otherwise they are read here."""
        from reportflow.signoff import approval

        self.report_dir = report_dir
        self.repo = gitio.require_repo(report_dir)
        self.folder = gitio.relpath(self.repo, report_dir)
        report = report if report is not None else model.load_report(report_dir)
        self.report, self.year = report.report, report.year
        # Where the archive is: said out of band (--archive, $REPORTFLOW_ARCHIVE) by whoever
        # verifies. report.yaml's ``archive:`` is anyone's to change; it is only the default,
        # and a note says so.
        given = archive or os.environ.get("REPORTFLOW_ARCHIVE")
        self.location_from_report = not given and bool(report.archive)
        self.store = ArchiveStore(given if given else archive_location(self.repo, report))
        self.tags = gitio.release_tags(self.repo, self.report, self.year)
        self.archived = self.store.versions(self.report, self.year)
        head = context if context is not None else approval.load_context(report_dir, "HEAD")
        self.records = anchors.versions_of(head.records)
        root = head.trust.root if head.trust is not None else None
        self.root_version = root.version if root is not None else None
        # the root versions this verifier trusts, by digest: a manifest names the one it was
        # released under
        chain = head.trust.chain if head.trust is not None else ()
        self.roots = {head.trust.pin} | {r.digest for r in chain} if head.trust else set()
        self.versions: dict[int, assess.Version] = {}
        self.decided: dict[str, assess.Decision] = {}
        self.contexts: dict[str, Any] = {}  # commit -> the context ``decide`` read there
        # the archive's own history (history.bundle of each entry), unpacked on first use
        self.history = bundle.HistoryCheck(self.bundle_bytes)

    def bundle_bytes(self, version: int) -> bytes | None:
        try:
            return self.store.read(self.report, self.year, version, bundle.FILE)
        except (FileNotFoundError, OSError):
            return None

    def known_versions(self) -> list[int]:
        """The union of tags, archive entries and release records: a version any of them
        knows is checked against the others."""
        return sorted(set(self.tags) | set(self.archived) | set(self.records))

    def load(self, numbers: list[int]) -> None:
        """Read every version's tag, manifest and signature, and the gate's decision at each
        released commit (the roster whose releasers sign it)."""
        self.read(numbers)
        self.decide(list(self.versions))

    def read(self, numbers: list[int]) -> None:
        """Read every version's tag, manifest and signature (no decision yet)."""
        self.versions = assess.read_versions(
            self.repo, self.store, self.report, self.year, self.tags, numbers, self.records
        )

    def decide(self, numbers: list[int]) -> None:
        """The gate's decision at each commit the versions ``numbers`` name (the roster whose
        releasers sign there, and the approval of the manifest's records)."""
        chosen = [self.versions[n] for n in numbers if n in self.versions]
        wanted: dict[str, Any] = {}  # commit -> the manifest's records judged there, or None
        for v in chosen:
            if v.manifest is not None:
                wanted[str(v.manifest["commit"])] = v.manifest["signoffs"]
        for v in chosen:
            if v.commit and v.commit not in wanted:
                wanted[v.commit] = None
        # each decision waits mostly on git processes: several side by side
        with ThreadPoolExecutor(max_workers=max(1, min(4, len(wanted)))) as pool:
            found = pool.map(
                lambda c: assess.decision(self.report_dir, c, wanted[c], self.contexts), wanted
            )
            self.decided.update(zip(wanted, found, strict=True))

    def manifest_bytes(self, version: int) -> bytes | None:
        if version in self.versions:
            return self.versions[version].manifest_raw
        try:
            return self.store.read(self.report, self.year, version, MANIFEST)
        except (FileNotFoundError, OSError):
            return None

    def assume(self, roster: Any) -> None:
        """Judge every read version's signatures by ``roster`` (the roster in force at HEAD),
        with no decision at its commits; ``decide`` replaces it where that is not enough."""
        for v in self.versions.values():
            for commit in (v.commit, v.manifest["commit"] if v.manifest else None):
                if commit:
                    self.decided.setdefault(str(commit), (roster, None))

    def _roster(self, commit: str | None) -> Any:
        return self.decided.get(commit or "", (None, None))[0]

    def check(self, version: int, full: bool = True, rebuild: bool = False) -> Iterator[Check]:
        """``full``: the files and sources too (hashing); the anchors, the chain and the
        sign-offs are checked for every version whichever is chosen."""

        def result(name: str, ok: bool, detail: str = "") -> Check:
            return Check(version, name, ok, detail)

        v = self.versions[version]
        entry = self.store.display(self.report, self.year, version)
        newest = version == max(self.versions)
        if v.manifest_raw is None:
            if v.tag is None and v.records:
                what = _("newest version deleted") if newest else _("version deleted")
                yield result(
                    _("release record in history but no tag and no archive entry"),
                    False,
                    _("{what}: {file} records v{n}").format(
                        what=what, file=Path(v.records[0].source).name, n=version
                    ),
                )
                return
            yield result("archive entry has a manifest", False, f"no {MANIFEST} in {entry}")
            yield from self._record_check(v)
            return
        if v.manifest is None:
            yield result("manifest is well-formed", False, str(v.manifest_problem))
            return
        manifest = v.manifest
        yield result("manifest is well-formed", True, entry)
        same = manifest["version"] == version and manifest["report"] == self.report
        yield result("manifest names this version", same and manifest["year"] == self.year)
        if isinstance(manifest.get("root"), dict):  # recorded since format 2 gained it
            root = manifest["root"]
            under = _("root v{n}, pin {pin}…").format(n=root["version"], pin=root["pin"][:19])
            ok = bool({root["pin"], root["digest"]} & self.roots)
            yield result(_("released under the pinned trust root"), ok, under)
        yield from self._tag_checks(version, manifest, str(v.digest))
        yield from self._signature_checks(v)
        yield from self._record_check(v)
        if full:
            yield from self._file_checks(version, manifest)
            yield from self._sources_check(version, manifest)
            for name, ok, detail in bundle.entry_checks(self, version, manifest):
                yield result(name, ok, detail)
            yield from self._sheet_checks(version, manifest, rebuild)
            yield from self._audit_check(version, manifest)
        if full and rebuild:
            from reportflow.release.rebuild import rebuild as rerender

            where = (self.report, self.year)
            for name, ok, detail in rerender(self.store, where, version, self.folder, manifest):
                yield result(name, ok, detail)
        yield from self._chain_check(version, manifest)
        yield from self._approval_check(version, manifest)

    def _sheet_checks(self, version: int, manifest: dict[str, Any], rebuild: bool):
        commit = str(manifest["commit"])
        found = (self.store, (self.report, self.year), version, manifest)
        facts = (self.contexts.get(commit), self._roster(commit))
        for name, ok, detail in sheetcheck.check(*found, *facts):
            yield Check(version, name, ok, detail)
        for name, ok, detail in sheetcheck.rebuild_checks(*found, *facts) if rebuild else ():
            yield Check(version, name, ok, detail)

    def _audit_check(self, version: int, manifest: dict[str, Any]) -> Iterator[Check]:
        """The audit page (when the entry has one) is this version's: its digest is checked
        with every file's; here, that it names the report and the released commit. Not rebuilt:
        it shows the history as the releaser's repository held it, before this tag, and every
        later tag, record or archive entry changes what the same audit shows; it is signed
        evidence of what was there, not a fact to recompute."""
        if AUDIT_PAGE not in {f["name"] for f in manifest["files"]}:
            return
        if AUDIT_PAGE not in set(self.store.files(self.report, self.year, version)):
            return  # named by the file checks
        page = self.store.read(self.report, self.year, version, AUDIT_PAGE)
        head = page.split(b"</head>", 1)[0].decode("utf-8", errors="replace")
        found = re.search(rf'<meta name="{AUDIT_MARK}" content="([^"]*)">', head)
        named = html.unescape(found[1]) if found else ""
        wanted = f"{self.report}/{self.year}@{manifest['commit']}"
        yield Check(version, _("audit page is of the released commit"), named == wanted, named)

    def anchor_checks(self, version: int) -> list[Check]:
        """The checks that need no file of the archive but the manifest: it is well-formed, its
        tag exists, is annotated, points at its commit, carries its digest and is signed by a
        releaser, as the manifest is, the ledger's release record vouches for it, and it chains
        to the previous manifest. What the audit runs for every release (hashing every archived
        PDF and recomputing every approval is ``verify``'s job). The signatures are judged by
        the rosters ``decide`` or ``assume`` gave (``release/headfirst.py``)."""
        raw = self.manifest_bytes(version)
        if raw is None:
            entry = self.store.display(self.report, self.year, version)
            return [
                Check(version, "archive entry has a manifest", False, f"no {MANIFEST} in {entry}")
            ]
        try:
            manifest: dict[str, Any] = json.loads(raw)
            schema.validate(manifest, "manifest.schema.json", file=f"v{version}/{MANIFEST}")
        except (ValueError, SchemaError) as exc:
            return [Check(version, "manifest is well-formed", False, str(exc))]
        checks = list(self._tag_checks(version, manifest, sha256_bytes(raw)))
        if version in self.versions:  # read, and a roster given for its commits
            checks += self._signature_checks(self.versions[version])
            checks += self._record_check(self.versions[version])
        return checks + list(self._chain_check(version, manifest))

    def releaser(self, version: int) -> str | None:
        """The releaser whose listed key verifies the version's signed manifest (format 2),
        else its tag; None when neither verifies, or the manifest is another version's. The
        person a release event names: the tagger line is whatever the tag's maker typed."""
        v = self.versions.get(version)
        if v is None or (v.manifest or {}).get("version") != version:
            return None  # a manifest signed for another version, copied into this entry
        if v.format == assess.FORMAT_2:
            by = assess.manifest_signer(
                v, self._roster(str(v.manifest["commit"]) if v.manifest else None)
            )
            if isinstance(by, anchors.Signer):
                return by.person
        signer = assess.tag_signer(v, self._roster(v.tag.commit if v.tag else None))
        return signer.person if isinstance(signer, anchors.Signer) else None

    def _signature_checks(self, v: assess.Version) -> Iterator[Check]:
        tag_roster = self._roster(v.tag.commit if v.tag else None)
        signer = assess.tag_signer(v, tag_roster)
        yield Check(
            v.number,
            _("tag {tag} is signed by a releaser").format(tag=v.name),
            isinstance(signer, anchors.Signer),
            f"{signer.person} {signer.key[:24]}…" if isinstance(signer, anchors.Signer) else signer,
        )
        if v.format == assess.FORMAT_1:
            after = [
                n for n, o in self.versions.items() if n < v.number and o.format == assess.FORMAT_2
            ]
            yield Check(
                v.number,
                _("manifest format 1 (released before signed manifests)"),
                not after,
                _("v{n} is format 2: a later version cannot be format 1").format(n=after[0])
                if after
                else "",
            )
            return
        by = assess.manifest_signer(
            v, self._roster(str(v.manifest["commit"]) if v.manifest else None)
        )
        yield Check(
            v.number,
            _("{file} is the releaser's signature of the manifest").format(file=MANIFEST_SIG),
            isinstance(by, anchors.Signer),
            by.person if isinstance(by, anchors.Signer) else by,
        )

    def _record_check(self, v: assess.Version) -> Iterator[Check]:
        if v.format == assess.FORMAT_1 and not v.records:
            return  # released before release records
        problem = assess.record_problem(v, self._roster(v.commit))
        detail = Path(v.records[0].source).name if v.records and problem is None else problem or ""
        yield Check(
            v.number,
            _("release record in the ledger vouches for this manifest"),
            problem is None,
            detail,
        )

    def _tag_checks(self, version: int, manifest: dict[str, Any], digest: str) -> Iterator[Check]:
        tag = self.tags.get(version)
        name = manifest["tag"]
        if tag is None:
            yield Check(version, f"tag {name} exists", False, "no such tag")
            return
        yield Check(version, f"tag {name} exists and is annotated", tag.annotated)
        yield Check(
            version,
            "tag points at the manifest's commit",
            tag.commit == manifest["commit"],
            f"tag {tag.commit[:10]}, manifest {manifest['commit'][:10]}",
        )
        in_tag = anchors.digest_in_message(tag.message)
        yield Check(
            version,
            "tag message carries the manifest's SHA-256",
            in_tag == digest,
            f"tag {str(in_tag)[:12]}…, manifest {digest[:12]}…",
        )

    def _file_checks(self, version: int, manifest: dict[str, Any]) -> Iterator[Check]:
        listed = {f["name"]: f for f in manifest["files"]}
        present = set(self.store.files(self.report, self.year, version)) - {MANIFEST, MANIFEST_SIG}
        for name, meta in sorted(listed.items()):
            if name not in present:
                yield Check(version, f"file {name}", False, "missing from the archive")
                continue
            data = self.store.read(self.report, self.year, version, name)
            actual = sha256_bytes(data)
            ok = actual == meta["sha256"] and len(data) == meta["size"]
            detail = (
                "SHA-256 matches" if ok else f"SHA-256 {actual[:12]}… != {meta['sha256'][:12]}…"
            )
            yield Check(version, f"file {name}", ok, detail)
        extra = sorted(present - set(listed))
        yield Check(version, "no files outside the manifest", not extra, ", ".join(extra))

    def _sources_check(self, version: int, manifest: dict[str, Any]) -> Iterator[Check]:
        if SOURCES not in {f["name"] for f in manifest["files"]}:
            yield Check(version, "sources match the tagged tree", False, f"no {SOURCES}")
            return
        try:
            data = self.store.read(self.report, self.year, version, SOURCES)
            expected = gitio.tree_blobs(self.repo, manifest["commit"], self.folder)
        except (FileNotFoundError, OSError, gitio.GitError) as exc:
            yield Check(version, "sources match the tagged tree", False, str(exc))
            return
        ok, detail = _sources_match(data, expected)
        yield Check(version, "sources match the tagged tree", ok, detail)

    def _chain_check(self, version: int, manifest: dict[str, Any]) -> Iterator[Check]:
        previous = manifest["previous"]
        if version == 1:
            yield Check(version, "first version: no previous manifest", previous is None)
            return
        before = self.manifest_bytes(version - 1)
        if previous is None or before is None:
            detail = "manifest names no previous version" if previous is None else "v{} missing"
            yield Check(
                version, "chain to the previous manifest", False, detail.format(version - 1)
            )
            return
        ok = previous == {"version": version - 1, "manifest_sha256": sha256_bytes(before)}
        yield Check(version, f"chain to v{version - 1}'s manifest", ok)

    def _approval_check(self, version: int, manifest: dict[str, Any]) -> Iterator[Check]:
        """The manifest's sign-off records, each a record of the ledger at the released
        commit (anchored), approve that commit under the roster in force there."""
        name = _("sign-offs are valid and approve this commit")
        verdict = self.decided.get(str(manifest["commit"]), (None, None))[1]
        if verdict is None:
            yield Check(version, name, False, f"cannot read {manifest['commit'][:10]}")
            return
        for problem in verdict.problems:
            yield Check(version, _("sign-off record"), False, problem)
        detail = (
            "; ".join(verdict.missing) if not verdict.passed else ", ".join(manifest["approvers"])
        )
        yield Check(version, name, verdict.passed, detail)


def _expect_check(verifier: Verifier, known: list[int], expect: str) -> Check:
    """``--expect v2:sha256:<hex>``: the latest version is the one the approval sheet or the
    auditor's records name (a deleted newest version, or a replaced one, shows here)."""
    match = re.fullmatch(r"v([1-9][0-9]*):sha256:([0-9a-f]{64})", expect.strip())
    if match is None:
        raise InputError(
            _("--expect {value!r} is not v<N>:sha256:<64 hex digits>").format(value=expect),
            hint=_("e.g. --expect v2:sha256:{hex} (from the approval sheet)").format(hex="0" * 64),
        )
    number, digest = int(match[1]), match[2]
    latest = known[-1]
    found = verifier.versions[latest].digest if latest in verifier.versions else None
    ok = latest == number and found == digest
    detail = _("found v{n} with manifest {digest}…").format(n=latest, digest=str(found)[:12])
    return Check(
        number,
        _("expected v{n} with manifest {digest}… as the latest").format(
            n=number, digest=digest[:12]
        ),
        ok,
        detail,
    )


def verify(
    report_dir: Path,
    version: int | None = None,
    all_versions: bool = False,
    *,
    archive: str | None = None,
    expect: str | None = None,
    rebuild: bool = False,
) -> list[Check]:
    """``rebuild``: render the chosen versions' sources again and compare (``rebuild.py``)."""
    from reportflow.signoff import approval, chainio, seen

    pinned = approval.require_pin(report_dir)  # no pin: no trust root to check anything against
    verifier = Verifier(report_dir, archive)
    known = verifier.known_versions()
    if not known:
        raise ContentError(
            f"{verifier.report}/{verifier.year} has no released version",
            file=report_dir,
            hint="release one with 'reportflow release'",
        )
    if version is not None:
        if version not in known:
            raise ContentError(
                f"no version v{version}", hint="versions: " + ", ".join(f"v{v}" for v in known)
            )
        chosen = {version}
    else:
        chosen = set(known) if all_versions else {known[-1]}
    verifier.read(known)
    # the archive's own history is unpacked while the decisions are made
    verifier.history.start(
        {n: c for n, c in bundle.released(verifier.versions).items() if n in chosen},
        verifier.folder,
    )
    verifier.decide(list(verifier.versions))
    checks: list[Check] = []
    gaps = [n for n in range(1, known[-1] + 1) if n not in known]
    for n in gaps:
        checks.append(
            Check(
                n,
                _("version is known"),
                False,
                _("no tag, archive entry or release record of it, but later versions exist"),
            )
        )
    # Each version's checks wait mostly on hashing and the archive: side by side.
    with ThreadPoolExecutor(max_workers=min(4, len(known))) as pool:
        per_version = pool.map(lambda n: list(verifier.check(n, n in chosen, rebuild)), known)
        checks += [check for found in per_version for check in found]
    verifier.history.close()
    if expect is not None:
        checks.append(_expect_check(verifier, known, expect))
    latest = known[-1]
    digest = verifier.versions[latest].digest if latest in verifier.versions else None
    names = chainio.repo_names(verifier.repo)
    why = seen.latest_problem(names, pinned.digest, verifier.report, verifier.year, latest, digest)
    name = _("not older than the latest version this machine saw")
    checks.append(Check(latest, name, why is None, why or ""))
    if verifier.location_from_report:
        checks.append(
            Check(
                known[-1],
                _("archive location given by the verifier"),
                True,
                _(
                    "taken from report.yaml archive: ({url}), which any author can change; an "
                    "auditor passes --archive"
                ).format(url=verifier.store.url),
            )
        )
    if all(c.ok for c in checks):
        where = (verifier.report, verifier.year)
        seen.remember(names, pinned.digest, *where, latest, digest, verifier.root_version)
    return sorted(checks, key=lambda c: c.version)
