"""The audit page a release puts into its archive entry (``audit.html``).

``release`` may not import the audit (the layers go content → … → release → audit), so the
command and the flow hand this producer to ``release.release(attachments=...)``; the release
runs it beside the render and writes the page into the staged entry before the manifest lists
and signs it. The page is the audit at the released commit, before its tag exists: the history
that led to this version and the releases before it, as the releaser's repository held them.
An inspector opens it from the archive without reportflow or git.
"""

from __future__ import annotations

from collections.abc import Mapping

from reportflow.release.attach import AUDIT_PAGE, Attaching


def audit_page(facts: Attaching) -> Mapping[str, bytes]:
    from reportflow.audit import collect, page

    timeline = collect.collect(facts.report_dir, facts.commit)
    return {AUDIT_PAGE: page.render(timeline).encode("utf-8")}
