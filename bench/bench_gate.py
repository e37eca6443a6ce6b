"""Benchmark: ``reportflow gate`` on a large synthetic report vs ``git log --name-only``.

Builds (with ``git fast-import``, in a temporary folder) a report of 100 sections whose history
has 5,000 commits: 4,000 edits by drafters and 1,000 commits each adding one SSH-signed
sign-off record (ssh-keygen, ed25519). 899 records approve texts that were edited later
(stale), 100 approve each section's current text, one is the final approval. Then times, each
the median of 5 rounds (the cases interleaved within a round), every run a fresh process:
- ``git log --name-only`` over the whole repository (the baseline);
- ``reportflow gate`` (every signature the decision needs verified in every run: there is no
  verification cache, nothing on disk counts as evidence);
- ``approval.evaluate_at`` from ``python -c``, cold (the library without the CLI's start-up);
- cold with ``REPORTFLOW_VERIFIER=ssh-keygen`` (one ssh-keygen process per checked record).
Goal: gate <= 1 s cold and <= 3x the git log.

Run: ``python bench/bench_gate.py`` (``make bench`` runs every benchmark); ``--releases 20``
adds 20 releases as ``release`` leaves them (a signed tag and its release record each).
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportflow.signoff import keys as keyring  # noqa: E402
from reportflow.signoff import ledger, roster, trust  # noqa: E402

SECTIONS = 100
EDITS = 4000
RECORDS = 1000
REPORT, YEAR = "bench", 2022
FOLDER = f"content/{REPORT}/{YEAR}"
DRAFTERS = [f"drafter-{i}" for i in range(8)]
REVIEWERS = ["deputy-head-1", "deputy-head-2"]
PEOPLE = [*DRAFTERS, *REVIEWERS, "party-secretary"]


def make_keys(folder: Path) -> dict[str, tuple[Path, str]]:
    keys = {}
    for person in [*REVIEWERS, "party-secretary"]:
        path = folder / person
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", person, "-f", str(path)],
            check=True,
        )
        keys[person] = (path, " ".join(path.with_suffix(".pub").read_text().split()[:2]))
    return keys


def report_yaml(keys: dict[str, tuple[Path, str]]) -> bytes:
    lines = [
        f"report: {REPORT}",
        f"year: {YEAR}",
        "title: 基准测试报告",
        "organisation: 基准单位",
        "sections:",
        *[f"- s{i:03d}" for i in range(SECTIONS)],
        "people:",
    ]
    for person in PEOPLE:
        role = "deputy-head" if person in REVIEWERS else person.split("-")[0]
        role = "party-secretary" if person == "party-secretary" else role
        lines += [f"  {person}:", f"    name: {person}", f"    roles: [{role}]"]
        lines.append(f"    email: {person}@example.gov.cn")
        if person in keys:
            lines.append(f"    keys: [{keys[person][1]}]")
    lines += [
        "policy:",
        "  sections:",
        "    default: {approvals: 1, roles: [deputy-head]}",
        "  report: {approvals: 1, roles: [party-secretary]}",
    ]
    return ("\n".join(lines) + "\n").encode()


ROOT_MEMBERS = ("party-secretary", "deputy-head-1")  # the trust root, 2 of 2


def trust_root(keys: dict[str, tuple[Path, str]]) -> trust.RootVersion:
    """The benchmark's trust root (``trust/root-v1.json``), signed by both members."""
    root = trust.draft(1, {m: [keys[m][1]] for m in ROOT_MEMBERS}, 2, "2022-08-01T00:00:00Z")
    for member in ROOT_MEMBERS:
        key = keyring.resolve(keys[member][0])
        sig = keyring.sign(root.payload(), key, trust.NAMESPACE)
        root = trust.with_signature(root, trust.Signature(member, key.public, sig))
    return root


def section_text(i: int, edits: int) -> bytes:
    body = "".join(f"第{n}次修改：一是加强组织领导，二是压实工作责任。\n" for n in range(edits))
    return f"---\nid: s{i:03d}\ntitle: 第{i}部分\nowner: drafter-{i % 8}\n---\n{body}".encode()


def data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def commit(
    mark: int, who: str, when: int, message: str, files: dict[str, bytes], parent: str = ""
) -> bytes:
    """One fast-import commit; ``parent``: a commit id to continue from (a second import)."""
    out = [b"commit refs/heads/main\n", b"mark :%d\n" % mark]
    out.append(f"author {who} <{who}@example.gov.cn> {when} +0800\n".encode())
    out.append(f"committer {who} <{who}@example.gov.cn> {when} +0800\n".encode())
    out.append(data(message.encode()))
    if parent:
        out.append(f"from {parent}\n".encode())
    elif mark > 1:
        out.append(b"from :%d\n" % (mark - 1))
    for path, content in files.items():
        out.append(f"M 100644 inline {path}\n".encode() + data(content))
    return b"".join(out)


def build(repo: Path, keys: dict[str, tuple[Path, str]]) -> str:
    """The repository; returns the pin of its trust root."""
    rnd = random.Random(4)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    edits = [0] * SECTIONS
    when = 1_660_000_000
    root = trust_root(keys)
    first = {f"{FOLDER}/report.yaml": report_yaml(keys)}
    first[trust.file_name(1)] = trust.to_json(root).encode()
    first |= {f"{FOLDER}/sections/{i:03d}-s{i:03d}.md": section_text(i, 0) for i in range(SECTIONS)}
    stream = [commit(1, "drafter-0", when, "import", first)]
    history: list[tuple[int, int, str]] = []  # (mark, section, blob) after each edit
    for mark in range(2, EDITS + 1):
        i = rnd.randrange(SECTIONS)
        edits[i] += 1
        text = section_text(i, edits[i])
        when += 60
        path = f"{FOLDER}/sections/{i:03d}-s{i:03d}.md"
        stream.append(commit(mark, rnd.choice(DRAFTERS), when, f"s{i:03d}: edit", {path: text}))
        history.append((mark, i, ledger.blob_id(text)))
    current = {i: ledger.blob_id(section_text(i, edits[i])) for i in range(SECTIONS)}
    stale = [h for h in rnd.sample(history, RECORDS * 2) if h[2] != current[h[1]]]
    plan = [(f"section:s{i:03d}", b, rnd.choice(REVIEWERS)) for _, i, b in stale]
    plan = plan[: RECORDS - SECTIONS - 1]
    plan += [(f"section:s{i:03d}", current[i], rnd.choice(REVIEWERS)) for i in range(SECTIONS)]
    yaml_blob = ledger.blob_id(report_yaml(keys))
    order = [(f"s{i:03d}", current[i]) for i in range(SECTIONS)]
    plan.append(("report", ledger.report_fingerprint(yaml_blob, order), "party-secretary"))
    # the trust root approves the first roster (the genesis), as 'trust approve-roster' does
    genesis = roster.from_yaml(report_yaml(keys), "report.yaml")
    assert genesis is not None
    plan = [("roster", genesis.digest, m) for m in ROOT_MEMBERS] + plan
    # Records name the commit their reviewer looked at, which must be in the history of the
    # commit that adds them: import the edits first, then the records on top of their tip.
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(stream), check=True)
    commit_id = subprocess.run(
        ["git", "rev-parse", "refs/heads/main"], cwd=repo, capture_output=True, text=True
    ).stdout.strip()
    stream = []

    def make(n_item: tuple[int, tuple[str, str, str]]) -> ledger.SignoffRecord:
        n, (scope, fp, who) = n_item
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when + 60 * (n + 1)))
        channel = "trust-root" if scope == "roster" else "cli"
        rec = ledger.SignoffRecord(
            REPORT, YEAR, scope, fp, commit_id, who, "approve", f"{stamp}.000Z", channel
        )
        return ledger.SignoffRecord(
            **{**rec.to_dict(), "signature": ledger.sign(rec.payload(), keys[who][0])}
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        records = list(pool.map(make, enumerate(plan)))
    for n, rec in enumerate(records):
        mark = EDITS + 1 + n
        path = f"{FOLDER}/signoffs/{ledger.file_name(rec)}"
        stream.append(
            commit(
                mark,
                rec.reviewer,
                when + 60 * (n + 1),
                "signoff",
                {path: ledger.to_json(rec).encode()},
                commit_id if n == 0 else "",
            )
        )
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=repo, check=True)
    return root.digest


def add_releases(repo: Path, keys: dict[str, tuple[Path, str]], count: int) -> None:
    """``count`` releases as ``release`` leaves them in the repository, one after the other
    on the approved report at the end of the history: an SSH-signed tag by the releaser
    (party-secretary) on the commit released, then its signed release record committed in
    the ledger (the next release's commit). The gate checks every tag's signature, finds its
    release record, and judges the newest one's approval at its commit from HEAD's context
    (``signoff/narrow.py``). (The archive entries are not made: the gate does not read the
    archive.)"""
    import hashlib

    from reportflow.core import gitio
    from reportflow.release import anchors

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, check=True, capture_output=True, text=True, env=env
        ).stdout

    who = {"NAME": "party-secretary", "EMAIL": "party-secretary@example.gov.cn"}
    env = {
        **os.environ,
        **{f"GIT_{r}_{k}": v for r in ("AUTHOR", "COMMITTER") for k, v in who.items()},
    }
    signing = keyring.resolve(keys["party-secretary"][0])
    handle = gitio.require_repo(repo)
    folder = repo / FOLDER / "signoffs"
    for n in range(1, count + 1):
        commit_id = git("rev-parse", "HEAD").strip()
        digest = hashlib.sha256(f"manifest v{n}".encode()).hexdigest()
        name = f"{REPORT}/{YEAR}/v{n}"
        message = f"{REPORT} {YEAR} v{n}\n\nmanifest-sha256: {digest}\n"
        tagger = f"party-secretary <party-secretary@example.gov.cn> {1_700_000_000 + n} +0800"
        obj = anchors.tag_object(commit_id, name, tagger, message)
        gitio.create_tag_object(handle, name, anchors.sign_tag(obj, signing))
        rec = ledger.SignoffRecord(
            REPORT, YEAR, "release", f"sha256:{digest}", commit_id, "party-secretary",
            "approve", f"2023-11-14T22:13:{n:02d}.000Z", comment=f"released {name}", version=n,
        )  # fmt: skip
        signed = ledger.SignoffRecord(
            **{**rec.to_dict(), "signature": ledger.sign(rec.payload(), signing)}
        )
        path = ledger.write_record(folder, signed)
        git("add", str(path))
        git("commit", "-q", "-m", f"release: v{n}")


def once(cmd: list[str], cwd: Path, env: dict[str, str], before=None) -> float:
    if before:
        before()
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed: {proc.stderr.decode()}")
    return elapsed


def rounds(cases: dict[str, tuple], cwd: Path, count: int = 5) -> dict[str, float]:
    """Median per case over ``count`` rounds, the cases interleaved within each round so that
    a busy moment of the machine hits all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(count):
        for name, (cmd, env, before) in cases.items():
            times[name].append(once(cmd, cwd, env, before))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="reportflow-bench-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "keys").mkdir()
        keys = make_keys(tmp_path / "keys")
        repo = tmp_path / "repo"
        start = time.perf_counter()
        pin = build(repo, keys)
        releases = (
            int(sys.argv[sys.argv.index("--releases") + 1]) if "--releases" in sys.argv else 0
        )
        if releases:
            add_releases(repo, keys, releases)
        built = time.perf_counter() - start
        count = subprocess.run(
            ["git", "rev-list", "--count", "HEAD"], cwd=repo, capture_output=True, text=True
        ).stdout.strip()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "REPORTFLOW_TRUST": pin}
        gate = [sys.executable, "-m", "reportflow", "gate", FOLDER]
        check = subprocess.run(gate, cwd=repo, env=env, capture_output=True, text=True)
        passed = check.returncode == 0
        lib = [
            sys.executable,
            "-c",
            "import sys; from reportflow.signoff import approval; "
            f"sys.exit(0 if approval.evaluate_at('{FOLDER}').passed else 1)",
        ]
        env_sk = {**env, "REPORTFLOW_VERIFIER": "ssh-keygen"}

        got = rounds(
            {
                "git_log": (["git", "log", "--name-only"], env, None),
                "cold": (gate, env, None),
                "lib_cold": (lib, env, None),
                "cold_sk": (gate, env_sk, None),
                "py": ([sys.executable, "-c", "import reportflow.commands.cli"], env, None),
            },
            repo,
        )
        git_log, cold = got["git_log"], got["cold"]
        lib_cold, cold_sk, py = got["lib_cold"], got["cold_sk"], got["py"]
        print(
            f"repo: {SECTIONS} sections, {count} commits, {RECORDS} signed records, "
            f"{releases} releaser-signed release tags (built in {built:.1f} s)"
        )
        print(f"gate verdict: {'approved' if passed else 'NOT approved'} (exit {check.returncode})")
        print(f"git log --name-only            {git_log:6.3f} s   (baseline)")
        print(f"reportflow gate, cold          {cold:6.3f} s   ratio {cold / git_log:5.2f}x")
        print(
            f"approval.evaluate_at, cold     {lib_cold:6.3f} s   ratio {lib_cold / git_log:5.2f}x"
        )
        print(f"gate cold, ssh-keygen verifier {cold_sk:6.3f} s   ratio {cold_sk / git_log:5.2f}x")
        print(
            f"python -c 'import reportflow.commands.cli' {py:6.3f} s (interpreter start-up floor)"
        )
        print(f"load average during the run: {os.getloadavg()[0]:.2f} (2 cores)")
        goal = cold <= 1.0 and cold <= 3 * git_log
        print(f"goal (cold <= 1 s and <= 3x git log): {'met' if goal else 'NOT met'}")


if __name__ == "__main__":
    main()
