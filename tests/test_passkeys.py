"""Passkey approvals (issue 14): a WebAuthn assertion over the record's digest, stored in the
record, checked offline with the roster's public key like an SSH signature. Real repositories,
the real CLI for the roster sign-off, real P-256 signatures (``webauthn_support``)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from webauthn_support import UP, SoftAuthenticator

from reportflow.core.errors import Refused, SchemaError
from reportflow.signoff import approval, duties, enrol, ledger, passkeys, request, roster, websign
from reportflow.signoff.passkeys import Assertion


def enrolled(cli, keys, rdir: Path, person: str = "deputy-head-1") -> SoftAuthenticator:
    """A passkey for ``person`` registered into report.yaml and the roster change signed off
    by the final approver, as an office does it."""
    auth = SoftAuthenticator()
    enrol.register(rdir, person, auth.passkey(), f"{person} <{person}@example.gov.cn>")
    done = cli("signoff", rdir, "--roster", "--as", "party-secretary",
               "--key", keys["party-secretary"][0])  # fmt: skip
    assert done.code == 0, done.err
    return auth


def web_request(scope: str, person: str = "deputy-head-1", decision: str = "approve"):
    return request.Request(scope, person, decision, "同意。", channel="web",
                           signature_kind=passkeys.KIND)  # fmt: skip


def passkey_approval(rdir: Path, auth: SoftAuthenticator, scope: str = "section:situation"):
    ready = request.prepare(rdir, web_request(scope))
    assert ready.new
    assertion = auth.sign(passkeys.challenge(ready.record.payload()))
    return ready, websign.sign(ready.record, ready.judge, assertion)


def test_a_registered_passkey_waits_for_the_roster_signoff(keys, rdir: Path) -> None:
    auth = SoftAuthenticator()
    enrol.register(rdir, "deputy-head-1", auth.passkey(), "deputy-head-1 <d@example.gov.cn>")
    ctx = approval.load_context(rdir, "HEAD")
    assert enrol.state(ctx.in_force, ctx.candidate, "deputy-head-1") == {
        auth.credential_id: "pending"
    }
    ready = request.prepare(rdir, web_request("section:situation"))
    with pytest.raises(Refused, match="does not verify"):
        assertion = auth.sign(passkeys.challenge(ready.record.payload()))
        websign.sign(ready.record, ready.judge, assertion)


def test_a_passkey_approval_counts_and_verifies_from_git(cli, keys, rdir: Path) -> None:
    auth = enrolled(cli, keys, rdir)
    ctx = approval.load_context(rdir, "HEAD")
    assert enrol.state(ctx.in_force, ctx.candidate, "deputy-head-1") == {
        auth.credential_id: "in-force"
    }
    ready, record = passkey_approval(rdir, auth)
    path = request.commit_record(ready.ctx, rdir, record)
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["signature_kind"] == "webauthn" and stored["channel"] == "web"
    assert set(stored["signature"]) == {
        "credential_id", "authenticator_data", "client_data_json", "signature"
    }  # fmt: skip
    client = json.loads(passkeys.unb64url(stored["signature"]["client_data_json"]))
    payload = ledger.parse_file(path.read_bytes(), path.name).payload()
    assert passkeys.unb64url(client["challenge"]) == passkeys.challenge(payload)
    verdict = approval.evaluate_at(rdir).sections["situation"]
    assert verdict.status == "approved" and verdict.approvers == ("deputy-head-1",)
    gate = cli("gate", rdir, "--format", "json")
    assert json.loads(gate.out)["sections"]["situation"]["status"] == "approved", gate.out


def test_a_tampered_record_fingerprint_or_credential_is_refused(cli, keys, rdir: Path) -> None:
    auth = enrolled(cli, keys, rdir)
    _ready, record = passkey_approval(rdir, auth)
    listed = roster_keys(rdir)
    assert ledger.verify(record, listed) == "valid"
    assert ledger.verify(replace(record, comment="不同意。"), listed) == "invalid"
    assert ledger.verify(replace(record, fingerprint="0" * 40), listed) == "invalid"
    assert ledger.verify(replace(record, scope="section:problems"), listed) == "invalid"
    assert ledger.verify(replace(record, decision="reject"), listed) == "invalid"
    sig = record.signature
    assert isinstance(sig, Assertion)
    other = SoftAuthenticator()  # a key nobody approved, claiming the approved credential
    forged = replace(other.sign(passkeys.challenge(record.payload())),
                     credential_id=sig.credential_id)  # fmt: skip
    assert ledger.verify(replace(record, signature=forged), listed) == "invalid"
    unknown = replace(sig, credential_id=other.credential_id)
    assert ledger.verify(replace(record, signature=unknown), listed) == "invalid"
    assert ledger.verify(record, roster_keys(rdir, "deputy-head-2")) == "invalid"
    flipped = bytearray(passkeys.unb64url(sig.signature))
    flipped[-1] ^= 1
    bad = replace(sig, signature=passkeys.b64url(bytes(flipped)))
    assert ledger.verify(replace(record, signature=bad), listed) == "invalid"


def test_user_verification_rp_id_and_origin_are_required(cli, keys, rdir: Path) -> None:
    auth = enrolled(cli, keys, rdir)
    ready, record = passkey_approval(rdir, auth)
    listed = roster_keys(rdir)
    challenge = passkeys.challenge(record.payload())
    for assertion in (
        auth.sign(challenge, flags=UP),  # user present, not verified
        auth.sign(challenge, rp_id="evil.example"),
        auth.sign(challenge, origin="https://evil.example"),
    ):
        assert ledger.verify(replace(record, signature=assertion), listed) == "invalid"
    with pytest.raises(Refused):
        websign.sign(ready.record, ready.judge, auth.sign(challenge, flags=UP))


def test_the_policy_says_whose_passkeys_count(cli, keys, rdir: Path) -> None:
    auth = enrolled(cli, keys, rdir)
    _ready, record = passkey_approval(rdir, auth)
    eff = approval.load_context(rdir, "HEAD").in_force
    assert eff is not None
    verified = {record.digest: "valid"}
    assert duties.counts(record, eff, verified)
    ssh_only = replace(eff, policy=replace(eff.policy, kinds={"deputy-head-1": ("ssh",)}))
    assert not duties.counts(record, ssh_only, verified)
    assert ssh_only.policy.accepts("deputy-head-2", "webauthn")
    none_by_default = replace(eff, policy=replace(eff.policy, kinds={"default": ("ssh",)}))
    assert not none_by_default.policy.accepts("deputy-head-1", "webauthn")


def test_records_and_rosters_without_passkeys_keep_their_bytes(rdir: Path) -> None:
    rec = ledger.SignoffRecord("r", 2022, "report", "sha256:" + "0" * 64, "1" * 40, "a",
                               "approve", "2022-01-01T00:00:00.000Z")  # fmt: skip
    assert "signature_kind" not in rec.to_dict() and rec.kind == "unsigned"
    doc = {"people": {"a": {"name": "A", "keys": []}}, "policy": {"x": 1}}
    before = roster.digest_of(doc)
    pk = SoftAuthenticator().passkey()
    assert (
        roster.digest_of({**doc, "people": {"a": {"name": "A", "passkeys": [pk.to_doc()]}}})
        != before
    )
    assert before == "sha256:" + ledger.sha256(
        ledger.canonical(
            {"people": {"a": {"roles": [], "email": "", "keys": []}}, "policy": {"x": 1}}
        )
    )


def test_the_schema_refuses_a_passkey_record_in_disguise(cli, keys, rdir: Path) -> None:
    auth = enrolled(cli, keys, rdir)
    _ready, record = passkey_approval(rdir, auth)
    data = record.to_dict()
    assert ledger.parse_record(data, "ok.json") == replace(record, source="ok.json")
    with pytest.raises(SchemaError):
        ledger.parse_record({**data, "channel": "cli"}, "cli.json")
    with pytest.raises(SchemaError):
        ledger.parse_record({**data, "signature": "x"}, "string.json")
    without = {k: v for k, v in data.items() if k != "signature_kind"}
    with pytest.raises(SchemaError):
        ledger.parse_record(without, "no-kind.json")


def roster_keys(rdir: Path, person: str = "deputy-head-1") -> tuple[str, ...]:
    eff = approval.load_context(rdir, "HEAD").in_force
    assert eff is not None
    return eff.keys_of()[person]


def test_a_registration_never_commits_someone_elses_edit(rdir: Path) -> None:
    path = rdir / "report.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# an edit nobody reviewed\n", "utf-8")
    auth = SoftAuthenticator()
    with pytest.raises(Refused, match="uncommitted changes"):
        enrol.register(rdir, "deputy-head-1", auth.passkey(), "d <d@example.cn>")
    assert auth.credential_id not in path.read_text(encoding="utf-8")
    assert path.read_text(encoding="utf-8").endswith("# an edit nobody reviewed\n")
