"""``policy.signed_commits``: who changed a text, known by the commit's SSH signature.

An author's e-mail is self-declared (``GIT_AUTHOR_EMAIL``): a reviewer who commits under
another person's e-mail used to be able to approve their own text (issue 11, family 11). With
the policy on, each commit that changed a section or report.yaml is checked for an SSH
signature (``git commit -S`` with ``gpg.format=ssh``) by a key listed in people of the roster
that judges it; that person is one of the change's authors, beside those its e-mails name
(``duties._people``). An unsigned commit, or one signed by a key listed for nobody, is
``duties.UNVERIFIED``: the text cannot be approved until it is committed again, signed.

Signatures are verified in process with ``sshsig`` (namespace ``git``, the payload the
commit object without its ``gpgsig`` header, as ``git verify-commit`` checks it), so a history
of hundreds of commits costs one ``cat-file`` batch and no ``ssh-keygen`` process per commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from reportflow.core import gitio
from reportflow.core.history import Change
from reportflow.signoff.ledger import key_core
from reportflow.signoff.roster import Roster

NAMESPACE = "git"
UNSIGNED = ""
UNKNOWN = "?"


def split_commit(raw: bytes) -> tuple[bytes, str | None]:
    """A commit object's signed payload and its ``gpgsig`` signature (None: unsigned). The
    header's continuation lines start with one space, which is not part of the signature."""
    lines = raw.split(b"\n")
    payload: list[bytes] = []
    sig: list[bytes] = []
    i, header = 0, True
    while i < len(lines):
        line = lines[i]
        if header and line.startswith(b"gpgsig "):
            sig.append(line[len(b"gpgsig ") :])
            i += 1
            while i < len(lines) and lines[i].startswith(b" "):
                sig.append(lines[i][1:])
                i += 1
            continue
        if line == b"":
            header = False
        payload.append(line)
        i += 1
    if not sig:
        return raw, None
    return b"\n".join(payload), b"\n".join(sig).decode("ascii", errors="replace")


def signer(raw: bytes, roster: Roster) -> str:
    """The person whose listed key signed the commit ``raw``; ``UNSIGNED`` or ``UNKNOWN``."""
    payload, signature = split_commit(raw)
    if signature is None or "BEGIN SSH SIGNATURE" not in signature:
        return UNSIGNED  # a GPG signature is not one of the roster's keys either
    import sshsig  # imported late: only a report with the policy on pays for it

    for pid, member in roster.people.items():
        for key in member.keys:
            try:
                public = sshsig.PublicKey.from_openssh_str(key_core(key))
                sshsig.verify(payload, signature, [public], namespace=NAMESPACE)
            except Exception:  # not this key (or a key type sshsig lacks: unverified)
                continue
            return pid
    return UNKNOWN


def policy_since(found: Any) -> str | None:
    """The commit where the policy took effect in the roster chain ``found`` (the oldest link
    of the newest stretch of rosters that have it): commits in its history were made before
    anyone was asked to sign, so they keep their e-mails only. None: no such commit."""
    start = None
    for link in reversed(found.links if found is not None else ()):
        if not link.roster.policy.signed_commits:
            break
        start = link.effect or start
    return start


def with_signers(
    repo: Any,
    roster: Roster,
    before: frozenset[str],
    *groups: Mapping[str, Sequence[Change]] | Sequence[Change],
) -> list[Any]:
    """``groups`` (a section id -> changes mapping, or a list of changes) with each change's
    ``signer`` set, except for commits in ``before`` (made before the policy took effect);
    one ``cat-file`` batch for every commit they name."""
    changes: list[Change] = []
    for group in groups:
        if isinstance(group, Mapping):
            changes += [c for cs in group.values() for c in cs]
        else:
            changes += list(group)
    commits = sorted({c.commit for c in changes if c.commit not in before})
    raw = gitio.read_blobs(repo, commits)  # commit objects, as cat-file --batch gives them
    who = {sha: signer(raw[sha], roster) if sha in raw else UNSIGNED for sha in commits}

    def mark(cs: Sequence[Change]) -> tuple[Change, ...]:
        return tuple(replace(c, signer=who[c.commit]) if c.commit in who else c for c in cs)

    return [
        {k: mark(v) for k, v in g.items()} if isinstance(g, Mapping) else mark(g) for g in groups
    ]
