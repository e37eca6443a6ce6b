"""The two WebAuthn ceremonies the review page runs, with py_webauthn (no web framework here).

* **registration**: options for a person of the roster, then the authenticator's answer
  checked (challenge, origin, rp id, user verification) and turned into a ``Passkey`` for the
  roster. Attestation is not asked for: whose authenticator it is, is what the roster sign-off
  vouches for, not a vendor certificate.
* **assertion**: options whose challenge is either random (login) or a record's digest
  (``passkeys.challenge``, an approval), and the browser's answer as an ``Assertion``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_registration_response,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from reportflow.core.errors import InputError
from reportflow.core.i18n import _
from reportflow.signoff.passkeys import Assertion, Passkey, b64url, unb64url


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: ``rp_id`` is the host name (``localhost``, or the office's
    ``review.example.gov.cn``), ``origin`` the address the browser shows."""

    rp_id: str
    origin: str
    name: str = "reportflow"


def registration_options(rp: RelyingParty, person: str, name: str, have: Iterable[Passkey]):
    """(options JSON for ``navigator.credentials.create``, the challenge)."""
    options = generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=rp.name,
        user_id=person.encode(),
        user_name=person,
        user_display_name=name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=unb64url(p.credential_id)) for p in have
        ],
    )
    return options_to_json(options), options.challenge


def registered(rp: RelyingParty, answer: Mapping[str, Any], challenge: bytes) -> Passkey:
    """The passkey the browser made, once py_webauthn has checked its answer."""
    try:
        found = verify_registration_response(
            credential=dict(answer),
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except Exception as exc:  # InvalidRegistrationResponse and the parse errors under it
        why = _("the passkey registration was not accepted: {why}").format(why=exc)
        raise InputError(why) from None
    return Passkey(
        b64url(found.credential_id), b64url(found.credential_public_key), found.sign_count,
        rp.rp_id, rp.origin,
    )  # fmt: skip


def assertion_options(rp: RelyingParty, challenge: bytes, keys: Iterable[Passkey]) -> str:
    """Options JSON for ``navigator.credentials.get`` over ``challenge`` and ``keys``."""
    options = generate_authentication_options(
        rp_id=rp.rp_id,
        challenge=challenge,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=unb64url(p.credential_id)) for p in keys
        ],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options)


def assertion_of(answer: Mapping[str, Any]) -> Assertion:
    """The browser's ``PublicKeyCredential`` (JSON) as the record keeps it."""
    try:
        response = answer["response"]
        return Assertion(
            str(answer["id"]),
            str(response["authenticatorData"]),
            str(response["clientDataJSON"]),
            str(response["signature"]),
        )
    except (KeyError, TypeError):
        raise InputError(_("the browser sent no passkey answer")) from None


def options_dict(options_json: str) -> dict[str, Any]:
    return json.loads(options_json)
