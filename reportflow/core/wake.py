"""Wake the release runs that wait for sign-offs on a report, through Prefect's REST API.

A waiting release run is *suspended* on the Prefect server (no process holds it, see
flows/release.py); a new sign-off must make it look again. ``reportflow signoff --push`` calls
``wake`` after its push: it finds the suspended runs tagged ``report:<report>/<year>`` and
resumes each with an empty form, so the run fetches the remote and re-evaluates the gate.

Plain HTTP with the standard library, not ``prefect``: the CLI stays free of Prefect, whose
import alone costs over a second. ``PREFECT_API_URL`` says where the server is (nothing to do
when it is unset); ``PREFECT_API_AUTH_STRING`` (``user:password``, the server's
``PREFECT_SERVER_API_AUTH_STRING``) or ``PREFECT_API_KEY`` authenticate.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import time
import urllib.error
import urllib.request
from typing import Any


def run_tag(report: str, year: int) -> str:
    """The tag a release run carries, by which sign-offs find it."""
    return f"report:{report}/{year}"


def _headers() -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    auth = os.environ.get("PREFECT_API_AUTH_STRING")
    key = os.environ.get("PREFECT_API_KEY")
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    elif key:
        headers["Authorization"] = f"Bearer {key}"
    return headers


#: Pauses before asking again when the server answers 503: Prefect says so while its database
#: is busy (SQLite's lock, a connection pool at its limit), which a loaded machine makes
#: common. A moment later the same request is answered; after these it is an error, told.
_BUSY_SERVER_PAUSES = (0.2, 0.5, 1.0, 2.0)


def _post(api: str, path: str, body: dict[str, Any], timeout: float = 10) -> Any:
    request = urllib.request.Request(
        api.rstrip("/") + path, data=json.dumps(body).encode(), headers=_headers(), method="POST"
    )
    for pause in (*_BUSY_SERVER_PAUSES, None):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                data = response.read()
            return json.loads(data) if data else None
        except urllib.error.HTTPError as exc:
            if exc.code != 503 or pause is None:
                raise
            time.sleep(pause)
    raise AssertionError("unreachable")  # the loop returns or raises


#: States of a run that is on its way to waiting (it may have fetched before our push).
_BUSY = ["SCHEDULED", "PENDING", "RUNNING"]

#: The server's answer to a resume that comes between a run's Suspended state and its form.
#: Prefect's ``suspend_flow_run`` proposes the Suspended state first and saves the form's
#: schema afterwards; it cannot do otherwise, the server deletes every input under the
#: keyset when it accepts that state (``core_policy.HandlePausingFlows``). Every resume is
#: checked against that schema, so in the gap (milliseconds; more on a loaded machine) the
#: run is refused: it is a moment from waiting and counts as busy (issue 13's flaky test).
NO_FORM_YET = "Run input schema not found."


def runs_in(api: str, report: str, year: int, states: list[str]) -> list[dict[str, Any]]:
    """Flow runs tagged for this report in one of ``states`` (state types)."""
    body = {
        "flow_runs": {
            "tags": {"all_": [run_tag(report, year)]},
            "state": {"type": {"any_": states}},
        }
    }
    return list(_post(api, "/flow_runs/filter", body) or [])


def waiting_runs(api: str, report: str, year: int) -> list[dict[str, Any]]:
    """Paused or suspended flow runs tagged for this report."""
    return runs_in(api, report, year, ["PAUSED"])


def _reason(result: Any) -> str:
    details = (result or {}).get("details") or {}
    return str(details.get("reason") or (result or {}).get("status") or "no answer")


def _expired(flow_run: dict[str, Any]) -> bool:
    """Whether the run's pause has timed out (the server would fail it on resume)."""
    until = ((flow_run.get("state") or {}).get("state_details") or {}).get("pause_timeout")
    if not until:
        return False
    return dt.datetime.fromisoformat(until.replace("Z", "+00:00")) <= dt.datetime.now(dt.UTC)


def _reschedule(api: str, flow_run: dict[str, Any]) -> bool:
    """Resume a suspended run whose form never came: its process died between the Suspended
    state and saving the form (a worker killed, a reboot), so every resume the API offers is
    refused, by the UI's button and ours alike, until the suspension times out. Only after
    the wait, when a live run would long have saved it; and never past the pause timeout
    (forcing skips the server's check). What the server's resume does for a suspension,
    a Scheduled "Resuming" state now; the run starts again from the top and looks again."""
    if _expired(flow_run):
        return False
    now = dt.datetime.now(dt.UTC).isoformat()
    body = {
        "state": {
            "type": "SCHEDULED",
            "name": "Resuming",
            "state_details": {"scheduled_time": now},
        },
        "force": True,
    }
    result = _post(api, f"/flow_runs/{flow_run['id']}/set_state", body)
    return (result or {}).get("status") == "ACCEPT"


def wake(
    report: str, year: int, api: str | None = None, settle: float | None = None
) -> tuple[list[str], str | None]:
    """Resume every waiting release run of the report with an empty form: (run ids woken,
    the error when the server could not be asked or refused a run). Never raises: a sign-off
    is recorded and pushed already, the run would see it on its next wake (a later
    sign-off, the deadline).

    A run that is busy (it may have fetched just before our push and be about to wait, or
    be suspending without its form yet, ``NO_FORM_YET``) is waited for, up to ``settle``
    seconds (``REPORTFLOW_WAKE_WAIT``, default 30), and woken once it waits: a needless
    wake costs the run one look at the gate, a lost one a day. A refusal is told, never
    taken for "nothing to wake"."""
    api = api or os.environ.get("PREFECT_API_URL")
    if not api:
        return [], None
    if settle is None:
        settle = float(os.environ.get("REPORTFLOW_WAKE_WAIT", "30"))
    woken: list[str] = []
    refused: dict[str, str] = {}
    deadline = time.monotonic() + settle
    try:
        busy = {str(r["id"]) for r in runs_in(api, report, year, _BUSY)}
        while True:
            formless: dict[str, dict[str, Any]] = {}
            for flow_run in waiting_runs(api, report, year):
                run_id = str(flow_run["id"])
                if run_id in woken:
                    continue
                result = _post(api, f"/flow_runs/{run_id}/resume", {"run_input": {}})
                if (result or {}).get("status") == "ACCEPT":
                    woken.append(run_id)
                    busy.discard(run_id)
                    refused.pop(run_id, None)
                elif _reason(result) == NO_FORM_YET:
                    formless[run_id] = flow_run
                else:
                    refused[run_id] = _reason(result)
            still = {str(r["id"]) for r in runs_in(api, report, year, _BUSY)} & busy
            if not (still or formless):
                break
            if time.monotonic() >= deadline:
                for run_id, flow_run in formless.items():
                    if _reschedule(api, flow_run):
                        woken.append(run_id)
                    else:
                        refused[run_id] = NO_FORM_YET
                break
            busy = still
            time.sleep(0.25 if formless else 0.5)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        return woken, str(exc)
    if refused:
        return woken, "; ".join(f"{run_id}: {why}" for run_id, why in refused.items())
    return woken, None
