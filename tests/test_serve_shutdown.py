"""What a shutdown of ``reportflow serve`` keeps (issue 14): every decision confirmed to a
reviewer is in git, and the writer's queue is drained before the process ends, even for a
decision whose page stopped waiting. A real server stopped with SIGTERM while approvals are in
flight (the benchmark's 20-passkey repository), and the writer in process over a real repo."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import pytest
from conftest import ROOT, git

sys.path.insert(0, str(ROOT / "bench"))
import bench_serve as bench
from webauthn_support import credential

from reportflow.serve.writer import Job, Writer
from reportflow.signoff import approval, ledger
from reportflow.signoff.passkeys import unb64url


def _records(repo: Path, folder: str) -> set[tuple[str, str]]:
    """(reviewer, scope) of every record file committed at HEAD."""
    names = git(repo, "ls-tree", "-r", "--name-only", "HEAD", f"{folder}/signoffs/").split()
    return {
        (doc["reviewer"], doc["scope"])
        for doc in (
            json.loads(git(repo, "show", f"HEAD:{n}")) for n in names if n.endswith(".json")
        )
    }


def test_sigterm_during_approvals_loses_no_confirmed_decision(tmp_path: Path) -> None:
    port = bench.free_port()
    base = f"http://localhost:{port}"
    rdir, pin, auths = bench.build(tmp_path, base)
    repo = rdir.parents[2]
    env = {**os.environ, "REPORTFLOW_TRUST": pin, "GIT_COMMITTER_NAME": "review server",
           "GIT_COMMITTER_EMAIL": "review@example.gov.cn"}  # fmt: skip
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "reportflow", "serve", str(rdir), "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        people = bench.REVIEWERS[:12]
        out: dict[str, list[float]] = {"pages": [], "approvals": []}
        ready: list[tuple[bench.Reviewer, str, dict]] = []
        for n, person in enumerate(people):  # sign in, prepare one approval each
            who = bench.Reviewer(base, person, auths[person], out)
            who.page("/login")
            options = who.post("/api/login/options", {"person": person})["options"]
            login = credential(who.auth.sign(unb64url(options["challenge"])))
            who.post("/api/login/verify", {"credential": login})
            sid = f"s{n:03d}"
            shown = who.page(f"/section/{sid}").text
            seen = re.search(r'name="seen" value="([^"]*)"', shown)
            started = who.post("/api/decide/options", {"scope": f"section:{sid}",
                               "decision": "approve", "seen": seen[1] if seen else ""})  # fmt: skip
            ready.append((who, sid, started))
        confirmed: list[tuple[str, str]] = []
        go = threading.Barrier(len(ready) + 1)

        def sign(who: bench.Reviewer, sid: str, started: dict) -> None:
            assertion = who.auth.sign(unb64url(started["options"]["challenge"]))
            body = {"token": started["token"], "credential": credential(assertion)}
            go.wait()
            try:
                got = who._send("POST", "/api/decide/sign", json=body)
            except Exception:  # refused at the door once the shutdown began
                return
            if got.status_code == 200 and "redirect" in got.json():
                confirmed.append((who.person, f"section:{sid}"))

        threads = [threading.Thread(target=sign, args=r) for r in ready]
        for t in threads:
            t.start()
        go.wait()
        time.sleep(0.05)  # the sign requests are on their way: stop the server now
        server.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(timeout=120)
        code = server.wait(timeout=120)
    finally:
        if server.poll() is None:
            server.kill()
        log.close()
    # uvicorn shuts down gracefully, then raises the signal it caught again (its exit status)
    assert code in (0, -signal.SIGTERM), (tmp_path / "serve.log").read_text()
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
    assert confirmed, "no approval was confirmed before the shutdown: nothing was tested"
    committed = _records(repo, bench.FOLDER)
    assert set(confirmed) <= committed, (confirmed, committed)
    # no record file left written but not committed
    assert git(repo, "status", "--porcelain", "--", f"{bench.FOLDER}/signoffs").strip() == ""


def test_the_writer_drains_a_decision_whose_page_stopped_waiting(keys, rdir: Path) -> None:
    """The page's wait runs out while the commit lock is held (a passkey registration
    committing report.yaml, say); the decision is still queued. ``drain``, what the server's
    shutdown calls, waits for it: the record is in git afterwards."""
    repo = rdir.parents[2]
    ctx = approval.load_context(rdir, "HEAD")
    blob = next(s.blob for s in ctx.facts.sections if s.id == "preface")
    rec = ledger.SignoffRecord("political-ecology", 2022, "section:preface", blob, ctx.commit,
                               "deputy-head-1", "approve", ledger.now_utc(), "web")  # fmt: skip
    signed = dataclasses.replace(
        rec, signature=ledger.sign(rec.payload(), keys["deputy-head-1"][0])
    )
    lock = threading.Lock()
    writer = Writer(rdir, lock)
    with lock:
        with pytest.raises(FutureTimeout):
            writer.submit(Job(ctx, signed), timeout=0.2)
        assert writer.drain(timeout=0.2) is False  # held: not committed yet, and it says so
    assert writer.drain(timeout=60) is True
    assert ("deputy-head-1", "section:preface") in _records(repo, str(rdir.relative_to(repo)))
