"""The roster: people, their roles, emails and keys, and the policy that says who approves.

If the gate trusted report.yaml as it is at the commit under review, an author could add their
own key, give themselves a reviewer role and approve their own text. So the roster *in force*
comes from the roster chain (``chain.py``): the first roster of a series approved by the pinned
trust root, carried over from year to year, each change signed off by the final approvers of
the roster before it (scope ``roster``, fingerprint ``Roster.digest``). Release tags, first
commits and next year's first commit choose nothing (issue 11, families 1-3).

Pure: the dataclasses, ``from_doc`` and ``from_yaml``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reportflow.content import schema
from reportflow.core.i18n import _
from reportflow.signoff import ledger, passkeys
from reportflow.signoff.passkeys import Passkey

DEFAULT = "default"
#: the signature kinds that count for a person the policy does not name (policy.signatures.
#: kinds): an SSH key and a passkey are both in the roster, approved the same way
KINDS = ("ssh", "webauthn")


@dataclass(frozen=True)
class Who:
    """N approvals from the union of some roles and some named people."""

    approvals: int = 1
    roles: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    #: what such an approval means (审核, 审定, 签发…), as the office names the step; shown in
    #: the audit and on the approval sheet ("": the default for its kind, ``release.sheet``)
    meaning: str = ""

    def describe(self) -> str:
        """Who may approve, for a sentence in the reader's language ("role x or y")."""
        parts = [_("role {role}").format(role=r) for r in self.roles] + list(self.people)
        return _(" or ").join(parts) or _("nobody")


@dataclass(frozen=True)
class Policy:
    sections: Mapping[str, Who]
    report: Who
    separation_of_duties: bool = True
    #: None means everyone must sign; otherwise (people, roles) who must.
    signers: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    #: who may release (sign the release tag and manifest); None: the final approvers
    release: Who | None = None
    #: authors known by their commits' SSH signatures, not their e-mails (``commitsig.py``)
    signed_commits: bool = False
    #: person id (or "default") -> the signature kinds that count for them
    kinds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: the review server's SSH keys (policy.signatures.server_keys): a personal-link decision
    #: is signed by one of them and counts only for people whose kinds list server-attested
    server_keys: tuple[str, ...] = ()

    def accepts(self, person: str, kind: str) -> bool:
        """Whether a signature of ``kind`` (ssh, webauthn) by ``person`` may count."""
        return kind in self.kinds.get(person, self.kinds.get(DEFAULT, KINDS))

    def for_section(self, section_id: str) -> Who:
        return self.sections.get(section_id) or self.sections[DEFAULT]


@dataclass(frozen=True)
class Member:
    id: str
    roles: tuple[str, ...]
    email: str | None
    keys: tuple[str, ...]
    passkeys: tuple[Passkey, ...] = ()


@dataclass(frozen=True)
class Roster:
    people: Mapping[str, Member]
    policy: Policy
    digest: str  # "sha256:<hex>" over people (roles, email, keys) and policy
    origin: str = ""  # where it comes from, for messages: "release v2", "first policy abc1234"
    commit: str = ""  # the commit whose report.yaml it is

    def eligible(self, who: Who, person: str) -> bool:
        member = self.people.get(person)
        if member is None:
            return False
        return person in who.people or any(r in who.roles for r in member.roles)

    def may_approve_section(self, section_id: str, person: str) -> bool:
        return self.eligible(self.policy.for_section(section_id), person)

    def may_approve_report(self, person: str) -> bool:
        return self.eligible(self.policy.report, person)

    def signature_required(self, person: str) -> bool:
        if self.policy.signers is None:
            return True
        people, roles = self.policy.signers
        member = self.people.get(person)
        return person in people or (member is not None and any(r in roles for r in member.roles))

    def keys_of(self) -> dict[str, tuple[str, ...]]:
        """Each person's SSH keys and passkeys (as ``passkeys.line``), for ``verify_many``."""
        server = tuple(passkeys.SERVER_PREFIX + k for k in self.policy.server_keys)
        return {
            pid: m.keys + tuple(p.line() for p in m.passkeys) + server
            for pid, m in self.people.items()
        }

    def person_by_email(self, email: str) -> str | None:
        return self._by_email.get(email.strip().lower())

    @functools.cached_property
    def _by_email(self) -> dict[str, str]:
        return {m.email.lower(): pid for pid, m in self.people.items() if m.email}


def _who(doc: Mapping[str, Any]) -> Who:
    return Who(
        approvals=int(doc.get("approvals", 1)),
        roles=tuple(doc.get("roles", ())),
        people=tuple(doc.get("people", ())),
        meaning=str(doc.get("meaning", "")),
    )


def parse_policy(doc: Mapping[str, Any]) -> Policy:
    required = doc.get("signatures", {}).get("required_for", "everyone")
    signers = None
    if isinstance(required, Mapping):
        signers = (tuple(required.get("people", ())), tuple(required.get("roles", ())))
    return Policy(
        sections={sid: _who(w) for sid, w in doc["sections"].items()},
        report=_who(doc["report"]),
        separation_of_duties=bool(doc.get("separation_of_duties", True)),
        signers=signers,
        kinds={p: tuple(k) for p, k in doc.get("signatures", {}).get("kinds", {}).items()},
        server_keys=tuple(doc.get("signatures", {}).get("server_keys", ())),
        release=_who(doc["release"]) if isinstance(doc.get("release"), Mapping) else None,
        signed_commits=bool(doc.get("signed_commits", False)),
    )


def digest_of(doc: Mapping[str, Any]) -> str:
    """Fingerprint of a roster: canonical JSON of what decides approvals.

    Names and notification addresses are left out (renaming a person changes nobody's
    rights); roles, email (separation of duties maps git authors by it), keys (comments
    stripped) and the whole policy are in.
    """
    people = {pid: _person_digest(p) for pid, p in doc.get("people", {}).items()}
    body = {"people": people, "policy": doc.get("policy")}
    return "sha256:" + ledger.sha256(ledger.canonical(body))


def _person_digest(p: Mapping[str, Any]) -> dict[str, Any]:
    """What of a person decides approvals; ``passkeys`` only when there are some, so that every
    roster without any keeps the digest its records sign."""
    body: dict[str, Any] = {
        "roles": sorted(p.get("roles", ())),
        "email": (p.get("email") or "").lower(),
        "keys": sorted(ledger.key_core(k) for k in p.get("keys", ())),
    }
    if p.get("passkeys"):
        body["passkeys"] = sorted(
            (passkeys.from_doc(k).to_doc() for k in p["passkeys"]), key=lambda k: k["id"]
        )
    return body


def from_doc(doc: Mapping[str, Any], origin: str = "", commit: str = "") -> Roster | None:
    """The roster of a parsed report.yaml; None when it has no policy."""
    if not isinstance(doc.get("policy"), Mapping) or not isinstance(doc.get("people"), Mapping):
        return None
    people = {
        pid: Member(
            id=pid,
            roles=tuple(p.get("roles", ())),
            email=p.get("email"),
            keys=tuple(p.get("keys", ())),
            passkeys=tuple(passkeys.from_doc(k) for k in p.get("passkeys", ())),
        )
        for pid, p in doc["people"].items()
    }
    return Roster(people, parse_policy(doc["policy"]), digest_of(doc), origin, commit)


@functools.lru_cache(maxsize=32)
def from_yaml(data: bytes, shown: str, origin: str = "", commit: str = "") -> Roster | None:
    """Roster of a report.yaml's bytes; None if it has no policy or is not a valid report.yaml
    (an old broken commit cannot have put a roster in force). Kept by its arguments: a pure
    function whose YAML parse and schema check were a fifth of the review server's decision
    at each new HEAD, for the same few report.yaml blobs of the roster chain every time."""
    from reportflow.core.errors import ReportflowError
    from reportflow.core.textio import decode

    try:
        text = decode(data, shown)
        doc = schema.parse_yaml(text, shown)
        if not isinstance(doc, dict):
            return None
        schema.validate(doc, "report.schema.json", file=shown, source=text)
    except ReportflowError:
        return None
    return from_doc(doc, origin, commit)
