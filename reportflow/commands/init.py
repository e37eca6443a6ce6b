"""``reportflow init``: an office's own reports repository, with a first report to fill in."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reportflow.content import office


def default_year(today: date | None = None) -> int:
    """The current year: reports are opened for the year they are about (drafting starts in
    November), so only an office starting late, in January, passes ``--year``."""
    return (today or date.today()).year


def run(
    target: Path,
    *,
    report: str = "annual-report",
    year: int | None = None,
    template: str = "generic",
    organisation: str | None = None,
    title: str | None = None,
) -> office.InitResult:
    opts = office.OfficeOptions(
        year=year if year is not None else default_year(),
        report=report,
        template=template,
        organisation=organisation,
        title=title,
    )
    return office.init_office(target, opts)


def summary(result: office.InitResult) -> str:
    """What was made and the one thing to do next (the README says the rest)."""
    lines = [f"{'created the git repository' if result.created_repo else 'set up'} {result.root}"]
    lines += [f"  wrote {name}" for name in result.written]
    lines += [f"  kept your {name}" for name in result.kept]
    guide = next((n for n in result.written if n.startswith("README")), office.README)
    lines.append(
        f"next: fill in {result.report_dir.as_posix()}/report.yaml (people, emails, keys) "
        f"before the first commit; {guide} says what follows"
    )
    return "\n".join(lines)
