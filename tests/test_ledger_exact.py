"""The ledger's answers stated exactly, in the test process (issue 17, the ledger's survivors):
a passkey record through every verifier, an SSH signature over a record that says it is a
passkey's, a server-attested record carrying an assertion, the second of two listed keys, and
the record's bytes, file name and parse errors word for word."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_ledger import record
from webauthn_support import SoftAuthenticator

from reportflow.core.errors import InputError, Refused, SchemaError, ToolError
from reportflow.signoff import ledger, passkeys
from reportflow.signoff.keys import resolve

VERIFIERS = ["inprocess", "ssh-keygen"]


def _with(rec: ledger.SignoffRecord, **changes) -> ledger.SignoffRecord:
    return dataclasses.replace(rec, **changes)  # keeps an Assertion an Assertion


def _passkey_record(auth: SoftAuthenticator, **changes) -> ledger.SignoffRecord:
    rec = record(signature_kind=passkeys.KIND, channel="web", **changes)
    return _with(rec, signature=auth.sign(passkeys.challenge(rec.payload())))


def _ssh_signed(rec: ledger.SignoffRecord, key: Path) -> ledger.SignoffRecord:
    """A genuine SSH signature over the record as it stands (whatever it says it is)."""
    bare = _with(rec, signature=None)
    return _with(bare, signature=ledger.sign(bare.payload(), key))


def _every_verdict(rec: ledger.SignoffRecord, keys: list[str]) -> list[str]:
    """The record's verdict through each way the ledger has to check it."""
    return [
        ledger.verify(rec, keys),
        ledger.verify_ssh_keygen(rec, keys),
        ledger.verify_many([rec], {rec.reviewer: keys})[rec.digest],
    ]


@pytest.mark.parametrize("verifier", VERIFIERS)
def test_a_passkey_approval_through_every_verifier(verifier, monkeypatch, keys) -> None:
    if verifier == "ssh-keygen":
        monkeypatch.setenv("REPORTFLOW_VERIFIER", "ssh-keygen")
    auth, other = SoftAuthenticator(), SoftAuthenticator()
    rec = _passkey_record(auth)
    mine = [keys["deputy-head-1"][1], auth.passkey().line()]
    assert _every_verdict(rec, mine) == ["valid"] * 3
    assert ledger.verify_inprocess(rec, mine) == "valid"
    assert ledger.verify_passkey(rec, mine) == "valid"
    assert _every_verdict(rec, [other.passkey().line()]) == ["invalid"] * 3
    assert _every_verdict(rec, [keys["deputy-head-1"][1]]) == ["invalid"] * 3
    edited = _with(rec, comment="改过")
    assert _every_verdict(edited, mine) == ["invalid"] * 3
    # the record file round trip gives the assertion back, and it still verifies
    back = ledger.parse_file(ledger.to_json(rec).encode(), "p.json")
    assert back == rec and back.source == "p.json" and back.signature == rec.signature
    assert back.digest == rec.digest and ledger.verify(back, mine) == "valid"
    assert rec.kind == "webauthn" and rec.to_dict()["signature"] == rec.signature.to_dict()


@pytest.mark.parametrize("verifier", VERIFIERS)
def test_an_ssh_signature_over_a_record_that_claims_another_kind(
    verifier, monkeypatch, keys
) -> None:
    """The signature is genuine, over these very bytes, by a listed key: but the record says it
    is a passkey's (or of a kind we do not know), so it is not an SSH approval."""
    if verifier == "ssh-keygen":
        monkeypatch.setenv("REPORTFLOW_VERIFIER", "ssh-keygen")
    key, public = keys["deputy-head-1"]
    for kind in (passkeys.KIND, "pgp"):
        dressed = _ssh_signed(record(signature_kind=kind), key)
        assert _every_verdict(dressed, [public]) == ["invalid"] * 3, kind
        assert ledger.verify_inprocess(dressed, [public]) == "invalid"
    plain = _ssh_signed(record(), key)  # the same signature without the claim is valid
    assert _every_verdict(plain, [public]) == ["valid"] * 3


def test_a_server_attested_record_never_carries_an_assertion(keys) -> None:
    auth = SoftAuthenticator()
    rec = record(signature_kind=passkeys.SERVER_KIND)
    rec = _with(rec, signature=auth.sign(passkeys.challenge(rec.payload())))
    listed = [passkeys.SERVER_PREFIX + keys["deputy-head-2"][1], auth.passkey().line()]
    assert ledger.verify_ssh_keygen(rec, listed) == "invalid"
    assert ledger.verify_inprocess(rec, listed) == "invalid"
    assert ledger.verify(rec, listed) == "invalid"
    # a passkey record with an SSH signature string is no passkey approval either
    assert ledger.verify_passkey(_ssh_signed(record(), keys["deputy-head-1"][0]), listed) == (
        "invalid"
    )


@pytest.mark.parametrize("verifier", VERIFIERS)
def test_the_second_of_two_listed_keys(verifier, monkeypatch, keys) -> None:
    if verifier == "ssh-keygen":
        monkeypatch.setenv("REPORTFLOW_VERIFIER", "ssh-keygen")
    rec = _ssh_signed(record(), keys["deputy-head-2"][0])
    both = [keys["deputy-head-1"][1], keys["deputy-head-2"][1]]
    assert _every_verdict(rec, both) == ["valid"] * 3
    assert _every_verdict(rec, both[:1]) == ["invalid"] * 3
    server = _ssh_signed(record(signature_kind=passkeys.SERVER_KIND), keys["deputy-head-2"][0])
    listed = [passkeys.SERVER_PREFIX + k for k in both]
    assert _every_verdict(server, listed) == ["valid"] * 3


def test_the_record_bytes_word_for_word() -> None:
    assert ledger.canonical({"b": [1, "é"], "a": None}) == '{"a":null,"b":[1,"é"]}'.encode()
    assert ledger.sha256(b"x") == hashlib.sha256(b"x").hexdigest()
    rec = record(version=3, scope="release")
    assert rec.to_dict() == {
        "report": "political-ecology", "year": 2022, "scope": "release",
        "fingerprint": "a" * 40, "commit": "c" * 40, "reviewer": "deputy-head-1",
        "decision": "approve", "time": "2023-01-05T08:30:12.345Z", "channel": "cli",
        "comment": "同意", "signature": None, "version": 3,
    }  # fmt: skip
    assert ledger.to_json(rec) == json.dumps(rec.to_dict(), ensure_ascii=False, indent=2,
                                             sort_keys=True) + "\n"  # fmt: skip
    assert ledger.to_json(rec).startswith('{\n  "channel": "cli",\n  "comment": "同意",\n')
    assert rec.payload() == ledger.canonical({k: v for k, v in rec.to_dict().items()
                                              if k != "signature"})  # fmt: skip
    assert rec.digest == ledger.sha256(ledger.canonical(rec.to_dict()))
    assert rec.order == (rec.time, rec.digest)
    assert (rec.kind, rec.section_id, record().section_id) == ("unsigned", None, "problems")
    assert ledger.section_scope("a:b") == "section:a:b"
    assert record(signature="x").kind == "ssh"
    assert record(signature="x", signature_kind=passkeys.SERVER_KIND).kind == "server-attested"


def test_file_names_and_an_existing_record(tmp_path: Path) -> None:
    rec = record()
    assert ledger.file_name(rec) == "20230105T083012345Z-deputy-head-1-section-problems.json"
    release = record(scope="release", version=2)
    assert ledger.file_name(release) == "20230105T083012345Z-deputy-head-1-release-v2.json"
    assert ledger.file_name(record(version=0)).endswith("-section-problems-v0.json")
    path = ledger.write_record(tmp_path / "new" / "signoffs", rec)
    assert path == tmp_path / "new" / "signoffs" / ledger.file_name(rec)
    assert path.read_text("utf-8") == ledger.to_json(rec)
    with pytest.raises(Refused) as err:
        ledger.write_record(tmp_path / "new" / "signoffs", _with(rec, comment="another"))
    assert err.value.message == "a sign-off record with this name exists already"
    assert (err.value.file, err.value.hint) == (str(path), "try again")
    assert path.read_text("utf-8") == ledger.to_json(rec)  # never overwritten


def test_parse_errors_word_for_word() -> None:
    with pytest.raises(SchemaError) as err:
        ledger.parse_record(["not", "an", "object"], "x.json")  # type: ignore[arg-type]
    assert str(err.value) == "x.json: a sign-off record must be a JSON object"
    with pytest.raises(InputError) as err:
        ledger.parse_file(b"\xff{}", "y.json")
    assert str(err.value) == "y.json: record file is not UTF-8"
    with pytest.raises(InputError) as err:
        ledger.parse_file(b'{\n"a": }', "z.json")
    assert (err.value.message, err.value.file, err.value.line) == (
        "not valid JSON: Expecting value",
        "z.json",
        2,
    )
    assert ledger.parse_or_problem(b"[]", "w.json") == (
        "w.json: a sign-off record must be a JSON object (ignored)"
    )
    data = record().to_dict()
    del data["comment"]
    parsed = ledger.parse_record(data, "v.json")
    assert (parsed.comment, parsed.version, parsed.signature_kind, parsed.source) == (
        "",
        None,
        None,
        "v.json",
    )
    assert ledger.parse_record(record(version=4, scope="release").to_dict(), "r").version == 4
    assert ledger.parse_or_problem(ledger.to_json(record()).encode(), "u.json") == _with(
        record(), source="u.json"
    )


def test_now_is_utc_to_the_millisecond() -> None:
    assert re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", ledger.now_utc())


def test_the_public_half_of_a_key_file(keys) -> None:
    key, public = keys["deputy-head-1"]
    assert ledger.public_key(key) == " ".join(public.split()[:2])


def test_the_in_process_verifier_answers_itself(keys) -> None:
    """``verify_inprocess`` gives the verdict, not None (None hands the record to ssh-keygen,
    which would hide a broken in-process check behind a slower right answer)."""
    key, public = keys["deputy-head-1"]
    good = _ssh_signed(record(), key)
    assert ledger.verify_inprocess(good, [public]) == "valid"
    assert ledger.verify_inprocess(good, [keys["deputy-head-2"][1], public]) == "valid"
    assert ledger.verify_inprocess(good, [keys["deputy-head-2"][1]]) == "invalid"
    assert ledger.verify_inprocess(good, []) == "invalid"
    assert ledger.verify_inprocess(_with(good, comment="改"), [public]) == "invalid"
    server = _ssh_signed(record(signature_kind=passkeys.SERVER_KIND), key)
    assert ledger.verify_inprocess(server, [passkeys.SERVER_PREFIX + public]) == "valid"
    assert ledger.verify_inprocess(server, [public]) == "invalid"
    assert ledger.verify_inprocess(record(), [public]) == "unsigned"


def test_which_verifier_runs_is_the_one_chosen(keys, monkeypatch, tmp_path: Path) -> None:
    """In process unless REPORTFLOW_VERIFIER=ssh-keygen: with no ssh-keygen on PATH the
    in-process check still answers, and the forced one says ssh-keygen is missing."""
    key, public = keys["deputy-head-1"]
    good = _ssh_signed(record(), key)
    bad = _with(good, comment="改")
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no ssh-keygen
    monkeypatch.delenv("REPORTFLOW_VERIFIER", raising=False)
    assert ledger.verify(good, [public]) == "valid"
    assert ledger.verify(bad, [public]) == "invalid"
    assert ledger.verify_many([good, bad], {"deputy-head-1": [public]}) == {
        good.digest: "valid",
        bad.digest: "invalid",
    }
    monkeypatch.setenv("REPORTFLOW_VERIFIER", "ssh-keygen")
    with pytest.raises(ToolError, match="ssh-keygen not found"):
        ledger.verify(good, [public])
    with pytest.raises(ToolError, match="ssh-keygen not found"):
        ledger.verify_many([good], {"deputy-head-1": [public]})
    monkeypatch.setenv("REPORTFLOW_VERIFIER", "in-process")  # any other value: in process
    assert ledger.verify(good, [public]) == "valid"
    assert ledger.verify_many([good], {"deputy-head-1": [public]}) == {good.digest: "valid"}


def test_now_is_utc_whatever_the_local_zone(monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        before = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")
        stamp = ledger.now_utc()
        after = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")
        assert stamp[:16] in (before, after)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_signing_with_a_key_resolved_before(keys) -> None:
    key, public = keys["deputy-head-1"]
    rec = record()
    resolved = resolve(key)
    signature = ledger.sign(rec.payload(), resolved)
    assert ledger.verify(_with(rec, signature=signature), [public]) == "valid"
    assert ledger.public_key(key) == resolved.public
