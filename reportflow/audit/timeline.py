"""The audit timeline: events in the order of the commit graph, and the filters on them.

Events are ordered by the commit that carries them (oldest first in the walk's topological
order), never by their dates: any author sets a commit's date and any signer a record's time,
while the parent links are fixed by the commit ids. Each event still shows its time.

Kinds (``schemas/audit.schema.json`` documents every field):
- ``edit``: one commit's change to one section (author as a roster person, characters added
  and removed, the message);
- ``signoff``: one ledger record (decision, counted or not and why, fingerprint, channel);
- ``roster``: a roster that came into force or was proposed, and who signed it off;
- ``release``: a release tag with its approvers and manifest digest, and whether it verifies;
- ``flag``: what the trust chain flags (a record deleted or edited, a merge with text of its
  own, a tag that does not verify, a record refused).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

from reportflow.core.errors import InputError
from reportflow.core.i18n import _

FORMAT = "reportflow-audit/1"
SCHEMA_ID = "https://reportflow.example/schemas/audit.schema.json"
KINDS = ("edit", "signoff", "roster", "release", "flag")
_RANK = {kind: i for i, kind in enumerate(("roster", "edit", "signoff", "flag", "release"))}


@dataclass(frozen=True)
class Event:
    kind: str
    time: str  # ISO 8601 as recorded (self-declared: shown, never used for order)
    commit: str  # the commit that carries the event (for a record: the commit that added it)
    person: str  # roster person id, or "Name <email>" when no person has that e-mail
    section: str | None = None
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def to_json(self, seq: int) -> dict[str, Any]:
        return {
            "seq": seq,
            "kind": self.kind,
            "time": self.time,
            "commit": self.commit,
            "person": self.person,
            "section": self.section,
            **self.data,
        }


@dataclass(frozen=True)
class Timeline:
    report: str
    year: int
    title: str
    commit: str  # the audited commit
    people: Mapping[str, str]  # person id -> printed name
    events: tuple[Event, ...]
    filters: Mapping[str, str | None] = field(default_factory=lambda: MappingProxyType({}))

    def to_json(self) -> dict[str, Any]:
        counts = {kind: 0 for kind in KINDS}
        for event in self.events:
            counts[event.kind] += 1
        return {
            "$schema": SCHEMA_ID,
            "format": FORMAT,
            "report": self.report,
            "year": self.year,
            "title": self.title,
            "commit": self.commit,
            "filters": dict(self.filters),
            "people": dict(self.people),
            "counts": counts,
            "events": [e.to_json(i) for i, e in enumerate(self.events, 1)],
        }


def ordered(events: Iterable[Event], place: Mapping[str, int]) -> tuple[Event, ...]:
    """Events by their commit's place in the graph (oldest first), then by kind (a roster
    before the edits of its commit, a release after its sign-offs), then as they came."""
    late = len(place) + 1  # commits outside the walk (a tag on another branch) come last
    return tuple(sorted(events, key=lambda e: (place.get(e.commit, late), _RANK[e.kind])))


def _moment(value: str, option: str) -> datetime | date:
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            _("{option} {value!r} is not a date or time").format(option=option, value=value),
            hint=_("give a date such as 2022-12-31 or a time such as 2022-12-31T18:00+08:00"),
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _after(stamp: str, since: datetime | date) -> bool:
    when = datetime.fromisoformat(stamp)
    if isinstance(since, datetime):
        return when >= since
    return when.date() >= since  # a date is the day as the event's own clock wrote it


def _before(stamp: str, until: datetime | date) -> bool:
    when = datetime.fromisoformat(stamp)
    if isinstance(until, datetime):
        return when <= until
    return when.date() <= until


def _valid_time(stamp: str) -> bool:
    try:
        datetime.fromisoformat(stamp)
    except ValueError:
        return False
    return True


def select(
    timeline: Timeline,
    *,
    since: str | None = None,
    until: str | None = None,
    section: str | None = None,
    person: str | None = None,
) -> Timeline:
    """The events that match every filter given. ``section``: events about that section
    (its edits, sign-offs and flags); ``person``: events whose actor is that person (author,
    reviewer, releaser). Times compare as written (self-declared), dates as calendar days."""
    start = _moment(since, "--since") if since else None
    end = _moment(until, "--until") if until else None
    kept = []
    for event in timeline.events:
        if section is not None and event.section != section:
            continue
        if person is not None and event.person != person:
            continue
        timed = _valid_time(event.time)
        if start is not None and not (timed and _after(event.time, start)):
            continue
        if end is not None and not (timed and _before(event.time, end)):
            continue
        kept.append(event)
    filters = {"since": since, "until": until, "section": section, "person": person}
    return replace(timeline, events=tuple(kept), filters=MappingProxyType(filters))
