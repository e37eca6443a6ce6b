"""Benchmark: the review server's decision at a HEAD that only added records, against a full
decision at the same HEAD, in one process (issue 14).

The repository of ``bench_serve.py`` (100 sections, a trust root, 20 reviewers with a
passkey each); then 33 commits of 3 passkey-signed approvals each, as the server's writer
makes them. At each new HEAD: ``review.decision`` (what the server does: the snapshot before
extended with the new record files, signatures it verified before not verified again) and the
full decision (``approval.load_context`` + ``decide``, what ``gate`` does), alternately, each
timed as CPU seconds of this process (``time.process_time``: git's own processes are not in
it) and wall time. The two are compared for equality at every HEAD. No goal of its own: it
says what the page goal's floor (one decision per new HEAD) costs.

Run: ``python bench/bench_serve_decision.py [--history N]`` (N commits elsewhere in the
repository first: the history walk grows with them).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import bench_serve as bench  # noqa: E402

from reportflow.cycle import review  # noqa: E402
from reportflow.signoff import approval, ledger, passkeys, roster  # noqa: E402


def _commit_records(rdir: Path, auths, sids: list[str], blobs: dict[str, str]) -> None:
    repo = rdir.parents[2]
    head = bench.git(repo, "rev-parse", "HEAD").strip()
    for sid in sids:
        person = bench.REVIEWERS[int(sid[1:]) % len(bench.REVIEWERS)]
        rec = ledger.SignoffRecord(bench.REPORT, bench.YEAR, f"section:{sid}", blobs[sid], head,
                                   person, "approve", ledger.now_utc(), "web",
                                   signature_kind=passkeys.KIND)  # fmt: skip
        signed = auths[person].sign(passkeys.challenge(rec.payload()))
        ledger.write_record(rdir / "signoffs", replace(rec, signature=signed))
    bench.git(repo, "add", "-A")
    bench.git(repo, "commit", "-q", "-m", f"signoff: {len(sids)} web decisions")


def _history(repo: Path, count: int) -> None:
    """``count`` commits on top of HEAD, each changing a file outside the report (an office's
    other work in the same repository), through one ``git fast-import``."""
    head = bench.git(repo, "rev-parse", "HEAD").strip()
    lines = []
    for n in range(count):
        data = f"note {n}\n".encode()
        lines += [b"commit refs/heads/main", f"mark :{n + 1}".encode(),
                  f"committer Office <office@example.gov.cn> {1_700_000_000 + n} +0800".encode(),
                  b"data 5", b"note.",
                  f"from {head}".encode() if n == 0 else f"from :{n}".encode(),
                  b"M 100644 inline notes/n.txt", f"data {len(data)}".encode(), data]  # fmt: skip
    subprocess.run(["git", "fast-import", "--quiet", "--force"], cwd=repo, check=True,
                   input=b"\n".join(lines) + b"\n")  # fmt: skip
    bench.git(repo, "reset", "-q", "--hard", "main")


def _full() -> tuple[object, object]:
    """The decision as ``gate`` makes it in a fresh process: the caches kept for the server
    (record parses, report.yaml rosters) are bypassed, signatures all verified."""
    kept = approval._parsed, roster.from_yaml
    approval._parsed, roster.from_yaml = kept[0].__wrapped__, kept[1].__wrapped__  # type: ignore[assignment]
    try:
        return approval.decide(approval.load_context(RDIR[0], "HEAD"))
    finally:
        approval._parsed, roster.from_yaml = kept  # type: ignore[assignment]


RDIR: list[Path] = []
#: ``--history N``: N commits elsewhere in the repository before the sign-offs
HISTORY = int(sys.argv[sys.argv.index("--history") + 1]) if "--history" in sys.argv else 0


def _timed(make) -> tuple[object, float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    made = make()
    return made, time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-decision-") as tmp:
        work = Path(tmp)
        rdir, pin, auths = bench.build(work, "http://localhost:8123")
        os.environ.update({"REPORTFLOW_TRUST": pin, "HOME": str(work),
                           "XDG_CONFIG_HOME": str(work / "config")})  # fmt: skip
        repo = rdir.parents[2]
        RDIR.append(rdir)
        if HISTORY:
            _history(repo, HISTORY)
        blobs = {}
        for line in bench.git(repo, "ls-tree", "HEAD", f"{bench.FOLDER}/sections/").splitlines():
            meta, path = line.split("\t")
            blobs["s" + path.rsplit("-s", 1)[1][:3]] = meta.split()[2]
        sids = sorted(blobs)
        review.decision(rdir)
        inc: list[tuple[float, float]] = []
        full: list[tuple[float, float]] = []
        for k in range(0, 99, 3):
            _commit_records(rdir, auths, sids[k : k + 3], blobs)
            made, cpu, wall = _timed(lambda: review.decision(rdir))
            inc.append((cpu, wall))
            both, cpu, wall = _timed(_full)
            full.append((cpu, wall))
            assert made.verdict == both[0] and made.result == both[1]  # type: ignore[attr-defined,index]
        approved = sum(v.status == "approved" for v in made.verdict.sections.values())  # type: ignore[attr-defined]
    med = statistics.median
    ic, iw = med(c for c, _ in inc), med(w for _, w in inc)
    fc, fw = med(c for c, _ in full), med(w for _, w in full)
    print(
        f"decisions at {len(inc)} record-only HEADs (3 to 99 passkey records), {HISTORY} "
        f"commits of history before, {approved} sections approved at the end; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"server's decision: CPU median {ic * 1000:.0f} ms (last {inc[-1][0] * 1000:.0f}), "
        f"wall median {iw * 1000:.0f} ms"
    )
    print(
        f"full decision:     CPU median {fc * 1000:.0f} ms (last {full[-1][0] * 1000:.0f}), "
        f"wall median {fw * 1000:.0f} ms"
    )
    print(f"ratio (server's / full): CPU {ic / fc:.2f}, wall {iw / fw:.2f}; equal at every HEAD")


if __name__ == "__main__":
    main()
