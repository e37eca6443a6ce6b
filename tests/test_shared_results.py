"""Workers on two machines share the flows' persisted results (issue 13): a RemoteFileSystem
block on S3 (moto's server on 127.0.0.1, a real S3 API over HTTP) registered by
``reportflow.flows.results``, named by ``PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK``. Each
"machine" is its own process with its own Prefect home, local result folder and clone of the
content repository at another path; a real Prefect server (the test harness)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest
from conftest import SAMPLE_REPORT, commit_all, git

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="reportflow-prefect-"))
os.environ.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")

AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}

#: One run of a flow on one machine: validate the report at its commit, say whether the
#: result came from the storage ("Cached") or was computed ("Completed").
RUN = """
import sys
from pathlib import Path
from prefect import flow
from reportflow.flows.common import validate_commit

@flow(persist_result=True)
def look(report_dir: str, commit: str) -> str:
    return validate_commit(Path(report_dir), commit, return_state=True).name

print("STATE", look(sys.argv[1], sys.argv[2]))
"""


@pytest.fixture(scope="module")
def servers():
    """(Prefect API URL, S3 endpoint) with a bucket ``results``; both stopped afterwards."""
    import boto3
    from moto.server import ThreadedMotoServer
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    s3.start()
    host, port = s3.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    boto3.client("s3", endpoint_url=endpoint, **_boto(AWS)).create_bucket(Bucket="results")
    try:
        with prefect_test_harness():
            yield PREFECT_API_URL.value(), endpoint
    finally:
        s3.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _boto(env: dict[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        "region_name": env["AWS_DEFAULT_REGION"],
    }


def _content(root: Path) -> tuple[Path, str]:
    """A content repository with the sample report, as a bare remote; its commit."""
    work = root / "seed"
    work.mkdir(parents=True)
    git(work, "init", "-q", "-b", "main")
    dest = work / "content" / "political-ecology" / "2022"
    dest.parent.mkdir(parents=True)
    subprocess.run(["cp", "-r", str(SAMPLE_REPORT), str(dest)], check=True)
    commit = commit_all(work, "the 2022 report")
    remote = root / "reports.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(remote)], check=True)
    return remote, git(work, "rev-parse", "HEAD").strip() or commit


def _machine(root: Path, name: str, remote: Path, api: str, block: str | None):
    """A worker machine: its own clone (at its own path), Prefect home and local results."""
    home = root / name
    clone = home / "clones" / "reports"
    subprocess.run(["git", "clone", "-q", str(remote), str(clone)], check=True)
    env = {
        **os.environ,
        **AWS,
        "PREFECT_API_URL": api,
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_LOCAL_STORAGE_PATH": str(home / "results"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    env.pop("PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK", None)
    if block:
        env["PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK"] = block

    def run(commit: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", RUN, str(clone / "content/political-ecology/2022"), commit],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout.split("STATE ", 1)[1].split()[0]

    return run


def test_a_result_persisted_on_one_worker_is_found_by_another(
    servers: tuple[str, str], tmp_path: Path
) -> None:
    api, endpoint = servers
    register = subprocess.run(
        [
            sys.executable,
            "-m",
            "reportflow.flows.results",
            "s3://results/prefect",
            "--endpoint",
            endpoint,
        ],
        env={**os.environ, **AWS, "PREFECT_API_URL": api},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert register.returncode == 0, register.stderr
    slug = "remote-file-system/reportflow-results"
    assert register.stdout.strip() == f"PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK={slug}"

    remote, commit = _content(tmp_path)
    first = _machine(tmp_path, "worker-1", remote, api, slug)
    second = _machine(tmp_path, "worker-2", remote, api, slug)
    assert first(commit) == "Completed"  # validated on worker 1 ...
    assert second(commit) == "Cached"  # ... and found by worker 2, which validates nothing

    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, **_boto(AWS))
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="results").get("Contents", [])]
    assert f"prefect/validate-{commit}-political-ecology-2022" in keys, keys
    assert not (tmp_path / "worker-1" / "results").exists()  # nothing left on the machine

    # the block holds the URL and the endpoint, no credentials (s3fs reads them per worker)
    from prefect.filesystems import RemoteFileSystem
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api}):
        block = RemoteFileSystem.load("reportflow-results")
    assert block.basepath == "s3://results/prefect"
    assert block.settings == {"endpoint_url": endpoint}


def test_without_shared_storage_the_other_worker_does_it_again(
    servers: tuple[str, str], tmp_path: Path
) -> None:
    """The control: each machine's own local results, nothing shared."""
    api, _endpoint = servers
    remote, commit = _content(tmp_path)
    first = _machine(tmp_path, "worker-1", remote, api, None)
    second = _machine(tmp_path, "worker-2", remote, api, None)
    assert first(commit) == "Completed"
    assert second(commit) == "Completed"
    assert first(commit) == "Cached"  # its own storage does work: the difference is sharing


def test_registering_an_unreachable_storage_fails_before_saving(
    servers: tuple[str, str], tmp_path: Path
) -> None:
    """A wrong endpoint (nothing listens there): one line naming the URL, exit 2, no block."""
    api, _endpoint = servers
    closed = f"http://127.0.0.1:{_free_port()}"
    args = ["s3://results/x", "--endpoint", closed, "--name", "broken"]
    done = subprocess.run(
        [sys.executable, "-m", "reportflow.flows.results", *args],
        env={**os.environ, **AWS, "PREFECT_API_URL": api, "AWS_MAX_ATTEMPTS": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("s3://results/x: cannot write there"), done.stderr
    from prefect.filesystems import RemoteFileSystem
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api}), pytest.raises(ValueError):
        RemoteFileSystem.load("broken")
