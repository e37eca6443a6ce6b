"""The archive on S3: moto's server on 127.0.0.1 is a real S3 API over HTTP."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import git
from releasing import ready_to_release, releaser_key

from reportflow.core.errors import Refused
from reportflow.release.archive import CLAIM_SUFFIX, ArchiveStore


@pytest.fixture
def s3_archive(monkeypatch: pytest.MonkeyPatch):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "FSSPEC_S3_ENDPOINT_URL": endpoint,
        "REPORTFLOW_ARCHIVE": "s3://records/annual-reports",
    }.items():
        monkeypatch.setenv(name, value)
    import boto3

    # moto keeps its buckets in this process, not per server: start every test empty
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="records")
    # this process imported fsspec before the variables were set: pass the endpoint directly
    yield ArchiveStore("s3://records/annual-reports", endpoint_url=endpoint)
    server.stop()


def test_release_to_s3_and_verify(cli, repo: Path, report_dir: Path, s3_archive) -> None:
    ready_to_release(cli, repo, report_dir)
    result = cli("release", report_dir, "--key", releaser_key())
    assert result.code == 0, result.err
    assert "s3://records/annual-reports/political-ecology/2022/v1" in result.out
    assert s3_archive.versions("political-ecology", 2022) == [1]
    assert s3_archive.files("political-ecology", 2022, 1) == [
        "approval-sheet.json",
        "approval-sheet.pdf",
        "audit.html",
        "history.bundle",  # the history up to the released commit (release/bundle.py)
        "manifest.json",
        "manifest.sig",
        "report.docx",
        "report.html",
        "report.pdf",
        "sources.tar.gz",
    ]
    assert not (repo / "archive").exists()
    verified = cli("verify", report_dir)
    assert verified.code == 0, verified.out
    signed = " ".join(verified.out.split())
    assert "✓ tag political-ecology/2022/v1 is signed by a releaser (party-secretary" in signed
    assert "✓ manifest.sig is the releaser's signature of the manifest (party-secretary)" in signed
    assert "✓ release record in the ledger vouches for this manifest" in signed

    # write-once: a second release of new content cannot reuse v1's place, and tampering shows
    s3_archive.fs.pipe_file(
        s3_archive.entry("political-ecology", 2022, 1) + "/report.html", b"<html>changed</html>"
    )
    s3_archive.fs.invalidate_cache()
    tampered = cli("verify", report_dir)
    assert tampered.code == 1
    assert any("file report.html" in ln and "✗" in ln for ln in tampered.out.splitlines())
    assert git(repo, "tag", "--list").split() == ["political-ecology/2022/v1"]


def test_a_claimed_entry_stops_a_second_writer_before_it_writes(
    cli, repo: Path, report_dir: Path, s3_archive
) -> None:
    """Another clone is uploading v1 (its claim is there, its files not yet): this release must
    stop without writing a byte and without touching the other writer's claim."""
    ready_to_release(cli, repo, report_dir)
    claim = s3_archive.entry("political-ecology", 2022, 1) + CLAIM_SUFFIX
    s3_archive.fs.pipe_file(claim, b'{"host": "other-clone"}')
    result = cli("release", report_dir, "--key", releaser_key())
    assert result.code == 1, result
    assert "another release is writing archive entry" in result.err, result.err
    s3_archive.fs.invalidate_cache()
    assert s3_archive.fs.cat_file(claim) == b'{"host": "other-clone"}'
    assert not s3_archive.occupied("political-ecology", 2022, 1)
    assert git(repo, "tag", "--list").split() == []


def test_two_clones_releasing_into_one_bucket_at_once_exactly_one_wins(
    cli, repo: Path, report_dir: Path, s3_archive, tmp_path: Path
) -> None:
    """The release lock is per repository; two clones share only the bucket. Whatever the
    timing, one clone gets v1 and the other refuses cleanly, and v1 verifies."""
    ready_to_release(cli, repo, report_dir)
    other = tmp_path / "other-clone"
    git(tmp_path, "clone", "-q", str(repo), str(other))
    dirs = [report_dir, other / report_dir.relative_to(repo)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "reportflow", "release", str(d), "--key", str(releaser_key())],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for d in dirs
    ]
    streams = [p.communicate() for p in procs]  # read the pipes while waiting: never stall
    outcomes = [(p.returncode, *io) for p, io in zip(procs, streams, strict=True)]
    winners = [i for i, o in enumerate(outcomes) if o[0] == 0]
    assert len(winners) == 1, outcomes
    code, _out, err = outcomes[1 - winners[0]]
    assert code == 1 and "Traceback" not in err, outcomes
    assert "archive entry" in err, err  # being written, exists, or exists without its tag
    s3_archive.fs.invalidate_cache()
    assert s3_archive.versions("political-ecology", 2022) == [1]
    # manifest.sig, the sheet, the audit page, history.bundle
    assert len(s3_archive.files("political-ecology", 2022, 1)) == 10
    assert cli("verify", dirs[winners[0]]).code == 0


def test_two_writers_past_the_existence_check_exactly_one_claims(
    s3_archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both writers have found v1 free before either writes (the race the subprocess test
    above only sometimes hits): the create-only claim lets exactly one upload, and the entry
    holds that writer's files only."""
    names = ("manifest.json", "report.docx", "report.html", "report.pdf", "sources.tar.gz")
    staged = {}
    for who in ("first", "second"):
        folder = tmp_path / who / "v1"
        folder.mkdir(parents=True)
        for name in names:
            (folder / name).write_bytes(f"{who}:{name}".encode())
        staged[who] = folder
    both_checked = threading.Barrier(2, timeout=30)
    real_occupied = ArchiveStore.occupied

    def occupied_then_wait(self: ArchiveStore, *args: object) -> bool:
        found = real_occupied(self, *args)
        both_checked.wait()
        if threading.current_thread().name == "second":
            time.sleep(0.3)  # claim after "first" has: moto, unlike S3, is not atomic
        return found

    monkeypatch.setattr(ArchiveStore, "occupied", occupied_then_wait)
    results: dict[str, object] = {}

    def publish(who: str) -> None:
        try:
            results[who] = s3_archive.publish(staged[who], "political-ecology", 2022, 1)
        except Refused as exc:
            results[who] = exc

    threads = [threading.Thread(target=publish, args=(w,), name=w) for w in staged]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert isinstance(results["first"], str), results
    assert isinstance(results["second"], Refused), results
    assert "another release is writing archive entry" in str(results["second"])
    assert "claimed by" in str(results["second"])
    s3_archive.fs.invalidate_cache()
    monkeypatch.undo()
    assert s3_archive.files("political-ecology", 2022, 1) == list(names)
    for name in names:
        assert s3_archive.read("political-ecology", 2022, 1, name) == f"first:{name}".encode()
