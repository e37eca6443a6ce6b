"""Workers on two machines share the flows' persisted results (issue 13): a RemoteFileSystem
block on S3 (moto's server on 127.0.0.1, a real S3 API over HTTP) registered by
``reportflow.flows.results``, named by ``PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK``. Each
"machine" has its own Prefect home, local result folder and clone of the content repository at
another path; one flow run validates and suspends on the first, is resumed and finishes on the
second, each time in a process started as a worker starts it (``python -m prefect.engine``); a
real Prefect server (the test harness)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import SAMPLE_REPORT, commit_all, git
from prefect.filesystems import RemoteFileSystem
from prefect.settings import PREFECT_API_URL, temporary_settings

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="reportflow-prefect-"))
os.environ.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")

AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}

FLOWS = Path(__file__).parent / "flowmods"  # the flow, imported by the engine by entry point
REPORT = "content/political-ecology/2022"


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
    commit_all(work, "the 2022 report")
    remote = root / "reports.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(remote)], check=True)
    return remote, git(work, "rev-parse", "HEAD").strip()


def _deployed_run(commit: str) -> str:
    """A flow run of a deployment of tests/flowmods/resumable.py (only those may suspend)."""
    from prefect import get_client

    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("resumable")
        dep = client.create_deployment(
            flow_id=flow_id,
            name=f"d{time.monotonic_ns()}",
            entrypoint="resumable:resumable",
            parameters={"report_dir": REPORT, "commit": commit},
        )
        return str(client.create_flow_run_from_deployment(dep).id)


def _machine(root: Path, name: str, remote: Path, api: str, block: str | None):
    """A worker machine: its own clone (at its own path), Prefect home and local results;
    ``run(id)`` runs the flow run there as a worker's process does (``python -m
    prefect.engine`` with the run's id) and returns what it printed."""
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
        "PYTHONPATH": str(FLOWS),
    }
    env.pop("PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK", None)
    if block:
        env["PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK"] = block

    def run(run_id: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "prefect.engine"],
            env={**env, "PREFECT__FLOW_RUN_ID": run_id},
            cwd=clone,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout.split("VALIDATE ", 1)[1].split()[0]

    return run


def _state(run_id: str) -> tuple[str, str]:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run_id).state
    return state.type.value, state.name


def _suspend_here_resume_there(root: Path, api: str, block: str | None) -> tuple[str, str]:
    """One flow run: started on worker 1, where it validates and suspends; resumed (as a
    sign-off does) and finished on worker 2. What validation was on each: Completed
    (computed) or Cached (found in the result storage)."""
    remote, commit = _content(root)
    first = _machine(root, "worker-1", remote, api, block)
    second = _machine(root, "worker-2", remote, api, block)
    run_id = _deployed_run(commit)
    on_first = first(run_id)
    assert _state(run_id) == ("PAUSED", "Suspended")
    from prefect.flow_runs import resume_flow_run

    resume_flow_run(run_id)
    on_second = second(run_id)
    assert _state(run_id) == ("COMPLETED", "Completed")
    return on_first, on_second


def test_a_run_resumed_on_another_worker_finds_its_results(
    servers: tuple[str, str], tmp_path: Path
) -> None:
    api, endpoint = servers
    args = ["s3://results/prefect", "--endpoint", endpoint]
    register = subprocess.run(
        [sys.executable, "-m", "reportflow.flows.results", *args],
        env={**os.environ, **AWS, "PREFECT_API_URL": api},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert register.returncode == 0, register.stderr
    slug = "remote-file-system/reportflow-results"
    assert register.stdout.strip() == f"PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK={slug}"

    with temporary_settings({PREFECT_API_URL: api}):
        assert _suspend_here_resume_there(tmp_path, api, slug) == ("Completed", "Cached")
        block = RemoteFileSystem.load("reportflow-results")
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, **_boto(AWS))
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="results").get("Contents", [])]
    assert any(k.startswith("prefect/validate-") for k in keys), keys
    assert ".reportflow-probe" not in " ".join(keys)  # the registration's probe is gone
    assert not (tmp_path / "worker-1" / "results").exists()  # nothing left on the machine
    # the block holds the URL and the endpoint, no credentials (s3fs reads them per worker)
    assert block.basepath == "s3://results/prefect"
    assert block.settings == {"endpoint_url": endpoint}


def test_without_shared_storage_the_other_worker_validates_again(
    servers: tuple[str, str], tmp_path: Path
) -> None:
    """The control: each machine keeps its results on its own disk."""
    api, _endpoint = servers
    with temporary_settings({PREFECT_API_URL: api}):
        assert _suspend_here_resume_there(tmp_path, api, None) == ("Completed", "Completed")


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
    with temporary_settings({PREFECT_API_URL: api}), pytest.raises(ValueError):
        RemoteFileSystem.load("broken")
