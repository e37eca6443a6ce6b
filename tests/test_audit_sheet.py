"""The approval sheet (签批单) inside every release's archive entry: listed in the manifest,
checked by ``verify`` against the sign-off records, and the meanings of approvals named by the
policy in report.yaml (shown in the audit and on the sheet). On the scripted history of
tests/audit_support.py, with the real CLI, typst and ssh-keygen."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from audit_support import FOLDER, KEYS, build, reportflow, sign
from conftest import commit_all, isolate

from reportflow.release import sheet as sheetmod
from reportflow.release import sheetcheck, verify
from reportflow.release.archive import ArchiveStore

ENTRY = Path("archive") / "political-ecology" / "2022"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("home"))
        root = tmp_path_factory.mktemp("audit-sheet") / "reports"
        return root, build(root)


def _manifest(root: Path, n: int) -> dict:
    return json.loads((root / ENTRY / f"v{n}" / "manifest.json").read_text(encoding="utf-8"))


def test_every_release_archives_its_sheet_listed_and_verified(history) -> None:
    root, _named = history
    for n in (1, 2):
        entry = root / ENTRY / f"v{n}"
        listed = {f["name"]: f["sha256"] for f in _manifest(root, n)["files"]}
        for name in sheetmod.FILES:
            data = (entry / name).read_bytes()
            assert listed[name] == hashlib.sha256(data).hexdigest(), name
        assert {"report.pdf", "report.docx", "report.html"} <= set(listed)  # the render too
        archived = json.loads((entry / "approval-sheet.json").read_text(encoding="utf-8"))
        # the copy in the entry cannot hold the manifest's digest (the manifest holds its own)
        assert archived["version"] == n and archived["manifest_sha256"] == ""
        assert archived["commit"] == _manifest(root, n)["commit"]
        assert [s["meaning"] for s in archived["signatures"]][-1] == "签发"
        assert (entry / "approval-sheet.pdf").read_bytes().startswith(b"%PDF-")
    checks = verify.verify(root / FOLDER, all_versions=True)
    mine = [c for c in checks if c.name == "approval sheet agrees with the sign-off records"]
    assert [(c.version, c.ok) for c in mine] == [(1, True), (2, True)]
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    rebuilt = verify.verify(root / FOLDER, rebuild=True)
    pdf = [
        c for c in rebuilt if c.name == "approval-sheet.pdf is byte-identical to the rebuilt file"
    ]
    assert [(c.version, c.ok) for c in pdf] == [(2, True)]


def test_a_sheet_that_does_not_say_what_the_records_say_is_named(history, tmp_path) -> None:
    """The digest check cannot see a sheet the releaser signed with a wrong name on it; the
    sheet built again from the records does."""
    root, _named = history
    archive = tmp_path / "archive"
    shutil.copytree(root / "archive", archive)
    path = archive / "political-ecology" / "2022" / "v2" / "approval-sheet.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["signatures"][-1]["name"] = "别人"
    doc["signatures"][-1]["meaning"] = "审核"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    verifier = verify.Verifier(root / FOLDER, str(archive))
    verifier.load(verifier.known_versions())
    manifest = verifier.versions[2].manifest
    commit = str(manifest["commit"])
    facts = (verifier.contexts[commit], verifier.decided[commit][0])
    where = (verifier.report, verifier.year)

    def judged(folder: Path) -> list[tuple[str, bool, str]]:
        return list(sheetcheck.check(ArchiveStore(str(folder)), where, 2, manifest, *facts))

    found = judged(archive)
    assert len(found) == 1 and not found[0][1] and "signature rows 8" in found[0][2]
    # the sheet as release archived it agrees
    name = "approval sheet agrees with the sign-off records"
    assert judged(root / "archive") == [(name, True, "8 signatures")]


def test_the_policy_names_the_meanings_in_the_audit_and_on_the_sheet(history, tmp_path) -> None:
    root, _named = history
    copy = tmp_path / "reports"
    shutil.copytree(root, copy, symlinks=True)
    report_dir = copy / FOLDER
    yaml_path = report_dir / "report.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    for old, new in (
        ("default: {approvals: 1, roles: [deputy-head]}",
         "default: {approvals: 1, roles: [deputy-head], meaning: 核稿}"),
        ("report: {approvals: 1, roles: [party-secretary]}",
         "report: {approvals: 1, roles: [party-secretary], meaning: 审定}"),
    ):  # fmt: skip
        assert old in text
        text = text.replace(old, new)
    yaml_path.write_text(text, encoding="utf-8")
    commit_all(copy, "policy: the office's own words for each approval", "office-director")
    sign(report_dir, "party-secretary", "--roster")  # the roster in force signs the change
    sign(report_dir, "party-secretary", "--report")  # report.yaml is part of the report
    proc = reportflow("release", report_dir, "--key", KEYS["party-secretary"][0])
    assert proc.returncode == 0, proc.stderr
    audit = json.loads(reportflow("audit", report_dir, "--format", "json").stdout)
    meanings = [(e["scope"], e["meaning"]) for e in audit["events"] if e["kind"] == "signoff"]
    assert ("section:situation", "核稿") in meanings and ("report", "审定") in meanings
    assert ("roster", "名册变更审批") in meanings and ("section:situation", "审核") not in meanings
    table = reportflow("audit", report_dir, "--section", "preface").stdout
    assert "核稿" in table
    archived = json.loads((copy / ENTRY / "v3" / "approval-sheet.json").read_text(encoding="utf-8"))
    assert [s["meaning"] for s in archived["signatures"]][-1] == "审定"
    assert {s["meaning"] for s in archived["signatures"] if s["scope"].startswith("section:")} == {
        f"核稿（{sid}）" for sid in ("preface", "situation", "problems", "measures")
    }
    checks = verify.verify(report_dir)
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    # a meaning the schema refuses: blank, or longer than a step's name
    yaml_path.write_text(text.replace("meaning: 核稿", "meaning: ' '"), encoding="utf-8")
    bad = reportflow("validate", report_dir)
    assert bad.returncode != 0 and "meaning" in (bad.stdout + bad.stderr)


def test_every_release_archives_its_audit_page_listed_and_verified(history, tmp_path) -> None:
    """audit.html: the audit at the released commit, made beside the render (the command's
    attachment; ``release`` does not import the audit), listed in the signed manifest."""
    import html
    import re

    root, _named = history
    pages = {}
    for n in (1, 2):
        data = (root / ENTRY / f"v{n}" / "audit.html").read_bytes()
        listed = {f["name"]: f["sha256"] for f in _manifest(root, n)["files"]}
        assert listed["audit.html"] == hashlib.sha256(data).hexdigest()
        text = data.decode("utf-8")
        mark = re.search(r'<meta name="reportflow-audit" content="([^"]*)">', text)
        assert mark and html.unescape(mark[1]) == (
            f"political-ecology/2022@{_manifest(root, n)['commit']}"
        )
        pages[n] = text
    # v2's page shows v1's release; v1's page was made before any tag existed
    assert "political-ecology/2022/v1" in pages[2]
    assert 'class="release"' not in pages[1] and 'class="release"' in pages[2]
    checks = verify.verify(root / FOLDER, all_versions=True)
    mine = [(c.version, c.ok) for c in checks if c.name == "audit page is of the released commit"]
    assert mine == [(1, True), (2, True)]
    # a page of another version in v2's entry: its digest and the commit it names both fail
    copy = tmp_path / "reports"
    shutil.copytree(root, copy, symlinks=True)
    shutil.copy(copy / ENTRY / "v1" / "audit.html", copy / ENTRY / "v2" / "audit.html")
    tampered = verify.verify(copy / FOLDER, all_versions=True)
    bad = {(c.version, c.name) for c in tampered if not c.ok}
    assert bad == {(2, "file audit.html"), (2, "audit page is of the released commit")}
