"""A throw-away office installation for the real-server tests: a PostgreSQL cluster in a temp
folder, ``prefect server start`` against it on 127.0.0.1, process workers. Everything started
here is stopped here, by pid (process groups of our own children only).

PostgreSQL refuses to run as root (initdb: "cannot be run as root"); when the tests run as root
(CI containers) the cluster is made and run as the unprivileged ``postgres`` user that Debian's
``postgresql`` package creates, through ``setpriv`` (util-linux: no PAM, no login shell, keeps
the environment), the data folder chowned to it. As any other user it runs as that user.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None
    )
    if not found:
        raise RuntimeError(f"{name} not found: install Debian's postgresql package (make deb)")
    return found


def _as_pg_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    user = pwd.getpwnam("postgres")
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", *cmd]


@dataclass
class Postgres:
    root: Path
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://prefect@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        data = self.root / "data"
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        env = {**os.environ, "LC_ALL": "C.UTF-8"}
        subprocess.run(
            _as_pg_user(
                [
                    pg_bin("initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "prefect",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
            env=env,
            cwd=self.root,
        )
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c max_connections=200"
        subprocess.run(
            _as_pg_user(
                [
                    pg_bin("pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    opts,
                    "-l",
                    str(self.root / "log"),
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            env=env,
            cwd=self.root,
        )

    def pid(self) -> int | None:
        pidfile = self.root / "data" / "postmaster.pid"
        return int(pidfile.read_text().split()[0]) if pidfile.exists() else None

    def stop(self) -> None:
        pid = self.pid()
        if pid:
            os.kill(pid, signal.SIGINT)  # "fast" shutdown of the postmaster we started
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.1)


def api_get(api: str, path: str):
    with urllib.request.urlopen(api + path, timeout=10) as r:
        return json.loads(r.read())


def api_post(api: str, path: str, body: dict):
    req = urllib.request.Request(
        api + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        data = r.read()
    return json.loads(data) if data else None


@dataclass
class Proc:
    popen: subprocess.Popen
    log: Path

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to our child's process group, a second one after 5 s (a worker keeps
        polling after the first, see reference/measured.md), SIGKILL at the end."""
        if self.popen.poll() is not None:
            return
        pgid = self.popen.pid  # start_new_session: the group is ours
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                return
            try:
                self.popen.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def kill(self) -> None:
        """As a crash or a reboot: SIGKILL to the whole group (the worker and its runs)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)


def start(cmd: list[str], env: dict[str, str], log: Path, cwd: Path) -> Proc:
    out = log.open("ab")
    popen = subprocess.Popen(
        cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True
    )
    return Proc(popen, log)


def server(env: dict[str, str], port: int, log: Path, cwd: Path, timeout: float = 120) -> Proc:
    proc = start(
        [
            str(BIN / "prefect"),
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--analytics-off",
        ],
        env,
        log,
        cwd,
    )
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError("prefect server exited:\n" + log.read_text()[-3000:])
        try:
            api_get(api, "/health")
            return proc
        except OSError:
            time.sleep(0.3)
    proc.stop()
    raise RuntimeError("prefect server not healthy:\n" + log.read_text()[-3000:])


def worker(
    env: dict[str, str], log: Path, cwd: Path, pool: str = "reportflow", warm: bool = False
) -> Proc:
    """Prefect's process worker, or (``warm``) ours, whose runs fork from a warm forkserver
    (reportflow.flows.worker)."""
    if warm:
        cmd = [str(BIN / "python"), "-m", "reportflow.flows.worker", "--pool", pool]
    else:
        cmd = [str(BIN / "prefect"), "worker", "start", "--pool", pool, "--type", "process"]
    return start([*cmd, "--limit", "8"], env, log, cwd)


def wait_state(
    api: str, run_id: str, types: set[str], timeout: float = 120, after: str | None = None
) -> dict:
    """The flow run once its state type is one of ``types`` (and its state is newer than
    ``after``, an ISO timestamp, when given)."""
    deadline = time.monotonic() + timeout
    run = {}
    while time.monotonic() < deadline:
        try:
            run = api_get(api, f"/flow_runs/{run_id}")
        except (TimeoutError, urllib.error.URLError) as exc:
            if not isinstance(getattr(exc, "reason", exc), TimeoutError):
                raise
            # one read slower than 10 s (the server and its PostgreSQL on a busy machine, CI's
            # load) is not the answer: the run's state is, within the whole timeout
            continue
        state = run.get("state") or {}
        if state.get("type") in types and (after is None or state.get("timestamp", "") > after):
            return run
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} not in {types} within {timeout} s: {run.get('state')}")
