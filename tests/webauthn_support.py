"""A software authenticator for the in-process passkey tests: a real P-256 key made with
``cryptography``, the authenticatorData and clientDataJSON a browser builds (WebAuthn Level 2,
6.1 and 5.8.1) and a real ECDSA signature over them. Not a mock of the check: the records it
signs go through ``webauthn.verify_authentication_response`` like a browser's. The browser
test (test_serve_browser.py) uses Chromium's virtual authenticator instead."""

from __future__ import annotations

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
