"""``reportflow new``: open a report folder for a year, from a template or last year's text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportflow.content import model, scaffold
from reportflow.cycle import nextyear


def from_template(
    report: str, year: int, template: str, title: str | None, organisation: str | None, owner: str
) -> tuple[dict[str, Any], list[scaffold.NewSection]]:
    sections = scaffold.template_sections(template, owner)
    doc = {
        "report": report,
        "year": year,
        "title": title or scaffold.TO_FILL,
        "organisation": organisation or scaffold.TO_FILL,
        "template": template,
        "language": "zh-CN",
        "sections": [s.id for s in sections],
        "people": {owner: {"name": owner, "roles": ["author"]}},
    }
    return doc, sections


@dataclass(frozen=True)
class Created:
    path: Path
    moved: tuple[str, ...] = ()  # with --from: what moved to the new year, for the user to check
    # with --from: the year whose roster stays in force ("political-ecology/2022"), and who
    # signs off a change of it (its final approvers); the roster chain carries it over whatever
    # the new report.yaml says (signoff/chain.py), so the user is told when the folder is made
    carried: str | None = None
    approvers: tuple[str, ...] = ()


def run(
    report: str,
    year: int,
    *,
    into: Path,
    previous: Path | None = None,
    template: str = "generic",
    title: str | None = None,
    organisation: str | None = None,
    owner: str = "drafter",
) -> Created:
    scaffold.check_id(report, "report id")
    scaffold.check_id(owner, "owner")
    moved: list[str] = []
    carried, approvers = None, ()
    if previous is not None:
        old = model.load_report(previous)
        carried, approvers = nextyear.carried_roster(old)
        doc, sections = scaffold.carry_over(old, year)
        moved = scaffold.moves(old, doc, sections)
        doc["report"] = report
        if title:
            doc["title"] = title
        if organisation:
            doc["organisation"] = organisation
    else:
        doc, sections = from_template(report, year, template, title, organisation, owner)
    path = scaffold.write_report(into / report / str(year), doc, sections)
    return Created(path, tuple(moved), carried, approvers)
