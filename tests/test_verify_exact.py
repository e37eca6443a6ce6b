"""``verify``'s checks called in the test process, every check stated whole (issue 17: verify's
tests ran the CLI in a subprocess, so no mutant of ``release/verify.py`` could be caught).

One repository with v1 and v2 released (through the real CLI: render, sign, tag, archive) is
built once and kept on disk under a key of everything it depends on (the package's source, the
sample report, the demo keys and trust root, the builder); each test works on a copy. Built
per test process it would cost ~15 s, and a mutation run starts a test process per mutant.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE_REPORT, Result, commit_all, git, isolate, trusted
from releasing import approve_all, entry, ready_to_release, releaser_key, tamper_bytes, tamper_json

import reportflow
from reportflow.core.errors import ContentError, InputError
from reportflow.release import verify
from reportflow.release.release import SOURCES, sha256_bytes
from reportflow.release.verify import Check, Verifier

FOLDER = Path("content") / "political-ecology" / "2022"
V1, V2 = "political-ecology/2022/v1", "political-ecology/2022/v2"


def _build(root: Path) -> None:
    """v1 released, a section amended and approved again, v2 released; verified by the CLI."""

    def cli(*args: str | Path) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "reportflow", *map(str, args)], capture_output=True, text=True
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    report_dir = root / FOLDER
    shutil.copytree(SAMPLE_REPORT, report_dir)
    commit_all(root, "import the 2022 report")
    trusted(root, report_dir)
    ready_to_release(cli, root, report_dir)
    assert cli("release", report_dir, "--key", releaser_key()).code == 0
    section = report_dir / "sections" / "02-problems.md"
    section.write_text(section.read_text(encoding="utf-8") + "\n四是补充问题。\n", "utf-8")
    commit_all(root, "problems: a fourth point")
    approve_all(cli, report_dir, reviewer="deputy-head-2")
    done = cli("release", report_dir, "--key", releaser_key())
    assert done.code == 0, done.err
    assert cli("verify", report_dir, "--all").code == 0


def _key() -> str:
    digest = hashlib.sha256(inspect.getsource(_build).encode())
    package = Path(reportflow.__file__).parent
    folders = [(package, "*.py"), (SAMPLE_REPORT, "*"), (ROOT / "demo", "*")]
    folders += [(ROOT / "schemas", "*"), (Path(__file__).parent, "releasing.py")]
    for base, pattern in folders:
        for path in sorted(base.rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = Path(tempfile.gettempdir()) / "reportflow-tests" / f"released-{_key()}"
    if not cache.exists():
        build = Path(tempfile.mkdtemp(prefix="building-", dir=cache.parent.parent))
        with pytest.MonkeyPatch.context() as mp:
            isolate(mp, tmp_path_factory.mktemp("home"))
            _build(build / "reports")
        cache.parent.mkdir(parents=True, exist_ok=True)
        try:  # in one step: a test run beside us sees all of it or none
            os.rename(build / "reports", cache)
        except OSError:  # another run built it at the same time
            assert cache.exists()
        shutil.rmtree(build, ignore_errors=True)
    return cache


@pytest.fixture
def repo(released: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "reports"
    shutil.copytree(released, copy, symlinks=True)
    return copy


def _manifest(repo: Path, version: int) -> dict:
    return json.loads((entry(repo, version) / "manifest.json").read_bytes())


def _honest(repo: Path, version: int) -> list[Check]:
    """Every check of an untouched version, as ``verify`` must state it."""
    m = _manifest(repo, version)
    raw = (entry(repo, version) / "manifest.json").read_bytes()
    digest = sha256_bytes(raw)
    commit = m["commit"]
    tag = f"political-ecology/2022/v{version}"
    key = (ROOT / "demo" / "keys" / "party-secretary.pub").read_text("utf-8").split()
    record = [p.name for p in (repo / FOLDER / "signoffs").glob(f"*-release-v{version}.json")]
    blobs = git(repo, "ls-tree", "-r", "--name-only", commit, "--", str(FOLDER)).split()
    checks = [
        ("manifest is well-formed", True, str(entry(repo, version))),
        ("manifest names this version", True, ""),
        ("released under the pinned trust root", True,
         f"root v{m['root']['version']}, pin {m['root']['pin'][:19]}…"),
        (f"tag {tag} exists and is annotated", True, ""),
        ("tag points at the manifest's commit", True, f"tag {commit[:10]}, manifest {commit[:10]}"),
        ("tag message carries the manifest's SHA-256", True,
         f"tag {digest[:12]}…, manifest {digest[:12]}…"),
        (f"tag {tag} is signed by a releaser", True, f"party-secretary {' '.join(key[:2])[:24]}…"),
        ("manifest.sig is the releaser's signature of the manifest", True, "party-secretary"),
        ("release record in the ledger vouches for this manifest", True, record[0]),
    ]  # fmt: skip
    checks += [(f"file {f['name']}", True, "SHA-256 matches") for f in m["files"]]
    checks += [
        ("no files outside the manifest", True, ""),
        ("sources match the tagged tree", True, f"{len(blobs)} files"),
        ("history.bundle holds the history up to the released commit", True,
         f"tip {commit[:10]}, released {commit[:10]}"),
        ("history.bundle continues the previous version's", True,
         "from the first commit" if version == 1
         else f"since {_manifest(repo, version - 1)['commit'][:10]}"),
        ("the sign-offs are in the ledger of history.bundle", True,
         f"{len(m['signoffs'])} records"),
        ("approval sheet agrees with the sign-off records", True,
         f"{len(m['signoffs'])} signatures"),
        ("audit page is of the released commit", True, f"political-ecology/2022@{commit}"),
        ("first version: no previous manifest", True, "") if version == 1
        else (f"chain to v{version - 1}'s manifest", True, ""),
        ("sign-offs are valid and approve this commit", True, ", ".join(m["approvers"])),
    ]  # fmt: skip
    assert len(record) == 1 and [f["name"] for f in m["files"]] == sorted(
        f["name"] for f in m["files"]
    )
    return [Check(version, *c) for c in checks]


def _seen(version: int) -> Check:
    return Check(version, "not older than the latest version this machine saw", True, "")


def _failed(checks: list[Check]) -> list[Check]:
    return [c for c in checks if not c.ok]


def test_an_honest_release_passes_every_check(repo: Path) -> None:
    found = verify.verify(repo / FOLDER, all_versions=True)
    assert found == [*_honest(repo, 1), *_honest(repo, 2), _seen(2)]


def test_without_all_only_the_latest_is_hashed(repo: Path) -> None:
    """The anchors, chain and sign-offs of every version; files and sources of the chosen."""
    light = {"file ", "no files outside", "sources match", "approval sheet", "history.bundle",
             "the sign-offs are in the ledger of history.bundle", "audit page"}  # fmt: skip

    def anchors_only(version: int) -> list[Check]:
        return [c for c in _honest(repo, version) if not c.name.startswith(tuple(light))]

    assert verify.verify(repo / FOLDER) == [*anchors_only(1), *_honest(repo, 2), _seen(2)]
    assert verify.verify(repo / FOLDER, 1) == [*_honest(repo, 1), *anchors_only(2), _seen(2)]
    with pytest.raises(ContentError) as err:
        verify.verify(repo / FOLDER, 3)
    assert str(err.value) == "no version v3 (versions: v1, v2)"


def test_expect_names_the_latest_version_and_its_manifest(repo: Path) -> None:
    digest = sha256_bytes((entry(repo, 2) / "manifest.json").read_bytes())
    other = sha256_bytes((entry(repo, 1) / "manifest.json").read_bytes())
    name = f"expected v2 with manifest {digest[:12]}… as the latest"
    found = verify.verify(repo / FOLDER, expect=f" v2:sha256:{digest}\n")
    assert found[-2:] == [Check(2, name, True, f"found v2 with manifest {digest[:12]}…"), _seen(2)]
    found = verify.verify(repo / FOLDER, expect=f"v2:sha256:{other}")
    assert _failed(found) == [
        Check(2, f"expected v2 with manifest {other[:12]}… as the latest", False,
              f"found v2 with manifest {digest[:12]}…")
    ]  # fmt: skip
    found = verify.verify(repo / FOLDER, expect=f"v1:sha256:{other}")
    assert _failed(found) == [
        Check(1, f"expected v1 with manifest {other[:12]}… as the latest", False,
              f"found v2 with manifest {digest[:12]}…")
    ]  # fmt: skip
    for bad in (f"v0:sha256:{digest}", f"v2:sha256:{digest[:-1]}", f"v2:{digest}", "v02:x"):
        with pytest.raises(InputError) as err:
            verify.verify(repo / FOLDER, expect=bad)
        assert err.value.message == f"--expect {bad!r} is not v<N>:sha256:<64 hex digits>"
        assert err.value.hint == f"e.g. --expect v2:sha256:{'0' * 64} (from the approval sheet)"


def test_a_changed_byte_of_the_pdf(repo: Path) -> None:
    pdf = entry(repo, 2) / "report.pdf"
    tamper_bytes(pdf, lambda b: b[:-10] + b"X" + b[-9:])
    listed = {f["name"]: f["sha256"] for f in _manifest(repo, 2)["files"]}
    actual = sha256_bytes(pdf.read_bytes())
    assert _failed(verify.verify(repo / FOLDER, all_versions=True)) == [
        Check(
            2, "file report.pdf", False, f"SHA-256 {actual[:12]}… != {listed['report.pdf'][:12]}…"
        )
    ]


def test_files_missing_from_and_added_to_the_archive(repo: Path) -> None:
    v1 = entry(repo, 1)
    v1.chmod(0o755)
    (v1 / "report.html").unlink()
    (v1 / "zz-extra.txt").write_text("x", "utf-8")
    (v1 / "aa-extra.txt").write_text("x", "utf-8")
    (v1 / "inner").mkdir()  # a folder is no file of the entry
    checks = verify.verify(repo / FOLDER, all_versions=True)
    listed = sorted(f["name"] for f in _manifest(repo, 1)["files"])
    # every listed file is checked, also those after a missing one
    assert [c.name for c in checks if c.version == 1 and c.name.startswith("file ")] == [
        f"file {n}" for n in listed
    ]
    failed = _failed(checks)
    assert failed == [
        Check(1, "file report.html", False, "missing from the archive"),
        Check(1, "no files outside the manifest", False, "aa-extra.txt, zz-extra.txt"),
    ]


def test_a_file_of_the_same_digest_but_another_size_is_not_the_file(repo: Path) -> None:
    """Both the SHA-256 and the size are compared (a manifest listing a wrong size fails)."""
    verifier = Verifier(repo / FOLDER)
    manifest = _manifest(repo, 1)
    for f in manifest["files"]:
        if f["name"] == "report.html":
            f["size"] += 1
    found = [c for c in verifier._file_checks(1, manifest) if c.name == "file report.html"]
    sha = next(f["sha256"] for f in manifest["files"] if f["name"] == "report.html")
    assert found == [Check(1, "file report.html", False, f"SHA-256 {sha[:12]}… != {sha[:12]}…")]


def test_sources_that_differ_from_the_tagged_tree(repo: Path) -> None:
    verifier = Verifier(repo / FOLDER)
    manifest = _manifest(repo, 2)
    name = "sources match the tagged tree"
    # the tree of v1's commit has one file that v2's sources hold differently
    older = {**manifest, "commit": _manifest(repo, 1)["commit"]}
    section = f"{FOLDER}/sections/02-problems.md"
    v1_files = git(repo, "ls-tree", "-r", "--name-only", older["commit"], "--", str(FOLDER))
    v2_files = git(repo, "ls-tree", "-r", "--name-only", manifest["commit"], "--", str(FOLDER))
    differ = sorted(
        {section}
        | (set(v1_files.split()) ^ set(v2_files.split()))
        | {p for p in v2_files.split() if "/signoffs/" in p and p not in v1_files.split()}
    )
    assert list(verifier._sources_check(2, older)) == [
        Check(2, name, False, "differs from the tagged tree: " + ", ".join(differ[:5]))
    ]
    assert len(differ) > 5  # only the first five are named
    unlisted = {**manifest, "files": [f for f in manifest["files"] if f["name"] != SOURCES]}
    assert list(verifier._sources_check(2, unlisted)) == [Check(2, name, False, f"no {SOURCES}")]
    missing = {**manifest, "commit": "0" * 40}
    [check] = verifier._sources_check(2, missing)
    assert (check.version, check.name, check.ok) == (2, name, False)
    assert check.detail.startswith(f"{repo}: git ls-tree failed: fatal: not a tree object")


def test_sources_that_are_no_tar_archive(repo: Path) -> None:
    tamper_bytes(entry(repo, 2) / SOURCES, lambda b: b"not a tar.gz")
    listed = {f["name"]: f["sha256"] for f in _manifest(repo, 2)["files"]}
    actual = sha256_bytes(b"not a tar.gz")
    assert _failed(verify.verify(repo / FOLDER, 2)) == [
        Check(2, f"file {SOURCES}", False, f"SHA-256 {actual[:12]}… != {listed[SOURCES][:12]}…"),
        Check(2, "sources match the tagged tree", False,
              f"{SOURCES} cannot be read: not a gzip file"),
    ]  # fmt: skip


def test_sources_match_counts_files_only() -> None:
    import io
    import tarfile

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        folder = tarfile.TarInfo("d")
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
        for name, data in (("d/a.md", b"a"), ("d/b.md", b"")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    blob = {"d/a.md": verify._blob_id(b"a"), "d/b.md": verify._blob_id(b"")}
    assert blob["d/b.md"] == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"  # git's empty blob
    assert verify._sources_match(out.getvalue(), blob) == (True, "2 files")
    assert verify._sources_match(out.getvalue(), {**blob, "d/c.md": "1" * 40}) == (
        False,
        "differs from the tagged tree: d/c.md",
    )
    assert verify._sources_match(out.getvalue(), {"d/a.md": blob["d/b.md"]}) == (
        False,
        "differs from the tagged tree: d/a.md, d/b.md",
    )


def test_the_chain_between_manifests(repo: Path) -> None:
    tamper_json(entry(repo, 1) / "manifest.json", lambda m: m.update(title="someone else's"))
    failed = _failed(verify.verify(repo / FOLDER, all_versions=True))
    assert Check(2, "chain to v1's manifest", False, "") in failed
    verifier = Verifier(repo / FOLDER)
    m2 = _manifest(repo, 2)
    assert list(verifier._chain_check(2, {**m2, "previous": None})) == [
        Check(2, "chain to the previous manifest", False, "manifest names no previous version")
    ]
    assert list(verifier._chain_check(4, {**m2, "previous": m2["previous"]})) == [
        Check(4, "chain to the previous manifest", False, "v3 missing")
    ]
    before = sha256_bytes((entry(repo, 1) / "manifest.json").read_bytes())
    good = {"version": 1, "manifest_sha256": before}
    assert list(verifier._chain_check(2, {**m2, "previous": good})) == [
        Check(2, "chain to v1's manifest", True, "")
    ]
    assert list(verifier._chain_check(2, {**m2, "previous": {**good, "version": 2}})) == [
        Check(2, "chain to v1's manifest", False, "")
    ]
    m1 = _manifest(repo, 1)
    assert list(verifier._chain_check(1, {**m1, "previous": good})) == [
        Check(1, "first version: no previous manifest", False, "")
    ]


def test_a_tag_moved_made_lightweight_or_deleted(repo: Path) -> None:
    verifier = Verifier(repo / FOLDER)
    m1, m2 = _manifest(repo, 1), _manifest(repo, 2)
    d2 = sha256_bytes((entry(repo, 2) / "manifest.json").read_bytes())
    c1, c2 = m1["commit"], m2["commit"]
    # v1's tag message and commit checked against v2's manifest
    assert list(verifier._tag_checks(1, {**m2, "tag": V2}, d2)) == [
        Check(1, f"tag {V2} exists and is annotated", True, ""),
        Check(1, "tag points at the manifest's commit", False,
              f"tag {c1[:10]}, manifest {c2[:10]}"),
        Check(1, "tag message carries the manifest's SHA-256", False,
              f"tag {sha256_bytes((entry(repo, 1) / 'manifest.json').read_bytes())[:12]}…, "
              f"manifest {d2[:12]}…"),
    ]  # fmt: skip
    assert list(verifier._tag_checks(3, m2, d2)) == [
        Check(3, f"tag {V2} exists", False, "no such tag")
    ]
    git(repo, "tag", "-d", V1)
    git(repo, "tag", V1, c1)  # lightweight: no message, no signature
    checks = list(Verifier(repo / FOLDER)._tag_checks(1, m1, "d" * 64))
    assert checks == [
        Check(1, f"tag {V1} exists and is annotated", False, ""),
        Check(1, "tag points at the manifest's commit", True, f"tag {c1[:10]}, manifest {c1[:10]}"),
        Check(1, "tag message carries the manifest's SHA-256", False,
              f"tag None…, manifest {'d' * 12}…"),
    ]  # fmt: skip


def test_a_manifest_that_names_another_version_report_or_year(repo: Path) -> None:
    for change in ({"version": 1}, {"report": "other"}, {"year": 2021}):
        copy = repo.parent / f"copy-{next(iter(change))}"
        shutil.copytree(repo, copy, symlinks=True)
        tamper_json(entry(copy, 2) / "manifest.json", lambda m, c=change: m.update(c))
        checks = verify.verify(copy / FOLDER, 2)
        assert Check(2, "manifest names this version", False, "") in checks, change
        assert Check(2, "manifest names this version", True, "") not in checks


def test_an_entry_without_a_manifest_or_with_a_broken_one(repo: Path) -> None:
    v2 = entry(repo, 2)
    tamper_bytes(v2 / "manifest.json", lambda b: b"{not json")
    checks = [c for c in verify.verify(repo / FOLDER, all_versions=True) if c.version == 2]
    assert checks[0].name == "manifest is well-formed" and not checks[0].ok
    assert checks[0].detail and len(checks) == 2 and checks[1] == _seen(2)
    v2.chmod(0o755)
    (v2 / "manifest.json").unlink()
    checks = [c for c in verify.verify(repo / FOLDER, all_versions=True) if c.version == 2]
    record = [p.name for p in (repo / FOLDER / "signoffs").glob("*-release-v2.json")]
    assert checks[0] == Check(2, "archive entry has a manifest", False, f"no manifest.json in {v2}")
    # the ledger's record still names the manifest the release wrote: it is the entry that lost it
    assert checks[1] == Check(
        2, "release record in the ledger vouches for this manifest", True, record[0]
    )
    assert len(checks) == 3 and checks[2].name == _seen(2).name


def test_the_newest_version_deleted_with_its_tag(repo: Path) -> None:
    shutil.rmtree(entry(repo, 2))
    git(repo, "tag", "-d", V2)
    record = next((repo / FOLDER / "signoffs").glob("*-release-v2.json")).name
    checks = verify.verify(repo / FOLDER, all_versions=True)
    assert [c for c in checks if c.version == 2] == [
        Check(2, "release record in history but no tag and no archive entry", False,
              f"newest version deleted: {record} records v2"),
        Check(2, "not older than the latest version this machine saw", True, ""),
    ]  # fmt: skip
    assert [c for c in checks if c.version == 1] == _honest(repo, 1)


def test_a_replaced_newest_version_after_this_machine_saw_it(repo: Path) -> None:
    assert _failed(verify.verify(repo / FOLDER)) == []  # this machine remembers v2
    original = (entry(repo, 2) / "manifest.json").read_bytes()
    seen = sha256_bytes(original)
    tamper_json(entry(repo, 2) / "manifest.json", lambda m: m.update(title="换了"))
    now = sha256_bytes((entry(repo, 2) / "manifest.json").read_bytes())
    last = _failed(verify.verify(repo / FOLDER))[-1]
    assert (last.version, last.name) == (2, "not older than the latest version this machine saw")
    assert last.detail.startswith(f"this machine saw political-ecology/2022 v2 with manifest "
                                  f"sha256 {seen[:12]}… on ")  # fmt: skip
    assert last.detail.endswith(f"; the archive now has {now[:12]}… (replaced)")
    # a verify that failed remembers nothing: the honest v2 back in place passes again
    tamper_bytes(entry(repo, 2) / "manifest.json", lambda _b: original)
    assert _failed(verify.verify(repo / FOLDER)) == []


def test_the_archive_verify_is_told_and_the_one_report_yaml_names(repo: Path) -> None:
    moved = repo.parent / "elsewhere"
    shutil.copytree(repo / "archive", moved, symlinks=True)
    shutil.rmtree(repo / "archive")
    found = verify.verify(repo / FOLDER, all_versions=True, archive=str(moved))
    assert [c.detail for c in found if c.name == "manifest is well-formed"] == [
        str(moved / "political-ecology" / "2022" / "v1"),
        str(moved / "political-ecology" / "2022" / "v2"),
    ]
    assert _failed(found) == []
    # report.yaml's archive: is only a default, and a note says where it came from
    yaml = repo / FOLDER / "report.yaml"
    yaml.write_text(yaml.read_text("utf-8") + f"archive: {moved}\n", "utf-8")
    git(repo, "commit", "-q", "-am", "archive moved")
    found = verify.verify(repo / FOLDER, all_versions=True)
    assert found[-1] == Check(
        2,
        "archive location given by the verifier",
        True,
        f"taken from report.yaml archive: ({moved}), which any author can change; an auditor "
        "passes --archive",
    )


def test_a_report_without_a_release(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    shutil.copytree(SAMPLE_REPORT, root / FOLDER)
    commit_all(root, "import the 2022 report")
    trusted(root, root / FOLDER)
    with pytest.raises(ContentError) as err:
        verify.verify(root / FOLDER)
    assert err.value.message == "political-ecology/2022 has no released version"
    assert err.value.hint == "release one with 'reportflow release'"


def test_a_manifest_under_a_root_this_machine_does_not_pin(repo: Path) -> None:
    verifier = Verifier(repo / FOLDER)
    verifier.load(verifier.known_versions())
    m = _manifest(repo, 1)
    assert m["root"]["pin"] in verifier.roots
    verifier.roots = {"sha256:" + "0" * 64}
    checks = list(verifier.check(1, full=False))
    assert checks[2] == Check(
        1, "released under the pinned trust root", False,
        f"root v{m['root']['version']}, pin {m['root']['pin'][:19]}…",
    )  # fmt: skip
    verifier.roots = {m["root"]["digest"]}
    assert list(verifier.check(1, full=False))[2].ok is True


def test_an_edited_manifest_fails_its_tag_signature_and_release_record(repo: Path) -> None:
    before = sha256_bytes((entry(repo, 2) / "manifest.json").read_bytes())
    tamper_json(entry(repo, 2) / "manifest.json", lambda m: m.update(title="换了"))
    now = sha256_bytes((entry(repo, 2) / "manifest.json").read_bytes())
    record = next((repo / FOLDER / "signoffs").glob("*-release-v2.json")).name
    assert _failed(verify.verify(repo / FOLDER, 2)) == [
        Check(2, "tag message carries the manifest's SHA-256", False,
              f"tag {before[:12]}…, manifest {now[:12]}…"),
        Check(2, "manifest.sig is the releaser's signature of the manifest", False,
              "no releaser's key verifies it: signed by a key not listed for any releaser "
              "(policy.release), or changed after signing"),
        Check(2, "release record in the ledger vouches for this manifest", False,
              f"release record {record} names manifest sha256 {before[:12]}…, the archive has "
              f"{now[:12]}… (replaced)"),
    ]  # fmt: skip


def test_no_decision_at_the_released_commit_is_a_failed_approval(repo: Path) -> None:
    verifier = Verifier(repo / FOLDER)  # nothing decided yet: no verdict at any commit
    manifest = _manifest(repo, 2)
    assert list(verifier._approval_check(2, manifest)) == [
        Check(2, "sign-offs are valid and approve this commit", False,
              f"cannot read {manifest['commit'][:10]}")
    ]  # fmt: skip


def test_a_sign_off_record_edited_in_the_manifest(repo: Path) -> None:
    tamper_json(
        entry(repo, 2) / "manifest.json",
        lambda m: m["signoffs"][0].update(comment="edited after signing"),
    )
    checks = [c for c in verify.verify(repo / FOLDER, 2) if c.version == 2]
    records = [c for c in checks if c.name == "sign-off record"]
    assert records and all(not c.ok and isinstance(c.detail, str) and c.detail for c in records)
    # the other records still approve the commit: the edited one is named, not counted
    final = checks[-2]  # before "not older than … this machine saw"
    assert final == Check(2, "sign-offs are valid and approve this commit", True,
                          ", ".join(_manifest(repo, 2)["approvers"]))  # fmt: skip
    assert _failed(checks)[-len(records) :] == records
    assert checks.index(records[-1]) == len(checks) - 3  # the problems come just before it


def _audit_check(repo: Path, page: bytes) -> tuple[list[Check], list[Check]]:
    """(the audit page's check, the failed checks) of v2 with ``page`` as its audit.html."""
    (entry(repo, 2) / "audit.html").write_bytes(page)
    checks = [c for c in verify.verify(repo / FOLDER, 2) if c.version == 2]
    return [c for c in checks if c.name == "audit page is of the released commit"], _failed(checks)


def test_an_audit_page_is_read_for_its_mark_in_the_head_only(repo: Path) -> None:
    """The mark must be in the page's head: one placed after ``</head>`` (where any text of
    the history shows, an author's among it) names nothing."""
    commit = _manifest(repo, 2)["commit"]
    mark = f'<meta name="reportflow-audit" content="political-ecology/2022@{commit}">'.encode()
    page = b"<html><head><title>t</title></head><body>" + mark + b"</head></body></html>"
    audit, failed = _audit_check(repo, page)
    assert audit == [Check(2, "audit page is of the released commit", False, "")]
    assert [c.name for c in failed] == ["file audit.html", "audit page is of the released commit"]


def test_an_audit_page_with_bytes_that_are_no_utf8_is_still_read(repo: Path) -> None:
    commit = _manifest(repo, 2)["commit"]
    named = f"political-ecology/2022@{commit}"
    page = (b'<html><head><title>\xff\xfe</title><meta name="reportflow-audit" content="'
            + named.encode() + b'"></head><body></body></html>')  # fmt: skip
    audit, failed = _audit_check(repo, page)
    assert audit == [Check(2, "audit page is of the released commit", True, named)]
    assert [c.name for c in failed] == ["file audit.html"]  # its digest, not a crash


def test_rebuild_renders_again_and_compares(repo: Path) -> None:
    """``verify --rebuild`` in process: every honest check, with the sheet's PDF rendered
    again after the sheet's check and the report's files after the audit page's, each
    compared byte for byte and named; a changed archived PDF is named by the rebuild too."""
    honest = verify.verify(repo / FOLDER, 2)
    size = {n: (entry(repo, 2) / n).stat().st_size for n in
            ("approval-sheet.pdf", "report.docx", "report.pdf", "report.html")}  # fmt: skip

    def same(name: str) -> Check:
        return Check(
            2, f"{name} is byte-identical to the rebuilt file", True, f"{size[name]} bytes"
        )

    wanted = list(honest)
    sheet = next(i for i, c in enumerate(wanted) if c.name.startswith("approval sheet agrees"))
    wanted.insert(sheet + 1, same("approval-sheet.pdf"))
    audit = next(i for i, c in enumerate(wanted) if c.name.startswith("audit page"))
    wanted[audit + 1 : audit + 1] = [
        same("report.docx"), same("report.pdf"), same("report.html"),
        Check(2, "formats compared by the rebuild", True, "docx, pdf, html"),
    ]  # fmt: skip
    assert verify.verify(repo / FOLDER, 2, rebuild=True) == wanted

    tamper_bytes(entry(repo, 2) / "report.pdf", lambda b: b[:-1] + bytes([b[-1] ^ 1]))
    failed = _failed(verify.verify(repo / FOLDER, 2, rebuild=True))
    assert [c.name for c in failed] == [
        "file report.pdf",
        "report.pdf is byte-identical to the rebuilt file",
    ]
    assert "differs" in failed[1].detail or "≠" in failed[1].detail, failed[1]
