"""How long a suspending run shows Suspended before its form exists (issue 13's flaky wake).

Prefect's ``suspend_flow_run`` proposes the Suspended state, then saves the form's schema; a
resume in between is refused ("Run input schema not found.", ``reportflow.core.wake``). This
suspends 15 runs of a deployment on the test harness's server and measures, for each, the time
from the first read that shows it Suspended to the first read that finds its schema: a lower
bound of the gap (reads are back to back). No goal; the figure says how wide the window is.

    .venv/bin/python bench/bench_suspend_gap.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from typing import Any, ClassVar

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="reportflow-bench-"))
os.environ.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")

from prefect import flow, get_client, suspend_flow_run
from prefect.input import RunInput
from prefect.states import Running
from prefect.testing.utilities import prefect_test_harness


@flow(name="gap")
def _gap() -> None:  # names the flow; never run
    pass


def main(rounds: int = 15) -> None:
    gaps = []
    with prefect_test_harness(), get_client(sync_client=True) as client:
        dep = client.create_deployment(flow_id=client.create_flow(flow=_gap), name="d")
        for _ in range(rounds):
            run = client.create_flow_run_from_deployment(dep)
            client.set_flow_run_state(run.id, Running(), force=True)

            class Form(RunInput):
                reviewer: str = ""

                run_id: ClassVar[Any] = run.id

                @classmethod
                def save(cls, keyset, flow_run_id=None):  # type: ignore[no-untyped-def]
                    # suspending another run, Prefect passes no run id: given here
                    super().save(keyset, flow_run_id or cls.run_id)

            kwargs = {"wait_for_input": Form, "flow_run_id": run.id, "key": "k", "timeout": 600}
            thread = threading.Thread(target=suspend_flow_run, kwargs=kwargs)
            thread.start()
            while client.read_flow_run(run.id).state.type.value != "PAUSED":
                pass
            seen = time.perf_counter()
            keyset = client.read_flow_run(run.id).state.state_details.run_input_keyset
            while True:
                try:
                    client.read_flow_run_input(run.id, keyset["schema"])
                    break
                except Exception:  # not there yet
                    continue
            gaps.append(time.perf_counter() - seen)
            thread.join()
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(
        f"Suspended without a form: median {1000 * statistics.median(gaps):.0f} ms, "
        f"max {1000 * max(gaps):.0f} ms over {len(gaps)} suspensions (load {load})"
    )


if __name__ == "__main__":
    main()
