"""What every renderer gets: the one assembled document and the few facts around it."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from reportflow.content import titles
from reportflow.content.model import Report
from reportflow.core.errors import InputError
from reportflow.core.resources import data_path
from reportflow.render import assemble
from reportflow.render.layout import draft_label

#: Lists as 公文 paragraphs (GB/T 9704 7.3.3: numbers written as text, no bullets, no hanging
#: indents), the same pandoc Lua filter for every format's pandoc run: one rule, one text.
LISTS_FILTER = f"--lua-filter={data_path('render', 'lists.lua')}"
# A line that can open a list: a marker (-, +, *, 1. or 1)) then a space, after indentation or
# a quote's >. Text that matches without being a list only costs the filter's run.
_LIST_LINE = re.compile(r"(?m)^[ \t>]*(?:[-+*]|\d{1,9}[.)])[ \t]+\S")


def lists_filter(markdown: str) -> list[str]:
    """The lists filter for pandoc, where the text holds a list: starting Lua costs every
    pandoc run 6–9 ms, and most reports have no list (the render's goal is ≤ 1.1× a shell
    script's pandoc and typst)."""
    return [LISTS_FILTER] if _LIST_LINE.search(markdown) else []


def cn_date(iso: str) -> str:
    """GB/T 9704 7.3.5.4: Arabic numerals without leading zeros, 2023年1月10日."""
    d = dt.date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def source_date_epoch() -> int | None:
    """The creation time for reproducible bytes (reproducible-builds.org's SOURCE_DATE_EPOCH).

    Without it the PDF and the DOCX carry no creation date at all (the HTML never has one):
    two renders of one commit must be byte-identical, and the time of a render says nothing
    about the report.
    """
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise InputError(
            f"SOURCE_DATE_EPOCH={value!r} is not a number of seconds",
            hint="set it to a Unix time such as $(git log -1 --format=%ct), or unset it",
        )
    return int(value)


def addressee_line(addressee: str | None) -> str:
    """GB/T 9704 7.3.2: the last addressee is followed by a full-width colon."""
    if not addressee or not addressee.strip():
        return ""
    return addressee.strip().rstrip(":：") + "："


#: The 成文日期 is a day in China: midnight at UTC+8.
_CHINA = dt.timezone(dt.timedelta(hours=8))


def document_time(iso_date: str) -> dt.datetime | int | None:
    """The PDF's creation date: SOURCE_DATE_EPOCH, else the report's 成文日期 at midnight in
    China, else none. Never the time of the render (two renders of one commit are
    byte-identical). PDF/A requires a date, so a report without either is a plain PDF."""
    epoch = source_date_epoch()
    if epoch is not None:
        return epoch
    if iso_date:
        d = dt.date.fromisoformat(iso_date)
        return dt.datetime(d.year, d.month, d.day, tzinfo=_CHINA)
    return None


@dataclass(frozen=True)
class RenderDoc:
    markdown: str  # assemble.body_markdown: headings and paragraphs, no title
    title: str
    organisation: str  # printed as the signature at the end; "" to leave it out
    date: str  # 成文日期 as printed, "" for none
    lang: str
    draft_mark: str  # "" for a release render
    commit: str | None
    version: str | None
    bold_level3: bool = False
    fonts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: The title as printed, the same lines in every format (content.titles); () for one line.
    title_lines: tuple[str, ...] = ()
    addressee: str = ""  # 主送机关 as printed, with its full-width colon; "" for none
    iso_date: str = ""  # the 成文日期 as written in report.yaml (render.date), "" for none

    @property
    def lines(self) -> tuple[str, ...]:
        return self.title_lines or (self.title,)

    @classmethod
    def of(
        cls, report: Report, *, draft: bool, commit: str | None, version: str | None
    ) -> RenderDoc:
        opts = report.render
        meta = assemble.metadata(report)
        return cls(
            markdown=assemble.body_markdown(report),
            title=meta["title"],
            title_lines=titles.title_lines(meta["title"], report.title_lines),
            addressee=addressee_line(report.addressee),
            organisation=meta["organisation"] if opts.get("signature", True) else "",
            date=cn_date(opts["date"]) if opts.get("date") else "",
            iso_date=str(opts.get("date") or ""),
            lang=meta["lang"],
            draft_mark=draft_label(commit) if draft else "",
            commit=commit,
            version=version,
            bold_level3=bool(opts.get("bold_level3", False)),
            fonts=MappingProxyType(dict(opts.get("fonts", {}))),
        )
