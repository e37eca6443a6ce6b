"""Benchmark: ``reportflow serve`` under 20 concurrent reviewers on a 100-section report.

Builds a report of 100 sections (a trust root of 2, its genesis of the roster, 20 reviewers
with a passkey each in the roster in force: P-256 keys of the tests' software authenticator,
``tests/webauthn_support.py``), starts ``reportflow serve`` on a free port of 127.0.0.1 as a
user does, and runs 20 reviewers at once over HTTP, each in its own thread: sign in with the
passkey, then for each of its 5 sections open the inbox, the section page, approve (WebAuthn
options with the record's digest as challenge, the signed assertion, the commit) and the
confirmation; the report page at the end. Bounded: 100 approvals, at most 300 s.

The reviewers are separate processes by default (``--clients processes``), as twenty
browsers are: twenty client threads in one Python process (``--clients threads``, the first
harness) wait for each other's GIL, so a page's time there was mostly the client's own (the
static file, which the server answers in about a millisecond, took 116-145 ms at p95 on a
quiet machine). Both harnesses measure the same server; the static file shows each one's floor.

Baselines measured in the same run: the p95 of a static file from the same server under the
same load (the server's floor for a page), and ``git commit`` of one file in the benchmark
repository's size class (the floor for an approval). Goals (issue 14): p95 page <= 200 ms,
approval (options + sign, incl. the git commit) <= 1 s, nothing lost (every approval is a
record in git afterwards, and the gate counts it).

Run: ``python bench/bench_serve.py [--clients processes|threads]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
from webauthn_support import SoftAuthenticator, credential  # noqa: E402

from reportflow.signoff import keys as keyring  # noqa: E402
from reportflow.signoff import ledger, roster, trust  # noqa: E402
from reportflow.signoff.passkeys import unb64url  # noqa: E402

SECTIONS = 100
REVIEWERS = [f"reviewer-{i:02d}" for i in range(1, 21)]
ROOT_MEMBERS = ("party-secretary", "office-director")
REPORT, YEAR = "bench", 2022
FOLDER = f"content/{REPORT}/{YEAR}"
DEADLINE = 300.0
PARAGRAPH = (
    "一是加强组织领导，压实工作责任，推动各项任务落实落细；二是完善制度机制，"
    "健全监督体系，确保权力在阳光下运行；三是强化作风建设，密切联系群众。"
)


def git(repo: Path, *args: str, who: str = "office-director") -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": who, "GIT_AUTHOR_EMAIL": f"{who}@example.gov.cn",
           "GIT_COMMITTER_NAME": who, "GIT_COMMITTER_EMAIL": f"{who}@example.gov.cn"}  # fmt: skip
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def ssh_key(folder: Path, person: str) -> tuple[Path, str]:
    path = folder / person
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path, " ".join(path.with_suffix(".pub").read_text().split()[:2])


def report_yaml(ssh: dict[str, tuple[Path, str]], auths: dict[str, SoftAuthenticator]) -> str:
    lines = [f"report: {REPORT}", f"year: {YEAR}", "title: 基准测试报告", "organisation: 基准单位",
             "sections:", *[f"- s{i:03d}" for i in range(SECTIONS)], "people:"]  # fmt: skip
    people = [("office-director", "author"), ("party-secretary", "party-secretary")]
    people += [(r, "deputy-head") for r in REVIEWERS]
    for person, role in people:
        lines += [f"  {person}:", f"    name: {person}", f"    roles: [{role}]",
                  f"    email: {person}@example.gov.cn"]  # fmt: skip
        if person in ssh:
            lines.append(f"    keys: [{ssh[person][1]}]")
        if person in auths:
            lines += ["    passkeys:", f"      - {json.dumps(auths[person].passkey().to_doc())}"]
    lines += ["policy:", "  sections:", "    default: {approvals: 1, roles: [deputy-head]}",
              "  report: {approvals: 1, roles: [party-secretary]}",
              "dates: {opens: '2022-11-01', due: '2030-01-10',",
              "        approve_by: '2030-01-20'}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def section_text(i: int) -> str:
    body = "\n\n".join(PARAGRAPH for _ in range(8))
    return f"---\nid: s{i:03d}\ntitle: 第{i}部分\nowner: office-director\n---\n\n{body}\n"


def build(work: Path, origin: str) -> tuple[Path, str, dict[str, SoftAuthenticator]]:
    """The repository with its trust root and genesis; (report folder, pin, passkeys)."""
    repo = work / "reports"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    ssh = {p: ssh_key(work, p) for p in ROOT_MEMBERS}
    auths = {r: SoftAuthenticator(origin=origin) for r in REVIEWERS}
    rdir = repo / FOLDER
    (rdir / "sections").mkdir(parents=True)
    (rdir / "report.yaml").write_text(report_yaml(ssh, auths), encoding="utf-8")
    for i in range(SECTIONS):
        (rdir / "sections" / f"{i:03d}-s{i:03d}.md").write_text(section_text(i), encoding="utf-8")
    root = trust.draft(1, {m: [ssh[m][1]] for m in ROOT_MEMBERS}, 2, "2022-08-01T00:00:00Z")
    for member in ROOT_MEMBERS:
        key = keyring.resolve(ssh[member][0])
        sig = keyring.sign(root.payload(), key, trust.NAMESPACE)
        root = trust.with_signature(root, trust.Signature(member, key.public, sig))
    (repo / trust.file_name(1)).parent.mkdir(parents=True, exist_ok=True)
    (repo / trust.file_name(1)).write_text(trust.to_json(root), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "import")
    head = git(repo, "rev-parse", "HEAD").strip()
    genesis = roster.from_yaml((rdir / "report.yaml").read_bytes(), "report.yaml")
    assert genesis is not None
    for member in ROOT_MEMBERS:
        rec = ledger.SignoffRecord(REPORT, YEAR, "roster", genesis.digest, head, member,
                                   "approve", ledger.now_utc(), "trust-root")  # fmt: skip
        signed = ledger.SignoffRecord(
            **{**rec.to_dict(), "signature": ledger.sign(rec.payload(), ssh[member][0])}
        )
        ledger.write_record(rdir / "signoffs", signed)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "genesis", who="party-secretary")
    return rdir, root.digest, auths


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Reviewer:
    """One reviewer's browser: a session cookie kept by hand (httpx keeps no Secure cookie
    over http, where the browser does for localhost), the CSRF token of the last page."""

    def __init__(
        self, base: str, person: str, auth: SoftAuthenticator, out: dict, think: float = 0.0
    ) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.person, self.auth, self.out = person, auth, out
        self.cookie, self.csrf = "", ""
        # A person reads before the next click: a pause of 0.5-1.5x ``think`` seconds before
        # each page and each approval after signing in, seeded per person so runs repeat, and
        # outside the times measured. 0 = no pause (the stress figure: every reviewer clicks
        # the moment the last answer arrives).
        self.think, self.rng = think, random.Random(person)

    def _pause(self) -> None:
        if self.think and self.cookie:
            time.sleep(self.think * self.rng.uniform(0.5, 1.5))

    def _send(self, method: str, url: str, **kw) -> httpx.Response:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if method == "POST":
            headers["X-CSRF-Token"] = self.csrf
        got = self.http.request(method, url, headers=headers, **kw)
        found = re.search(r"reportflow_session=([^;]*)", got.headers.get("set-cookie", ""))
        if found:
            self.cookie = f"reportflow_session={found[1]}"
        token = re.search(r'name="csrf-token" content="([^"]+)"', got.text)
        if token:
            self.csrf = token[1]
        return got

    def page(self, url: str) -> httpx.Response:
        self._pause()
        start = time.perf_counter()
        got = self._send("GET", url)
        took = time.perf_counter() - start
        self.out["pages"].append(took)
        kind = url.strip("/").split("/")[0] or "inbox"
        self.out.setdefault(f"page:{kind}", []).append(took)
        assert got.status_code == 200, (url, got.status_code, got.text[:300])
        return got

    def post(self, url: str, body: dict) -> dict:
        got = self._send("POST", url, json=body)
        assert got.status_code == 200, (url, got.status_code, got.text[:300])
        return got.json()

    def run(self, sections: list[str]) -> None:
        self.page("/login")
        options = self.post("/api/login/options", {"person": self.person})["options"]
        signed = self.auth.sign(unb64url(options["challenge"]))
        self.post("/api/login/verify", {"credential": credential(signed)})
        for sid in sections:
            self.page("/")
            shown = self.page(f"/section/{sid}").text
            seen = re.search(r'name="seen" value="([^"]*)"', shown)
            self._pause()
            start = time.perf_counter()
            body = {"scope": f"section:{sid}", "decision": "approve", "comment": "同意。",
                    "seen": seen[1] if seen else ""}  # fmt: skip
            started = self.post("/api/decide/options", body)
            assertion = self.auth.sign(unb64url(started["options"]["challenge"]))
            signed = {"token": started["token"], "credential": credential(assertion)}
            done = self.post("/api/decide/sign", signed)
            self.out["approvals"].append(time.perf_counter() - start)
            self.page(done["redirect"])
        self.page("/report")


def static_floor(base: str, stop: threading.Event, out: list[float]) -> None:
    """The static stylesheet fetched over and over while the reviewers work."""
    with httpx.Client(base_url=base, timeout=60) as http:
        while not stop.is_set():
            start = time.perf_counter()
            http.get("/static/review.css")
            out.append(time.perf_counter() - start)
            time.sleep(0.05)


def _reviewer_process(
    base: str, person: str, auth: SoftAuthenticator, sections: list[str], think: float, conn
) -> None:
    """One reviewer in its own process (forked: the authenticator's key is inherited)."""
    out: dict[str, list[float]] = {"pages": [], "approvals": []}
    try:
        Reviewer(base, person, auth, out, think).run(sections)
        conn.send((out, None))
    except BaseException as exc:  # the parent reports it
        conn.send((out, repr(exc)))


def _static_process(base: str, stop, conn) -> None:
    out: list[float] = []
    static_floor(base, stop, out)
    conn.send(out)


def run_reviewers(
    mode: str,
    base: str,
    plan: dict[str, list[str]],
    auths: dict,
    out: dict[str, list[float]],
    static: list[float],
    think: float = 0.0,
) -> None:
    """The twenty reviewers at once, and the static file fetched meanwhile, as threads of
    this process or as processes of their own; their times added to ``out`` and ``static``."""
    if mode == "threads":
        stop = threading.Event()
        floor = threading.Thread(target=static_floor, args=(base, stop, static))
        floor.start()
        with ThreadPoolExecutor(max_workers=len(plan)) as pool:
            jobs = [pool.submit(Reviewer(base, r, auths[r], out, think).run, plan[r]) for r in plan]
            for job in jobs:
                job.result(timeout=DEADLINE)
        stop.set()
        floor.join()
        return
    mp = multiprocessing.get_context("fork")
    stop = mp.Event()
    floor_end, floor_conn = mp.Pipe(duplex=False)
    floor = mp.Process(target=_static_process, args=(base, stop, floor_conn))
    floor.start()
    procs = []
    for r in plan:
        end, conn = mp.Pipe(duplex=False)
        proc = mp.Process(target=_reviewer_process, args=(base, r, auths[r], plan[r], think, conn))
        proc.start()
        procs.append((proc, end))
    errors = []
    for proc, end in procs:
        if not end.poll(DEADLINE):
            errors.append("a reviewer did not finish in time")
            continue
        got, error = end.recv()
        proc.join()
        for name, values in got.items():
            out.setdefault(name, []).extend(values)
        if error:
            errors.append(error)
    stop.set()
    static += floor_end.recv()
    floor.join()
    if errors:
        raise SystemExit(f"reviewers failed: {errors}")


def server_cpu(pid: int) -> float:
    """The server process's CPU seconds so far (user + system, all its threads, from
    /proc): what the work cost, much less sensitive than wall times to a loaded machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", choices=("processes", "threads"), default="processes")
    parser.add_argument(
        "--reviewers",
        type=int,
        default=len(REVIEWERS),
        help="how many of the 20 work at once (each takes its own 5 sections)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds a reviewer reads before the next click (0.5-1.5x this)",
    )
    args = parser.parse_args()
    mode, think = args.clients, args.think
    active = REVIEWERS[: max(1, min(args.reviewers, len(REVIEWERS)))]
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        work = Path(tmp)
        port = free_port()
        base = f"http://localhost:{port}"
        rdir, pin, auths = build(work, base)
        env = {**os.environ, "REPORTFLOW_TRUST": pin, "HOME": str(work),
               "XDG_CONFIG_HOME": str(work / "config"),
               "XDG_CACHE_HOME": str(work / "cache"),
               "GIT_COMMITTER_NAME": "review server",
               "GIT_COMMITTER_EMAIL": "review@example.gov.cn"}  # fmt: skip
        floor_commit = []
        scratch = work / "reports"
        for n in range(5):  # the approval's floor: one file committed in the same repository
            (scratch / "floor.txt").write_text(f"{n}\n")
            start = time.perf_counter()
            git(scratch, "add", "floor.txt")
            git(scratch, "commit", "-q", "-m", "floor", "--", "floor.txt")
            floor_commit.append(time.perf_counter() - start)
        log = (work / "serve.log").open("w")
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
            out: dict[str, list[float]] = {"pages": [], "approvals": []}
            static: list[float] = []
            plan = {r: [f"s{i:03d}" for i in range(n, SECTIONS, len(REVIEWERS))]
                    for n, r in enumerate(REVIEWERS) if r in active}  # fmt: skip
            start = time.perf_counter()
            run_reviewers(mode, base, plan, auths, out, static, think)
            wall = time.perf_counter() - start
            cpu = server_cpu(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=10)
            log.close()
        repo = rdir.parents[2]
        files = git(repo, "ls-tree", "--name-only", "HEAD", f"{FOLDER}/signoffs/").split()
        web = [f for f in files if "-section-" in f]
        commits = git(repo, "rev-list", "--count", "HEAD", "--", f"{FOLDER}/signoffs/").strip()
        gate = subprocess.run(
            [sys.executable, "-m", "reportflow", "gate", str(rdir), "--format", "json"],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        sections = json.loads(gate.stdout)["sections"]
        approved = sum(v["status"] == "approved" for v in sections.values())
        page95, static95 = p95(out["pages"]), p95(static)
        appr95, commit_med = p95(out["approvals"]), statistics.median(floor_commit)
        print(f"reviewers {len(active)} ({mode}, think {think:g} s), sections {SECTIONS}, "
              f"wall {wall:.1f} s")  # fmt: skip
        print(f"pages: {len(out['pages'])}, p50 {statistics.median(out['pages']) * 1000:.0f} ms, "
              f"p95 {page95 * 1000:.0f} ms (goal <= 200 ms); static file p95 "
              f"{static95 * 1000:.0f} ms; ratio {page95 / static95:.1f}x")  # fmt: skip
        print(f"approvals: {len(out['approvals'])}, p50 "
              f"{statistics.median(out['approvals']) * 1000:.0f} ms, p95 {appr95 * 1000:.0f} ms, "
              f"max {max(out['approvals']) * 1000:.0f} ms (goal <= 1 s); git commit of one file "
              f"{commit_med * 1000:.0f} ms; ratio {appr95 / commit_med:.1f}x")  # fmt: skip
        kinds = sorted(k for k in out if k.startswith("page:"))
        print("pages by kind, p50/p95: " + ", ".join(
            f"{k[5:]} {statistics.median(out[k]) * 1000:.0f}/{p95(out[k]) * 1000:.0f} ms "
            f"({len(out[k])})" for k in kinds))  # fmt: skip
        print(f"server CPU {cpu:.1f} s (start-up and sign-in included), load average "
              f"{os.getloadavg()[0]:.1f}")  # fmt: skip
        print(f"records in git: {len(web)} of {len(out['approvals'])}, in {int(commits) - 1} "
              "commits; "
              f"sections the gate counts approved: {approved} of {SECTIONS}")  # fmt: skip


if __name__ == "__main__":
    main()
