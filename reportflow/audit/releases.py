"""Release events and the trust chain's flags.

A release tag is anyone's to make with plain git, so a release event says whether it verifies:
the archive holds its manifest, the tag is annotated, points at the manifest's commit and
carries the manifest's digest, the tag, the manifest and the ledger's release record are
signed by a releaser, and the manifest chains to the previous one (``Verifier.anchor_checks``,
the signatures judged by the roster at HEAD first: ``release/headfirst.py``). A tag that fails
any of these is also a ``flag``, and its manifest vouches for no sign-off (an archive folder
is a folder: anyone can put a manifest there); so is a release whose commit is not in the
audited history (rewritten since). The person of a release event is the releaser whose key
verifies it, else the tagger line's claim, marked ``releaser_verified: false``. The archived
files' hashes and the approvals are ``reportflow verify``'s to recompute.

Flags from the history: a record added to the ledger and no longer there (deleted, renamed,
edited, dropped by a merge), and a merge commit that put text of its own into a section.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reportflow.audit.timeline import Event
from reportflow.core.i18n import _
from reportflow.signoff import approval, ledger
from reportflow.signoff.ledgerview import NULL

_Flag = dict[str, Any]


def _flag(kind: str, commit: str, person: str, section: str | None, detail: str, time: str):
    data = {"flag": kind, "detail": detail}
    return Event("flag", time, commit, person, section, MappingProxyType(data))


def release_events(
    report_dir: Path,
    person_of: Mapping[str, str],
    report: Any = None,
    head: tuple[Any, Any] | None = None,
) -> tuple[list[Event], dict[str, list[int]]]:
    """Release events (and flags for tags that do not verify), and record digest -> the
    versions whose manifest holds it. ``head``: the context at HEAD (``approval.Context``:
    the ledger and the trust root) and the roster in force there, when the caller has them
    (the audit of HEAD); otherwise HEAD is decided here. Signatures are judged by that roster
    first (``release/headfirst.py``)."""
    from reportflow.release import headfirst
    from reportflow.release.verify import Verifier

    if head is None:
        ctx = approval.load_context(report_dir, "HEAD")
        head = (ctx, approval.decide(ctx)[1].roster.roster)
    verifier = Verifier(report_dir, report=report, context=head[0])
    dag, audited = head[0].dag, head[0].commit
    checked = headfirst.anchor_checks(verifier, head[1])
    released: dict[str, list[int]] = {}
    events: list[Event] = []
    for number in verifier.known_versions():
        tag = verifier.tags.get(number)
        raw = verifier.manifest_bytes(number)
        manifest: dict[str, Any] = {}
        if raw is not None:
            try:
                manifest = json.loads(raw)
            except ValueError:
                manifest = {}
        checks = checked[number]
        failed = [f"{c.name}{': ' + c.detail if c.detail else ''}" for c in checks if not c.ok]
        if not failed:  # an archive folder is anyone's to write: only a verified release vouches
            for i, rec in enumerate(manifest.get("signoffs", []) or [], 1):
                parsed = ledger.parse_or_problem(json.dumps(rec).encode(), f"v{number} record {i}")
                if not isinstance(parsed, str):
                    released.setdefault(parsed.digest, []).append(number)
        commit = tag.commit if tag else str(manifest.get("commit", ""))
        releaser = verifier.releaser(number)
        person = releaser or _claimed_releaser(tag, manifest, person_of)
        when = tag.date if tag else str(manifest.get("created", ""))
        name = tag.name if tag else f"v{number}"
        data = {
            "version": number,
            "tag": tag.name if tag else None,
            "approvers": list(manifest.get("approvers", [])),
            "manifest_sha256": ledger.sha256(raw) if raw is not None else None,
            "verified": not failed,
            "problems": failed,
            "releaser_verified": releaser is not None,
        }
        events.append(Event("release", when, commit, person, None, MappingProxyType(data)))
        if failed:
            detail = _("release {tag} does not verify: {problems}").format(
                tag=name, problems=_("; ").join(failed)
            )
            events.append(_flag("tag-unverified", commit, person, None, detail, when))
        if commit and dag is not None and commit not in dag:
            detail = _(
                "release {tag} is of {commit}, which is not in the history of {audited}: the "
                "history was rewritten after the release (a reset or a force-push) or it was "
                "released from another branch; what was dropped is not in this timeline (the "
                "archive entry's history.bundle holds what was released)"
            ).format(tag=name, commit=commit[:10], audited=audited[:10])
            events.append(_flag("history-rewritten", commit, person, None, detail, when))
    return events, released


def _claimed_releaser(tag: Any, manifest: Mapping[str, Any], person_of: Mapping[str, str]) -> str:
    """Who the tag's tagger line, or else the manifest, says released it, when no releaser's
    key verifies it (the event then says ``releaser_verified: false``)."""
    if tag is not None:
        tagger = str(tag.tagger)
        email = tagger.rsplit("<", 1)[-1].rstrip(">").strip().lower() if "<" in tagger else ""
        return person_of.get(email, tagger)
    who = manifest.get("released_by", "")
    if isinstance(who, Mapping):
        return str(who.get("person", ""))
    return str(who)


def ledger_flags(
    ctx: approval.Context, person_at: Mapping[str, str], commit_time: Mapping[str, str]
) -> list[Event]:
    """A flag for every record file added and no longer there as it was added (it still
    counts: the gate keeps the report shut until it is restored), at the commit that removed
    or changed it."""
    if ctx.ledger is None or ctx.walk is None:
        return []
    flags = []
    for entry in ctx.ledger.missing:
        changes = ctx.walk.changes.get(entry.path, ())
        # newest first: the change after the one that added this blob removed or replaced it
        later = [c for c in changes if c.blob != entry.blob]
        added_at = next((i for i, c in enumerate(changes) if c.blob == entry.blob), len(changes))
        after = [c for c in changes[:added_at] if c in later]
        culprit = after[-1] if after else None
        edited = culprit is not None and culprit.blob != NULL
        kind = "record-edited" if edited else "record-deleted"
        commit = culprit.commit if culprit else entry.commit
        what = _("edited") if edited else _("deleted, renamed or dropped by a merge")
        detail = _("{path}, added in {commit}, was {what}; it still counts: {command}").format(
            path=entry.path,
            commit=entry.commit[:10],
            what=what,
            command=f"git checkout {entry.commit[:10]} -- {entry.path}",
        )
        flags.append(
            _flag(
                kind, commit, person_at.get(commit, ""), None, detail, commit_time.get(commit, "")
            )
        )
    return flags


def merge_flags(edits: list[Event]) -> list[Event]:
    """A flag for each merge commit that put text of its own into a section (in neither
    parent): separation of duties counts its author, and a reader should look at it."""
    return [
        _flag(
            "merge-own-text",
            e.commit,
            e.person,
            e.section,
            _(
                "merge {commit} put text of its own into {path} (+{added} -{removed} "
                "characters against the parent nearest to it)"
            ).format(
                commit=e.commit[:10],
                path=e.data["path"],
                added=e.data["added"],
                removed=e.data["removed"],
            ),
            e.time,
        )
        for e in edits
        if e.data.get("action") == "merge"
    ]


def problem_flags(
    ctx: approval.Context, used: set[str], commit_time: Mapping[str, str]
) -> list[Event]:
    """The gate's problem lines not already shown on a record's event (a record refused
    before it reached the gate, a file in signoffs/ that is no record)."""
    when = commit_time.get(ctx.commit, "")
    return [
        _flag("record-refused", ctx.commit, "", None, line, when)
        for line in ctx.problems
        if line not in used
    ]
