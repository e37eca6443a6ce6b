"""``reportflow new``: open a report folder for a year, from a template or last year's text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from reportflow import model, scaffold, templates
from reportflow.commands.import_ import TO_FILL


def _shift_date(value: str, years: int) -> str:
    year, rest = value.split("-", 1)
    if rest == "02-29":
        rest = "02-28"
    return f"{int(year) + years:04d}-{rest}"


def from_previous(previous: Path, year: int) -> tuple[dict[str, Any], list[scaffold.NewSection]]:
    """Carry people, policy, rules and sections over; move the title and dates to ``year``."""
    old = model.load_report(previous)
    shift = year - old.year
    doc = dict(old.raw)
    doc["year"] = year
    doc["title"] = re.sub(str(old.year), str(year), old.title)
    if old.dates:
        doc["dates"] = {k: _shift_date(v, shift) for k, v in old.dates.items()}
    sections = [
        scaffold.NewSection(
            id=s.id,
            title=s.title,
            owner=s.owner,
            body=s.body,
            show_heading=s.show_heading,
            co_authors=s.co_authors,
        )
        for s in old.sections
    ]
    return doc, sections


def from_template(
    report: str, year: int, template: str, title: str | None, organisation: str | None, owner: str
) -> tuple[dict[str, Any], list[scaffold.NewSection]]:
    tpl = templates.load_template(template)
    planned = tpl.get("sections") or [{"id": "section-1", "title": "一、" + TO_FILL}]
    sections = [
        scaffold.NewSection(
            id=s["id"],
            title=s["title"],
            owner=owner,
            body="",
            show_heading=s.get("show_heading", True),
        )
        for s in planned
    ]
    doc = {
        "report": report,
        "year": year,
        "title": title or TO_FILL,
        "organisation": organisation or TO_FILL,
        "template": template,
        "language": "zh-CN",
        "sections": [s.id for s in sections],
        "people": {owner: {"name": owner, "roles": ["author"]}},
    }
    return doc, sections


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
) -> Path:
    scaffold.check_id(report, "report id")
    scaffold.check_id(owner, "owner")
    if previous is not None:
        doc, sections = from_previous(previous, year)
        doc["report"] = report
        if title:
            doc["title"] = title
        if organisation:
            doc["organisation"] = organisation
    else:
        doc, sections = from_template(report, year, template, title, organisation, owner)
    return scaffold.write_report(into / report / str(year), doc, sections)
