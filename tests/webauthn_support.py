"""A software authenticator for the in-process passkey tests: a real P-256 key made with
``cryptography``, the authenticatorData and clientDataJSON a browser builds (WebAuthn Level 2,
6.1 and 5.8.1) and a real ECDSA signature over them. Not a mock of the check: the records it
signs go through ``webauthn.verify_authentication_response`` like a browser's. The browser
test (test_serve_browser.py) uses Chromium's virtual authenticator instead."""

from __future__ import annotations

import base64
import hashlib
import json
import os

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from reportflow.signoff.passkeys import Assertion, Passkey, b64url

UP, UV = 0x01, 0x04


class SoftAuthenticator:
    def __init__(self, rp_id: str = "localhost", origin: str = "http://localhost:8123") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = b64url(os.urandom(16))
        self.rp_id, self.origin = rp_id, origin
        self.count = 0

    def cose_key(self) -> bytes:
        nums = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {1: 2, 3: -7, -1: 1, -2: nums.x.to_bytes(32, "big"), -3: nums.y.to_bytes(32, "big")}
        )

    def passkey(self) -> Passkey:
        return Passkey(self.credential_id, b64url(self.cose_key()), 0, self.rp_id, self.origin)

    def sign(
        self, challenge: bytes, *, flags: int = UP | UV, rp_id: str | None = None,
        origin: str | None = None,
    ) -> Assertion:  # fmt: skip
        self.count += 1
        rp_hash = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        auth = rp_hash + bytes([flags]) + self.count.to_bytes(4, "big")
        client = json.dumps(
            {"type": "webauthn.get", "challenge": b64url(challenge),
             "origin": origin or self.origin, "crossOrigin": False}
        ).encode()  # fmt: skip
        sig = self.key.sign(auth + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256()))
        return Assertion(self.credential_id, b64url(auth), b64url(client), b64url(sig))


AT = 0x40  # attested credential data included


def registration(auth: SoftAuthenticator, challenge: bytes) -> dict[str, object]:
    """The ``PublicKeyCredential`` JSON a browser sends after ``navigator.credentials.create``
    with attestation "none" (WebAuthn 6.5.1): the public key inside authenticatorData."""
    raw_id = base64.urlsafe_b64decode(auth.credential_id + "==")
    rp_hash = hashlib.sha256(auth.rp_id.encode()).digest()
    attested = bytes(16) + len(raw_id).to_bytes(2, "big") + raw_id + auth.cose_key()
    auth_data = rp_hash + bytes([UP | UV | AT]) + (0).to_bytes(4, "big") + attested
    attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
    client = json.dumps(
        {"type": "webauthn.create", "challenge": b64url(challenge), "origin": auth.origin,
         "crossOrigin": False}
    ).encode()  # fmt: skip
    return {
        "id": auth.credential_id, "rawId": auth.credential_id, "type": "public-key",
        "response": {"clientDataJSON": b64url(client), "attestationObject": b64url(attestation)},
    }  # fmt: skip


def credential(assertion: Assertion) -> dict[str, object]:
    """An assertion as the browser's JSON (what the page's script posts)."""
    return {
        "id": assertion.credential_id, "rawId": assertion.credential_id, "type": "public-key",
        "response": {
            "authenticatorData": assertion.authenticator_data,
            "clientDataJSON": assertion.client_data_json,
            "signature": assertion.signature,
        },
    }  # fmt: skip
