"""A flow for tests/test_shared_results.py, imported by Prefect's engine from its entry point
(``resumable:resumable``): validation as the release flow does it, then a suspension."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, suspend_flow_run

from reportflow.flows.common import validate_commit


@flow(persist_result=True)
def resumable(report_dir: str, commit: str) -> str:
    state = validate_commit(Path(report_dir), commit, return_state=True)
    print("VALIDATE", state.name, flush=True)
    suspend_flow_run(key="wait", timeout=600)  # the first time: the process ends here
    return state.name
