"""Carry-over and figures: what this year's report reuses from last year's released text, and
every numeric claim beside last year's matching figure.

"Last year" is the previous year's last released version (the highest release tag of
``content/<report>/<year - 1>``), read from git objects: a draft of last year that was never
released is not what the office published. Paragraphs compare as ``validate``'s carry-over rule
compares them (``validate.carryover.normalise``: NFKC, whitespace and punctuation removed); a
reused paragraph is one whose normalised text is in last year's report (any section).

A figure is a number with its unit (%, 万元, 人, 次, …) and the sentence around it. Last year's
matching figure is the one with the same unit whose label (the up to six characters of text just
before the number, in the same clause) is the same: "召开区政府党组会议12次" matches "召开区政府
党组会议15次". A label that occurs more than once last year matches the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportflow.audit import textdiff
from reportflow.content import model
from reportflow.core import gitio
from reportflow.core.errors import ContentError
from reportflow.core.i18n import _
from reportflow.validate.carryover import normalise

_UNITS = (
    "万元|亿元|千元|元|万人次|人次|万人|万|亿|千|百|人|个|件|次|项|家|所|户|名|座|台|场|批|期|篇|条|"
    "公里|千米|米|平方米|亩|公顷|吨|天|小时|%|％"
)
_FIGURE = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?)\s*({_UNITS})")
_SENTENCE = re.compile(r"[^。；！？\n]*[。；！？]?")
_CLAUSE = re.compile(r"[，。；！？、：,;!?:\n“”（）()]")


@dataclass(frozen=True)
class Figure:
    section: str
    number: str
    unit: str
    label: str
    sentence: str


@dataclass(frozen=True)
class Reuse:
    section: str
    title: str
    characters: int
    reused: int  # characters of paragraphs reused unchanged
    paragraphs: tuple[tuple[str, str], ...]  # (paragraph, last year's section id)

    @property
    def share(self) -> float:
        return self.reused / self.characters if self.characters else 0.0


def previous_release(report_dir: Path) -> tuple[model.Report, model.Report, str]:
    """(this year's report, last year's last released report, its tag name)."""
    report_dir = Path(report_dir)
    repo = gitio.require_repo(report_dir)
    here = model.load_report(report_dir)
    year = here.year - 1
    tags = gitio.release_tags(repo, here.report, year)
    if not tags:
        raise ContentError(
            _("no released version of {report}/{year} to compare with").format(
                report=here.report, year=year
            ),
            file=report_dir,
            hint=_("release last year's report first (reportflow release)"),
        )
    tag = tags[max(tags)]
    folder = gitio.relpath(repo, report_dir)
    prev_folder = str(Path(folder).parent / str(year))
    prev = model.snapshot(repo, tag.commit, prev_folder, report_dir.parent / str(year)).report
    return here, prev, tag.name


def reuse(here: model.Report, prev: model.Report) -> list[Reuse]:
    old: dict[str, str] = {}
    for sec in prev.sections:
        for para in textdiff.paragraphs(sec.body):
            old.setdefault(normalise(para), sec.id)
    found = []
    for sec in here.sections:
        paras = textdiff.paragraphs(sec.body)
        total = sum(len(normalise(p)) for p in paras)
        hits = [(p, old[normalise(p)]) for p in paras if normalise(p) and normalise(p) in old]
        reused = sum(len(normalise(p)) for p, _s in hits)
        found.append(Reuse(sec.id, sec.title, total, reused, tuple(hits)))
    return found


def figures(report: model.Report) -> list[Figure]:
    out = []
    for sec in report.sections:
        for para in textdiff.paragraphs(sec.body):
            for sentence in _SENTENCE.findall(para):
                for match in _FIGURE.finditer(sentence):
                    head = sentence[: match.start()]
                    cut = max((m.end() for m in _CLAUSE.finditer(head)), default=0)
                    label = head[cut:].strip()[-6:]
                    unit = "%" if match[2] == "％" else match[2]
                    out.append(Figure(sec.id, match[1], unit, label, sentence.strip()))
    return out


def figure_rows(here: model.Report, prev: model.Report) -> list[dict[str, Any]]:
    """Every figure of this year, with last year's matching one (or None)."""
    last: dict[tuple[str, str], Figure] = {}
    for fig in figures(prev):
        if fig.label:
            last.setdefault((fig.unit, fig.label), fig)
    rows = []
    for fig in figures(here):
        match = last.get((fig.unit, fig.label)) if fig.label else None
        rows.append(
            {
                "section": fig.section,
                "number": fig.number,
                "unit": fig.unit,
                "label": fig.label,
                "sentence": fig.sentence,
                "last_year": match.number if match else None,
                "last_year_section": match.section if match else None,
                "last_year_sentence": match.sentence if match else None,
            }
        )
    return rows
