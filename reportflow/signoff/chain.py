"""The roster chain: which roster judges a report, from the trust root down, across years.

A roster (people, keys, policy of report.yaml) is *in force* only through a chain of signed
records that starts at the pinned root (``trust.py``):

1. **genesis**: the first roster of a series is the one a threshold of the root's members
   signed (roster records with channel ``trust-root``, verified with the root's keys). A later
   root-approved roster for a year replaces whatever that year had (recovery when nobody who
   could sign a change is left).
2. **carry-over**: a year without a genesis starts from the previous year's roster in force
   (evaluated on the same history), so next year's folder brings no roster of its own: whoever
   makes its first commit chooses nothing.
3. **steps**: a different roster takes effect once the final approvers of the roster in force
   sign it off (scope ``roster``, fingerprint its digest, verified with the keys in force),
   made on a commit that has the previous step in its history. Two approved changes on
   branches that do not see each other are a conflict, named, not a choice.

Tags, first commits, unrelated histories and commit dates play no part: trust on first use is
gone (issue 11, families 1-3). Pure: the records, the rosters they name and the commit graph
come from ``approval.py``; signatures are checked by the ``verify`` function handed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from reportflow.core.history import Dag
from reportflow.core.i18n import _
from reportflow.signoff import duties, gate
from reportflow.signoff.ledger import SignoffRecord, Verification
from reportflow.signoff.order import TIME_ORDER, Order
from reportflow.signoff.roster import DEFAULT, Member, Policy, Roster, Who
from reportflow.signoff.trust import RootVersion

ROOT_CHANNEL = "trust-root"
ROOT_ROLE = "trust-root"
Verify = Callable[
    [Iterable[SignoffRecord], Mapping[str, Sequence[str]]], Mapping[str, Verification]
]


@dataclass(frozen=True)
class RosterEdit:
    """A commit that changed the year's report.yaml, and the roster it left there."""

    commit: str
    emails: tuple[str, ...]  # author, committer, co-authors
    digest: str | None  # the roster's digest after the commit; None: no roster (no policy)
    # the roster before it (the newest older change in its history); "": the file's first
    # version in this history (compared with the roster in force)
    before: str | None = ""


def _no_edits() -> Sequence[RosterEdit]:
    return ()


@dataclass(frozen=True)
class YearLedger:
    """One year's roster records (anchored, from the append-only ledger) and the roster each
    fingerprint names (report.yaml at the record's commit). ``edits``: the year's report.yaml
    changes, newest first, read only when a roster change is judged (separation of duties)."""

    records: tuple[SignoffRecord, ...]
    rosters: Mapping[str, Roster]
    order: Order
    edits: Callable[[], Sequence[RosterEdit]] = _no_edits


def editors(
    base: Roster, edits: Iterable[RosterEdit], seen: frozenset[str], before: frozenset[str]
) -> dict[str, str]:
    """People who may not sign off a change of ``base``, with why: they made a commit in
    ``seen`` (what the sign-offs had in their history) but not in ``before`` (the history
    where ``base`` took effect) that changed report.yaml's roster (people, keys or policy):
    an edit of the title alone is not a roster edit. Without
    this, a final approver could write a roster giving themselves more and approve it alone
    (design, 2.10)."""
    if not base.policy.separation_of_duties:
        return {}
    found: dict[str, str] = {}
    for edit in edits:
        was = base.digest if edit.before == "" else edit.before
        if edit.commit in seen and edit.commit not in before and edit.digest != was:
            for email in edit.emails:
                found.setdefault(
                    duties.person(base, email),
                    _(
                        "edited the roster in report.yaml (commit {commit}) since the roster "
                        "in force took effect (separation of duties)"
                    ).format(commit=edit.commit[:10]),
                )
    return found


@dataclass(frozen=True)
class Link:
    roster: Roster
    year: int
    how: str  # genesis | carried | signed
    counted: tuple[SignoffRecord, ...] = ()
    effect: str | None = None  # the commit whose record made it take effect


@dataclass(frozen=True)
class RosterChain:
    links: tuple[Link, ...]
    problem: str | None = None  # no roster in force, or a conflict: the gate stays shut
    notes: tuple[str, ...] = field(default=())

    @property
    def roster(self) -> Roster | None:
        return self.links[-1].roster if self.links else None

    def counted(self, year: int) -> tuple[SignoffRecord, ...]:
        """The records that put this year's roster in force (evidence for a manifest)."""
        out: list[SignoffRecord] = []
        for link in self.links:
            if link.year == year:
                out += [r for r in link.counted if r not in out]
        return tuple(out)

    def changed_in(self, year: int) -> bool:
        return any(link.year == year and link.how == "signed" for link in self.links)


def root_roster(root: RootVersion) -> Roster:
    """The root as a roster: its members, one role, the root threshold for any approval."""
    who = Who(root.threshold, (ROOT_ROLE,))
    people = {m: Member(m, (ROOT_ROLE,), None, keys) for m, keys in root.members.items()}
    policy = Policy({DEFAULT: who}, who, separation_of_duties=False)
    return Roster(people, policy, root.digest, _("trust root v{v}").format(v=root.version))


def no_first_roster(series: str, year: int, folder: str) -> str:
    return _(
        "no roster in force for {series}/{year}: the trust root has not approved a first roster "
        "(run: reportflow trust approve-roster {folder} --as <root member> --key …)"
    ).format(series=series, year=year, folder=folder)


def build(
    series: str,
    year: int,
    root: RootVersion,
    years: Mapping[int, YearLedger],
    dag: Dag,
    added_in: Mapping[str, str],
    verify: Verify,
    folder: str = "<report folder>",
) -> RosterChain:
    """The chain that ends at the roster in force for ``series``/``year``; ``years`` holds
    every year of the series whose folder is in the history (missing: never existed)."""
    return _Builder(series, root, years, dag, added_in, verify, folder).chain(year)


class _Builder:
    def __init__(
        self,
        series: str,
        root: RootVersion,
        years: Mapping[int, YearLedger],
        dag: Dag,
        added_in: Mapping[str, str],
        verify: Verify,
        folder: str,
    ) -> None:
        self.series, self.root, self.years, self.dag = series, root, years, dag
        self.added_in, self.verify, self.folder = added_in, verify, folder
        self.notes: list[str] = []

    def chain(self, year: int) -> RosterChain:
        led = self.years.get(year, YearLedger((), {}, TIME_ORDER))
        start, problem = self._genesis(year, led)
        if problem:
            return RosterChain((), problem, tuple(self.notes))
        links: list[Link] = []
        if start is not None:
            links.append(start)
        elif year - 1 in self.years:
            before = self.chain(year - 1)
            if before.roster is None:
                if before.problem:
                    self.notes.append(before.problem)
                return RosterChain(
                    (), no_first_roster(self.series, year, self.folder), tuple(self.notes)
                )
            carried = replace(
                before.roster,
                origin=_("carried over from {series}/{year} ({origin})").format(
                    series=self.series, year=year - 1, origin=before.roster.origin
                ),
            )
            links = [*before.links, Link(carried, year, "carried")]
        else:
            return RosterChain(
                (), no_first_roster(self.series, year, self.folder), tuple(self.notes)
            )
        problem = self._steps(year, led, links)
        return RosterChain(tuple(links), problem, tuple(self.notes))

    def _effect(self, records: Sequence[SignoffRecord]) -> str | None:
        """The newest adding commit among ``records``: where the decision took effect."""
        commits = [self.added_in[r.digest] for r in records if r.digest in self.added_in]
        return max(commits, key=self.dag.generation, default=None)

    def _approved(
        self, base: Roster, led: YearLedger, records: Sequence[SignoffRecord], effect: str | None
    ) -> list[Link]:
        """Every roster ``base`` approved with ``records`` made after ``effect``."""
        found: list[Link] = []
        for fp, candidate in sorted(led.rosters.items()):
            if fp == base.digest:
                continue
            mine = [
                r
                for r in records
                if r.fingerprint == fp
                and (effect is None or self.dag.is_ancestor(effect, r.commit))
            ]
            if not mine:
                continue
            need = gate.roster_checks(base, candidate, mine)
            verified = self.verify(need, base.keys_of())
            shut: dict[str, str] = {}
            if base.policy.separation_of_duties:
                seen = frozenset().union(*(self.dag.ancestors(r.commit) for r in mine))
                before = self.dag.ancestors(effect) if effect else frozenset()
                shut = editors(base, led.edits(), seen, before)
            rv = gate.effective_roster(base, candidate, mine, verified, led.order, shut)
            if rv.status == "approved" and rv.verdict is not None:
                counted = rv.verdict.counted
                found.append(Link(candidate, 0, "", counted, self._effect(counted)))
        return found

    def _one(self, options: list[Link], what: str) -> tuple[Link | None, str | None]:
        """The option that takes effect first; a conflict when two do not see each other."""
        if not options:
            return None, None
        options.sort(key=lambda link: self.dag.generation(link.effect or ""))
        first = options[0]
        for other in options[1:]:
            if not self.dag.is_ancestor(first.effect or "", other.effect or ""):
                return None, _(
                    "conflicting {what} approved on two branches (commits {a} and {b}): sign "
                    "off one of them again on a commit that has both"
                ).format(what=what, a=(first.effect or "")[:10], b=(other.effect or "")[:10])
        return first, None

    def _genesis(self, year: int, led: YearLedger) -> tuple[Link | None, str | None]:
        mine = [
            r for r in led.records if r.channel == ROOT_CHANNEL and r.reviewer in self.root.members
        ]
        if not mine:
            return None, None
        if not self.root.covers(self.series):
            self.notes.append(
                _("the trust root approves first rosters of {series} only; not of {mine}").format(
                    series=", ".join(self.root.series), mine=self.series
                )
            )
            return None, None
        options = self._approved(root_roster(self.root), led, mine, None)
        # the newest root approval is in force (a recovery replaces an older genesis)
        options.sort(key=lambda link: self.dag.generation(link.effect or ""), reverse=True)
        if len(options) > 1 and not self.dag.is_ancestor(
            options[1].effect or "", options[0].effect or ""
        ):
            return None, _(
                "conflicting first rosters approved by the trust root on two branches "
                "(commits {a} and {b})"
            ).format(a=(options[0].effect or "")[:10], b=(options[1].effect or "")[:10])
        if not options:
            return None, None
        link = options[0]
        origin = _("root-approved at commit {commit}").format(commit=(link.effect or "")[:10])
        return replace(
            link, roster=replace(link.roster, origin=origin), year=year, how="genesis"
        ), None

    def _steps(self, year: int, led: YearLedger, links: list[Link]) -> str | None:
        """Append each roster change signed off by the roster before it; a conflict's message."""
        records = [r for r in led.records if r.channel != ROOT_CHANNEL]
        for _round in range(len(records) + 1):
            current = links[-1]
            start = current.effect if current.year == year else None
            options = self._approved(current.roster, led, records, start)
            nxt, problem = self._one(options, _("roster changes"))
            if problem or nxt is None:
                return problem
            origin = _("roster signed off at commit {commit}").format(
                commit=(nxt.effect or "")[:10]
            )
            links.append(
                replace(nxt, roster=replace(nxt.roster, origin=origin), year=year, how="signed")
            )
        return None
