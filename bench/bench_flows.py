"""The flows on a real Prefect server (issue 13).

1. Flow overhead in-process: ``release_flow`` against a running ``prefect server start``
   against the library's ``release.release`` on an identical approved repository, same run.
   Goal: <= +1 s.
2. Trigger to Completed through a worker (warm server and worker): create a run of the
   release deployment over the API, until the server says Completed; Prefect's process worker
   (a new interpreter per run) and ours (reportflow.flows.worker: runs forked from a warm
   forkserver), one after the other in the same run. Goal: <= 3 s.
3. N reports released concurrently through two of our workers on PostgreSQL: throughput and
   the slowest run.

The server, PostgreSQL and workers are the real-server tests' (tests/prefect_office.py),
started here and stopped at the end. The approved repositories are made once, before timing.

Run: .venv/bin/python bench/bench_flows.py [--rounds 3] [--concurrent 20] [--query-seconds 0.5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "bench"), str(ROOT)]

from bench_release import _demo_pin, approve, key, setup  # noqa: E402
from prefect_office import Postgres, api_get, api_post, free_port, server, worker  # noqa: E402

REPORT = "content/political-ecology/2022"


def approved_remote(base: Path, name: str) -> Path:
    work = base / name
    work.mkdir(parents=True)
    report = setup(work)
    approve(report, work, "deputy-head-1")
    bare = base / f"{name}.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
    return bare


def wait_done(api: str, run_id: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = api_get(api, f"/flow_runs/{run_id}")
        if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run
        time.sleep(0.05)
    raise SystemExit(f"run {run_id} not done in {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrent", type=int, default=20)
    parser.add_argument("--query-seconds", default="0.5")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="reportflow-bench-flows-"))
    pg = Postgres(Path(tempfile.mkdtemp(prefix="reportflow-pg-")))
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    os.environ.pop("REPORTFLOW_ARCHIVE", None)  # archive/ in each clone: one per remote
    env = {
        **os.environ,
        "PREFECT_HOME": str(base / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_UI_URL": f"http://127.0.0.1:{port}",
        "PREFECT_API_DATABASE_CONNECTION_URL": pg.url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_WORKER_QUERY_SECONDS": args.query_seconds,
        "PREFECT_WORKER_PREFETCH_SECONDS": "1",
        "PREFECT_LOCAL_STORAGE_PATH": str(base / "results"),
        "REPORTFLOW_WORKDIR": str(base / "clones"),
        "REPORTFLOW_REPO": str(base / "none.git"),
        # the pinned demo trust root, and the releaser's key (the party secretary) that signs
        "REPORTFLOW_TRUST": _demo_pin(),
        "REPORTFLOW_RELEASE_KEY": key("party-secretary", base / "seed"),
        "GIT_COMMITTER_NAME": "reportflow worker",
        "GIT_COMMITTER_EMAIL": "worker@example.gov.cn",
    }
    procs = []
    try:
        print("preparing approved repositories ...", flush=True)
        seed = approved_remote(base, "seed")

        def copies(name: str, n: int) -> list[Path]:
            # one remote each (its own clone on the worker, its own archive/ in that clone)
            return [Path(shutil.copytree(seed, base / f"{name}{i}.git")) for i in range(n)]

        lib_remotes, flow_remotes = copies("lib", args.rounds), copies("flow", args.rounds)
        worker_remotes, many = copies("worker", args.rounds + 1), copies("many", args.concurrent)
        warm_remotes = copies("warm", args.rounds + 1)
        pg.start()
        procs.append(server(env, port, base / "server.log", base))
        prefect = str(Path(sys.executable).parent / "prefect")
        for cmd in (
            [prefect, "work-pool", "create", "reportflow", "--type", "process"],
            [prefect, "--no-prompt", "deploy", "--all"],
        ):
            subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
        procs.append(worker(env, base / "worker1.log", base))
        os.environ.update(
            {
                k: v
                for k, v in env.items()
                if k.startswith(("PREFECT_", "REPORTFLOW_", "GIT_", "DO_"))
            }
        )

        # 1. in-process: library, then flow, on identical fresh clones
        from reportflow import validate
        from reportflow.content import model
        from reportflow.core import workspace
        from reportflow.flows.release import release_flow
        from reportflow.release import release
        from reportflow.signoff import approval

        lib, flo = [], []
        releaser = os.environ["REPORTFLOW_RELEASE_KEY"]
        release_flow(REPORT, repo=str(worker_remotes[-1]), release_key=releaser)  # warm
        for lr, fr in zip(lib_remotes, flow_remotes, strict=True):
            # the same pipeline with the library alone: clone, validate, gate, release, push
            t = time.perf_counter()
            with workspace.checkout(str(lr)) as co:
                validate.check(model.load_report(co.root / REPORT))
                assert approval.evaluate_at(co.root / REPORT, "HEAD").passed
                done = release.release(co.root / REPORT, key=Path(releaser))
                workspace.publish(co, tags=(done.tag,))
            lib.append(time.perf_counter() - t)
            t = time.perf_counter()
            state = release_flow(REPORT, repo=str(fr), release_key=releaser, return_state=True)
            flo.append(time.perf_counter() - t)
            out = state.result()
            assert out["version"] == 1, out
            last_run = str(state.state_details.flow_run_id)
        lib_m, flow_m = statistics.median(lib), statistics.median(flo)
        print(f"library release (in a clone)  median {lib_m:.2f} s  {[round(x, 2) for x in lib]}")
        print(f"flow in-process (clone, push) median {flow_m:.2f} s  {[round(x, 2) for x in flo]}")
        print(f"flow overhead: +{flow_m - lib_m:.2f} s (goal <= +1 s)")
        # where the flow's time goes (its last round): the task runs' own time as the server
        # recorded it, and the rest (clone and push, which the library does too, and
        # Prefect's run and task bookkeeping)
        tasks = api_post(api, "/task_runs/filter", {"flow_runs": {"id": {"any_": [last_run]}}})
        own = {t["name"].rsplit("-", 1)[0]: round(t["total_run_time"], 3) for t in tasks}
        run = api_get(api, f"/flow_runs/{last_run}")
        print(
            f"  last flow: {flo[-1]:.2f} s wall, Running {run['total_run_time']:.2f} s, tasks "
            f"{sum(own.values()):.2f} s {own}"
        )

        # 2. through a worker, warm server: Prefect's process worker, then ours (its runs fork
        # from a warm forkserver), the same deployment, one worker at a time
        dep = api_get(api, "/deployments/name/release-report/political-ecology")
        import datetime as dt

        def trigger(remote: Path) -> tuple[float, float, float]:
            t = time.perf_counter()
            run = api_post(
                api,
                f"/deployments/{dep['id']}/create_flow_run",
                {"parameters": {"repo": str(remote)}},
            )
            done = wait_done(api, run["id"])
            took = time.perf_counter() - t
            assert done["state"]["type"] == "COMPLETED", done["state"]
            created = dt.datetime.fromisoformat(done["created"])
            started = dt.datetime.fromisoformat(done["start_time"])
            return took, (started - created).total_seconds(), done["total_run_time"]

        medians = {}
        for kind, remotes in (("stock", worker_remotes), ("warm", warm_remotes)):
            if kind == "warm":
                procs.pop().stop()  # the stock worker leaves the pool
                procs.append(worker(env, base / "worker-warm.log", base, warm=True))
                trigger(warm_remotes[-1])  # the forkserver's first run (it warms at start)
            trig = []
            for i in range(args.rounds):
                took, pending, running = trigger(remotes[i])
                trig.append(took)
                print(f"  {kind} run {i}: created -> running {pending:.2f} s, ran {running:.2f} s")
            medians[kind] = statistics.median(trig)
            print(
                f"trigger -> Completed, {kind} worker (query {args.query_seconds} s): median "
                f"{medians[kind]:.2f} s  {[round(x, 2) for x in trig]} (goal <= 3 s)"
            )
        print(f"warm / stock worker: {medians['warm'] / medians['stock']:.2f}")

        # 3. many at once through two workers
        if not args.concurrent:
            return
        procs.append(worker(env, base / "worker2.log", base, warm=True))
        time.sleep(3)
        t = time.perf_counter()
        ids = [
            api_post(
                api, f"/deployments/{dep['id']}/create_flow_run", {"parameters": {"repo": str(r)}}
            )["id"]
            for r in many
        ]
        slowest, states = 0.0, []
        for run_id in ids:
            done = wait_done(api, run_id, timeout=900)
            states.append(done["state"]["type"])
        total = time.perf_counter() - t
        for run_id in ids:
            run = api_get(api, f"/flow_runs/{run_id}")
            if run["start_time"] and run["end_time"]:
                slowest = max(slowest, run["total_run_time"])
        ok = states.count("COMPLETED")
        print(
            f"{args.concurrent} releases through two workers on PostgreSQL: {total:.1f} s in "
            f"all, {args.concurrent / total * 60:.1f} releases/min, slowest run {slowest:.1f} s, "
            f"{ok}/{len(ids)} Completed"
        )
    finally:
        for proc in reversed(procs):
            proc.stop()
        pg.stop()
        shutil.rmtree(pg.root, ignore_errors=True)


if __name__ == "__main__":
    main()
