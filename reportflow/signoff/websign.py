"""A prepared sign-off signed with a passkey: the last step of a web decision before commit.

``signoff.request.prepare`` runs every check and returns the unsigned record, whose payload
the browser's authenticator signs (``passkeys.challenge``). Here the assertion is attached
and checked exactly as the gate will check it, before anything is written: a record that
would not count is refused, not committed.
"""

from __future__ import annotations

from dataclasses import replace

from reportflow.core.errors import Refused
from reportflow.core.i18n import _
from reportflow.signoff import ledger, passkeys
from reportflow.signoff.keys import SigningKey
from reportflow.signoff.roster import Roster


def sign(
    record: ledger.SignoffRecord, judge: Roster, assertion: passkeys.Assertion
) -> ledger.SignoffRecord:
    """``record`` signed by ``assertion``; refused unless it verifies against the person's
    passkeys in ``judge`` (the roster that judges it) and the policy counts passkeys for
    them."""
    signed = replace(record, signature=assertion, signature_kind=passkeys.KIND)
    return _checked(signed, judge)


def attest(record: ledger.SignoffRecord, judge: Roster, key: SigningKey) -> ledger.SignoffRecord:
    """A personal-link decision signed by the review server's key (``links.py``); refused
    unless that key is among the policy's server keys and the policy counts server-attested
    decisions for the person."""
    if key.public not in {ledger.key_core(k) for k in judge.policy.server_keys}:
        raise Refused(
            _("the review server's key is not in the policy (policy.signatures.server_keys)"),
            hint=_("add its public key there and have the roster change signed off"),
        )
    if not judge.policy.accepts(record.reviewer, passkeys.SERVER_KIND):
        raise Refused(
            _("the policy does not count decisions by personal link for {person}").format(
                person=record.reviewer
            ),
            hint=_("sign in with a passkey instead"),
        )
    unsigned = replace(record, signature_kind=passkeys.SERVER_KIND)
    signed = replace(unsigned, signature=ledger.sign(unsigned.payload(), key))
    return _checked(signed, judge)


def _checked(signed: ledger.SignoffRecord, judge: Roster) -> ledger.SignoffRecord:
    person = signed.reviewer
    if ledger.verify(signed, judge.keys_of().get(person, ())) != "valid":
        raise Refused(
            _("the passkey signature does not verify against {person}'s passkeys in the roster "
              "in force ({origin})").format(person=person, origin=judge.origin),
            hint=_("register a passkey and have the roster change signed off first"),
        )  # fmt: skip
    if not judge.policy.accepts(person, signed.kind):
        raise Refused(
            _("the policy does not count passkey signatures for {person}").format(person=person),
            hint=_("sign off with an SSH key: reportflow signoff --key …"),
        )
    return signed
