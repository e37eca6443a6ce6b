"""Every release's anchors checked by the roster in force at HEAD first, and by the roster at a
version's own commit only where that is needed.

Judging each version's signatures by the roster in force at its own commit costs one gate
decision per version (a history walk, the ledger, the roster chain): 20 releases made the
audit 17x ``git log``. The roster in force at HEAD is known already (the audit decided it), and
for almost every version it answers: a signature that one of its releasers' keys verifies is a
releaser's, since the roster chain from the pinned trust root put that key there; a missing
signature (an unsigned or lightweight tag, no ``manifest.sig``, no release record) is missing
whatever the roster. Only a signature present but not verified by a releaser at HEAD (a
releaser who has since left, a key rotated away, or a forgery) is judged again, by one
decision at the version's commit, which is what ``verify`` does for every version.

The gate's tag check (``release/tagcheck.py``) applies the same rule to tags alone.
"""

from __future__ import annotations

from typing import Any

from reportflow.release import anchors, assess
from reportflow.release.verify import Check, Verifier


def _needs_own_roster(v: assess.Version, roster: Any) -> bool:
    """A signature is present and the roster at HEAD does not find a releaser's key in it."""
    signed_tag = v.tag_raw is not None and anchors.split_tag(v.tag_raw)[1] is not None
    if signed_tag and not isinstance(assess.tag_signer(v, roster), anchors.Signer):
        return True
    signed_manifest = v.format == assess.FORMAT_2 and v.manifest_sig is not None
    if signed_manifest and not isinstance(assess.manifest_signer(v, roster), anchors.Signer):
        return True
    return bool(v.records) and assess.record_problem(v, roster) is not None


def anchor_checks(verifier: Verifier, head_roster: Any) -> dict[int, list[Check]]:
    """``Verifier.anchor_checks`` for every known version: by ``head_roster`` (the roster in
    force at HEAD), then by the roster at its own commit for the versions that need it."""
    numbers = verifier.known_versions()
    verifier.read(numbers)
    verifier.assume(head_roster)
    again = [n for n, v in verifier.versions.items() if _needs_own_roster(v, head_roster)]
    if again:
        verifier.decide(again)
    return {n: verifier.anchor_checks(n) for n in numbers}
