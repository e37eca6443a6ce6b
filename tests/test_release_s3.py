"""The archive on S3: moto's server on 127.0.0.1 is a real S3 API over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git
from releasing import ready_to_release

from reportflow.archive import ArchiveStore


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

    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="records")
    # this process imported fsspec before the variables were set: pass the endpoint directly
    yield ArchiveStore("s3://records/annual-reports", endpoint_url=endpoint)
    server.stop()


def test_release_to_s3_and_verify(cli, repo: Path, report_dir: Path, s3_archive) -> None:
    ready_to_release(cli, repo, report_dir)
    result = cli("release", report_dir)
    assert result.code == 0, result.err
    assert "s3://records/annual-reports/political-ecology/2022/v1" in result.out
    assert s3_archive.versions("political-ecology", 2022) == [1]
    assert s3_archive.files("political-ecology", 2022, 1) == [
        "manifest.json",
        "report.docx",
        "report.html",
        "report.pdf",
        "sources.tar.gz",
    ]
    assert not (repo / "archive").exists()
    assert cli("verify", report_dir).code == 0

    # write-once: a second release of new content cannot reuse v1's place, and tampering shows
    s3_archive.fs.pipe_file(
        s3_archive.entry("political-ecology", 2022, 1) + "/report.html", b"<html>changed</html>"
    )
    s3_archive.fs.invalidate_cache()
    tampered = cli("verify", report_dir)
    assert tampered.code == 1
    assert any("file report.html" in ln and "✗" in ln for ln in tampered.out.splitlines())
    assert git(repo, "tag", "--list").split() == ["political-ecology/2022/v1"]
