"""``reportflow signoff --push`` against a run that is suspending at that very moment (issue 13,
the flaky "woke release run" of test_prefect_office.py at load 10).

Prefect's ``suspend_flow_run`` makes the run Suspended first and saves its form's schema
afterwards (it cannot do otherwise: the server deletes every input under the keyset when it
accepts the Suspended state, core_policy.HandlePausingFlows). A resume in between is refused,
"Run input schema not found.". Here the suspending side is slowed (its form saves 1.5 s late,
as a run does on a loaded machine) and the sign-off's wake comes in that gap; and a run whose
process died in the gap (the worker killed, a reboot) gets no form ever. A real Prefect server
(the test harness), real suspensions, wake's own HTTP calls.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import urllib.error
from typing import Any

import pytest

from reportflow.core import wake

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="reportflow-prefect-"))
os.environ.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")

REPORT = "political-ecology"  # a year per test: wake waits for any busy run of its report


@pytest.fixture(scope="module")
def api():
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield PREFECT_API_URL.value()


def _running_deployed_run(client: Any, year: int) -> Any:
    """A flow run of a deployment (only those may suspend), Running, tagged for the report."""
    from prefect.states import Running

    flow_id = client.create_flow(flow=_flow())
    dep = client.create_deployment(flow_id=flow_id, name=f"d{time.monotonic_ns()}")
    run = client.create_flow_run_from_deployment(dep, tags=[wake.run_tag(REPORT, year)])
    client.set_flow_run_state(run.id, Running(), force=True)
    return run


def _flow():
    from prefect import flow

    @flow(name="release-report")
    def release_report() -> None:  # pragma: no cover - never run, names the flow
        pass

    return release_report


def _state(client: Any, run_id: Any) -> Any:
    return client.read_flow_run(run_id).state


def _until_paused(client: Any, run_id: Any) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if _state(client, run_id).type.value == "PAUSED":
            return
        time.sleep(0.02)
    raise AssertionError("the run never became Suspended")


def test_a_signoff_during_the_suspension_wakes_the_run_once_its_form_is_saved(api: str) -> None:
    from prefect import get_client, suspend_flow_run
    from prefect.input import RunInput

    with get_client(sync_client=True) as client:
        run = _running_deployed_run(client, 2022)

        class SlowForm(RunInput):
            reviewer: str = ""

            @classmethod
            def save(cls, keyset: Any, flow_run_id: Any = None) -> None:
                time.sleep(1.5)  # the run's process, slowed: its form arrives late
                # (suspending another run, Prefect passes no run id to save: given here)
                super().save(keyset, flow_run_id or run.id)

        suspending = threading.Thread(
            target=suspend_flow_run,
            kwargs={"wait_for_input": SlowForm, "flow_run_id": run.id, "key": "k", "timeout": 600},
        )
        suspending.start()
        try:
            _until_paused(client, run.id)  # Suspended, its form not yet saved
            assert _state(client, run.id).state_details.run_input_keyset
            woken, error = wake.wake(REPORT, 2022, api=api, settle=10)
        finally:
            suspending.join()
        assert (woken, error) == ([str(run.id)], None)
        state = _state(client, run.id)
        assert (state.type.value, state.name) == ("SCHEDULED", "Resuming")


def test_a_run_whose_process_died_while_suspending_is_still_woken(api: str) -> None:
    """No form will ever come: every resume the API offers is refused. After the wait, wake
    reschedules the run itself, as a resume would; the run looks at the gate again."""
    from prefect import get_client
    from prefect.input.run_input import keyset_from_paused_state
    from prefect.states import Suspended

    with get_client(sync_client=True) as client:
        run = _running_deployed_run(client, 2023)
        state = Suspended(timeout_seconds=600, pause_key="k")
        state.state_details.run_input_keyset = keyset_from_paused_state(state)
        client.set_flow_run_state(run.id, state)  # ... and the process is gone
        started = time.monotonic()
        woken, error = wake.wake(REPORT, 2023, api=api, settle=1.5)
        assert time.monotonic() - started >= 1.5  # it gave the run its chance first
        assert (woken, error) == ([str(run.id)], None)
        after = _state(client, run.id)
        assert (after.type.value, after.name) == ("SCHEDULED", "Resuming")


def test_a_refused_wake_is_told_not_silent(api: str) -> None:
    """A resume the server refuses for another reason (here: the pause timed out) is named in
    the error, so the reviewer knows the run did not wake."""
    from prefect import get_client
    from prefect.states import Suspended

    with get_client(sync_client=True) as client:
        run = _running_deployed_run(client, 2024)
        client.set_flow_run_state(run.id, Suspended(timeout_seconds=0, pause_key="k"))
        time.sleep(0.2)
        woken, error = wake.wake(REPORT, 2024, api=api, settle=1)
    assert woken == []
    assert error is not None and str(run.id) in error


def test_a_busy_server_is_asked_again() -> None:
    """Prefect answers 503 while its database is busy: the wake asks again a moment later
    instead of telling the reviewer it could not wake the run (seen once under load in CI's
    suite). A local HTTP server stands for that one answer only; the rest of this module runs
    against Prefect's own."""
    import http.server

    answers = [503, 503, 200]

    class Busy(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            code = answers.pop(0)
            self.send_response(code)
            self.end_headers()
            if code == 200:
                self.wfile.write(b'{"status": "ACCEPT"}')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        api = f"http://127.0.0.1:{server.server_address[1]}/api"
        assert wake._post(api, "/flow_runs/x/resume", {"run_input": {}}) == {"status": "ACCEPT"}
        assert answers == []
        answers[:] = [503] * 5  # busy for longer than the pauses: an error, told
        with pytest.raises(urllib.error.HTTPError):
            wake._post(api, "/flow_runs/x/resume", {})
    finally:
        server.shutdown()
