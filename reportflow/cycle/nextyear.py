"""The annual cycle: open next year's report from the last approved version.

Next year's draft must start from what was approved, not from whatever a drafter left in the
working tree afterwards, so the source is the newest release tag's commit when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportflow.content import model, scaffold
from reportflow.core import gitio
from reportflow.core.errors import ContentError


@dataclass(frozen=True)
class Opened:
    path: Path
    source: str  # "v<N> (<commit>)" or "working tree"
    owners: tuple[str, ...]


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
    return Opened(path, source, owners)
