"""Release overhead and verify speed.

1. Release of the sample report against the sum of its parts run directly in the same run:
   `reportflow render` (docx, pdf, html) + `git archive` + `git bundle create` (history.bundle)
   + the three signatures a release makes
   (`ssh-keygen -Y sign` of the manifest, `git tag -s` with gpg.format=ssh, the release
   record's `ssh-keygen -Y sign`) + `git commit` of the release record. Goal: ratio <= 1.2.
2. `reportflow verify --all` over 50 released versions. Goal: <= 5 s.
3. `reportflow verify --rebuild` of the sample (re-render the archived sources, compare the
   PDF byte for byte) against the release in the same round. Goal: ratio <= 2.

Run: .venv/bin/python bench/bench_release.py [--versions 50]
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYS = ROOT / "demo" / "keys"
PEOPLE = {
    "office-director": ("区政府办公室主任", "office-director@example.gov.cn"),
    "deputy-head-1": ("常务副区长", "deputy-head-1@example.gov.cn"),
    "deputy-head-2": ("副区长", "deputy-head-2@example.gov.cn"),
    "party-secretary": ("区政府党组书记", "party-secretary@example.gov.cn"),
}
SECTIONS = ("preface", "situation", "problems", "measures")


@functools.cache
def _demo_pin() -> str:
    from reportflow.signoff import trust

    return trust.parse((ROOT / "demo" / "trust" / "root-v1.json").read_bytes(), "root").digest


def env_for(person: str) -> dict[str, str]:
    name, email = PEOPLE[person]
    return {
        **os.environ,
        "REPORTFLOW_TRUST": _demo_pin(),
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def sh(*args: str, cwd: Path, person: str = "office-director") -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env_for(person), capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed: {done.stderr.strip()}")
    return time.perf_counter() - start


def rf(*args: str, cwd: Path, person: str = "office-director") -> float:
    return sh(sys.executable, "-m", "reportflow", *args, cwd=cwd, person=person)


def setup(work: Path) -> Path:
    sh("git", "init", "-q", "-b", "main", ".", cwd=work)
    report = work / "content" / "political-ecology" / "2022"
    shutil.copytree(ROOT / "content" / "political-ecology" / "2022", report)
    for path in (report / "sections").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(r"\*\*\*", "12").replace(r"\*\*", "某"), encoding="utf-8")
    sh("git", "add", "-A", cwd=work)
    sh("git", "commit", "-qm", "report", cwd=work)
    # the demo trust root and its approval of the first roster (as make demo does)
    (work / "trust").mkdir()
    shutil.copy(ROOT / "demo" / "trust" / "root-v1.json", work / "trust" / "root-v1.json")
    sh("git", "add", "trust", cwd=work, person="party-secretary")
    sh("git", "commit", "-qm", "trust: the demo root v1", cwd=work, person="party-secretary")
    for member in ("party-secretary", "office-director"):
        rf("trust", "approve-roster", str(report), "--as", member, "--key", key(member, work),
           cwd=work, person=member)  # fmt: skip
    return report


def key(person: str, work: Path) -> str:
    """ssh-keygen refuses private keys others can read; git checks them out 0644."""
    path = work.parent / "keys" / person
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        shutil.copy(KEYS / person, path)
        path.chmod(0o600)
    return str(path)


def approve(report: Path, work: Path, reviewer: str) -> None:
    for sid in SECTIONS:
        rf(
            "signoff",
            str(report),
            "--section",
            sid,
            "--as",
            reviewer,
            "--key",
            key(reviewer, work),
            cwd=work,
            person=reviewer,
        )
    rf(
        "signoff",
        str(report),
        "--report",
        "--as",
        "party-secretary",
        "--key",
        key("party-secretary", work),
        cwd=work,
        person="party-secretary",
    )


def overhead_round(work: Path) -> tuple[dict[str, float], float, float]:
    report = setup(work)
    approve(report, work, "deputy-head-1")
    out = work / "parts"
    releaser = key("party-secretary", work)
    parts = {
        "render": rf("render", str(report), "--to", "docx,pdf,html", "--out", str(out), cwd=work),
        "git archive": sh(
            "git",
            "archive",
            "--format=tar.gz",
            "-o",
            str(out / "s.tar.gz"),
            "HEAD",
            "--",
            "content/political-ecology/2022",
            cwd=work,
        ),
        # history.bundle (release/bundle.py): v1's holds the whole history
        "git bundle": sh(
            "git", "bundle", "create", "-q", str(out / "h.bundle"), "HEAD", cwd=work
        ),
        "sign manifest": sh(
            "ssh-keygen", "-q", "-Y", "sign", "-n", "reportflow-manifest",
            "-f", releaser, str(out / "report.pdf"), cwd=work,
        ),
        "git tag -s": sh(
            "git", "-c", "gpg.format=ssh", "-c", f"user.signingkey={releaser}",
            "tag", "-s", "bench-tag", "-m", "x", "HEAD", cwd=work,
        ),
        "sign record": sh(
            "ssh-keygen", "-q", "-Y", "sign", "-n", "reportflow-signoff",
            "-f", releaser, str(out / "s.tar.gz"), cwd=work,
        ),
        "git commit": sh(
            "git", "commit", "-q", "--allow-empty", "-m", "record", cwd=work
        ),
    }  # fmt: skip
    sh("git", "tag", "-d", "bench-tag", cwd=work)
    sh("git", "reset", "-q", "--hard", "HEAD~1", cwd=work)
    released = rf("release", str(report), "--key", releaser, cwd=work, person="party-secretary")
    rebuilt = rf("verify", str(report), "--rebuild", cwd=work)
    return parts, released, rebuilt


def overhead(work: Path, rounds: int) -> None:
    """Parts and release alternate in each round (a fresh approved repo each), median of all."""
    results = []
    for number in range(rounds):
        folder = work / f"r{number}"
        folder.mkdir()
        results.append(overhead_round(folder))
    for name in results[0][0]:
        print(f"  part {name:12s} {statistics.median(r[0][name] for r in results):6.2f} s")
    total = statistics.median(sum(r[0].values()) for r in results)
    released = statistics.median(r[1] for r in results)
    print(f"  sum of parts      {total:6.2f} s   (median of {rounds} rounds)")
    less = statistics.median(sum(v for k, v in r[0].items() if k != "git bundle") for r in results)
    released_median = statistics.median(r[1] for r in results)
    print(f"  parts less the bundle {less:6.2f} s   ratio {released_median / less:.2f}")
    print(f"  reportflow release {released:5.2f} s   ratio {released / total:.2f} (goal <= 1.2)")
    rebuilt = statistics.median(r[2] for r in results)
    print(
        f"  verify --rebuild  {rebuilt:6.2f} s   ratio to the release {rebuilt / released:.2f}"
        " (goal <= 2)"
    )


def many_versions(work: Path, count: int) -> None:
    report = setup(work)
    section = report / "sections" / "02-problems.md"
    for number in range(1, count + 1):
        if number > 1:
            section.write_text(section.read_text(encoding="utf-8") + f"\n补充{number}。\n", "utf-8")
            sh("git", "commit", "-qam", f"edit {number}", cwd=work)
        approve(report, work, "deputy-head-1" if number % 2 else "deputy-head-2")
        rf(
            "release", str(report), "--key", key("party-secretary", work), cwd=work,
            person="party-secretary",
        )  # fmt: skip
    seconds = rf("verify", str(report), "--all", cwd=work)
    log = sh("git", "log", "--name-only", cwd=work)
    print(
        f"  verify --all over {count} versions: {seconds:.2f} s (goal <= 5 s); "
        f"git log --name-only {log:.3f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("release overhead (sample report):")
        (Path(tmp) / "a").mkdir()
        overhead(Path(tmp) / "a", args.rounds)
        print(f"verify over {args.versions} versions:")
        (Path(tmp) / "b").mkdir()
        many_versions(Path(tmp) / "b", args.versions)


if __name__ == "__main__":
    main()
