"""Check a released version years later: every claim the release made, recomputed.

Each check is independent and reported by name, so a records officer sees exactly what no
longer matches (a changed byte in the PDF, a moved tag, a broken chain) instead of one
"verification failed".
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportflow.content import model, schema
from reportflow.core import gitio
from reportflow.core.errors import ContentError, SchemaError
from reportflow.release.archive import MANIFEST, ArchiveStore
from reportflow.release.release import (
    SOURCES,
    archive_location,
    digest_in_message,
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
    def __init__(self, report_dir: Path, report: model.Report | None = None) -> None:
        """``report``: the report when the caller has loaded it already (the audit has it
        from the commit it audits); otherwise it is read from the folder."""
        self.report_dir = report_dir
        self.repo = gitio.require_repo(report_dir)
        self.folder = gitio.relpath(self.repo, report_dir)
        report = report if report is not None else model.load_report(report_dir)
        self.report, self.year = report.report, report.year
        self.store = ArchiveStore(archive_location(self.repo, report))
        self.tags = gitio.release_tags(self.repo, self.report, self.year)
        self.archived = self.store.versions(self.report, self.year)
        self._manifests: dict[int, bytes | None] = {}

    def known_versions(self) -> list[int]:
        return sorted(set(self.tags) | set(self.archived))

    def manifest_bytes(self, version: int) -> bytes | None:
        if version not in self._manifests:
            try:
                self._manifests[version] = self.store.read(
                    self.report, self.year, version, MANIFEST
                )
            except (FileNotFoundError, OSError):
                self._manifests[version] = None
        return self._manifests[version]

    def check(self, version: int) -> Iterator[Check]:
        def result(name: str, ok: bool, detail: str = "") -> Check:
            return Check(version, name, ok, detail)

        raw = self.manifest_bytes(version)
        entry = self.store.display(self.report, self.year, version)
        if raw is None:
            yield result("archive entry has a manifest", False, f"no {MANIFEST} in {entry}")
            return
        try:
            manifest: dict[str, Any] = json.loads(raw)
            schema.validate(manifest, "manifest.schema.json", file=f"{entry}/{MANIFEST}")
        except (ValueError, SchemaError) as exc:
            yield result("manifest is well-formed", False, str(exc))
            return
        yield result("manifest is well-formed", True, entry)
        same = manifest["version"] == version and manifest["report"] == self.report
        yield result("manifest names this version", same and manifest["year"] == self.year)
        digest = sha256_bytes(raw)
        yield from self._tag_checks(version, manifest, digest)
        yield from self._file_checks(version, manifest)
        yield from self._sources_check(version, manifest)
        yield from self._chain_check(version, manifest)
        yield from self._approval_check(version, manifest)

    def anchor_checks(self, version: int) -> list[Check]:
        """The checks that need no file of the archive but the manifest: it is well-formed, its
        tag exists, is annotated, points at its commit and carries its digest, and it chains to
        the previous manifest. What the audit runs for every release (hashing every archived
        PDF and recomputing every approval is ``verify``'s job)."""
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
        return checks + list(self._chain_check(version, manifest))

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
        in_tag = digest_in_message(tag.message)
        yield Check(
            version,
            "tag message carries the manifest's SHA-256",
            in_tag == digest,
            f"tag {str(in_tag)[:12]}…, manifest {digest[:12]}…",
        )

    def _file_checks(self, version: int, manifest: dict[str, Any]) -> Iterator[Check]:
        listed = {f["name"]: f for f in manifest["files"]}
        present = set(self.store.files(self.report, self.year, version)) - {MANIFEST}
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
        from reportflow.signoff import approval

        try:
            verdict = approval.evaluate_records(
                self.report_dir, manifest["commit"], manifest["signoffs"]
            )
        except (ContentError, gitio.GitError) as exc:
            yield Check(version, "sign-offs are valid and approve this commit", False, str(exc))
            return
        for problem in verdict.problems:
            yield Check(version, "sign-off record", False, problem)
        detail = (
            "; ".join(verdict.missing) if not verdict.passed else ", ".join(manifest["approvers"])
        )
        yield Check(version, "sign-offs are valid and approve this commit", verdict.passed, detail)


def verify(report_dir: Path, version: int | None = None, all_versions: bool = False) -> list[Check]:
    from reportflow.signoff import approval

    approval.require_pin(report_dir)  # no pin: no trust root to check anything against
    verifier = Verifier(report_dir)
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
        chosen = [version]
    else:
        chosen = known if all_versions else [known[-1]]
    for number in {n for v in chosen for n in (v, v - 1) if n >= 1}:
        verifier.manifest_bytes(number)  # read before the threads share the cache
    # Each version's checks wait mostly on git processes and hashing: check them side by side.
    with ThreadPoolExecutor(max_workers=min(4, len(chosen))) as pool:
        per_version = pool.map(lambda n: list(verifier.check(n)), chosen)
        return [check for checks in per_version for check in checks]
