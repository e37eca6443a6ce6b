"""Our process worker's run environment (reportflow.flows.worker): what Prefect's stock worker
gives a run's process. The worker itself runs for real in tests/test_prefect_office.py and
tests/test_prefect_ui.py (every release there is forked from its forkserver)."""

from __future__ import annotations

import pytest


def test_the_run_gets_the_workers_environment_and_the_jobs_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefect.workers.process import ProcessJobConfiguration

    from reportflow.flows.worker import PRELOAD, WarmProcessWorker, run_environment

    monkeypatch.setenv("REPORTFLOW_WORKDIR", "/srv/clones")
    monkeypatch.setenv("UNSET_BY_JOB", "worker's")
    monkeypatch.setenv("PREFECT_WORKER_QUERY_SECONDS", "0.5")
    job = ProcessJobConfiguration(
        env={"PREFECT__FLOW_RUN_ID": "1234", "UNSET_BY_JOB": None, "REPORTFLOW_WORKDIR": "/tmp/c"}
    )
    env = run_environment(job)
    assert env["PREFECT__FLOW_RUN_ID"] == "1234"
    assert env["REPORTFLOW_WORKDIR"] == "/tmp/c"  # the job's variable wins
    assert "UNSET_BY_JOB" not in env  # None unsets, as with the stock worker
    assert env["PREFECT_WORKER_QUERY_SECONDS"] == "0.5"
    assert all(isinstance(v, str) for v in env.values())
    # the same pools as Prefect's process worker; the flows are imported once, up front
    assert WarmProcessWorker.type == "process"
    assert "reportflow.flows.release" in PRELOAD and "prefect.engine" not in PRELOAD
