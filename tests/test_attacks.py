"""Issue 11's attacks, each built with plain git and files in a temp repository by one insider
(an author with write access and their own clone), each asserting the refusal.

One test per attack family, named ``test_attack_<n>_<what>`` after the families of
``docs/trust-chain/design.md``; the reproductions in ``docs/trust-chain/attacks/`` move here
as their fixes land.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import yaml
from conftest import author_env, commit_all, git
from releasing import SECTIONS, demo_key, entry, fill_figures
from signoff_support import section_file

from reportflow.signoff import approval, ledger

GARBAGE = (
    "-----BEGIN SSH SIGNATURE-----\n"
    + base64.b64encode(b"garbage" * 10).decode()
    + "\n-----END SSH SIGNATURE-----\n"
)


def _forged(report_dir: Path, scope: str, fingerprint: str, who: str) -> ledger.SignoffRecord:
    """A record with a signature that verifies with nobody's key, as anyone can write one."""
    rec = ledger.SignoffRecord(
        "political-ecology",
        2022,
        scope,
        fingerprint,
        git(report_dir, "rev-parse", "HEAD").strip(),
        who,
        "approve",
        ledger.now_utc(),
        signature=GARBAGE,
    )
    ledger.write_record(report_dir / "signoffs", rec)
    return rec


def test_attack_9_a_poisoned_verification_cache_changes_nothing(
    cli, repo: Path, report_dir: Path
) -> None:
    """The office director writes approvals with garbage signatures and marks them "valid" in
    the verification cache of their clone, the way the old cache keyed them."""
    fill_figures(report_dir)
    commit_all(repo, "fill in the figures")
    doc = yaml.safe_load((report_dir / "report.yaml").read_text("utf-8"))
    forged = [
        _forged(report_dir, f"section:{sid}", blob, "deputy-head-1")
        for sid, blob in _section_blobs(report_dir).items()
    ]
    facts = approval.load_context(report_dir).facts
    forged.append(_forged(report_dir, "report", facts.report_fingerprint, "party-secretary"))
    cache = repo / ".git" / "reportflow" / "verified.json"
    cache.parent.mkdir(parents=True, exist_ok=True)
    entries = {}
    for rec in forged:
        keys = sorted(" ".join(k.split()[:2]) for k in doc["people"][rec.reviewer]["keys"])
        entries[hashlib.sha256((rec.digest + "\n" + "\n".join(keys)).encode()).hexdigest()] = (
            "valid"
        )
    cache.write_text(json.dumps(entries), "utf-8")
    commit_all(repo, "approvals")

    gate = cli("gate", report_dir)
    assert gate.code == 1, gate.out
    assert "signature does not verify with the keys listed for deputy-head-1" in gate.out
    released = cli("release", report_dir)
    assert released.code == 1 and "not approved" in released.err
    assert git(repo, "tag") == "" and not entry(repo, 1).exists()


def _section_blobs(report_dir: Path) -> dict[str, str]:
    out = {}
    for sid in SECTIONS:
        (path,) = (report_dir / "sections").glob(f"*-{sid}.md")
        rel = path.relative_to(report_dir.parents[2]).as_posix()
        out[sid] = git(report_dir, "rev-parse", f"HEAD:{rel}").strip()
    return out


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text("utf-8") + f"\n{text}\n", "utf-8")


def _two_branches(repo: Path, report_dir: Path) -> tuple[Path, Path]:
    """Figures filled in; on ``side`` the office director adds to problems, on main to
    situation. Returns (problems, situation)."""
    fill_figures(report_dir)
    commit_all(repo, "fill in the figures")
    problems, situation = (section_file(report_dir, s) for s in ("problems", "situation"))
    git(repo, "checkout", "-q", "-b", "side")
    _append(problems, "补充一句。")
    commit_all(repo, "problems: one more sentence")
    git(repo, "checkout", "-q", "main")
    _append(situation, "补充二句。")
    commit_all(repo, "situation: two more sentences")
    return problems, situation


def test_attack_4_text_added_in_a_merge_is_the_mergers(cli, repo: Path, report_dir: Path) -> None:
    """Deputy head 1 merges the office director's branch and types a point of their own into
    the merge commit (in neither parent), then approves the section."""
    problems, _ = _two_branches(repo, report_dir)
    dh1 = author_env("deputy-head-1")
    git(repo, "merge", "-q", "--no-ff", "--no-commit", "side", env=dh1)
    _append(problems, "副区长在合并时加入了这句话。")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Merge branch side", env=dh1)
    merge = git(repo, "rev-parse", "HEAD").strip()

    key = demo_key("deputy-head-1")
    refused = cli("signoff", report_dir, "--section", "problems", "--as", "deputy-head-1",
                  "--key", key)  # fmt: skip
    assert refused.code == 1, refused.out
    assert f"authored commit {merge[:10]}" in refused.err
    assert "separation of duties" in refused.err
    # the merge joined situation's two versions without text of its own: not dh1's change
    fine = cli("signoff", report_dir, "--section", "situation", "--as", "deputy-head-1",
               "--key", key)  # fmt: skip
    assert fine.code == 0, fine.err
    owners = cli("owners", report_dir)
    assert owners.code == 1
    assert f"{merge[:10]} deputy-head-1 changed section problems" in owners.out
    status = json.loads(cli("status", report_dir, "--format", "json").out)
    (row,) = [s for s in status["sections"] if s["id"] == "problems"]
    assert "deputy-head-1" in row["contributors"]


def test_a_clean_merge_by_a_reviewer_is_not_their_change(cli, repo: Path, report_dir: Path):
    """The control of attack 4: merging two drafts adds nothing of the merger's."""
    _two_branches(repo, report_dir)
    git(repo, "merge", "-q", "--no-ff", "side", "-m", "Merge", env=author_env("deputy-head-1"))
    done = cli("signoff", report_dir, "--section", "problems", "--as", "deputy-head-1",
               "--key", demo_key("deputy-head-1"))  # fmt: skip
    assert done.code == 0, done.err
    assert cli("owners", report_dir).code == 0


def test_attack_11_the_committer_changed_the_text_too(cli, repo: Path, report_dir: Path) -> None:
    """Deputy head 1 commits new text under the office director's name as author, then
    approves it: the committer (or a Co-authored-by trailer) is an author as well."""
    fill_figures(report_dir)
    commit_all(repo, "fill in the figures")
    problems = section_file(report_dir, "problems")
    _append(problems, "副区长以他人名义写了这句话。")
    git(repo, "add", "-A")
    spoof = {**author_env("deputy-head-1"), **{
        k: v for k, v in author_env("office-director").items() if k.startswith("GIT_AUTHOR")
    }}  # fmt: skip
    git(repo, "commit", "-q", "-m", "problems", env=spoof)
    sha = git(repo, "rev-parse", "HEAD").strip()
    assert git(repo, "log", "-1", "--format=%ae %ce").split() == [
        "office-director@example.gov.cn",
        "deputy-head-1@example.gov.cn",
    ]
    refused = cli("signoff", report_dir, "--section", "problems", "--as", "deputy-head-1",
                  "--key", demo_key("deputy-head-1"))  # fmt: skip
    assert refused.code == 1
    assert f"authored commit {sha[:10]}" in refused.err and "separation of duties" in refused.err

    _append(problems, "另一位副区长与办公室主任合写了这句话。")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "problems: point 5",
        "-m", "Co-authored-by: 副区长 <Deputy-Head-2@example.gov.cn>")  # fmt: skip
    refused = cli("signoff", report_dir, "--section", "problems", "--as", "deputy-head-2",
                  "--key", demo_key("deputy-head-2"))  # fmt: skip
    assert refused.code == 1 and "separation of duties" in refused.err
