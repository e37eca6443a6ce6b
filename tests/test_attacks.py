"""Issue 11's attacks, each built with plain git and files in a temp repository by one insider
(an author with write access and their own clone), each asserting the refusal.

One test per attack family, named ``test_attack_<n>_<what>`` after the families of
``docs/trust-chain/design.md``; ``docs/trust-chain/attacks/README.md`` says which test covers
which family (the shell reproductions it held are deleted).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
import yaml
from conftest import author_env, commit_all, git
from releasing import (
    SECTIONS,
    approve_all,
    demo_key,
    entry,
    fill_figures,
    ready_to_release,
    releaser_key,
)
from signoff_support import make_keys, section_file

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
    released = cli("release", report_dir, "--key", releaser_key())
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


def _sign(cli, report_dir: Path, who: str, *scope: str, reject: bool = False):
    args = ["signoff", report_dir, *scope, "--as", who, "--key", demo_key(who)]
    done = cli(*args, *(["--reject", "-m", "数据错"] if reject else []))
    assert done.code == 0, done.err
    return done


def _approved_then_rejected(cli, repo: Path, report_dir: Path) -> str:
    """Everything approved, then deputy head 2 rejects situation; returns the reject's path."""
    fill_figures(report_dir)
    commit_all(repo, "fill in the figures")
    for sid in SECTIONS:
        _sign(cli, report_dir, "deputy-head-1", "--section", sid)
    _sign(cli, report_dir, "party-secretary", "--report")
    assert cli("gate", report_dir).code == 0
    _sign(cli, report_dir, "deputy-head-2", "--section", "situation", reject=True)
    return git(repo, "log", "-1", "--name-only", "--format=").strip()


@pytest.mark.parametrize("how", ["rm", "rename to a dot-file", "merge -s ours"])
def test_attack_6_a_deleted_reject_still_counts(cli, repo: Path, report_dir: Path, how: str):
    if how == "merge -s ours":  # the reject on a branch, merged away keeping main's tree
        fill_figures(report_dir)
        commit_all(repo, "fill in the figures")
        for sid in SECTIONS:
            _sign(cli, report_dir, "deputy-head-1", "--section", sid)
        _sign(cli, report_dir, "party-secretary", "--report")
        git(repo, "checkout", "-q", "-b", "review")
        _sign(cli, report_dir, "deputy-head-2", "--section", "situation", reject=True)
        path = git(repo, "log", "-1", "--name-only", "--format=").strip()
        git(repo, "checkout", "-q", "main")
        git(repo, "commit", "-q", "--allow-empty", "-m", "wip")
        git(repo, "merge", "-q", "-s", "ours", "--no-edit", "review")
    else:
        path = _approved_then_rejected(cli, repo, report_dir)
        if how == "rm":
            git(repo, "rm", "-q", path)
        else:
            git(repo, "mv", path, str(Path(path).parent / ".hidden"))
        commit_all(repo, "tidy up")
    assert not (repo / path).exists()
    gate = cli("gate", report_dir)
    assert gate.code == 1, gate.out
    assert "rejected by deputy-head-2: 数据错" in gate.out
    assert f"{path} was added in commit" in gate.out and "it still counts" in gate.out
    status = json.loads(cli("status", report_dir, "--format", "json").out)
    assert not status["approval"]["passed"]
    released = cli("release", report_dir, "--key", releaser_key())
    assert released.code == 1 and git(repo, "tag") == ""


def test_attack_7_a_record_dated_2999_does_not_outrank_a_later_reject(
    cli, repo: Path, report_dir: Path
) -> None:
    """Deputy head 1 signs an approval by hand dated 2999; deputy head 2 rejects later."""
    fill_figures(report_dir)
    commit_all(repo, "fill in the figures")
    blob = _section_blobs(report_dir)["situation"]

    def forged(when: str, commit_date: str | None = None) -> None:
        rec = ledger.SignoffRecord(
            "political-ecology", 2022, "section:situation", blob,
            git(repo, "rev-parse", "HEAD").strip(), "deputy-head-1", "approve", when,
        )  # fmt: skip
        rec = ledger.SignoffRecord(
            **{**rec.to_dict(), "signature": ledger.sign(rec.payload(), demo_key("deputy-head-1"))}
        )
        ledger.write_record(report_dir / "signoffs", rec)
        git(repo, "add", "-A")
        env = author_env("deputy-head-1")
        if commit_date:
            env |= {"GIT_COMMITTER_DATE": commit_date, "GIT_AUTHOR_DATE": commit_date}
        git(repo, "commit", "-q", "-m", "signoff", env=env)

    # 1. the plain forgery: its time is after the commit that added it
    forged("2999-01-01T00:00:00.000Z")
    gate = cli("gate", report_dir)
    assert "time 2999-01-01T00:00:00.000Z is after the commit that added it" in gate.out
    # 2. with the adding commit dated 2099 too the time passes, and the graph still decides
    forged("2099-01-02T00:00:00.000Z", "2099-01-02T00:00:00")
    _sign(cli, report_dir, "deputy-head-2", "--section", "situation", reject=True)
    verdict = json.loads(cli("gate", report_dir, "--format", "json").out)
    assert verdict["sections"]["situation"]["status"] == "rejected", verdict
    # 3. a reject and an approval that do not see each other (two branches): the reject wins
    git(repo, "checkout", "-q", "-b", "other")
    _sign(cli, report_dir, "deputy-head-1", "--section", "problems")
    git(repo, "checkout", "-q", "main")
    _sign(cli, report_dir, "deputy-head-2", "--section", "problems", reject=True)
    git(repo, "merge", "-q", "--no-edit", "other", env=author_env("office-director"))
    verdict = json.loads(cli("gate", report_dir, "--format", "json").out)
    assert verdict["sections"]["problems"]["status"] == "rejected", verdict


def _hand_signed(repo: Path, report_dir: Path, scope: str, fingerprint: str, who: str) -> str:
    """A record signed with the reviewer's own key and committed by them, as ``signoff``
    would write it had it not refused: it reviews HEAD and is dated now."""
    rec = ledger.SignoffRecord(
        "political-ecology", 2022, scope, fingerprint, git(repo, "rev-parse", "HEAD").strip(),
        who, "approve", ledger.now_utc(),
    )  # fmt: skip
    rec = ledger.SignoffRecord(
        **{**rec.to_dict(), "signature": ledger.sign(rec.payload(), demo_key(who))}
    )
    ledger.write_record(report_dir / "signoffs", rec)
    return commit_all(repo, "signoff (by hand)", who)


def test_attack_5_an_uncounted_approval_does_not_reset_separation_of_duties(
    cli, repo: Path, report_dir: Path
) -> None:
    """Deputy head 1 writes a point, signs their own approval by hand (it does not count),
    the office director changes one character, then deputy head 1 approves through the CLI."""
    fill_figures(report_dir)
    commit_all(repo, "fill in the figures")
    problems = section_file(report_dir, "problems")
    _append(problems, "四是副区长写的段落。")
    own = commit_all(repo, "problems: dh1 writes", "deputy-head-1")
    key = demo_key("deputy-head-1")
    refused = cli("signoff", report_dir, "--section", "problems", "--as", "deputy-head-1",
                  "--key", key)  # fmt: skip
    assert refused.code == 1 and "separation of duties" in refused.err
    _hand_signed(repo, report_dir, "section:problems", _section_blobs(report_dir)["problems"],
                 "deputy-head-1")  # fmt: skip
    verdict = json.loads(cli("gate", report_dir, "--format", "json").out)
    assert verdict["sections"]["problems"]["status"] == "pending", verdict
    assert any("deputy-head-1's approval does not count" in n
               for n in verdict["sections"]["problems"]["notes"])  # fmt: skip
    problems.write_text(problems.read_text("utf-8").replace("段落。", "段落!"), "utf-8")
    commit_all(repo, "problems: punctuation")
    refused = cli("signoff", report_dir, "--section", "problems", "--as", "deputy-head-1",
                  "--key", key)  # fmt: skip
    assert refused.code == 1, refused.out
    assert "deputy-head-1 may not approve section problems" in refused.err
    assert f"authored commit {own[:10]} since the last approved version" in refused.err
    for sid in ("preface", "situation", "measures"):
        _sign(cli, report_dir, "deputy-head-1", "--section", sid)
    assert cli("gate", report_dir).code == 1
    _sign(cli, report_dir, "deputy-head-2", "--section", "problems")  # the honest way
    _sign(cli, report_dir, "party-secretary", "--report")
    assert cli("gate", report_dir).code == 0


def test_attack_10_the_final_approver_may_not_approve_their_own_edit(
    cli, repo: Path, report_dir: Path
) -> None:
    """After v1 the party secretary adds a paragraph, deputy head 2 approves the section, and
    the party secretary gives the final approval, by the CLI and then by hand."""
    ready_to_release(cli, repo, report_dir)
    assert cli("release", report_dir, "--key", releaser_key()).code == 0
    _append(section_file(report_dir, "problems"), "四是书记加入的一段。")
    edit = commit_all(repo, "problems: the secretary's paragraph", "party-secretary")
    _sign(cli, report_dir, "deputy-head-2", "--section", "problems")
    refused = cli("signoff", report_dir, "--report", "--as", "party-secretary",
                  "--key", demo_key("party-secretary"))  # fmt: skip
    assert refused.code == 1, refused.out
    assert "party-secretary may not approve the report" in refused.err
    assert f"authored commit {edit[:10]} since the last approved report" in refused.err
    facts = approval.load_context(report_dir).facts
    _hand_signed(repo, report_dir, "report", facts.report_fingerprint, "party-secretary")
    gate = cli("gate", report_dir)
    assert gate.code == 1, gate.out
    assert "party-secretary's approval does not count" in gate.out
    assert "no eligible reviewer left for the report: party-secretary" in gate.out
    assert cli("release", report_dir, "--key", releaser_key()).code == 1
    from reportflow.cycle import todo

    _report, items = todo.gather(report_dir)
    assert not [i for i in items if i.kind == "final" and i.person == "party-secretary"], items


def test_a_dead_end_policy_is_named(cli, repo: Path, report_dir: Path) -> None:
    """Both deputy heads edited problems: nobody the policy names may approve it any more."""
    fill_figures(report_dir)
    commit_all(repo, "fill in the figures")
    problems = section_file(report_dir, "problems")
    _append(problems, "x")
    commit_all(repo, "dh1 edit", "deputy-head-1")
    _append(problems, "y")
    commit_all(repo, "dh2 edit", "deputy-head-2")
    for sid in ("preface", "situation", "measures"):
        _sign(cli, report_dir, "deputy-head-1", "--section", sid)
    gate = cli("gate", report_dir)
    assert gate.code == 1
    assert (
        "no eligible reviewer left for section problems: deputy-head-1 and deputy-head-2 "
        "authored changes since the last approved version" in gate.out
    ), gate.out
    assert "1 more approval" not in gate.out.split("problems", 1)[1].split("\n", 1)[0]
    refused = cli("signoff", report_dir, "--section", "problems", "--as", "deputy-head-2",
                  "--key", demo_key("deputy-head-2"))  # fmt: skip
    assert refused.code == 1 and "no eligible reviewer left" in refused.err, refused.err


def _forge_v1(repo: Path, report_dir: Path, tag: list[str]) -> None:
    """The office director gives himself every role, tags the commit as v1 with ``tag`` (the
    git arguments that make the tag) and writes a near-empty manifest for it (a1.sh)."""
    fill_figures(report_dir)
    path = report_dir / "report.yaml"
    text = path.read_text("utf-8").replace(
        "roles: [author]", "roles: [author, deputy-head, party-secretary]"
    )
    path.write_text(text.replace("separation_of_duties: true", "separation_of_duties: false"))
    commit_all(repo, "people: update")
    git(repo, *tag, "political-ecology/2022/v1", "-m", "manifest-sha256: x")
    forged = entry(repo, 1)
    forged.mkdir(parents=True)
    (forged / "manifest.json").write_text("{}\n")
    git(repo, "commit", "-q", "--allow-empty", "-m", "tidy")  # a child of the tagged commit


@pytest.mark.parametrize("signed", ["unsigned", "signed by an unlisted key"])
def test_attack_1_a_forged_tag_and_manifest_release_nothing(
    cli, repo: Path, report_dir: Path, tmp_path: Path, signed: str
) -> None:
    """a1.sh, the release part: with a forged v1 tag and a near-empty manifest in the
    archive, ``release`` refuses naming the tag instead of numbering v2 and chaining to it.
    (The gate part, the roster the forged tag picked, is the trust root's: slice S5.)"""
    if signed == "unsigned":
        tag = ["tag", "-a"]
    else:
        intruder = make_keys(tmp_path / "keys")["intruder"][0]
        tag = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={intruder}", "tag", "-s"]
    _forge_v1(repo, report_dir, tag)
    key = demo_key("office-director")
    for sid in SECTIONS:
        cli("signoff", report_dir, "--section", sid, "--as", "office-director", "--key", key)
    cli("signoff", report_dir, "--report", "--as", "office-director", "--key", key)
    tags_before = git(repo, "tag").split()
    released = cli("release", report_dir, "--key", key)
    assert released.code == 1, released.out
    assert "tag political-ecology/2022/v1 is not a valid release" in released.err
    reason = "no SSH signature" if signed == "unsigned" else "signed by a key not listed"
    assert reason in released.err, released.err
    assert "nothing was released" in released.err
    assert git(repo, "tag").split() == tags_before and not entry(repo, 2).exists()
    audit = cli("verify", report_dir)
    assert audit.code == 1
    failed = [ln for ln in audit.out.splitlines() if "✗" in ln]
    assert any("manifest is well-formed" in ln for ln in failed), audit.out


def test_attack_1_a_releaser_signed_tag_on_an_unapproved_commit_is_named(
    cli, repo: Path, report_dir: Path
) -> None:
    """The party secretary (a releaser) signs a v2 tag by hand (``git tag -s``) on a commit
    nobody approved. A releaser's signature says who tagged, not that the text was approved:
    the gate names the tag, while v1, which ``release`` made and backed with its release
    record, is not judged again."""
    ready_to_release(cli, repo, report_dir)
    assert cli("release", report_dir, "--key", releaser_key()).code == 0
    gate = cli("gate", report_dir)
    assert gate.code == 0 and "not a valid release" not in gate.out, gate.out
    _append(section_file(report_dir, "problems"), "\n未经审核的一句。\n")
    unapproved = commit_all(repo, "problems: a sentence nobody approved")
    message = f"political-ecology v2\n\nmanifest-sha256: {'0' * 64}"
    signing = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={releaser_key()}"]
    git(repo, *signing, "tag", "-s", "political-ecology/2022/v2", "-m", message)
    gate = cli("gate", report_dir)
    assert gate.code == 1
    assert (
        "tag political-ecology/2022/v2 is not a valid release: the report is not approved at "
        f"{unapproved[:10]}" in gate.out
    ), gate.out
    assert "political-ecology/2022/v1 is not a valid release" not in gate.out


def test_attack_1_release_does_not_chain_after_a_releasers_unapproved_version(
    cli, repo: Path, report_dir: Path
) -> None:
    """The party secretary makes a whole v2 by hand on an unapproved commit: a signed tag and
    a signed manifest (v1's, renumbered and chained) in the archive. Every signature is a
    releaser's, so only the approval at the tagged commit tells it apart: the next
    ``release`` refuses to number v3 after it."""
    from reportflow.release import anchors, release
    from reportflow.signoff import keys

    ready_to_release(cli, repo, report_dir)
    assert cli("release", report_dir, "--key", releaser_key()).code == 0
    _append(section_file(report_dir, "problems"), "\n未经审核的一句。\n")
    unapproved = commit_all(repo, "problems: a sentence nobody approved")
    v1 = entry(repo, 1)
    manifest = json.loads((v1 / "manifest.json").read_bytes())
    manifest.update(version=2, commit=unapproved, tag="political-ecology/2022/v2")
    manifest["previous"] = {
        "version": 1,
        "manifest_sha256": hashlib.sha256((v1 / "manifest.json").read_bytes()).hexdigest(),
    }
    data = release.manifest_bytes(manifest)
    forged = entry(repo, 2)
    forged.mkdir()
    (forged / "manifest.json").write_bytes(data)
    (forged / "manifest.sig").write_text(anchors.sign_manifest(data, keys.resolve(releaser_key())))
    message = f"political-ecology v2\n\nmanifest-sha256: {hashlib.sha256(data).hexdigest()}"
    signing = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={releaser_key()}"]
    git(repo, *signing, "tag", "-s", "political-ecology/2022/v2", "-m", message, unapproved)
    approve_all(cli, report_dir)
    released = cli("release", report_dir, "--key", releaser_key())
    assert released.code == 1, released.out
    err = " ".join(released.err.split())
    assert (
        "tag political-ecology/2022/v2 is not a valid release: the report is not approved at "
        f"{unapproved[:10]}" in err
    ), err
    assert "nothing was released" in err and not entry(repo, 3).exists()


def _try(cli, report_dir: Path, who: str, *scope: str):
    return cli("signoff", report_dir, *scope, "--as", who, "--key", demo_key(who))


def _commit_signed(repo: Path, message: str, env: dict[str, str], key: Path | None) -> str:
    git(repo, "add", "-A")
    signing = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}"] if key else []
    git(repo, *signing, "commit", "-q", *(["-S"] if key else []), "-m", message, env=env)
    return git(repo, "rev-parse", "HEAD").strip()


def test_attack_11_signed_commits_name_the_real_author(
    cli, repo: Path, report_dir: Path, tmp_path: Path
) -> None:
    """``policy.signed_commits: true`` (signed off as a roster change): deputy head 1 commits
    text under the office director's e-mails, signed with his own key, and may not approve
    it; an unsigned commit, or one signed by a key listed for nobody, leaves the text
    unapproved whoever signs it off; the office director's own signed commit is his."""
    fill_figures(report_dir)
    path = report_dir / "report.yaml"
    doc = yaml.safe_load(path.read_text("utf-8"))
    doc["policy"]["signed_commits"] = True
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    commit_all(repo, "policy: signed commits")
    done = _try(cli, report_dir, "party-secretary", "--roster")
    assert done.code == 0, done.err
    od = author_env("office-director")
    _append(section_file(report_dir, "problems"), "冒名的一句。")
    spoofed = _commit_signed(repo, "problems", od, demo_key("deputy-head-1"))
    refused = _try(cli, report_dir, "deputy-head-1", "--section", "problems")
    assert refused.code == 1, refused.out
    assert f"authored commit {spoofed[:10]} since the last approved version" in refused.err

    _append(section_file(report_dir, "situation"), "没有签名的一句。")
    unsigned = _commit_signed(repo, "situation", od, None)
    intruder = make_keys(tmp_path / "keys")["intruder"][0]
    _append(section_file(report_dir, "preface"), "陌生密钥签名的一句。")
    unknown = _commit_signed(repo, "preface", od, intruder)
    for sid, sha in (("situation", unsigned), ("preface", unknown)):
        refused = _try(cli, report_dir, "deputy-head-2", "--section", sid)
        assert refused.code == 1, refused.out
        err = " ".join(refused.err.split())
        assert f"section {sid} cannot be approved yet: commit {sha[:10]}" in err, err
        assert "is not signed by a key listed in people (policy.signed_commits: true)" in err
    data = json.loads(cli("gate", report_dir, "--format", "json").out)
    assert data["sections"]["situation"]["status"] == "pending"
    assert "policy.signed_commits" in data["sections"]["situation"]["still_needed"]

    _append(section_file(report_dir, "measures"), "办公室主任自己签名的一句。")
    _commit_signed(repo, "measures", od, demo_key("office-director"))
    done = _try(cli, report_dir, "deputy-head-1", "--section", "measures")
    assert done.code == 0, done.err
    data = json.loads(cli("gate", report_dir, "--format", "json").out)
    assert data["sections"]["measures"]["status"] == "approved", data["sections"]["measures"]


def _release_by_hand(repo: Path, version: int, commit: str, digest: str) -> None:
    """What a releaser can make without ``release``: an SSH-signed tag (``git tag -s`` with
    ``gpg.format=ssh``) and a release record signed with ``ssh-keygen -Y sign``, committed."""
    import subprocess

    name = f"political-ecology/2022/v{version}"
    signing = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={releaser_key()}"]
    message = f"political-ecology v{version}\n\nmanifest-sha256: {digest}"
    git(repo, *signing, "tag", "-s", name, "-m", message, commit)
    rec = ledger.SignoffRecord(
        "political-ecology", 2022, "release", f"sha256:{digest}", commit, "party-secretary",
        "approve", ledger.now_utc(), comment=f"released {name}", version=version,
    )  # fmt: skip
    signed = subprocess.run(
        ["ssh-keygen", "-q", "-Y", "sign", "-n", ledger.NAMESPACE, "-f", str(releaser_key())],
        input=rec.payload(), capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    folder = repo / "content" / "political-ecology" / "2022" / "signoffs"
    path = folder / f"hand-made-release-v{version}.json"
    path.write_text(json.dumps({**rec.to_dict(), "signature": signed}, ensure_ascii=False))
    commit_all(repo, f"release: v{version}", "party-secretary")


def test_attack_1_a_releasers_hand_made_tag_and_record_on_an_unapproved_commit_fail_the_gate(
    cli, repo: Path, report_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The party secretary (a releaser) tags a commit nobody approved as v2 and backs it with
    a release record, both signed with their own key by hand, as ``release`` would have made
    them had its gate passed. The text is approved afterwards, so HEAD passes; the gate still
    fails, naming v2 and its commit, in English and in Chinese."""
    ready_to_release(cli, repo, report_dir)
    assert cli("release", report_dir, "--key", releaser_key()).code == 0
    _append(section_file(report_dir, "problems"), "\n未经审核的一句。\n")
    unapproved = commit_all(repo, "problems: a sentence nobody approved yet")
    _release_by_hand(repo, 2, unapproved, hashlib.sha256(b"a manifest").hexdigest())
    approve_all(cli, report_dir)  # approved now, after the "release"
    gate = cli("gate", report_dir)
    assert gate.code == 1, gate.out
    assert (
        "tag political-ecology/2022/v2 is not a valid release: the report is not approved at "
        f"{unapproved[:10]}" in " ".join(gate.out.split())
    ), gate.out
    assert "political-ecology/2022/v1 is not a valid release" not in gate.out
    data = json.loads(cli("gate", report_dir, "--format", "json").out)
    assert data["passed"] is False and data["report_status"] == "approved", data
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    zh = cli("gate", report_dir)
    assert zh.code == 1
    said = f"标签 political-ecology/2022/v2 不是有效的发布：报告在 {unapproved[:10]} 未获批准"
    assert said in zh.out, zh.out


def test_a_release_made_by_release_passes_the_gate_at_head_and_after(
    cli, repo: Path, report_dir: Path
) -> None:
    """The other side: the newest version's approval is judged at its commit, and a version
    ``release`` made passes the gate right after the release (the same texts as HEAD) and
    after later work on the text (other texts at HEAD than at the tag)."""
    ready_to_release(cli, repo, report_dir)
    assert cli("release", report_dir, "--key", releaser_key()).code == 0
    gate = cli("gate", report_dir)
    assert gate.code == 0 and "not a valid release" not in gate.out, gate.out
    _append(section_file(report_dir, "problems"), "\n下一版的一句。\n")
    commit_all(repo, "problems: work towards v2")
    approve_all(cli, report_dir)
    gate = cli("gate", report_dir)
    assert gate.code == 0 and "not a valid release" not in gate.out, gate.out
    assert cli("release", report_dir, "--key", releaser_key()).code == 0
    gate = cli("gate", report_dir)
    assert gate.code == 0 and "not a valid release" not in gate.out, gate.out
