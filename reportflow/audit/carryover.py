"""Carry-over and figures: what this year's report reuses from last year's released text, and
every numeric claim beside last year's matching figure.

"Last year" is the previous year's last released version (the highest release tag of
``content/<report>/<year - 1>``), read from git objects: a draft of last year that was never
released is not what the office published. Paragraphs compare as ``validate``'s carry-over rule
compares them (``validate.carryover.normalise``: NFKC, whitespace and punctuation removed); a
reused paragraph is one whose normalised text is in last year's report (any section).

A figure is a number with its unit (%, 万元, 人, 次, …) and the sentence around it; its label is
the up to six characters of text just before the number in the same clause (shown, not used
to match). Last year's matching figure is found by the text around it, not by the label alone:
a label repeats ("开展专项督查" in two sections) and an edited label ("党组会议" ->
"党组扩大会议") would lose its match. Candidates have the same unit; each pair is scored by
difflib's alignment of the text before the figure (weighted double: it names what is
counted) and after it in the sentence, every number masked so that changed figures compare
equal; pairs are taken best first, one to one, so two figures sharing a label each find their
own (identical contexts first, in order: ``match_figures`` says how the pairs are bounded).
A pair scoring below ``MATCH`` is no match: a figure whose words changed beyond that is new,
and saying so is better than pairing it with another claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
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
#: The least score (0-1) of a match; "召开区政府党组会议12次" against "召开区政府党组扩大会议15次"
#: scores 0.94; two claims of the same unit about other things 0.05-0.3, two of one pattern
#: ("开展环境保护专项督查12次" and "开展安全生产专项督查8次") 0.54.
MATCH = 0.6
_BEFORE, _AFTER = 16, 10  # characters of context compared on each side


@dataclass(frozen=True)
class Figure:
    section: str
    number: str
    unit: str
    label: str
    sentence: str
    before: str = ""  # the sentence's text before the figure, numbers masked
    after: str = ""  # and after it


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


def _mask(text: str) -> str:
    return re.sub(r"\d+(?:\.\d+)?", "#", text)


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
                    before = _mask(head.lstrip())[-_BEFORE:]
                    after = _mask(sentence[match.end() :].rstrip())[:_AFTER]
                    out.append(
                        Figure(sec.id, match[1], unit, label, sentence.strip(), before, after)
                    )
    return out


def _score(a: Figure, b: Figure) -> float:
    """How alike the text around two figures is (0-1): difflib's matched characters over all
    characters, as ``SequenceMatcher.ratio`` counts them, those before the figure counted
    twice. By characters, not a mean of two ratios: a lone "。" after both would otherwise
    give a third of the score to any two sentences."""
    total = 2 * (len(a.before) + len(b.before)) + len(a.after) + len(b.after)
    if not total:
        return 0.0
    bound = 2 * min(len(a.before), len(b.before)) + min(len(a.after), len(b.after))
    if 2 * bound < MATCH * total:
        return 0.0  # cannot reach MATCH: the lengths alone say so

    def matched(x: str, y: str) -> int:
        blocks = SequenceMatcher(None, x, y, autojunk=False).get_matching_blocks()
        return sum(block.size for block in blocks)

    return 2 * (2 * matched(a.before, b.before) + matched(a.after, b.after)) / total


def _grams(fig: Figure) -> set[tuple[str, str]]:
    """Pairs of adjacent characters nearest the figure (8 before it, 6 after), by side."""
    b, a = fig.before[-8:], fig.after[:6]
    return {("b", b[k : k + 2]) for k in range(len(b) - 1)} | {
        ("a", a[k : k + 2]) for k in range(len(a) - 1)
    }


#: Each figure is scored against at most this many of last year's (those sharing the most
#: character pairs near it), and a pair of characters that this many figures share is no clue.
_CANDIDATES = 12
_COMMON = 200


def match_figures(here: list[Figure], prev: list[Figure]) -> list[Figure | None]:
    """For each of ``here``, last year's figure it continues (or None), one to one.

    First the figures whose text around them is identical (numbers masked), in order, those
    of the same section first; then, for the rest, the best scoring pairs (``_score``) of the
    same unit first; a tie goes to the same section, then the nearer in order. Only the
    ``_CANDIDATES`` of last year's figures sharing the most character pairs near a figure are
    scored: every pair was 90,000 difflib runs for 300 figures of one unit (20 s), and a
    report of 9,000 alike sentences would never end."""
    found: list[Figure | None] = [None] * len(here)
    taken: set[int] = set()
    for key in (lambda f: (f.unit, f.section, f.before, f.after),
                lambda f: (f.unit, f.before, f.after)):  # fmt: skip
        waiting: dict[tuple[str, ...], list[int]] = {}
        for j, old in enumerate(prev):
            if j not in taken and (old.before or old.after):
                waiting.setdefault(key(old), []).append(j)
        for i, fig in enumerate(here):
            queue = waiting.get(key(fig)) if found[i] is None else None
            if queue:
                j = queue.pop(0)
                found[i] = prev[j]
                taken.add(j)
    index: dict[tuple[str, tuple[str, str]], list[int]] = {}
    for j, old in enumerate(prev):
        if j not in taken and (old.before or old.after):
            for gram in _grams(old):
                index.setdefault((old.unit, gram), []).append(j)
    pairs = []
    for i, fig in enumerate(here):
        if found[i] is not None or not (fig.before or fig.after):
            continue
        shared: dict[int, int] = {}
        for gram in _grams(fig):
            posting = index.get((fig.unit, gram), ())
            if len(posting) <= _COMMON:
                for j in posting:
                    shared[j] = shared.get(j, 0) + 1
        near = sorted(shared, key=lambda j: (-shared[j], j))[:_CANDIDATES]
        for j in near:
            old = prev[j]
            score = _score(fig, old)
            if score >= MATCH:
                pairs.append((-score, old.section != fig.section, abs(i - j), i, j))
    pairs.sort()
    for *_rank, i, j in pairs:
        if found[i] is None and j not in taken:
            found[i] = prev[j]
            taken.add(j)
    return found


def figure_rows(here: model.Report, prev: model.Report) -> list[dict[str, Any]]:
    """Every figure of this year, with last year's matching one (or None)."""
    mine = figures(here)
    rows = []
    for fig, match in zip(mine, match_figures(mine, figures(prev)), strict=True):
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
