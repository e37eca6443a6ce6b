"""A prepared sign-off signed with a passkey: the last step of a web decision before commit.

``commands.signoff.prepare`` runs every check and returns the unsigned record, whose payload
the browser's authenticator signs (``passkeys.challenge``). Here the assertion is attached
and checked exactly as the gate will check it, before anything is written: a record that
would not count is refused, not committed.
"""

from __future__ import annotations

from dataclasses import replace

from reportflow.core.errors import Refused
from reportflow.core.i18n import _
from reportflow.signoff import ledger, passkeys
from reportflow.signoff.roster import Roster


def sign(
    record: ledger.SignoffRecord, judge: Roster, assertion: passkeys.Assertion
) -> ledger.SignoffRecord:
    """``record`` signed by ``assertion``; refused unless it verifies against the person's
    passkeys in ``judge`` (the roster that judges it) and the policy counts passkeys for
    them."""
    signed = replace(record, signature=assertion, signature_kind=passkeys.KIND)
    person = record.reviewer
    if ledger.verify(signed, judge.keys_of().get(person, ())) != "valid":
        raise Refused(
            _("the passkey signature does not verify against {person}'s passkeys in the roster "
              "in force ({origin})").format(person=person, origin=judge.origin),
            hint=_("register a passkey and have the roster change signed off first"),
        )  # fmt: skip
    if not judge.policy.accepts(person, passkeys.KIND):
        raise Refused(
            _("the policy does not count passkey signatures for {person}").format(person=person),
            hint=_("sign off with an SSH key: reportflow signoff --key …"),
        )
    return signed
