"""Extra files of an archive entry, made by layers above ``release`` (the audit page).

A module of its own, with nothing but names and one dataclass, so that the audit page can
carry ``AUDIT_MARK`` and ``verify`` can look for it without importing the release machinery
(``release.release``'s imports cost 0.26 s, more than rendering the page).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

#: The audit page a release carries (``reportflow.audit.archived``, passed in by the command
#: and the flow: ``release`` may not import the audit). ``verify`` checks its digest and that
#: it names the released commit (``AUDIT_MARK``).
AUDIT_PAGE = "audit.html"
AUDIT_MARK = "reportflow-audit"  # <meta name=... content="<report>/<year>@<commit>">


@dataclass(frozen=True)
class Attaching:
    """What an attachment producer is told: the version being released, before its tag."""

    report_dir: Path
    commit: str
    version: int
    tag: str


#: Extra files for the archive entry, made while the render runs and written into the staged
#: entry before the manifest lists and signs it (never added after): name -> contents.
Attachment = Callable[[Attaching], Mapping[str, bytes]]
