"""Every signature verdict the ledger gives, stated exactly, through both verifiers and through
``verify_many`` (issue 17: the signature checks are what every approval rests on; mutants that
turned a verdict, dropped a key list or crossed the server and person keys passed the suite)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from test_ledger import record, signed

from reportflow.signoff import ledger, passkeys


def _with(rec: ledger.SignoffRecord, **changes) -> ledger.SignoffRecord:
    return ledger.SignoffRecord(**{**rec.to_dict(), **changes})


def _sign_in(namespace: str, rec: ledger.SignoffRecord, key: Path, tmp: Path) -> str:
    """An SSH signature of the record's payload in another namespace (e.g. git's own)."""
    data = tmp / "payload"
    data.write_bytes(rec.payload())
    subprocess.run(
        ["ssh-keygen", "-q", "-Y", "sign", "-n", namespace, "-f", str(key), str(data)], check=True
    )
    return (tmp / "payload.sig").read_text()


def _batch(keys, tmp: Path) -> tuple[list[ledger.SignoffRecord], dict[str, list[str]], dict]:
    d1, d2 = keys["deputy-head-1"], keys["deputy-head-2"]
    good = signed(keys)
    edited = _with(good, comment="改过")
    unsigned = record(comment="未签")
    stranger = _with(signed(keys), reviewer="nobody")  # nobody's keys are listed
    other_ns = _with(good, comment="命名空间", signature=None)
    other_ns = _with(other_ns, signature=_sign_in("git", other_ns, d1[0], tmp))
    by_d2 = _with(record(comment="别人的钥匙"), signature=None)
    by_d2 = _with(by_d2, signature=ledger.sign(by_d2.payload(), d2[0]))
    server = _with(record(comment="链接", signature_kind=passkeys.SERVER_KIND), signature=None)
    server = _with(server, signature=ledger.sign(server.payload(), d2[0]))  # the server's key
    dressed = _with(good, signature_kind=passkeys.KIND)  # an SSH signature passed off as a passkey
    records = [good, edited, unsigned, stranger, other_ns, by_d2, server, dressed]
    keys_of = {"deputy-head-1": [d1[1], passkeys.SERVER_PREFIX + d2[1]]}
    expected = {
        good.digest: "valid",
        edited.digest: "invalid",
        unsigned.digest: "unsigned",
        stranger.digest: "invalid",
        other_ns.digest: "invalid",
        by_d2.digest: "invalid",  # d2's key is listed for d1 only as the server's
        server.digest: "valid",
        dressed.digest: "invalid",
    }
    return records, keys_of, expected


@pytest.mark.parametrize("verifier", ["inprocess", "ssh-keygen"])
def test_every_verdict_of_a_mixed_batch(keys, verifier, monkeypatch, tmp_path) -> None:
    if verifier == "ssh-keygen":
        monkeypatch.setenv("REPORTFLOW_VERIFIER", "ssh-keygen")
    records, keys_of, expected = _batch(keys, tmp_path)
    assert ledger.verify_many(records, keys_of) == expected
    for rec in records:
        assert ledger.verify(rec, keys_of.get(rec.reviewer, ())) == expected[rec.digest]


def test_the_server_key_signs_only_server_attested_records(keys, tmp_path) -> None:
    """A person's own SSH key never counts for a server-attested record, and the server's key
    never counts for a person's own record."""
    d1 = keys["deputy-head-1"]
    server = _with(record(signature_kind=passkeys.SERVER_KIND), signature=None)
    server = _with(server, signature=ledger.sign(server.payload(), d1[0]))
    assert ledger.verify(server, [d1[1]]) == "invalid"
    assert ledger.verify_ssh_keygen(server, [d1[1]]) == "invalid"
    assert ledger.verify(server, [passkeys.SERVER_PREFIX + d1[1]]) == "valid"
    own = signed(keys)
    assert ledger.verify(own, [passkeys.SERVER_PREFIX + d1[1]]) == "invalid"
    assert ledger.verify_ssh_keygen(own, [passkeys.SERVER_PREFIX + d1[1]]) == "invalid"
    assert ledger.server_keys([d1[1], passkeys.SERVER_PREFIX + "ssh-ed25519 AAAA"]) == [
        "ssh-ed25519 AAAA"
    ]
    assert ledger.ssh_keys([d1[1], passkeys.SERVER_PREFIX + "x", passkeys.LINE_PREFIX + "y"]) == [
        d1[1]
    ]


def test_many_records_through_ssh_keygen_keep_their_own_verdicts(keys, monkeypatch) -> None:
    """The slow path runs several ssh-keygen processes at once: each verdict stays with its
    record, whatever order they finish in."""
    monkeypatch.setenv("REPORTFLOW_VERIFIER", "ssh-keygen")
    good = [signed(keys, comment=f"第{i}条") for i in range(6)]
    bad = [_with(r, comment=r.comment + "改") for r in good[:3]]
    found = ledger.verify_many([*good, *bad], {"deputy-head-1": [keys["deputy-head-1"][1]]})
    assert found == {r.digest: "valid" for r in good} | {r.digest: "invalid" for r in bad}
