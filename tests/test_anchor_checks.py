"""``Verifier.anchor_checks`` in process, through ``headfirst.anchor_checks`` as the audit
calls it: every check's verdict for two honest releases and for what anyone with the archive
folder or plain git can do to them (a manifest removed, broken, edited, unchained; a tag
moved). The audit's other tests run the CLI in a subprocess, where a mutant of these checks is
never seen (bench/MUTATION.md); these run in this process, on the scripted history of
audit_support."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import audit_support
from audit_support import FOLDER
from conftest import git

from reportflow.release import headfirst
from reportflow.release.verify import Check, Verifier
from reportflow.signoff import approval

history, copy = audit_support.history, audit_support.copy  # the shared fixtures

TAG = "political-ecology/2022/v{}"


def _full(root: Path) -> dict[int, list[Check]]:
    report_dir = root / FOLDER
    ctx = approval.load_context(report_dir, "HEAD")
    roster = approval.decide(ctx)[1].roster.roster
    verifier = Verifier(report_dir, report=ctx.report, context=ctx)
    found = headfirst.anchor_checks(verifier, roster)
    for n, checks in found.items():
        assert all(c.version == n for c in checks), checks
    return found


def _checks(root: Path) -> dict[int, list[tuple[str, bool]]]:
    return {n: [(c.name, c.ok) for c in checks] for n, checks in _full(root).items()}


def _honest(n: int) -> list[tuple[str, bool]]:
    return [
        (f"tag {TAG.format(n)} exists and is annotated", True),
        ("tag points at the manifest's commit", True),
        ("tag message carries the manifest's SHA-256", True),
        (f"tag {TAG.format(n)} is signed by a releaser", True),
        ("manifest.sig is the releaser's signature of the manifest", True),
        ("release record in the ledger vouches for this manifest", True),
        ("first version: no previous manifest" if n == 1 else "chain to v1's manifest", True),
    ]


def _manifest(root: Path, n: int) -> Path:
    return next(root.rglob(f"political-ecology/2022/v{n}/manifest.json"))


def test_two_honest_releases_pass_every_anchor(copy: Path) -> None:
    found = _full(copy)
    assert {n: [(c.name, c.ok) for c in checks] for n, checks in found.items()} == {
        1: _honest(1),
        2: _honest(2),
    }
    for n in (1, 2):
        manifest = json.loads(_manifest(copy, n).read_text(encoding="utf-8"))
        tag = git(copy, "rev-parse", f"{TAG.format(n)}^{{commit}}").strip()
        assert tag == manifest["commit"]
        detail = {c.name: c.detail for c in found[n]}
        assert (
            detail["tag points at the manifest's commit"] == f"tag {tag[:10]}, manifest {tag[:10]}"
        )
        assert detail[f"tag {TAG.format(n)} is signed by a releaser"].startswith(
            "party-secretary ssh-ed25519 "
        )
        assert (
            detail["manifest.sig is the releaser's signature of the manifest"] == "party-secretary"
        )


def test_an_entry_without_its_manifest(copy: Path) -> None:
    path = _manifest(copy, 2)
    path.unlink()
    found = _full(copy)
    assert found[2] == [
        Check(2, "archive entry has a manifest", False, f"no manifest.json in {path.parent}")
    ]
    assert [(c.name, c.ok) for c in found[1]] == _honest(1)


def test_a_manifest_that_is_not_json_or_not_a_manifest(copy: Path) -> None:
    path = _manifest(copy, 2)
    path.write_text("{not json", encoding="utf-8")
    (broken,) = _full(copy)[2]
    assert (broken.name, broken.ok) == ("manifest is well-formed", False)
    assert broken.detail.startswith("Expecting property name"), broken.detail
    doc = json.loads(_manifest(copy, 1).read_text(encoding="utf-8"))
    del doc["commit"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    (invalid,) = _full(copy)[2]
    assert (invalid.name, invalid.ok) == ("manifest is well-formed", False)
    assert "v2/manifest.json" in invalid.detail and "commit" in invalid.detail, invalid.detail


def test_an_edited_first_manifest_breaks_its_tag_its_signature_and_the_chain(copy: Path) -> None:
    path = _manifest(copy, 1)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["title"] = doc["title"] + "（改）"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    found = _checks(copy)
    verdicts = dict(found[1])
    assert verdicts["tag message carries the manifest's SHA-256"] is False
    assert verdicts["manifest.sig is the releaser's signature of the manifest"] is False
    assert verdicts["release record in the ledger vouches for this manifest"] is False
    assert verdicts[f"tag {TAG.format(1)} exists and is annotated"] is True
    assert verdicts["tag points at the manifest's commit"] is True
    assert found[2][:-1] == _honest(2)[:-1]
    assert found[2][-1] == ("chain to v1's manifest", False)


def test_a_manifest_that_names_no_previous_version_or_whose_previous_is_gone(copy: Path) -> None:
    first = _manifest(copy, 1)
    shutil.rmtree(first.parent)
    found = _checks(copy)
    assert found[2][-1] == ("chain to the previous manifest", False)
    assert found[1][0] == ("archive entry has a manifest", False)


def test_a_tag_moved_to_another_commit_as_a_lightweight_tag(copy: Path) -> None:
    git(copy, "tag", "-d", TAG.format(2))
    git(copy, "tag", TAG.format(2), "HEAD~3")
    verdicts = dict(_checks(copy)[2])
    assert verdicts[f"tag {TAG.format(2)} exists and is annotated"] is False
    assert verdicts["tag points at the manifest's commit"] is False
    assert verdicts[f"tag {TAG.format(2)} is signed by a releaser"] is False
    assert verdicts["manifest.sig is the releaser's signature of the manifest"] is True
    assert verdicts["chain to v1's manifest"] is True
