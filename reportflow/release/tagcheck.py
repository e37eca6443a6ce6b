"""Which release tags are releases: anyone can make a tag named ``<report>/<year>/v<N>``.

A forged tag used to choose the roster (issue 11, family 1). Tags now choose nothing (the roster
comes from the chain at the trust root, ``signoff/chain.py``); what is left is to say which
tags are not what they claim, so that ``gate`` names them instead of staying silent. A tag is
a release only if it is annotated, its message carries the manifest digest that ``release``
writes, it carries an SSH signature by a releaser of the roster in force at the tagged commit
(``anchors.py``: the decisive check, since plain git cannot make it), and the report passes the
gate at the tagged commit (with the ledger as it was there).
"""

from __future__ import annotations

from pathlib import Path

from reportflow.core import gitio
from reportflow.core.errors import ReportflowError
from reportflow.core.i18n import _


def invalid_tags(report_dir: Path, report: str, year: int, commit: str) -> list[str]:
    """A problem line for each release tag of ``report``/``year`` in the history of
    ``commit`` that is not a valid release."""
    repo = gitio.require_repo(report_dir)
    tags = gitio.release_tags(repo, report, year, merged=commit)
    if not tags:
        return []
    # imported only when there are tags: release pulls in the archive (50-80 ms for the gate)
    from reportflow.release import anchors, assess

    raw = gitio.tag_objects(repo, [tag.name for tag in tags.values()])
    lines = []
    for _number, tag in sorted(tags.items()):
        why = None
        if not tag.annotated or tag.name not in raw:
            why = _("a lightweight tag, not one made by 'reportflow release'")
        elif anchors.digest_in_message(tag.message) is None:
            why = _("its message carries no manifest-sha256")
        else:
            try:
                roster, verdict = assess.decision(report_dir, tag.commit)
            except ReportflowError as exc:
                why = str(exc)
            else:
                payload, signature = anchors.split_tag(raw[tag.name])
                signer = anchors.signed_by(payload, signature, roster, anchors.TAG_NAMESPACE)
                if not isinstance(signer, anchors.Signer):
                    why = signer
                elif verdict is None or not verdict.passed:
                    why = _("the report is not approved at {commit}").format(commit=tag.commit[:10])
        if why:
            lines.append(
                _("tag {tag} is not a valid release: {why}; it is ignored").format(
                    tag=tag.name, why=why
                )
            )
    return lines
