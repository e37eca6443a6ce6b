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
  own, a tag that does not verify, a record refused), and commits whose dates are out of order
  (``date_flags``).

Dates are checked only against each other and the auditor's clock: git lets anyone write any
date, so a backdated commit shows the date it claims. What can be seen is a committer date
earlier than a parent's (the clock went back, or was set back) and a date in the future;
``date_flags`` flags those, and ``select``'s ``--since``/``--until`` keep such a flag whatever
its date, since it is about the dates those filters select by.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

from reportflow.core.errors import InputError
from reportflow.core.history import Commit
from reportflow.core.i18n import _

FORMAT = "reportflow-audit/1"
SCHEMA_ID = "https://reportflow.example/schemas/audit.schema.json"
KINDS = ("edit", "signoff", "roster", "release", "flag")
_RANK = {kind: i for i, kind in enumerate(("roster", "edit", "signoff", "flag", "release"))}
DATE_FLAG = "date-out-of-order"
#: how far a date may be ahead of the auditor's clock before it is "in the future": two
#: machines' clocks differ by seconds, a forged date by days
FUTURE_SLACK = 300


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
    #: a date was ahead of the auditor's clock (``future_dated``): the date flags would read
    #: differently later, so this timeline is not kept for later runs (``audit/memo.py``)
    clock_bound: bool = field(default=False, compare=False)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Timeline:
        """The timeline ``to_json`` wrote (the audit's memo): every event's fields back, the
        sequence numbers dropped (``to_json`` numbers what is shown)."""
        events = []
        for raw in doc["events"]:
            data = dict(raw)
            del data["seq"]
            head = [data.pop(k) for k in ("kind", "time", "commit", "person", "section")]
            events.append(Event(*head, MappingProxyType(data)))
        return cls(
            doc["report"],
            doc["year"],
            doc["title"],
            doc["commit"],
            MappingProxyType(dict(doc["people"])),
            tuple(events),
            MappingProxyType(dict(doc["filters"])),
        )

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


def _utc(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _epoch(stamp: str) -> float | None:
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def date_flags(
    commits: Mapping[str, Commit],
    person_at: Mapping[str, str],
    author_time: Mapping[str, str],
    now: float,
) -> list[Event]:
    """A ``date-out-of-order`` flag for each commit of the walk whose committer date is earlier
    than a parent's by more than ``FUTURE_SLACK``, or whose committer or author date is later
    than ``now`` (the auditor's clock; ``FUTURE_SLACK`` allowed for clocks that differ). From
    the walk's committer times and the notes' author times, nothing read again; the flag's
    time is the author date, as the commit's other events show.

    An author date earlier than its parent's is not flagged: a rebase or cherry-pick keeps the
    author date and makes every such history look backdated. An author date is parsed only
    when its day is no earlier than yesterday (an ISO date's day is within a day of UTC's), so
    a long history costs a string comparison a commit."""
    limit, yesterday = _clock(now)
    flags = []
    for sha, commit in commits.items():
        reasons = []
        for parent_sha in commit.parents:
            parent = commits.get(parent_sha)
            # FUTURE_SLACK here too: a colleague's PC a minute fast is no backdating
            if parent is not None and commit.ctime + FUTURE_SLACK < parent.ctime:
                reasons.append(
                    _(
                        "committer date {date} is earlier than its parent {parent}'s ({then})"
                    ).format(
                        date=_utc(commit.ctime), parent=parent_sha[:10], then=_utc(parent.ctime)
                    )
                )
        if commit.ctime > limit:
            reasons.append(
                _("committer date {date} is in the future (later than the audit's clock)").format(
                    date=_utc(commit.ctime)
                )
            )
        authored = author_time.get(sha, "")
        if _authored_after(authored, limit, yesterday):
            reasons.append(
                _("author date {date} is in the future (later than the audit's clock)").format(
                    date=authored
                )
            )
        if reasons:
            note = _("dates are self-declared; the timeline follows the commit graph")
            detail = _("{reasons} ({note})").format(reasons=_("; ").join(reasons), note=note)
            data = {"flag": DATE_FLAG, "detail": detail}
            person = person_at.get(sha, "")
            flags.append(Event("flag", authored, sha, person, None, MappingProxyType(data)))
    return flags


def _clock(now: float) -> tuple[float, str]:
    """(the latest time not in the future, ``FUTURE_SLACK`` allowed; the day before it, as an
    ISO date: an author date from an earlier day cannot be after the limit)."""
    limit = now + FUTURE_SLACK
    return limit, datetime.fromtimestamp(limit - 86400, UTC).date().isoformat()


def _authored_after(authored: str, limit: float, yesterday: str) -> bool:
    return authored[:10] >= yesterday and (_epoch(authored) or 0) > limit


def future_dated(commits: Mapping[str, Commit], author_time: Mapping[str, str], now: float) -> bool:
    """Whether any date ``date_flags`` reads is in the future at ``now``: only then do its
    flags change as the clock goes on (a date not ahead of the clock now never will be)."""
    limit, yesterday = _clock(now)
    return any(c.ctime > limit for c in commits.values()) or any(
        _authored_after(a, limit, yesterday) for a in author_time.values()
    )


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
    reviewer, releaser). Times compare as written (self-declared), dates as calendar days.

    A ``date-out-of-order`` flag is kept whatever ``since`` and ``until`` say: the dates it
    doubts are the ones they compare, and the events of its commit may be outside the window
    for no other reason than a clock set back or ahead. With ``section`` it is kept when its
    commit carries an event about that section."""
    start = _moment(since, "--since") if since else None
    end = _moment(until, "--until") if until else None
    about = {e.commit for e in timeline.events if e.section == section} if section else set()
    kept = []
    for event in timeline.events:
        dates = event.kind == "flag" and event.data.get("flag") == DATE_FLAG
        if (
            section is not None
            and event.section != section
            and not (dates and event.commit in about)
        ):
            continue
        if person is not None and event.person != person:
            continue
        if dates:
            kept.append(event)
            continue
        timed = _valid_time(event.time)
        if start is not None and not (timed and _after(event.time, start)):
            continue
        if end is not None and not (timed and _before(event.time, end)):
            continue
        kept.append(event)
    filters = {"since": since, "until": until, "section": section, "person": person}
    return replace(timeline, events=tuple(kept), filters=MappingProxyType(filters))
