"""Paired gate timing: this checkout's ``reportflow gate`` against another checkout's on one
repository, interleaved with the ``git log --name-only`` baseline, median of N rounds.

On a machine shared with other jobs, two benchmark runs minutes apart differ by more than a
change costs; interleaving the two codes round by round on the same repository shows the
change's own cost. Build the repository once with ``bench_gate.build`` (printing its pin):

    python bench/compare_gate.py <repo> <report folder> <pin> <other checkout> [rounds]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    repo, folder, pin, other = sys.argv[1:5]
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 15
    base = {**os.environ, "REPORTFLOW_TRUST": pin, "PYTHONDONTWRITEBYTECODE": "1"}
    gate = [sys.executable, "-m", "reportflow", "gate", folder]
    cases = {
        "git log --name-only": (["git", "log", "--name-only"], base),
        "gate, this checkout": (gate, {**base, "PYTHONPATH": str(ROOT)}),
        f"gate, {other}": (gate, {**base, "PYTHONPATH": other}),
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(rounds):
        for name, (cmd, env) in cases.items():
            start = time.perf_counter()
            subprocess.run(cmd, cwd=repo, env=env, capture_output=True, check=False)
            times[name].append(time.perf_counter() - start)
    med = {k: statistics.median(v) for k, v in times.items()}
    baseline = med["git log --name-only"]
    for name, value in med.items():
        print(f"{name:40s} {value:6.3f} s  {value / baseline:5.2f}x")
    print(f"load average: {os.getloadavg()[0]:.2f} (median of {rounds} rounds)")


if __name__ == "__main__":
    main()
