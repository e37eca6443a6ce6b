"""Separation of duties, pure: who may not approve a text because they wrote part of it.

Whoever authored a change since the *last approved version* may not approve the current one.
What makes a version "approved" decides everything, and it was the weak point (issue 11,
family 5): any valid eligible approval of an older text used to count as one, so a reviewer's
own approval, which the gate had refused to count, still reset the rule; after a one-character
edit by someone else the reviewer could approve their own text. Here an approved version is one
with enough *counted* approvals, each judged by the separation of duties that applied to that
version, oldest first, so an excluded approval never moves the starting point.

"Since" comes from the commit graph when the caller gives one (``Ancestry``): an approval saw
the changes in the history of the commit its reviewer signed (the record's ``commit``, which
the edge has checked is in the history of the commit that added it). Without a graph (pure
tests with hand-made records) a section approval saw the newest change that produced its text
and everything older, and a report approval saw nothing (so everyone who ever changed the
report is excluded: the safe side).

The same rule applies to the final approval, over the changes to every section and report.yaml
(family 10): the final approver may not approve a report they edited since the last approved
report. ``dead_end`` names a policy nobody can satisfy any more instead of asking for "1 more
approval" forever.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from reportflow.core.i18n import N_, _
from reportflow.signoff.ledger import SignoffRecord, Verification
from reportflow.signoff.order import Order
from reportflow.signoff.roster import Roster, Who

Verified = Mapping[str, Verification]  # record digest -> result


@dataclass(frozen=True)
class Change:
    commit: str
    email: str  # the author's
    blob: str  # the file's blob id after this commit
    others: tuple[str, ...] = ()  # committer and Co-authored-by e-mails: they changed it too
    signer: str | None = None  # policy.signed_commits: see ``core.history.Change.signer``

    @property
    def emails(self) -> tuple[str, ...]:
        return (self.email, *self.others)


class Ancestry(Protocol):
    """The commit graph as the gate needs it (``core.history.Dag``)."""

    def ancestors(self, sha: str) -> frozenset[str]: ...


def counts(rec: SignoffRecord, roster: Roster, verified: Verified) -> bool:
    """Whether the record's signature (or its absence, where allowed) lets it count: a valid
    one of a kind the policy accepts for the person (ssh, webauthn)."""
    result = verified.get(rec.digest)
    if result == "valid":
        return roster.policy.accepts(rec.reviewer, rec.kind)
    return result == "unsigned" and not roster.signature_required(rec.reviewer)


def person(roster: Roster, email: str) -> str:
    return roster.person_by_email(email) or f"<{email}>"


#: Who made a change that ``policy.signed_commits`` cannot attribute (unsigned, or signed by a
#: key listed for nobody): nobody may approve a text with such a change since it was approved.
UNVERIFIED = "unverified"


def _people(ch: Change, roster: Roster) -> list[str]:
    """Who made ``ch``: the people its e-mails name (author, committer, co-authors), and with
    ``policy.signed_commits`` the person whose key signed it, or ``UNVERIFIED``. The e-mails
    stay: a signed commit under another's e-mail excludes both."""
    found = [person(roster, e) for e in ch.emails]
    signer = getattr(ch, "signer", None)
    if signer is not None:
        found.append(signer if signer not in ("", "?") else UNVERIFIED)
    return found


def needs_history(changes: Sequence[Change], roster: Roster, who: Who) -> bool:
    """Whether anyone who may approve ever changed the text: only then can separation of
    duties exclude an eligible person, and only then are older records verified (in the
    benchmark, and in most offices, drafters and reviewers are different people)."""
    if not roster.policy.separation_of_duties:
        return False
    # unique e-mails first: this runs for every section over its whole history
    emails = {e for ch in changes for e in ch.emails}
    signers = {getattr(ch, "signer", None) for ch in changes} - {None}
    if signers & {"", "?"}:
        return True  # policy.signed_commits: a change nobody's key signed (UNVERIFIED)
    people = {person(roster, e) for e in emails} | signers
    return any(roster.eligible(who, p) for p in people)


class _Seen:
    """Which changes (indices into the newest-first list) an approval had before it; memoized
    per reviewed commit (or text), so a ledger of many records costs one ancestor set each."""

    def __init__(self, changes: Sequence[Change], ancestry: Ancestry | None, by_blob: bool):
        self._changes = changes
        self._ancestry = ancestry
        self._by_blob = by_blob
        self._memo: dict[str, frozenset[int]] = {}

    def of(self, rec: SignoffRecord) -> frozenset[int]:
        key = rec.commit if self._ancestry is not None else rec.fingerprint
        if key not in self._memo:
            if self._ancestry is not None:
                history = self._ancestry.ancestors(rec.commit)
                seen = [i for i, ch in enumerate(self._changes) if ch.commit in history]
            elif self._by_blob:
                first = next(
                    (i for i, ch in enumerate(self._changes) if ch.blob == rec.fingerprint), None
                )
                seen = [] if first is None else list(range(first, len(self._changes)))
            else:
                seen = []
            self._memo[key] = frozenset(seen)
        return self._memo[key]


def _authors(
    changes: Sequence[Change], roster: Roster, skip: frozenset[int] | None
) -> dict[str, str]:
    """People who made a change outside ``skip`` (None: skip nothing), each with their newest
    such commit (the list is newest first), for messages."""
    authors: dict[str, str] = {}
    for i, ch in enumerate(changes):
        if skip is None or i not in skip:
            for who in _people(ch, roster):
                authors.setdefault(who, ch.commit)
    return authors


def last_approved(
    changes: Sequence[Change],
    records: Sequence[SignoffRecord],
    fingerprint: str,
    who: Who,
    roster: Roster,
    verified: Verified,
    order: Order,
    ancestry: Ancestry | None,
    by_blob: bool = True,
) -> frozenset[int] | None:
    """The changes the last approved version had seen (None: no version was ever approved).

    Approvals of older texts are taken oldest first (by how much history they saw); each one
    counts if its reviewer is eligible, its signature counts, it saw every reject of that text,
    and its reviewer authored no change between the previous approved version and what they
    reviewed. A text with ``who.approvals`` counted approvals becomes the approved version."""
    seen = _Seen(changes, ancestry, by_blob)
    usable = [
        r
        for r in records
        if r.fingerprint != fingerprint
        and roster.eligible(who, r.reviewer)
        and counts(r, roster, verified)
    ]
    rejects: dict[str, list[SignoffRecord]] = {}
    for r in usable:
        if r.decision == "reject":
            rejects.setdefault(r.fingerprint, []).append(r)
    approvals = sorted(
        (r for r in usable if r.decision == "approve"), key=lambda r: (len(seen.of(r)), r.order)
    )
    anchor: frozenset[int] | None = None
    counted: dict[str, set[str]] = {}
    for rec in approvals:
        if not all(order.sees(rec, j) for j in rejects.get(rec.fingerprint, ())):
            continue
        mine = seen.of(rec)
        new = sorted(mine - anchor) if anchor is not None else sorted(mine)
        since = _authors([changes[i] for i in new], roster, None)
        if rec.reviewer in since:
            continue  # excluded when it was made: it does not make an approved version
        got = counted.setdefault(rec.fingerprint, set())
        got.add(rec.reviewer)
        if len(got) >= who.approvals and (anchor is None or len(mine) >= len(anchor)):
            anchor = mine
    return anchor


def excluded(
    changes: Sequence[Change],
    records: Sequence[SignoffRecord],
    fingerprint: str,
    who: Who,
    roster: Roster,
    verified: Verified,
    order: Order,
    ancestry: Ancestry | None,
    what: str,
    by_blob: bool = True,
) -> dict[str, str]:
    """People who may not approve ``fingerprint`` now, with why: they authored a change that
    the last approved version had not seen. ``what`` names that version in the message."""
    if not roster.policy.separation_of_duties:
        return {}
    anchor = last_approved(
        changes, records, fingerprint, who, roster, verified, order, ancestry, by_blob
    )
    authored = _("authored commit {commit} since the last approved {what} (separation of duties)")
    return {
        who_: unverified(commit, what)
        if who_ == UNVERIFIED
        else authored.format(commit=commit[:10], what=_word(what))
        for who_, commit in _authors(changes, roster, anchor).items()
    }


#: what "the last approved …" names in the sentences here (the callers pass the key)
_WORDS = {"version": N_("version"), "report": N_("report"), "roster": N_("roster")}


def _word(what: str) -> str:
    return _(_WORDS[what]) if what in _WORDS else what


def unverified(commit: str, what: str) -> str:
    return _(
        "commit {commit} changed the text since the last approved {what} but is not signed "
        "by a key listed in people (policy.signed_commits: true): re-commit it signed (git config "
        "gpg.format ssh; git config user.signingkey <your key>; git commit -S)"
    ).format(commit=commit[:10], what=_word(what))


def _names(people: Sequence[str]) -> str:
    if len(people) == 1:
        return people[0]
    return _("{people} and {last}").format(people=", ".join(people[:-1]), last=people[-1])


def dead_end(
    what: str,
    version: str,
    who: Who,
    roster: Roster,
    excluded: Mapping[str, str],
    counted: Sequence[str],
    short: int,
) -> str:
    """The message when the people still able to approve are fewer than the approvals still
    needed ("" when there are enough): otherwise the gate would ask for "1 more approval"
    from people who may never give it."""
    pool = [p for p in roster.people if roster.eligible(who, p) and p not in counted]
    blocked = [p for p in pool if p in excluded]
    left = len(pool) - len(blocked)
    if not blocked or left >= short:
        return ""
    if left == 0:
        head = _("no eligible reviewer left for {what}").format(what=what)
    else:
        head = _("only {left} eligible reviewer left for {what}").format(left=left, what=what)
    if len(blocked) > 1:
        done = _("{people} authored changes since the last approved {version}")
    else:
        done = _("{people} authored a change since the last approved {version}")
    return _(
        "{head}: {done}; change the policy (report.yaml policy, a roster change the final "
        "approvers sign off) or ask another person with {who} who did not change it to approve"
    ).format(
        head=head,
        done=done.format(people=_names(blocked), version=_word(version)),
        who=who.describe(),
    )
