"""The trust root (``signoff/trust.py``) and its pin (``signoff/pin.py``): version 1's
threshold, TUF rotation (old and new thresholds), forks, rollback, a missing root file, no pin;
the pure rules on hand-made root files with real ssh-keygen signatures, then the CLI in real
repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DEMO_PIN, commit_all, git, root_key
from signoff_support import make_keys

from reportflow.signoff import keys, trust

COMMIT = "c" * 40


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    return make_keys(tmp_path_factory.mktemp("root-keys"))


def _root(
    people, version: int, members, threshold: int, previous=None, created="t"
) -> trust.RootVersion:
    return trust.draft(
        version,
        {m: [people[m][1]] for m in members},
        threshold,
        created,
        previous=previous,
    )


def _signed(people, root: trust.RootVersion, *signers: str) -> trust.RootVersion:
    for member in signers:
        key = keys.resolve(people[member][0])
        sig = keys.sign(root.payload(), key, trust.NAMESPACE)
        root = trust.with_signature(root, trust.Signature(member, key.public, sig))
    return root


def _files(*roots: trust.RootVersion) -> list[trust.RootFile]:
    return [
        trust.RootFile(
            trust.file_name(r.version), f"{i:040x}", f"{i:040x}", trust.to_json(r).encode()
        )
        for i, r in enumerate(roots, 1)
    ]


A, B, C, D = "party-secretary", "office-director", "deputy-head-1", "deputy-head-2"


def test_version_1_needs_its_threshold(people) -> None:
    v1 = _root(people, 1, (A, B, C), 2)
    half = _signed(people, v1, A)
    found = trust.resolve(v1.digest, _files(half), COMMIT)
    assert found.root is None and "is not valid: 1 of 2 required signatures" in found.error
    forged = trust.with_signature(half, trust.Signature(B, people[B][1], half.signatures[0].sig))
    assert trust.resolve(v1.digest, _files(forged), COMMIT).root is None  # A's signature as B's
    both = _signed(people, v1, A, B)
    found = trust.resolve(v1.digest, _files(both), COMMIT)
    assert found.root is not None and found.root.version == 1 and found.error is None
    # signatures are outside the digest: signing does not change the pin
    assert both.digest == v1.digest


def test_signatures_collected_in_separate_commits_add_up(people) -> None:
    v1 = _root(people, 1, (A, B, C), 2)
    found = trust.resolve(v1.digest, _files(_signed(people, v1, A), _signed(people, v1, B)), COMMIT)
    assert found.root is not None


def test_rotation_needs_the_old_and_the_new_threshold(people) -> None:
    v1 = _signed(people, _root(people, 1, (A, B, C), 2), A, B)
    v2 = _root(people, 2, (C, D), 2, previous=v1.digest)
    only_new = trust.resolve(v1.digest, _files(v1, _signed(people, v2, C, D)), COMMIT)
    assert only_new.root.version == 1
    assert any("root-v2.json is not in effect yet" in n for n in only_new.notes)
    only_old = trust.resolve(v1.digest, _files(v1, _signed(people, v2, A, B)), COMMIT)
    assert only_old.root.version == 1
    full = trust.resolve(v1.digest, _files(v1, _signed(people, v2, A, B, C, D)), COMMIT)
    assert full.root.version == 2 and set(full.root.members) == {C, D}
    # a version 2 that does not name version 1 as previous is not a rotation of it
    stray = _signed(people, _root(people, 2, (C, D), 2, previous="sha256:" + "0" * 64), A, B, C, D)
    assert trust.resolve(v1.digest, _files(v1, stray), COMMIT).root.version == 1


def test_a_fork_is_refused(people) -> None:
    v1 = _signed(people, _root(people, 1, (A, B, C), 2), A, B)
    left = _signed(people, _root(people, 2, (A, B), 2, v1.digest, "left"), A, B)
    right = _signed(people, _root(people, 2, (A, C), 2, v1.digest, "right"), A, B, C)
    found = trust.resolve(v1.digest, _files(v1, left, right), COMMIT)
    assert found.root is None and "a fork of the trust root is refused" in found.error


def test_rollback_of_the_root_version_is_refused(people) -> None:
    v1 = _signed(people, _root(people, 1, (A, B, C), 2), A, B)
    v2 = _signed(people, _root(people, 2, (A, B), 2, v1.digest), A, B)
    assert trust.resolve(v1.digest, _files(v1, v2), COMMIT, seen=2).root.version == 2
    found = trust.resolve(v1.digest, _files(v1), COMMIT, seen=2)
    assert found.root is None
    assert "rollback: this machine saw trust root version 2" in found.error
    # pinned to version 2 directly (a machine that saw it): version 1 alone is not it
    assert "is not in the history" in trust.resolve(v2.digest, _files(v1), COMMIT).error


def test_wrong_pin_and_no_root_file_are_named(people) -> None:
    v1 = _signed(people, _root(people, 1, (A, B, C), 2), A, B)
    assert "trust/root-v1.json is missing" in trust.resolve(v1.digest, [], COMMIT).error
    other = "sha256:" + "1" * 64
    assert "the pinned trust root sha256:111" in trust.resolve(other, _files(v1), COMMIT).error


def test_malformed_and_misplaced_root_files_are_named(people) -> None:
    v1 = _signed(people, _root(people, 1, (A, B, C), 2), A, B)
    bad = trust.RootFile("trust/root-v2.json", "b" * 40, "b" * 40, b"{not json")
    misplaced = trust.RootFile("trust/root-v3.json", "d" * 40, "d" * 40, trust.to_json(v1).encode())
    found = trust.resolve(v1.digest, [*_files(v1), bad, misplaced], COMMIT)
    assert found.root is not None
    assert any("not a valid trust root file" in n for n in found.notes)
    assert any("trust/root-v3.json holds root version 1" in n for n in found.notes)


# --- the CLI, in real repositories --------------------------------------------------------------


def test_no_pin_refuses_gate_release_verify_and_status_says_unverified(
    cli, repo: Path, report_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REPORTFLOW_TRUST")
    for command in ("gate", "release", "verify"):
        done = cli(command, report_dir)
        assert done.code == 1, (command, done.out, done.err)
        assert "trust root not pinned: set REPORTFLOW_TRUST=sha256:" in done.err
    status = cli("status", report_dir, "--format", "json")
    assert status.code == 0, status.err
    assert json.loads(status.out)["approval"]["report_status"] == "unverified"
    assert cli("validate", report_dir).code in (0, 1)  # runs: findings, not a refusal
    signoff = cli("signoff", report_dir, "--section", "preface", "--as", "deputy-head-1")
    assert signoff.code == 1 and "trust root not pinned" in signoff.err
    # --trust on the command line is a pin
    gate = cli("gate", report_dir, "--trust", DEMO_PIN)
    assert gate.code == 1 and "not pinned" not in gate.out + gate.err
    monkeypatch.setenv("LANGUAGE", "zh")
    zh = cli("gate", report_dir)
    assert zh.code == 1 and "信任根" in zh.err


def test_a_pin_inside_the_repository_is_never_read(
    cli, repo: Path, report_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REPORTFLOW_TRUST")
    (repo / ".reportflow").mkdir()
    (repo / ".reportflow" / "trust.toml").write_text(f'root = "{DEMO_PIN}"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(repo))  # even a config folder inside it: no entry
    (repo / "reportflow").mkdir()
    (repo / "reportflow" / "trust.toml").write_text("# nothing here\n")
    commit_all(repo, "a pin inside the repository")
    assert "trust root not pinned" in cli("gate", report_dir).err


def test_the_pin_from_the_config_and_a_wrong_pin(
    cli, repo: Path, report_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REPORTFLOW_TRUST")
    done = cli("trust", "pin", DEMO_PIN, repo)
    assert done.code == 0, done.err
    config = Path.home() / ".config" / "reportflow" / "trust.toml"
    assert DEMO_PIN in config.read_text()
    gate = cli("gate", report_dir)
    assert gate.code == 1 and "not pinned" not in gate.err and "pending" in gate.out
    show = cli("trust", "show", repo)
    assert show.code == 0, show.err
    assert show.out.startswith(f"root: {DEMO_PIN} (version 1, threshold 2 of 3")
    assert "[repository.seen]\nroot_version = 1" in config.read_text()
    monkeypatch.setenv("REPORTFLOW_TRUST", "sha256:" + "2" * 64)  # the environment wins
    wrong = cli("gate", report_dir)
    assert wrong.code == 1 and "the pinned trust root sha256:222" in wrong.out
    monkeypatch.setenv("REPORTFLOW_TRUST", "not-a-digest")
    assert cli("gate", report_dir).code == 2


def test_a_deleted_root_file_still_counts_and_is_named(cli, repo: Path, report_dir: Path) -> None:
    git(repo, "rm", "-q", "trust/root-v1.json")
    commit_all(repo, "remove the trust root")
    gate = cli("gate", report_dir)
    assert gate.code == 1
    assert "trust/root-v1.json was added in commit" in gate.out and "append-only" in gate.out
    assert "pending" in gate.out  # the root still holds: the roster in force is still known


def test_trust_init_sign_show_rotate_round_trip(
    cli, people, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "office"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "start")
    members = [f"--member={m}={people[m][1]}" for m in (A, B, C)]
    made = cli("trust", "init", repo, *members, "--threshold", "2")
    assert made.code == 0, made.err
    digest = made.out.split("digest ")[1].split()[0]
    monkeypatch.setenv("REPORTFLOW_TRUST", digest)
    shown = cli("trust", "show", repo)
    assert shown.code == 1 and "0 of 2 required signatures" in shown.err
    wrong = cli("trust", "sign", repo, "--as", A, "--key", people[B][0])
    assert wrong.code == 1 and "is not a key of root member" in wrong.err
    for member in (A, B):
        signed = cli("trust", "sign", repo, "--as", member, "--key", people[member][0])
        assert signed.code == 0, signed.err
    shown = cli("trust", "show", repo)
    assert shown.code == 0, shown.err
    assert f"root: {digest} (version 1, threshold 2 of 3" in shown.out
    rotated = cli("trust", "rotate", repo, "--add", f"{D}={people[D][1]}", "--remove", C)
    assert rotated.code == 0, rotated.err
    for member in (A, B):  # old members (and new ones A, B): not yet D
        assert cli("trust", "sign", repo, "--as", member, "--key", people[member][0]).code == 0
    assert "version 2" in cli("trust", "show", repo).out  # A, B: both thresholds of 2
    assert git(repo, "log", "--format=%s").count("trust:") == 6
    assert root_key(A).exists()
