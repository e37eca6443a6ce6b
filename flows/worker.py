"""A Prefect process worker whose flow runs start warm (issue 13: trigger to Completed <= 3 s).

Prefect's process worker starts every flow run as a new interpreter (``python -m
prefect.engine``), which imports Prefect and then our flows: 3-5 s of a run's 8-9 s on this
machine before the first task (bench/RESULTS.md). ``flow.serve()`` is no faster: its runner
starts runs with multiprocessing's *spawn*, a new interpreter too. This worker keeps Prefect's
process worker for everything else (polling the pool, claiming a run, crash states, the
worker's heartbeat, ``--limit``) and changes only how the run's process starts: it is forked
from a multiprocessing *forkserver* that imported Prefect's engine and our flows once, at
worker start. The forkserver is a clean single-threaded process (not the worker with its event
loop and threads), so forking it is safe; each run still gets its own process, as with the
stock worker, and runs Prefect's own engine entry point (``prefect.engine`` as ``__main__``),
so loading the flow, pull steps, states, logs and results are Prefect's, unchanged.

Not carried over from the stock worker: cancelling a *running* run from the UI (the stock
worker signals its child through a control channel; here a cancelled run finishes its current
release), and a job variable ``command`` (every run is Prefect's engine entry point). Runs
are short, and the waits, where a run spends its days, are suspensions that hold no process.

Start: ``python -m reportflow.flows.worker --pool reportflow`` (``make worker``).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import runpy
import signal
import sys
import warnings
from typing import Any

import anyio
import anyio.abc
from prefect.settings import (
    PREFECT_WORKER_HEARTBEAT_SECONDS,
    PREFECT_WORKER_PREFETCH_SECONDS,
    get_current_settings,
)
from prefect.workers.process import ProcessJobConfiguration, ProcessWorker, ProcessWorkerResult

#: Imported once in the forkserver, so that a run's process starts with them loaded.
#: Not ``prefect.engine`` itself: ``_execute`` runs it as ``__main__``, which is cheap once
#: what it imports is loaded (and runpy warns when the module is already imported).
PRELOAD = [
    "prefect.flow_engine",
    "prefect.workers.process",
    "reportflow.flows.release",
    "reportflow.flows.cycle",
    "reportflow.flows.warmup",
]


def _forkserver() -> multiprocessing.context.ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def _execute(env: dict[str, str], cwd: str | None) -> None:
    """The flow run's process (forked from the forkserver): the run's environment, then
    Prefect's engine entry point as ``python -m prefect.engine`` would run it. Settings were
    read when the forkserver imported Prefect: they are read again from this environment."""
    os.environ.clear()
    os.environ.update(env)
    if cwd:
        os.chdir(cwd)
    from prefect.context import refresh_global_settings_context

    refresh_global_settings_context()
    sys.argv = ["prefect.engine"]
    runpy.run_module("prefect.engine", run_name="__main__", alter_sys=False)


def run_environment(configuration: ProcessJobConfiguration) -> dict[str, str]:
    """What the stock worker gives the run's process: the worker's environment, its Prefect
    settings, then the job's own variables (flow run id, deployment, job ``env``); a None
    value unsets the variable."""
    env: dict[str, str | None] = dict(os.environ)
    env.update(get_current_settings().to_environment_variables(exclude_unset=True))
    env.update(configuration.env or {})
    return {k: v for k, v in env.items() if v is not None}


with warnings.catch_warnings():
    # Same ``type`` as the stock worker on purpose (it serves the same process pools);
    # Prefect warns that the type is registered twice.
    warnings.simplefilter("ignore")

    class WarmProcessWorker(ProcessWorker):
        """Prefect's process worker, with runs forked from a warm forkserver."""

        _description = "Process worker whose flow runs start from a warm forkserver."

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._ctx = _forkserver()

        def warm(self) -> None:
            """Start the forkserver (and its imports) now, not at the first run."""
            proc = self._ctx.Process(target=int)
            proc.start()
            proc.join()

        async def run(
            self,
            flow_run: Any,
            configuration: ProcessJobConfiguration,
            task_status: anyio.abc.TaskStatus[int] | None = None,
        ) -> ProcessWorkerResult:
            cwd = str(configuration.working_dir) if configuration.working_dir else None
            proc = self._ctx.Process(
                target=_execute,
                args=(run_environment(configuration), cwd),
                name=f"flow-run-{flow_run.id}",
            )
            await anyio.to_thread.run_sync(proc.start)
            if task_status is not None:
                task_status.started(proc.pid)
            await anyio.to_thread.run_sync(proc.join)
            code = proc.exitcode if proc.exitcode is not None else -1
            return ProcessWorkerResult(status_code=code, identifier=str(proc.pid))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m reportflow.flows.worker")
    parser.add_argument("--pool", "-p", required=True, help="the process work pool")
    parser.add_argument("--name", "-n", default=None)
    parser.add_argument("--limit", "-l", type=int, default=None, help="runs at once")
    args = parser.parse_args(argv)

    async def serve() -> None:
        worker = WarmProcessWorker(
            name=args.name,
            work_pool_name=args.pool,
            limit=args.limit,
            prefetch_seconds=PREFECT_WORKER_PREFETCH_SECONDS.value(),
            heartbeat_interval_seconds=int(PREFECT_WORKER_HEARTBEAT_SECONDS.value()),
        )
        await anyio.to_thread.run_sync(worker.warm)
        await worker.start(printer=print)

    # SIGTERM (a service manager stopping it) ends it as Ctrl-C does: the worker leaves the
    # pool and the forkserver exits with it.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        asyncio.run(serve())
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("worker stopped", flush=True)


if __name__ == "__main__":
    main()
