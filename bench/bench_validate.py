"""Benchmark ``reportflow validate`` against markdownlint-cli2 on a 1,000-section report.

The synthetic report (about 1.7 MB of Chinese text) is built from the sample report's
paragraphs. Both tools lint the same section files in the same run; each is timed as a
subprocess (wall time, best of N) with its peak memory (``/usr/bin/time -f %M``, or
getrusage of the children). Also timed: a cold ``reportflow validate`` of the sample.

markdownlint-cli2 is installed once with npm into bench/.cache/node (not committed):
    npm install --prefix bench/.cache/node markdownlint-cli2@0.24
Run: python bench/bench_validate.py   (or make bench)
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "content" / "political-ecology" / "2022"
NODE_DIR = ROOT / "bench" / ".cache" / "node"
MDL = NODE_DIR / "node_modules" / ".bin" / "markdownlint-cli2"
SECTIONS = 1000
TARGET_BYTES = 1_700_000
RUNS = 5


def sample_paragraphs() -> list[str]:
    paras = []
    for path in sorted((SAMPLE / "sections").glob("*.md")):
        body = path.read_text("utf-8").split("---\n", 2)[2]
        paras += [p for p in body.split("\n\n") if p.strip()]
    return paras


def size_of(chunks: list[str]) -> int:
    return sum(len(c.encode("utf-8")) + 2 for c in chunks)


def build(dest: Path) -> int:
    """Write a 1,000-section report into ``dest``; return its size in bytes."""
    paras = sample_paragraphs()
    per_section = TARGET_BYTES // SECTIONS
    (dest / "sections").mkdir(parents=True)
    ids, total, k = [], 0, 0
    for n in range(SECTIONS):
        sid = f"s{n:04d}"
        chunks: list[str] = []
        while not chunks or total + size_of(chunks) < (n + 1) * per_section:
            chunks.append(paras[k % len(paras)])
            k += 1
        text = (
            f"---\nid: {sid}\ntitle: 第{n + 1}节\nowner: drafter\n---\n"
            + "\n\n".join(chunks)
            + "\n"
        )
        (dest / "sections" / f"{n:03d}-{sid}.md").write_text(text, "utf-8")
        ids.append(sid)
        total += len(text.encode("utf-8"))
    yaml = (
        "report: bench\nyear: 2022\ntitle: 基准报告\norganisation: 区政府\ntemplate: generic\n"
        "people:\n  drafter:\n    name: 起草人\nsections:\n" + "".join(f"- {i}\n" for i in ids)
    )
    (dest / "report.yaml").write_text(yaml, "utf-8")
    return total


def ensure_markdownlint() -> bool:
    if MDL.exists():
        return True
    npm = shutil.which("npm")
    if npm is None:
        return False
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "install", "--silent", "--prefix", str(NODE_DIR), "markdownlint-cli2@0.24"],
        check=False,
    )
    return MDL.exists()


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of one run of ``cmd``."""
    gnu_time = Path("/usr/bin/time")
    if gnu_time.exists():
        with tempfile.NamedTemporaryFile("r", suffix=".txt") as out:
            start = time.perf_counter()
            subprocess.run(
                [str(gnu_time), "-f", "%M", "-o", out.name, *cmd],
                cwd=cwd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
            wall = time.perf_counter() - start
            return wall, int(out.read().strip().splitlines()[-1]) / 1024
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def summarise(results: list[tuple[float, float]]) -> tuple[float, float, float]:
    """(best wall, median wall, peak MB)."""
    walls = [w for w, _ in results]
    return min(walls), statistics.median(walls), max(m for _, m in results)


def main() -> None:
    env_python = sys.executable
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    validate = [env_python, "-m", "reportflow", "validate", "--format", "json"]
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "bench" / "2022"
        size = build(report)
        print(f"synthetic report: {SECTIONS} sections, {size / 1e6:.2f} MB")
        have_mdl = ensure_markdownlint()
        # Interleaved, so that both tools meet the same machine load.
        rf_runs, mdl_runs = [], []
        for _ in range(RUNS):
            rf_runs.append(timed([*validate, str(report)]))
            if have_mdl:
                mdl_runs.append(timed([str(MDL), "sections/*.md"], cwd=report))
        rf = summarise(rf_runs)
        print(
            f"reportflow validate --format json: best {rf[0]:.2f} s, median {rf[1]:.2f} s, "
            f"peak {rf[2]:.0f} MB"
        )
        if have_mdl:
            mdl = summarise(mdl_runs)
            print(
                f"markdownlint-cli2:                 best {mdl[0]:.2f} s, median {mdl[1]:.2f} s, "
                f"peak {mdl[2]:.0f} MB"
            )
            print(
                f"ratio reportflow / markdownlint-cli2: best {rf[0] / mdl[0]:.2f}, "
                f"median {rf[1] / mdl[1]:.2f} (goal <= 0.5)"
            )
        else:
            print("markdownlint-cli2 not available (npm missing or offline): no ratio")
    cold = summarise([timed([*validate[:-2], str(SAMPLE)]) for _ in range(10)])
    print(
        f"cold reportflow validate (sample, text): best {cold[0]:.2f} s, median {cold[1]:.2f} s, "
        f"peak {cold[2]:.0f} MB (goal <= 0.5 s)"
    )
    bare = summarise([timed([env_python, "-c", "import typer, rich.console"]) for _ in range(10)])
    print(f"  of which python + import typer, rich: best {bare[0]:.2f} s")


if __name__ == "__main__":
    main()
