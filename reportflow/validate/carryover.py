"""Carry-over: paragraphs copied (nearly) unchanged from last year's report of the same series.

A report is a yearly account; a paragraph that reads the same as last year's usually means the
drafter forgot to update it. Similarity is difflib's ratio on normalised text (whitespace and
punctuation removed, NFKC), with length and quick-ratio filters so that only plausible pairs
reach the full comparison.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from bisect import bisect_left, bisect_right
from typing import Any

from reportflow.content.markdown import parse
from reportflow.content.model import Report
from reportflow.validate.rule import Context, Rule

RULES = (
    Rule(
        "carryover.paragraph",
        "warning",
        "a paragraph identical or nearly identical (similarity ≥ 0.9) to one in last year's report",
        "the 2022 report repeats a 2021 paragraph word for word",
    ),
    Rule(
        "carryover.stale-year",
        "warning",
        "a carried-over paragraph names last year's own year or its next year, as last year did",
        "2023年报告沿用“2023年，我们将……”",
    ),
)
_YEAR = re.compile(r"(?<![0-9])(19|20)[0-9]{2}(?=年)")

_NOISE = re.compile(r"[\s\W_]+")


def normalise(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text))


def _previous_paragraphs(prev: Report, min_chars: int) -> list[tuple[int, str, str, int]]:
    """(length, normalised text, file, line) of last year's paragraphs, sorted by length."""
    out = []
    for sec in prev.sections:
        for block in parse(sec.body, sec.body_line).blocks:
            if block.kind != "paragraph":
                continue
            norm = normalise(block.text)
            if len(norm) >= min_chars:
                out.append((len(norm), norm, sec.path, block.line))
    out.sort()
    return out


def _stale_years(ctx: Context, d: Any, block: Any, prev_year: int, old_text: str) -> None:
    """``new --from`` moves the years in titles, never inside the text: a carried-over
    paragraph that names last year (``2022年``) or the year last year planned for (``2023年``,
    the plans section's "next year") as last year's paragraph did most likely still means
    what it meant then. Each such year is named at its column.

    "As last year's paragraph did" means at the same place: the year with the two characters
    either side of it (punctuation left out), not anywhere in last year's text. A drafter who
    moved 2021年 to 2022年 and 2022年 to 2023年 in a paragraph wrote a 2022 that last year's
    text has too, elsewhere, and meaning the next year."""
    text = block.text
    for m in _YEAR.finditer(text):
        value = int(m.group())
        if value not in (prev_year, prev_year + 1):
            continue
        before = normalise(text[max(0, m.start() - 8) : m.start()])[-2:]
        after = normalise(text[m.end() : m.end() + 9])[:3]  # 年 and two more
        if before + m.group() + after in old_text:
            meant = "当年" if value == prev_year else "下一年"
            ctx.at(
                "carryover.stale-year",
                d,
                block,
                m.start(),
                f"“{value}年”沿用自{prev_year}年报告（当时指{meant}），请核对 "
                f"/ {value} carried over from the {prev_year} report, where it meant "
                f"{'that year' if value == prev_year else 'the next year'}",
            )


def run(ctx: Context) -> None:
    prev = ctx.previous
    if prev is None or not (
        ctx.enabled("carryover.paragraph") or ctx.enabled("carryover.stale-year")
    ):
        return
    settings = ctx.settings("carryover")
    threshold = float(settings.get("similarity", 0.9))
    min_chars = int(settings.get("min_chars", 30))
    old = _previous_paragraphs(prev, min_chars)
    lengths = [o[0] for o in old]
    exact: dict[str, tuple[int, str, str, int]] = {}
    for o in old:  # the first of last year's copies, as the similarity search below names
        exact.setdefault(o[1], o)
    low = threshold / (2 - threshold)  # ratio = 2M/(a+b) >= t needs min/max >= t/(2-t)
    for d in ctx.docs:
        for block in d.doc.blocks:
            if block.kind != "paragraph":
                continue
            norm = normalise(block.text)
            if len(norm) < min_chars:
                continue
            best: tuple[float, str, int, str] | None = None
            if norm in exact:
                best = (1.0, exact[norm][2], exact[norm][3], norm)
            else:
                lo = bisect_left(lengths, int(len(norm) * low))
                hi = bisect_right(lengths, int(len(norm) / low) + 1)
                matcher = difflib.SequenceMatcher(None, autojunk=False)
                matcher.set_seq2(norm)
                for _, text, file, line in old[lo:hi]:
                    matcher.set_seq1(text)
                    if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                        continue
                    ratio = matcher.ratio()
                    if ratio >= threshold and (best is None or ratio > best[0]):
                        best = (ratio, file, line, text)
            if best is None:
                continue
            _stale_years(ctx, d, block, prev.year, best[3])
            ratio, file, line, _ = best
            how = "相同" if ratio == 1.0 else f"高度相似（相似度{ratio:.2f}）"
            ctx.at(
                "carryover.paragraph",
                d,
                block,
                0,
                f"本段与{prev.year}年报告 {file} 第{line}行的段落{how}，请更新 "
                f"/ paragraph carried over from {prev.year}",
            )
