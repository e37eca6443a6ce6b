"""A long title broken into lines as GB/T 9704 7.3.1 asks: between words, 梯形 or 菱形.

"标题回行时，要做到词意完整，排列对称，长短适宜，间距恰当，标题排列应当使用梯形或菱形." At 二号
(22 pt) the 156 mm type area holds 20 characters (442 pt / 22 pt), so a longer title needs two
lines or more. The lines are decided here, once, and every renderer prints these lines (PDF,
DOCX and HTML alike), so a title cannot break in one format and not in another.

An office that wants other breaks writes them in report.yaml (``title_lines:``), checked here
against the title. Without them, the breaks come from a small cost model, not from a word
segmenter: jieba (the usual one) takes about a second to load its dictionary, which is more
than a whole render, for one line break a year. Break points, cheapest first: after a
punctuation mark; after 的, 关于, 和/与/及/暨 or 年/年度; between two Chinese characters outside
the words of ``WORDS`` (the words official titles are made of; a break inside one of them, 治|党,
is the dearest of all). Never inside a run of digits or Latin letters, never before a mark that
may not start a line or after one that may not end it (禁则). Among the arrangements whose
lines each hold at most 20 characters and that form a 梯形 (lines growing or shrinking
downwards) or a 菱形 (the middle line longest), the cheapest with the most even lines wins.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator, Sequence

from reportflow.core.i18n import _

#: 7.3.1 at 22 pt in the 156 mm type area.
MAX_TITLE_CHARS = 20
_OPENING = "（《「『〔【〖“‘"
_CLOSING = "，。、；：？！）》」』〕】〗”’"
_SOFT_AFTER = ("的", "关于", "和", "与", "及", "暨", "年", "年度")
#: Words of official titles that must stay on one line (longest first when they overlap).
WORDS = (
    "全面从严治党", "党风廉政建设", "政治生态", "主体责任", "监督责任", "自查评估", "自评情况",
    "工作报告", "实施方案", "实施意见", "指导意见", "工作要点", "巡视整改", "巡察整改",
    "意识形态", "民主生活会", "组织生活会", "领导班子", "党组", "党委", "党工委", "区委", "市委",
    "县委", "省委", "政府", "人民", "委员会", "中共", "关于", "建设", "情况", "报告", "自查",
    "自评", "评估", "落实", "责任", "工作", "总结", "整改", "通知", "意见", "方案", "规定", "办法",
    "决定", "年度", "专项", "检查", "推进", "加强", "深化", "开展", "问题", "措施",
)  # fmt: skip
_PUNCT_COST, _SOFT_COST, _PLAIN_COST, _IN_WORD_COST = 0.0, 1.0, 4.0, 40.0
_SHAPE_COST = 30.0  # neither 梯形 nor 菱形
_HALF = re.compile(r"[\x00-\x7f]")


def width(text: str) -> float:
    """Width in 22 pt characters: ASCII (digits, Latin) is half-width."""
    return sum(0.5 if ord(c) < 0x80 else 1.0 for c in text)


def _inside_words(title: str) -> set[int]:
    """Break positions (index of the first character after the break) inside a known word."""
    inside: set[int] = set()
    for word in WORDS:
        for m in re.finditer(re.escape(word), title):
            inside.update(range(m.start() + 1, m.end()))
    return inside


def _break_cost(title: str, i: int, inside: set[int]) -> float:
    before, after = title[i - 1], title[i]
    if before.isspace() or after.isspace():
        return _PUNCT_COST
    if _HALF.match(before) and _HALF.match(after):
        return math.inf
    if after in _CLOSING or before in _OPENING:
        return math.inf
    if before in _CLOSING or after in _OPENING or before in "—-":
        return _PUNCT_COST
    if i in inside:
        return _IN_WORD_COST
    if any(title[:i].endswith(w) for w in _SOFT_AFTER) or title[i:].startswith("关于"):
        return _SOFT_COST
    return _PLAIN_COST


def _shape_cost(widths: Sequence[float]) -> float:
    steps = [b - a for a, b in itertools.pairwise(widths)]
    growing = all(s >= 0 for s in steps)
    shrinking = all(s <= 0 for s in steps)
    top = widths.index(max(widths))
    diamond = (
        len(widths) >= 3 and all(s >= 0 for s in steps[:top]) and all(s <= 0 for s in steps[top:])
    )
    shape = 0.0 if (growing or shrinking or diamond) else _SHAPE_COST
    # Even lines read as one block ("排列对称"); a top line longer than the next costs a little
    # (the 正梯形 first, when two arrangements are otherwise alike).
    shape += 0.08 * (max(widths) - min(widths)) ** 2
    return shape + (0.5 if len(widths) == 2 and widths[0] > widths[1] else 0.0)


def _cuts(
    candidates: Sequence[int], prefix: Sequence[float], k: int, max_chars: float
) -> Iterator[tuple[int, ...]]:
    """Every choice of ``k - 1`` break positions whose lines fit, pruned as it goes: a line
    wider than ``max_chars``, or a rest too wide for the lines left, ends that branch."""
    total = prefix[-1]

    def walk(start: int, left: int) -> Iterator[tuple[int, ...]]:
        if left == 1:
            if total - prefix[start] <= max_chars:
                yield ()
            return
        for i in candidates:
            if i <= start:
                continue
            if prefix[i] - prefix[start] > max_chars + 0.5:
                break
            if total - prefix[i] <= max_chars * (left - 1):
                for rest in walk(i, left - 1):
                    yield (i, *rest)

    return walk(0, k)


def break_title(title: str, max_chars: int = MAX_TITLE_CHARS) -> tuple[str, ...]:
    """The title's lines: itself when it fits one line, else the cheapest arrangement."""
    title = title.strip()
    if width(title) <= max_chars:
        return (title,)
    inside = _inside_words(title)
    costs = {i: _break_cost(title, i, inside) for i in range(1, len(title))}
    candidates = [i for i, c in costs.items() if c < math.inf]
    prefix = list(itertools.accumulate((width(c) for c in title), initial=0.0))
    best: tuple[float, tuple[str, ...]] | None = None
    lines_needed = math.ceil(width(title) / max_chars)
    for k in (lines_needed, lines_needed + 1):
        for cut in _cuts(candidates, prefix, k, max_chars):
            bounds = (0, *cut, len(title))
            lines = tuple(title[a:b].strip() for a, b in itertools.pairwise(bounds))
            widths = [width(line) for line in lines]
            if max(widths) > max_chars or min(widths) == 0:
                continue
            cost = sum(costs[i] for i in cut) + _shape_cost(widths) + 3.0 * (k - lines_needed)
            if best is None or cost < best[0]:
                best = (cost, lines)
        if best is not None:
            break
    return best[1] if best is not None else (title,)


def check_lines(title: str, lines: Sequence[str], max_chars: int = MAX_TITLE_CHARS) -> str | None:
    """What is wrong with an explicit ``title_lines:``, or None: the lines, put together,
    must be the title (spaces aside), each at most ``max_chars`` wide."""
    if "".join("".join(line.split()) for line in lines) != "".join(title.split()):
        return _("title_lines, put together, are not the title")
    for line in lines:
        if width(line.strip()) > max_chars:
            return _("title line {line} is wider than {n} characters at 22 pt").format(
                line=repr(line.strip()), n=max_chars
            )
    return None


def title_lines(title: str, explicit: Sequence[str] | None) -> tuple[str, ...]:
    """The lines to print: ``title_lines:`` when given (already checked), else the breaks."""
    if explicit:
        return tuple(line.strip() for line in explicit)
    return break_title(title)
