"""Printed names as a release approved them, and a flag where report.yaml now differs.

A person's printed name (``people.<id>.name`` in report.yaml) is not part of the roster's
digest (``roster.digest_of``: renaming someone changes nobody's rights), so an author can
change it with no sign-off, and the audit page prints names beside "verified": renaming
``deputy-head-1`` to the party secretary's name would put that name on their verified
approvals. The name a final approver did approve is the one in report.yaml at a released
commit (the report's fingerprint covers report.yaml's bytes, and the release signs it). So
the audit shows, for everyone the latest verified release in the audited history lists, the
name printed there; a different name at the audited commit is a ``name-unapproved`` flag
(attributed to report.yaml's last change). People added since that release, and every name
before a first release, are the audited commit's: what report.yaml says, as everything
unreleased is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from reportflow.audit.timeline import Event
from reportflow.core import gitio
from reportflow.core.errors import ReportflowError
from reportflow.core.i18n import _


def _names_at(repo: Any, commit: str, yaml_path: str) -> dict[str, str] | None:
    from reportflow.content import schema

    spec = f"{commit}:{yaml_path}"
    raw = gitio.read_blobs(repo, [spec]).get(spec)
    if raw is None:
        return None
    try:
        doc = schema.parse_report_yaml(raw.decode("utf-8"), yaml_path)
    except (UnicodeDecodeError, ReportflowError):
        return None
    people = doc.get("people") if isinstance(doc, dict) else None
    if not isinstance(people, dict):
        return None
    return {
        str(pid): str(p["name"])
        for pid, p in people.items()
        if isinstance(p, dict) and isinstance(p.get("name"), str)
    }


def approved(
    repo: Any,
    yaml_path: str,
    current: Mapping[str, str],
    releases: Sequence[Event],
    in_history: Callable[[str], bool],
    last_change: tuple[str, str, str] | None,
) -> tuple[dict[str, str], list[Event]]:
    """(person id -> the name to print, the ``name-unapproved`` flags). ``current``: the
    names at the audited commit; ``releases``: the release events (the verified ones count);
    ``in_history``: whether a commit is in the audited history; ``last_change``: (commit,
    person, time) of report.yaml's last change, to which a flag is attributed."""
    verified = [e for e in releases if e.data.get("verified") and e.commit and in_history(e.commit)]
    if not verified:
        return dict(current), []
    latest = max(verified, key=lambda e: e.data["version"])
    released = _names_at(repo, latest.commit, yaml_path)
    if released is None:
        return dict(current), []
    shown = {pid: released.get(pid, name) for pid, name in current.items()}
    flags = []
    commit, person, when = last_change or ("", "", "")
    tag = latest.data.get("tag") or f"v{latest.data['version']}"
    for pid, name in current.items():
        if pid in released and released[pid] != name:
            detail = _(
                "report.yaml prints {person} as {now!r}; the last release {tag} printed "
                "{then!r}, which is the name shown: a printed name is not part of the roster's "
                "sign-off, only of a release's final approval"
            ).format(person=pid, now=name, tag=tag, then=released[pid])
            data = {"flag": "name-unapproved", "detail": detail}
            flags.append(Event("flag", when, commit, person, None, MappingProxyType(data)))
    return shown, flags
