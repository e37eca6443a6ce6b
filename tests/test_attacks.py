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
from conftest import commit_all, git
from releasing import SECTIONS, entry, fill_figures

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
