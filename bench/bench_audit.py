"""Benchmark: ``reportflow audit --format json`` on a large synthetic report vs ``git log
--name-only``, and ``reportflow diff v1 v20 --format docx`` vs pandoc writing the same text.

The repository is ``bench_gate.build``'s (git fast-import): 100 sections, here 9,000 edits by
drafters and 1,000 SSH-signed sign-off records, so 10,000 commits; then 20 release tags
spread over the history, each an annotated tag carrying its manifest's digest, with a manifest
in the archive chained to the previous one (the audit checks each anchor; the files behind the
manifests are not rendered: the audit does not read them).

Times are medians of 5 rounds, the cases interleaved within a round, every run a fresh
process; peak memory is the audit process's maximum resident set (``wait4``). The audit is
timed three ways: a state already audited (answered from the sealed memo, ``audit/memo.py``:
an inspector's second and later questions), the first audit of a state (no memo: everything
read and verified, then kept), and ``--memo off`` (everything read and verified, nothing kept).
Goals: audit <= 2x the git log and <= 300 MB; diff docx <= 1x pandoc.

Run: ``python bench/bench_audit.py`` (``make bench`` runs every benchmark).
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_gate  # noqa: E402

bench_gate.EDITS = 9000  # + 1,000 record commits = 10,000 commits
RELEASES = 20
FOLDER = bench_gate.FOLDER


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True,
        env={**os.environ, **(env or {})},
    ).stdout  # fmt: skip


def add_releases(repo: Path) -> None:
    """20 annotated tags <report>/<year>/v<N> on edit commits spread over the history, each
    with a schema-valid manifest in archive/ that the tag's digest and the chain match."""
    commits = _git(repo, "rev-list", "--reverse", "HEAD").split()
    step = len(commits) // (RELEASES + 1)
    previous = None
    env = {"GIT_COMMITTER_NAME": "office", "GIT_COMMITTER_EMAIL": "party-secretary@example.gov.cn"}
    for n in range(1, RELEASES + 1):
        commit = commits[n * step]
        entry = repo / "archive" / bench_gate.REPORT / str(bench_gate.YEAR) / f"v{n}"
        entry.mkdir(parents=True)
        payload = f"v{n}".encode()
        (entry / "report.pdf").write_bytes(payload)
        manifest = {
            "format": "reportflow-manifest/1", "report": bench_gate.REPORT,
            "year": bench_gate.YEAR, "version": n, "title": "基准测试报告", "commit": commit,
            "tag": f"{bench_gate.REPORT}/{bench_gate.YEAR}/v{n}",
            "created": "2022-12-01T00:00:00Z", "released_by": "party-secretary",
            "files": [{"name": "report.pdf", "size": len(payload),
                       "sha256": hashlib.sha256(payload).hexdigest()}],
            "signoffs": [], "approvers": ["party-secretary"],
            "validation": {"errors": 0, "warnings": 0}, "tools": {}, "previous": previous,
        }  # fmt: skip
        raw = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        (entry / "manifest.json").write_bytes(raw)
        digest = hashlib.sha256(raw).hexdigest()
        message = f"{bench_gate.REPORT} v{n}\n\nmanifest-sha256: {digest}\n"
        _git(repo, "tag", "-a", manifest["tag"], commit, "-m", message, env=env)
        previous = {"version": n, "manifest_sha256": digest}


def run_once(
    cmd: list[str], cwd: Path, env: dict[str, str], out: Path | None = None, codes=(0,), before=None
):
    if before is not None:
        before()
    start = time.perf_counter()
    with open(out or os.devnull, "wb") as sink:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=sink, stderr=subprocess.PIPE)
        _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) not in codes:
        raise SystemExit(f"{cmd} failed: {err}")
    return elapsed, usage.ru_maxrss / 1024  # MB


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="reportflow-bench-audit-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "keys").mkdir()
        keys = bench_gate.make_keys(tmp_path / "keys")
        repo = tmp_path / "repo"
        start = time.perf_counter()
        pin = bench_gate.build(repo, keys)
        add_releases(repo)
        built = time.perf_counter() - start
        count = _git(repo, "rev-list", "--count", "HEAD").strip()
        # a cache of our own: reportflow keeps its compiled schema validators in the user's
        # cache, keyed by the checkout, so another checkout run meanwhile (a second worktree,
        # the test suite) would replace them and every round would compile them again
        env = {**os.environ, "PYTHONPATH": str(ROOT), "REPORTFLOW_TRUST": pin,
               "XDG_CACHE_HOME": str(tmp_path / "cache")}  # fmt: skip
        audit = [sys.executable, "-m", "reportflow", "audit", FOLDER, "--format", "json"]
        out_json = tmp_path / "audit.json"
        run_once([*audit, "--memo", "off"], repo, env, out_json)  # also fills the caches
        doc = json.loads(out_json.read_bytes())
        run_once(audit, repo, env, tmp_path / "kept.json")
        if (tmp_path / "kept.json").read_bytes() != out_json.read_bytes():
            raise SystemExit("the kept audit differs from the one read afresh")
        memos = tmp_path / "cache" / "reportflow" / "audit"
        if not any(memos.glob("*.memo")):
            raise SystemExit("no memo was kept")

        def forget() -> None:
            for path in memos.glob("*.memo"):
                path.unlink()

        v1 = f"{bench_gate.REPORT}/{bench_gate.YEAR}/v1"
        v20 = f"{bench_gate.REPORT}/{bench_gate.YEAR}/v{RELEASES}"
        docx = [sys.executable, "-m", "reportflow", "diff", FOLDER, "v1", f"v{RELEASES}",
                "--format", "docx", "--out", str(tmp_path / "diff.docx")]  # fmt: skip
        # the baseline: the v20 text (every section, in order) written by pandoc to docx
        text = tmp_path / "v20.md"
        parts = []
        listed = _git(repo, "ls-tree", "--name-only", v20, f"{FOLDER}/sections/")
        for path in sorted(listed.split()):
            parts.append(_git(repo, "show", f"{v20}:{path}").split("\n---\n", 1)[-1])
        text.write_text("\n\n".join(parts), encoding="utf-8")
        from reportflow.core import pandoc as pandoc_tool

        pandoc = [pandoc_tool.executable(), str(text), "-o", str(tmp_path / "pandoc.docx")]
        gate = [sys.executable, "-m", "reportflow", "gate", FOLDER]
        cases = {
            "git_log": ["git", "log", "--name-only"],
            "gate": gate,
            "audit": audit,
            "audit_first": audit,
            "audit_off": [*audit, "--memo", "off"],
            "diff_docx": docx,
            "pandoc": pandoc,
        }
        times: dict[str, list[float]] = {k: [] for k in cases}
        peak = 0.0
        for _ in range(5):
            for name, cmd in cases.items():
                # the gate, for scale, says "not approved" (exit 1): the benchmark's 20 tags are
                # unsigned, on edit commits, which the gate names since it judges tags
                codes = (0, 1) if name == "gate" else (0,)
                before = forget if name == "audit_first" else None
                elapsed, rss = run_once(cmd, repo, env, codes=codes, before=before)
                times[name].append(elapsed)
                if name.startswith("audit"):
                    peak = max(peak, rss)
        got = {k: statistics.median(v) for k, v in times.items()}
        print(
            f"repo: {bench_gate.SECTIONS} sections, {count} commits, {bench_gate.RECORDS} signed "
            f"records, {RELEASES} releases (built in {built:.1f} s); {v1}..{v20}"
        )
        print(f"audit events: {doc['counts']}")
        print(f"git log --name-only           {got['git_log']:6.3f} s   (baseline)")
        ratio = got["audit"] / got["git_log"]
        print(f"reportflow gate (for scale)    {got['gate']:6.3f} s   ratio "
              f"{got['gate'] / got['git_log']:5.2f}x")  # fmt: skip
        print(f"reportflow audit --format json {got['audit']:6.3f} s   ratio {ratio:5.2f}x "
              "(a state already audited: the memo)")  # fmt: skip
        for name, what in (("audit_first", "first audit of a state, kept"),
                           ("audit_off", "--memo off")):  # fmt: skip
            print(f"  {what:28} {got[name]:6.3f} s   ratio {got[name] / got['git_log']:5.2f}x")
        print(f"peak memory of the audits: {peak:.0f} MB")
        dratio = got["diff_docx"] / got["pandoc"]
        print(f"pandoc md -> docx (v20 text)   {got['pandoc']:6.3f} s   (baseline)")
        print(f"reportflow diff v1 v20 docx    {got['diff_docx']:6.3f} s   ratio {dratio:5.2f}x")
        print(f"load average during the run: {os.getloadavg()[0]:.2f} (2 cores)")
        goal = ratio <= 2 and peak <= 300
        print(f"goal audit (<= 2x git log, <= 300 MB), a state already audited: "
              f"{'met' if goal else 'NOT met'}")  # fmt: skip
        first = got["audit_first"] / got["git_log"]
        print(f"goal audit (<= 2x git log), the first audit of a state: "
              f"{'met' if first <= 2 else 'NOT met'} ({first:.2f}x)")  # fmt: skip
        print(f"goal diff docx (<= 1x pandoc): {'met' if dratio <= 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
