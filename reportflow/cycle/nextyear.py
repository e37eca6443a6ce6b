"""The annual cycle: open next year's report from the last approved version.

Next year's draft must start from what was approved, not from whatever a drafter left in the
working tree afterwards, so the source is the newest release tag's commit when there is one.

The new year is committed on the branch the run works on (main), not on a ``<report>/<year>``
branch: the year's own folder already keeps its drafts away from released years (releases are
tags, ``verify`` reads the tagged tree), while one branch keeps the reminders, ``signoff
--push``, the release deployment and the roster chain on one history (two approved roster
changes on branches that do not see each other are a conflict). README, "Prefect flows".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from reportflow.content import model, scaffold
from reportflow.core import gitio, safe_text
from reportflow.core.errors import ContentError
from reportflow.core.i18n import _


@dataclass(frozen=True)
class Opened:
    path: Path
    source: str  # "v<N> (<commit>)" or "working tree"
    owners: tuple[str, ...]
    already: bool = False  # the year was open already: nothing written
    commit: str | None = None  # the commit that added the folder, when ``commit_opened`` ran
    # the year whose roster stays in force ("political-ecology/2022") and who signs off a
    # change of it: the roster chain carries it over whatever the new report.yaml says
    # (signoff/chain.py), so whoever opens the year is told, by ``new --from`` and the flow
    carried: str | None = None
    approvers: tuple[str, ...] = ()


def carried_roster(old: model.Report) -> tuple[str | None, tuple[str, ...]]:
    """The year whose roster a year opened from ``old`` starts with, and its final
    approvers; none when that year has no roster (no policy: nothing to carry over)."""
    from reportflow.signoff import roster

    found = roster.from_doc(old.raw)
    if found is None:
        return None, ()
    who = tuple(p for p in found.people if found.may_approve_report(p))
    return f"{old.report}/{old.year}", who


def carried_sentence(carried: str, folder: str | Path, approvers: tuple[str, ...]) -> str:
    """What a carried-over roster means for the new year, in the user's language."""
    return _(
        "roster carried over from {previous}: people, keys and policy changed in "
        "{folder}/report.yaml take effect once {who} sign off the change "
        "(reportflow signoff {folder} --roster)"
    ).format(previous=carried, folder=folder, who=safe_text.shown(", ".join(approvers) or "-"))


def years(series_dir: Path) -> list[int]:
    return sorted(
        int(p.name)
        for p in series_dir.iterdir()
        if p.is_dir() and p.name.isdigit() and (p / model.REPORT_FILE).is_file()
    )


def open_next(series_dir: Path, year: int | None = None) -> Opened:
    """Create ``<series>/<year>`` (default: the latest year + 1) from the latest year."""
    found = years(series_dir) if series_dir.is_dir() else []
    if not found:
        raise ContentError(
            "no year of this report to start from",
            file=series_dir,
            hint="give the series folder, e.g. content/political-ecology",
        )
    last = found[-1]
    target = year if year is not None else last + 1
    if target <= last:
        raise ContentError(f"{target} is not after the latest year {last}", file=series_dir)
    src_dir = series_dir / str(last)
    current = model.load_report(src_dir)
    repo = gitio.find_repo(src_dir)
    tags = gitio.release_tags(repo, current.report, current.year) if repo else {}
    if tags:
        newest = max(tags)
        old = model.load_report_at(src_dir, tags[newest].commit)
        source = f"v{newest} ({tags[newest].commit[:10]})"
    else:
        old, source = current, "working tree"
    doc, sections = scaffold.carry_over(old, target)
    path = scaffold.write_report(series_dir / str(target), doc, sections)
    owners = tuple(dict.fromkeys(a for s in old.sections for a in s.authors))
    carried, approvers = carried_roster(old)
    return Opened(path, source, owners, carried=carried, approvers=approvers)


def open_cycle(series_dir: Path, year: int | None = None, today: dt.date | None = None) -> Opened:
    """The yearly step, idempotent: open ``year`` (default: this calendar year, the year whose
    report is drafted from 1 November) unless that year, or a later one, is there already;
    then nothing is written and ``already`` says so. Reruns and catch-up runs are safe."""
    target = year if year is not None else (today or dt.date.today()).year
    found = years(series_dir) if series_dir.is_dir() else []
    if found and target <= found[-1]:
        have = target if target in found else found[-1]
        current = model.load_report(series_dir / str(have))
        owners = tuple(dict.fromkeys(a for s in current.sections for a in s.authors))
        return Opened(series_dir / str(have), f"already open ({have})", owners, already=True)
    return open_next(series_dir, target)


def commit_opened(opened: Opened) -> Opened:
    """Commit the new folder, authored by its first owner (the person who drafts it), so the
    new year is in the history everyone pulls, not just in a worker's work tree."""
    if opened.already:
        return opened
    repo = gitio.require_repo(opened.path)
    report = model.load_report(opened.path)
    person = report.people.get(opened.owners[0]) if opened.owners else None
    name = person.name if person else "reportflow"
    email = (person.email if person else None) or "reportflow@reportflow.invalid"
    sha = gitio.commit_files(
        repo,
        [gitio.relpath(repo, opened.path)],
        f"open {report.report}/{report.year} from {opened.source}",
        f"{name} <{email}>",
    )
    return dataclasses.replace(opened, commit=sha)


def open_reports(content_dir: Path) -> list[Path]:
    """Every report folder ``<content>/<report>/<year>`` that is the latest year of its
    series: the reports people are drafting or approving now (reminders go over these)."""
    if not content_dir.is_dir():
        return []
    found = []
    for series in sorted(p for p in content_dir.iterdir() if p.is_dir()):
        have = years(series)
        if have:
            found.append(series / str(have[-1]))
    return found
