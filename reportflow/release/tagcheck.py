"""Which release tags are releases: anyone can make a tag named ``<report>/<year>/v<N>``.

A forged tag used to choose the roster (issue 11, family 1). Tags now choose nothing (the roster
comes from the chain at the trust root, ``signoff/chain.py``); what is left is to say which
tags are not what they claim, and to keep the gate shut while one stands (the issue: "a tag
that does not verify makes the gate fail with its name"). A tag is a release only if it is
annotated, its message carries the manifest digest that ``release`` writes, it carries an SSH
signature by a releaser of the roster in force at the tagged commit (``anchors.py``: plain
git cannot make it), and the report passes the gate at the tagged commit (with the ledger as
it was there).

A releaser's signature alone does not say the tagged commit was approved: a releaser can
sign a tag on any commit with ``git tag -s``, and a release record with ``ssh-keygen -Y
sign``. So the newest version's approval is always judged at its commit, from HEAD's context
narrowed to the tag's history (``signoff/narrow.py``: no second history walk, and the
signatures HEAD's decision verified are not verified again). That is the version ``release``
numbers and chains after; an older tag backed by its releaser's release record (what
``release`` commits after its gate passed) is taken as released, because the release after
it judged it at its commit before chaining (``signing.refuse_invalid``); judging every tag's
approval would cost a decision and its signatures per release (20 releases: 20 decisions).
What stays open: a releaser who hand-makes an unapproved version and then hand-makes the
next one on an approved commit (no ``release`` in between) hides the first from the gate;
``verify --all`` judges every version's approval from its manifest and names it. Every other
tag is judged at its own commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportflow.core import gitio
from reportflow.core.errors import ReportflowError
from reportflow.core.i18n import _


def invalid_tags(
    report_dir: Path,
    report: str,
    year: int,
    commit: str,
    roster: Any = None,
    records: Sequence[Any] = (),
    *,
    ctx: Any = None,
    decided: Any = None,
) -> list[str]:
    """A problem line for each release tag of ``report``/``year`` in the history of
    ``commit`` that is not a valid release. ``roster``: the roster in force at ``commit``,
    ``records``: the ledger there (``approval.Context.records``), when the caller has them;
    ``ctx`` and ``decided``: the context and gate result at ``commit``, from which the newest
    tag's approval is judged (``narrow.at``). An older tag its releasers signed that a release
    record of the same releaser backs needs no gate evaluation at the tagged commit, and an
    unsigned tag needs none either; every other tag is judged by the roster and the approval
    at its own commit."""
    repo = gitio.require_repo(report_dir)
    tags = gitio.release_tags(repo, report, year, merged=commit)
    if not tags:
        return []
    # imported only when there are tags: release pulls in the archive (50-80 ms for the gate)
    from reportflow.release import anchors

    raw = gitio.tag_objects(repo, [tag.name for tag in tags.values()])
    newest = max(tags)
    lines = []
    for number, tag in sorted(tags.items()):
        why = None
        if not tag.annotated or tag.name not in raw:
            why = _("a lightweight tag, not one made by 'reportflow release'")
        elif anchors.digest_in_message(tag.message) is None:
            why = _("its message carries no manifest-sha256")
        else:
            payload, signature = anchors.split_tag(raw[tag.name])
            now = anchors.signed_by(payload, signature, roster, anchors.TAG_NAMESPACE)
            if signature is None:
                why = now  # no SSH signature: nothing to judge at the tagged commit
            elif (
                roster is None
                or not isinstance(now, anchors.Signer)
                or not _backed(tag, number, now, records, roster)
            ):
                why = _judged_at_tag(report_dir, tag.commit, payload, signature)
            elif number == newest:
                why = _approved_at(report_dir, tag.commit, ctx, decided, payload, signature)
        if why:
            lines.append(
                _(
                    "tag {tag} is not a valid release: {why}; the gate fails while it stands "
                    "(run 'reportflow verify {folder} --all'; a tag made by mistake: "
                    "git tag -d {tag})"
                ).format(tag=tag.name, why=why, folder=report_dir)
            )
    return lines


def _approved_at(
    report_dir: Path, commit: str, ctx: Any, decided: Any, payload: bytes, signature: str
) -> str | None:
    """Why the newest version, signed and backed by its releaser, is not a release: the
    report is not approved at its commit. Judged from HEAD's context where it can be; a
    "not approved" there (or no answer) is confirmed by the full evaluation at the commit."""
    from reportflow.signoff import narrow

    found = narrow.at(ctx, decided, commit, report_dir) if ctx is not None else None
    if found is not None and found.passed:
        return None
    return _judged_at_tag(report_dir, commit, payload, signature)


def _backed(tag: Any, number: int, signer: Any, records: Sequence[Any], roster: Any) -> bool:
    """A release record in the ledger by the tag's signer, signed with a releaser's key of
    ``roster``, for this version, commit and manifest: what ``release`` commits after its
    gate passed (``signing.commit_record``)."""
    from reportflow.release import anchors
    from reportflow.signoff import ledger

    digest = anchors.digest_in_message(tag.message)
    keys = anchors.releaser_keys(roster).get(signer.person, ())
    return any(
        rec.scope == "release"
        and rec.version == number
        and rec.commit == tag.commit
        and rec.reviewer == signer.person
        and anchors.digest_of_record(rec.fingerprint) == digest
        and ledger.verify(rec, keys) == "valid"
        for rec in records
    )


def _judged_at_tag(report_dir: Path, commit: str, payload: bytes, signature: str) -> str | None:
    """Why a signed tag is not a release, judged by the roster in force at its own commit."""
    from reportflow.release import anchors, assess

    try:
        roster, verdict = assess.decision(report_dir, commit)
    except ReportflowError as exc:
        return str(exc)
    signer = anchors.signed_by(payload, signature, roster, anchors.TAG_NAMESPACE)
    if not isinstance(signer, anchors.Signer):
        return signer
    if verdict is None or not verdict.passed:
        return _("the report is not approved at {commit}").format(commit=commit[:10])
    return None
