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
)

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


def run(ctx: Context) -> None:
    prev = ctx.previous
    if prev is None or not ctx.enabled("carryover.paragraph"):
        return
    settings = ctx.settings("carryover")
    threshold = float(settings.get("similarity", 0.9))
    min_chars = int(settings.get("min_chars", 30))
    old = _previous_paragraphs(prev, min_chars)
    lengths = [o[0] for o in old]
    exact = {o[1]: o for o in old}
    low = threshold / (2 - threshold)  # ratio = 2M/(a+b) >= t needs min/max >= t/(2-t)
    for d in ctx.docs:
        for block in d.doc.blocks:
            if block.kind != "paragraph":
                continue
            norm = normalise(block.text)
            if len(norm) < min_chars:
                continue
            best: tuple[float, str, int] | None = None
            if norm in exact:
                best = (1.0, exact[norm][2], exact[norm][3])
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
                        best = (ratio, file, line)
            if best is None:
                continue
            ratio, file, line = best
            how = "相同" if ratio == 1.0 else f"高度相似（相似度{ratio:.2f}）"
            ctx.at(
                "carryover.paragraph",
                d,
                block,
                0,
                f"本段与{prev.year}年报告 {file} 第{line}行的段落{how}，请更新 "
                f"/ paragraph carried over from {prev.year}",
            )
