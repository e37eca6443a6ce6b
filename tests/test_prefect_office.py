"""The office installation for real (issue 13): PostgreSQL, ``prefect server start`` against it,
a process worker, the deployments of prefect.yaml, one shared bare git remote. Slow by nature
(one server for the module, ~2-3 minutes in all); the flow logic has fast tests in
test_flows.py on Prefect's test harness."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import yaml
from conftest import DEMO_PIN, PEOPLE, ROOT, author_env, commit_all, git
from prefect_office import (
    Postgres,
    api_get,
    api_post,
    free_port,
    pg_bin,
    server,
    wait_state,
    worker,
)
from signoff_support import make_keys, make_repo

REPORT = "content/political-ecology/2022"
FAR = "2099-01-01T00:00:00"

try:
    pg_bin("initdb")
except RuntimeError as exc:  # pragma: no cover - make deb installs it
    pytest.fail(str(exc))


class _Inbox(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        message = json.loads(self.rfile.read(length))
        message["to"] = self.path.strip("/")
        _Inbox.received.append(message)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _seed(root: Path, inbox: int, keys: dict, required_for: object = None) -> Path:
    """The office's content repository, as a bare remote: the shared sign-off repository
    (signoff_support.make_repo: the sample, figures filled in, the test keys), then each
    person's JSON inbox (their apprise address; not part of the roster); the first roster's
    ``policy.signatures.required_for`` when given (who must sign with a key)."""
    work = root / "seed"
    report_dir = make_repo(work, keys, required_for)
    doc = yaml.safe_load((report_dir / "report.yaml").read_text(encoding="utf-8"))
    for pid, person in doc["people"].items():
        person["notify"] = [f"json://127.0.0.1:{inbox}/{pid}"]
    (report_dir / "report.yaml").write_text(
        yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    commit_all(work, "notification addresses")
    remote = root / "reports.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(remote)], check=True)
    return remote


class Office:
    """``ui``: the server serves the Prefect UI; ``required_for``: who must sign with a key
    (the seed's policy otherwise)."""

    def __init__(self, root: Path, ui: bool = False, required_for: object = None) -> None:
        self.root = root
        self.inbox = HTTPServer(("127.0.0.1", 0), _Inbox)
        threading.Thread(target=self.inbox.serve_forever, daemon=True).start()
        self.keys = make_keys(root / "keys")
        self.remote = _seed(root, self.inbox.server_port, self.keys, required_for)
        self.pg = Postgres(Path(tempfile.mkdtemp(prefix="reportflow-pg-")))
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        home = root / "home"
        home.mkdir()
        self.env = {
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
            "GIT_COMMITTER_NAME": "reportflow worker",
            "GIT_COMMITTER_EMAIL": "worker@example.gov.cn",
            "PREFECT_HOME": str(root / "prefect-home"),
            "PREFECT_API_URL": self.api,
            "PREFECT_UI_URL": f"http://127.0.0.1:{self.port}",
            "PREFECT_API_DATABASE_CONNECTION_URL": self.pg.url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_UI_ENABLED": "true" if ui else "false",
            "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_WORKER_PREFETCH_SECONDS": "1",
            "PREFECT_LOCAL_STORAGE_PATH": str(root / "results"),
            "REPORTFLOW_WORKDIR": str(root / "clones"),
            "REPORTFLOW_ARCHIVE": str(root / "archive"),
            "REPORTFLOW_REPO": str(self.remote),
            "REPORTFLOW_WAKE_WAIT": "20",
            # the pinned trust root: this module-scoped office starts before the per-test
            # environment (conftest.isolate) is set, so it is given here
            "REPORTFLOW_TRUST": DEMO_PIN,
            # releases are signed by a releaser (the party secretary, the final approver)
            "REPORTFLOW_RELEASE_KEY": str(self.keys["party-secretary"][0]),
            "XDG_CONFIG_HOME": str(root / "config"),
        }
        for var in ("PREFECT_API_AUTH_STRING", "PREFECT_API_KEY", "VIRTUAL_ENV"):
            os.environ.pop(var, None)
        self.procs = []

    def start(self) -> None:
        self.pg.start()
        self.server = server(self.env, self.port, self.root / "server.log", self.root)
        prefect = str(Path(sys.executable).parent / "prefect")
        for cmd in (
            [prefect, "work-pool", "create", "reportflow", "--type", "process"],
            [prefect, "--no-prompt", "deploy", "--all"],
        ):
            done = subprocess.run(cmd, env=self.env, cwd=ROOT, capture_output=True, text=True)
            assert done.returncode == 0, done.stdout + done.stderr
        # what `make worker` starts: our worker, runs forked from its warm forkserver
        self.worker = worker(self.env, self.root / "worker.log", self.root, warm=True)

    def restart_server(self) -> None:
        self.server.stop()
        self.server = server(self.env, self.port, self.root / "server.log", self.root)

    def stop(self) -> None:
        for proc in (getattr(self, "worker", None), getattr(self, "server", None)):
            if proc is not None:
                proc.stop()
        self.pg.stop()
        self.inbox.shutdown()
        shutil.rmtree(self.pg.root, ignore_errors=True)

    def run(self, deployment: str, **parameters) -> str:
        dep = api_get(self.api, f"/deployments/name/{deployment}")
        flow_run = api_post(
            self.api, f"/deployments/{dep['id']}/create_flow_run", {"parameters": parameters}
        )
        return flow_run["id"]

    def clone(self, name: str) -> Path:
        dest = self.root / name
        subprocess.run(
            ["git", "clone", "-q", str(self.remote), str(dest)], check=True, env=self.env
        )
        return dest

    def cli(self, person: str, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
        trust = {k: v for k, v in os.environ.items() if k.startswith("REPORTFLOW_TRUST")}
        env = {**self.env, **trust, **author_env(person)}
        done = subprocess.run(
            [sys.executable, "-m", "reportflow", *map(str, args)],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
        )
        assert "Traceback" not in done.stderr, done.stderr
        return done


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory):
    off = Office(tmp_path_factory.mktemp("office"))
    try:
        off.start()
        yield off
    finally:
        off.stop()


def _logs(office: Office) -> str:
    return "\n".join(
        p.read_text(errors="replace")[-4000:]
        for p in (office.root / "worker.log", office.root / "server.log")
        if p.exists()
    )


def test_the_scheduler_creates_runs_of_the_deployed_schedules(office: Office) -> None:
    """Prefect 3.9.0 with SQLAlchemy 2.1 created none ("Can't evaluate bulk DML statement"):
    pinned prefect>=3.9.1. The scheduler (every 2 s here) must fill in the runs of the weekly
    reminders and the hourly deadlines within 100 days (the yearly open-cycle's next run,
    1 November, may be further than that; its schedule is read back)."""
    deps = {d["name"]: d for d in api_post(office.api, "/deployments/filter", {})}
    deadline = time.monotonic() + 60
    runs: list = []
    wanted = [deps["reminders"]["id"], deps["deadlines"]["id"]]
    while time.monotonic() < deadline:
        runs = api_post(
            office.api,
            "/flow_runs/filter",
            {
                "flow_runs": {
                    "deployment_id": {"any_": wanted},
                    "state": {"type": {"any_": ["SCHEDULED"]}},
                }
            },
        )
        if {r["deployment_id"] for r in runs} == set(wanted):
            break
        time.sleep(0.5)
    assert {r["deployment_id"] for r in runs} == set(wanted), "no scheduled runs within 60 s"
    weekly = sorted(r["expected_start_time"] for r in runs if r["deployment_id"] == wanted[0])
    assert all(s.endswith("T01:00:00Z") for s in weekly), weekly  # Monday 09:00 Asia/Shanghai
    assert {dt.datetime.fromisoformat(s).weekday() for s in weekly} == {0}
    (schedule,) = deps["open-cycle"]["schedules"]
    assert schedule["active"] and schedule["schedule"]["cron"] == "0 9 1 11 *"


def test_a_waiting_release_holds_no_process_survives_restarts_and_a_cli_signoff_wakes_it(
    office: Office,
) -> None:
    run_id = office.run("release-report/political-ecology", deadline=FAR)
    run = wait_state(office.api, run_id, {"PAUSED"}, timeout=120)
    assert run["state"]["name"] == "Suspended", run["state"]
    assert "report:political-ecology/2022" in run["tags"]
    # the deputy heads were asked, each with the link to the run; the final approver not yet
    asked = [m for m in _Inbox.received if m["title"].startswith("待签批")]
    assert {m["to"] for m in asked} == {"deputy-head-1", "deputy-head-2"}
    assert all(f"/runs/flow-run/{run_id}" in m["message"] for m in asked)

    # a reboot: the worker (and anything it ran) killed, the server restarted; a new worker
    office.worker.kill()
    office.restart_server()
    assert api_get(office.api, f"/flow_runs/{run_id}")["state"]["type"] == "PAUSED"
    office.worker = worker(office.env, office.root / "worker.log", office.root, warm=True)

    # deputy-head-1 signs the sections on their own PC and pushes: the run wakes, looks, waits
    pc = office.clone("pc-deputy-head-1")
    report_dir = pc / REPORT
    before = api_get(office.api, f"/flow_runs/{run_id}")["state"]["timestamp"]
    for n, sid in enumerate(("preface", "situation", "problems", "measures")):
        extra = ["--push"] if n == 3 else []
        done = office.cli(
            "deputy-head-1",
            "signoff",
            report_dir,
            "--section",
            sid,
            "--as",
            "deputy-head-1",
            "--key",
            office.keys["deputy-head-1"][0],
            *extra,
            cwd=pc,
        )
        assert done.returncode == 0, done.stderr
    assert f"woke release run {run_id}" in done.stdout, done.stdout + done.stderr
    run = wait_state(office.api, run_id, {"PAUSED"}, timeout=120, after=before)
    final = [
        m
        for m in _Inbox.received
        if m["title"].startswith("待签批") and m["to"] == "party-secretary"
    ]
    assert final and f"/runs/flow-run/{run_id}" in final[-1]["message"]

    # the party secretary approves on another PC (signed): the release completes on the worker
    pc2 = office.clone("pc-party-secretary")
    done = office.cli(
        "party-secretary",
        "signoff",
        pc2 / REPORT,
        "--report",
        "--as",
        "party-secretary",
        "--key",
        office.keys["party-secretary"][0],
        "--push",
        cwd=pc2,
    )
    assert done.returncode == 0, done.stderr
    run = wait_state(office.api, run_id, {"COMPLETED", "FAILED", "CRASHED"}, timeout=180)
    assert run["state"]["type"] == "COMPLETED", run["state"]["message"] + _logs(office)
    # run by our worker: forked from its forkserver, not a `python -m prefect.engine` of its own
    worker_log = (office.root / "worker.log").read_text(errors="replace")
    assert "WarmProcessWorker" in worker_log and run_id in worker_log

    # the tag is on the shared remote, on the commit the sign-offs reviewed; verify passes
    tags = git(office.remote, "tag", "-l")
    assert "political-ecology/2022/v1" in tags
    check = office.clone("auditor")
    verified = office.cli("office-director", "verify", check / REPORT, cwd=check)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    log = git(office.remote, "log", "--format=%an|%s", "-6", "main")
    assert "区政府党组书记|signoff: party-secretary approves report" in log
    assert "常务副区长|signoff: deputy-head-1 approves section measures" in log


def test_open_cycle_twice_opens_the_year_once_and_pushes_it(office: Office) -> None:
    first = office.run("open-cycle/open-cycle", year=2023)
    assert (
        wait_state(office.api, first, {"COMPLETED", "FAILED", "CRASHED"}, timeout=120)["state"][
            "type"
        ]
        == "COMPLETED"
    ), _logs(office)
    second = office.run("open-cycle/open-cycle", year=2023)
    assert (
        wait_state(office.api, second, {"COMPLETED", "FAILED", "CRASHED"}, timeout=120)["state"][
            "type"
        ]
        == "COMPLETED"
    )
    added = git(
        office.remote, "log", "--format=%an|%s", "main", "--", "content/political-ecology/2023"
    )
    assert added.count("\n") == 1, added  # one commit, by the owner who drafts it
    assert added.startswith(f"{PEOPLE['office-director'][0]}|open political-ecology/2023")
    told = [m for m in _Inbox.received if m["title"].startswith("新一年度")]
    assert [m["to"] for m in told] == ["office-director"]
    # the run's artifact says whose roster stays in force and who signs off a change of it
    (artifact,) = api_post(office.api, "/artifacts/filter", {
        "artifacts": {"key": {"any_": ["open-cycle"]}, "flow_run_id": {"any_": [first]}}
    })  # fmt: skip
    assert (
        "名册沿用 political-ecology/2022 的：content/political-ecology/2023/report.yaml"
        in (artifact["data"])
    ), artifact["data"]
    assert "须经 party-secretary 签核变更后才生效" in artifact["data"]


def test_at_the_deadline_the_waiting_run_ends_awaiting_approval_and_the_final_approver_hears(
    office: Office,
) -> None:
    opened = office.run("open-cycle/open-cycle", year=2023)  # a no-op when already open
    assert wait_state(office.api, opened, {"COMPLETED"}, timeout=120)
    end = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=25)  # time to reach the wait
    run_id = office.run(
        "release-report/political-ecology",
        report_dir="content/political-ecology/2023",
        deadline=end.isoformat(),
    )
    waiting = wait_state(office.api, run_id, {"PAUSED"}, timeout=120)
    until = dt.datetime.fromisoformat(waiting["state"]["state_details"]["pause_timeout"])
    assert until - end > dt.timedelta(hours=5)  # the server's own timeout is a safety net
    time.sleep(max(0.0, (end - dt.datetime.now(dt.UTC)).total_seconds()) + 0.5)
    sweep = office.run("deadlines/deadlines")  # the hourly flow, run now
    assert wait_state(office.api, sweep, {"COMPLETED"}, timeout=120)
    run = wait_state(office.api, run_id, {"COMPLETED", "FAILED", "CRASHED"}, timeout=120)
    assert run["state"]["name"] == "Awaiting approval", run["state"]
    assert run["state"]["message"].startswith("awaiting approval: ")
    told = [m for m in _Inbox.received if m["title"].startswith("审批逾期")]
    assert [m["to"] for m in told] == ["party-secretary"]
    assert f"/runs/flow-run/{run_id}" in told[0]["message"]
