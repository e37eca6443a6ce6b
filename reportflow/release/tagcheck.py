"""Which release tags are releases: anyone can make a tag named ``<report>/<year>/v<N>``.

A forged tag used to choose the roster (issue 11, family 1). Tags now choose nothing (the roster
comes from the chain at the trust root, ``signoff/chain.py``); what is left is to say which
tags are not what they claim, so that ``gate`` names them instead of staying silent. A tag is
a release only if it is annotated, its message carries the manifest digest that ``release``
writes, it carries an SSH signature by a releaser of the roster in force at the tagged commit
(``anchors.py``: the decisive check, since plain git cannot make it), and the report passes the
gate at the tagged commit (with the ledger as it was there).

A releaser's signature alone does not say the tagged commit was approved: a final approver can
sign a tag on any commit with ``git tag -s``. What ``release`` adds after its own gate is the
release record, signed by the same releaser, naming the tag's commit, version and manifest; a
tag backed by one is taken as released (a gate evaluation per release would make the gate
20x ``git log`` with 20 releases), and every other tag is judged at its own commit. A releaser
who forges the release record too, by hand, is past this check; ``verify`` judges every
version's approval from its manifest and names it.
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
) -> list[str]:
    """A problem line for each release tag of ``report``/``year`` in the history of
    ``commit`` that is not a valid release. ``roster``: the roster in force at ``commit``,
    ``records``: the ledger there (``approval.Context.records``), when the caller has them.
    A tag its releasers signed that a release record of the same releaser backs needs no gate
    evaluation at the tagged commit, and an unsigned tag needs none either; every other tag
    is judged by the roster and the approval at its own commit, so the gate costs one
    evaluation only per tag that ``release`` did not make."""
    repo = gitio.require_repo(report_dir)
    tags = gitio.release_tags(repo, report, year, merged=commit)
    if not tags:
        return []
    # imported only when there are tags: release pulls in the archive (50-80 ms for the gate)
    from reportflow.release import anchors

    raw = gitio.tag_objects(repo, [tag.name for tag in tags.values()])
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
        if why:
            lines.append(
                _("tag {tag} is not a valid release: {why}; it is ignored").format(
                    tag=tag.name, why=why
                )
            )
    return lines


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
