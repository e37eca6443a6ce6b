"""Passkeys (WebAuthn) as a second kind of signature, checked offline like an SSH signature.

A person's passkey registration (credential id, COSE public key, the sign count at
registration, the relying party id and the origin it was made for) lives in report.yaml under
``people.<id>.passkeys``: it is part of the roster and its digest, so it counts only once the
roster change is signed off like any other (``chain.py``). A web approval is a WebAuthn
assertion whose challenge is ``sha256`` of the record's payload (its canonical JSON without
the signature, ``ledger.SignoffRecord.payload``); the assertion itself (authenticatorData,
clientDataJSON, signature, credential id) is the record's ``signature``. Years later anyone
can check it with the roster's public key and nothing else: no server, no browser, no clock.

The check is ``webauthn.verify_authentication_response`` (py_webauthn, a dependency of every
install, since gate and verify meet these records anywhere):
it checks the challenge, the origin, the rp id hash, the user-present and user-verified flags,
the sign count and the signature over ``authenticatorData || sha256(clientDataJSON)``. We add
only what it leaves to its caller: that the credential is one listed for the reviewer.

No web import, no I/O: pure data and one verification function. The roster hands passkeys to
``ledger.verify_many`` as lines in ``Roster.keys_of`` (``line``/``from_line``), so the one
verification interface of the gate, the chain and release carries both kinds.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

KIND = "webauthn"
#: how a passkey travels among a person's keys (``Roster.keys_of``): never an SSH key line
LINE_PREFIX = "webauthn-passkey "


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Passkey:
    """One registered credential; every field base64url or plain text, as report.yaml has it."""

    credential_id: str
    public_key: str  # COSE_Key, base64url
    sign_count: int
    rp_id: str
    origin: str

    def to_doc(self) -> dict[str, Any]:
        return {
            "id": self.credential_id,
            "public_key": self.public_key,
            "sign_count": self.sign_count,
            "rp_id": self.rp_id,
            "origin": self.origin,
        }

    def line(self) -> str:
        return LINE_PREFIX + json.dumps(self.to_doc(), sort_keys=True, separators=(",", ":"))


def from_doc(doc: Mapping[str, Any]) -> Passkey:
    return Passkey(
        str(doc["id"]),
        str(doc["public_key"]),
        int(doc.get("sign_count", 0)),
        str(doc["rp_id"]),
        str(doc["origin"]),
    )


#: the review server's key among a person's keys (``Roster.keys_of``): it signs only records
#: marked server-attested (a personal link), never one of the person's own
SERVER_PREFIX = "server-attested "
SERVER_KIND = "server-attested"


def is_line(key: str) -> bool:
    return key.startswith((LINE_PREFIX, SERVER_PREFIX))


def from_lines(keys: Iterable[str]) -> tuple[Passkey, ...]:
    return tuple(from_doc(json.loads(k[len(LINE_PREFIX) :])) for k in keys if is_line(k))


@dataclass(frozen=True)
class Assertion:
    """What the authenticator returned for one approval, base64url as the browser sends it."""

    credential_id: str
    authenticator_data: str
    client_data_json: str
    signature: str

    def to_dict(self) -> dict[str, str]:
        return {
            "credential_id": self.credential_id,
            "authenticator_data": self.authenticator_data,
            "client_data_json": self.client_data_json,
            "signature": self.signature,
        }


def assertion_from_dict(doc: Mapping[str, Any]) -> Assertion:
    return Assertion(
        str(doc["credential_id"]),
        str(doc["authenticator_data"]),
        str(doc["client_data_json"]),
        str(doc["signature"]),
    )


def challenge(payload: bytes) -> bytes:
    """The WebAuthn challenge of a record: the 32 bytes of ``sha256`` over its payload."""
    return hashlib.sha256(payload).digest()


def verify(
    payload: bytes, assertion: Assertion, passkeys: Iterable[Passkey]
) -> Literal["valid", "invalid"]:
    """Whether ``assertion`` is a user-verified WebAuthn signature over ``challenge(payload)``
    by one of ``passkeys``, for the rp id and origin that passkey was registered for."""
    key = next((p for p in passkeys if p.credential_id == assertion.credential_id), None)
    if key is None:
        return "invalid"
    try:
        from webauthn import verify_authentication_response
    except ImportError:  # pragma: no cover - installed without its dependencies
        from reportflow.core.errors import ToolError

        raise ToolError(
            "a sign-off record is signed with a passkey, and the webauthn package that checks "
            "it is not installed",
            hint="pip install 'webauthn>=3,<4' (a dependency of reportflow)",
        ) from None
    credential = {
        "id": assertion.credential_id,
        "rawId": assertion.credential_id,
        "type": "public-key",
        "response": {
            "authenticatorData": assertion.authenticator_data,
            "clientDataJSON": assertion.client_data_json,
            "signature": assertion.signature,
        },
    }
    try:
        verify_authentication_response(
            credential=credential,
            expected_challenge=challenge(payload),
            expected_rp_id=key.rp_id,
            expected_origin=key.origin,
            credential_public_key=unb64url(key.public_key),
            # the count at registration: an assertion can only come later. Counts of later
            # approvals are not compared with each other: the ledger has no order a forger
            # could not choose, and synced passkeys keep the count at 0 anyway.
            credential_current_sign_count=key.sign_count,
            require_user_verification=True,
        )
    except Exception:  # InvalidAuthenticationResponse, InvalidCBORData, bad base64, a bad key
        return "invalid"
    return "valid"
