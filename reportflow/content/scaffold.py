"""Write report folders: all files or none.

Both ``import`` and ``new`` create a folder that did not exist; they build it beside its final
place and rename it in one step, so an error halfway (a bad argument, a full disk) never leaves
half a report for someone to commit.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reportflow.content import schema, templates
from reportflow.content.model import REPORT_FILE, SECTIONS_DIR, SIGNOFFS_DIR, Report
from reportflow.core.errors import ContentError, InputError

#: What a skeleton leaves for a person to fill in; ``placeholders.marker`` reports it.
TO_FILL = "【待补充】"


@dataclass(frozen=True)
class NewSection:
    id: str
    title: str
    owner: str
    body: str
    show_heading: bool = True
    co_authors: tuple[str, ...] = ()

    def front_matter(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"id": self.id, "title": self.title, "owner": self.owner}
        if self.co_authors:
            meta["co_authors"] = list(self.co_authors)
        if not self.show_heading:
            meta["show_heading"] = False
        return meta


def template_sections(template: str, owner: str) -> list[NewSection]:
    """The template's sections, empty, owned by ``owner`` (``new``, ``init``); a template
    without sections gives one section to fill in."""
    planned = templates.load_template(template).get("sections") or [
        {"id": "section-1", "title": "一、" + TO_FILL}
    ]
    return [
        NewSection(
            id=s["id"],
            title=s["title"],
            owner=owner,
            body="",
            show_heading=s.get("show_heading", True),
        )
        for s in planned
    ]


def dump_yaml(doc: Any) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)


def section_text(section: NewSection) -> str:
    body = section.body if section.body.endswith("\n") or not section.body else section.body + "\n"
    return f"---\n{dump_yaml(section.front_matter())}---\n{body}"


def file_name(index: int, section_id: str) -> str:
    return f"{index:02d}-{section_id}.md"


def check_id(value: str, what: str) -> str:
    if not schema.ID_RE.match(value):
        raise InputError(
            f"{what} {value!r} is not allowed",
            hint="use only lower-case letters a-z, digits 0-9 and '-' (no '/', '..' or spaces)",
        )
    return value


def write_report(dest: Path, report_doc: Mapping[str, Any], sections: Sequence[NewSection]) -> Path:
    """Create ``dest`` holding report.yaml and sections/; refuse if it already exists."""
    if dest.exists() and any(dest.iterdir()):
        raise ContentError(
            "the report folder already exists and is not empty; nothing was written",
            file=dest,
            hint="choose another year or report id, or remove the folder first",
        )
    schema.validate(dict(report_doc), "report.schema.json", file=dest / REPORT_FILE)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        (staging / REPORT_FILE).write_text(dump_yaml(dict(report_doc)), encoding="utf-8")
        (staging / SECTIONS_DIR).mkdir()
        (staging / SIGNOFFS_DIR).mkdir()
        (staging / SIGNOFFS_DIR / ".gitkeep").write_text("", encoding="utf-8")
        # A preface printed without heading is 00, numbered sections count from 01.
        start = 0 if sections and not sections[0].show_heading else 1
        for offset, sec in enumerate(sections):
            path = staging / SECTIONS_DIR / file_name(start + offset, sec.id)
            path.write_text(section_text(sec), encoding="utf-8")
        if dest.exists():
            dest.rmdir()
        os.replace(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return dest


def _shift_date(value: str, years: int) -> str:
    year, rest = value.split("-", 1)
    if rest == "02-29":
        rest = "02-28"
    return f"{int(year) + years:04d}-{rest}"


_YEAR = re.compile(r"(?<![0-9])(19|20)[0-9]{2}(?![0-9])")


def move_years(text: str, old_year: int, shift: int) -> str:
    """Years next to the report's own (the year before, the year, the next: ``2022年度``,
    ``2023年工作打算``, ``2021—2022年``) move with it; others (``到2035年`` targets, history)
    stay as written."""

    def moved(m: re.Match[str]) -> str:
        value = int(m.group())
        return str(value + shift) if abs(value - old_year) <= 1 else m.group()

    return _YEAR.sub(moved, text)


def carry_over(old: Report, year: int) -> tuple[dict[str, Any], list[NewSection]]:
    """Next year starts from this year's text: people, policy, rules and sections carry over;
    the years in the title and the section titles, the dates and ``render.date`` move
    forward; sign-offs stay behind. Years inside the text stay as written: whether "2023年"
    in last year's plans is still right is for the drafter to say (``carryover.stale-year``)."""
    shift = year - old.year
    doc = dict(old.raw)
    doc["year"] = year
    doc["title"] = move_years(old.title, old.year, shift)
    if isinstance(doc.get("title_lines"), list):
        doc["title_lines"] = [move_years(str(t), old.year, shift) for t in doc["title_lines"]]
    if old.dates:
        doc["dates"] = {k: _shift_date(v, shift) for k, v in old.dates.items()}
    if old.render.get("date"):
        doc["render"] = {**old.render, "date": _shift_date(str(old.render["date"]), shift)}
    sections = [
        NewSection(
            id=s.id,
            title=move_years(s.title, old.year, shift),
            owner=s.owner,
            body=s.body,
            show_heading=s.show_heading,
            co_authors=s.co_authors,
        )
        for s in old.sections
    ]
    return doc, sections


def moves(old: Report, doc: Mapping[str, Any], sections: Sequence[NewSection]) -> list[str]:
    """What ``carry_over`` moved, one line each (``title: A -> B``), for the user to check."""
    out = []
    if doc.get("title") != old.title:
        out.append(f"title: {old.title} -> {doc['title']}")
    for key, value in old.dates.items():
        out.append(f"dates.{key}: {value} -> {doc['dates'][key]}")
    if old.render.get("date"):
        out.append(f"render.date: {old.render['date']} -> {doc['render']['date']}")
    for before, after in zip(old.sections, sections, strict=True):
        if before.title != after.title:
            out.append(f"section {before.id}: {before.title} -> {after.title}")
    return out
