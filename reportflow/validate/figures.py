"""Figures: percentages that cannot exceed 100, negative counts, years after the report year.

Each check looks at the clause around a number (plain text up to the nearest punctuation), since
"增长150%" is fine while "完成率150%" is not; a check fires only where the words make the figure
impossible, so a clean report stays clean.
"""

from __future__ import annotations

import re

from reportflow.validate.rule import Context, Rule

RULES = (
    Rule(
        "figures.percent-over-100",
        "error",
        "a rate or share (…率, 占…, 比重, 覆盖; or after it: 105%的…率) or a decrease above 100%",
        "办复率为105%；105%的覆盖率；经费下降120%",
    ),
    Rule(
        "figures.negative",
        "error",
        "a negative count of people, items, meetings (-3人, 负5个)",
        "新增就业-30人",
    ),
    Rule(
        "figures.year-range",
        "error",
        "a year later than the report year + 1, unless it is a target (到2035年, 2021—2025年)",
        "2022年报告中写“2025年召开党组会议12次”",
    ),
)

# _PERCENT and _YEAR put the look-behind after the first digit ((?<![\d.])\d+ is spelt
# \d(?<![\d.]\d)\d*): a pattern that opens with a character class is scanned 4x faster.
_PERCENT = re.compile(r"(\d(?<![\d.]\d)\d*(?:\.\d+)?)\s*[%％]")
_NEGATIVE_HINT = re.compile(r"[-−－负]\s*\d")  # what _NEGATIVE needs; most paragraphs lack it
_NEGATIVE = re.compile(
    r"(?:(?<![0-9A-Za-z.])[-−－]|负)\s*(\d+(?:\.\d+)?)\s*(?:万|千|百)?(?:人次|人|个|件|次|项|家|所|户|名|座|台|场|批|期|篇|条)"
)
_YEAR = re.compile(r"([12](?<!\d[12])\d{3})\s*年")
# Not a line break: a source line wrapped inside a clause ("办复率为\n105%") is one clause,
# as the printed text joins the lines.
_CLAUSE_END = re.compile(r"[，。；！？、：,;!?:]")
# Not 完成 on its own: "完成年度目标任务的112%" is over-fulfilment, written so in every
# annual report; a 完成率 above 100 is still caught by 率.
_SHARE = re.compile(r"率|占|比重|比例|覆盖|达标|合格|满意度|知晓")
_GROWTH = re.compile(r"增长|增加|提高|提升|上升|增幅|同比|环比|超过|超出|翻|倍|多")
_DECREASE = re.compile(r"下降|减少|降低|压减|压缩|缩减|降幅")
# The rate word after the figure: "105%的办复率", "120%的覆盖率" (up to the clause's end).
_SHARE_AFTER = re.compile(r"^\s*的?[\u4e00-\u9fff]{0,6}?(?:率|占比|比重|满意度|知晓度)")
_UNBOUNDED_AFTER = re.compile(r"增|涨|升|收益|回报|利润|利|溢价|超|提高|提升|弹性")
_TARGET_BEFORE = re.compile(
    r"(?:到|至|前|—|–|－|-|~|～|计划|预计|力争|争取|将于|展望|目标|规划)\s*$"
)
_TARGET_AFTER = re.compile(r"^\s*年?(?:前|底前|以前|之前|目标|远景|规划|愿景|左右|—|－|-|～)")


def _clause_before(text: str, start: int, limit: int = 20) -> str:
    head = text[max(0, start - limit) : start]
    cut = max((m.end() for m in _CLAUSE_END.finditer(head)), default=0)
    return head[cut:]


def _clause_after(text: str, end: int, limit: int = 10) -> str:
    tail = text[end : end + limit]
    cut = _CLAUSE_END.search(tail)
    return tail[: cut.start()] if cut else tail


def _rate_after(text: str, end: int) -> str | None:
    """The rate word that follows a figure ("105%的办复率" -> "的办复率"), unless it is a
    rate that may exceed 100 (增长率, 收益率)."""
    after = _clause_after(text, end)
    m = _SHARE_AFTER.match(after)
    if m is None or _UNBOUNDED_AFTER.search(m.group()):
        return None
    return m.group()


def run(ctx: Context) -> None:
    year = ctx.report.year
    want_pct = ctx.enabled("figures.percent-over-100")
    want_neg = ctx.enabled("figures.negative")
    want_year = ctx.enabled("figures.year-range")
    for d in ctx.docs:
        for block in d.doc.prose():
            text = block.text
            if want_pct and ("%" in text or "％" in text):
                for m in _PERCENT.finditer(text):
                    value = float(m.group(1))
                    if value <= 100:
                        continue
                    before = _clause_before(text, m.start())
                    decrease = _DECREASE.search(before)
                    share = _SHARE.search(before) and not _GROWTH.search(before)
                    growth = decrease or share or _GROWTH.search(before)
                    after = None if growth else _rate_after(text, m.end())
                    if decrease or share or after:
                        what = "降幅" if decrease else "比率或占比"
                        quoted = f"{before}{m.group()}{after or ''}".replace("\n", "")
                        ctx.at(
                            "figures.percent-over-100",
                            d,
                            block,
                            m.start(),
                            f"{what}不能超过100%：“{quoted}” / cannot exceed 100%",
                        )
            if want_neg and _NEGATIVE_HINT.search(text):
                for m in _NEGATIVE.finditer(text):
                    ctx.at(
                        "figures.negative",
                        d,
                        block,
                        m.start(),
                        f"数量不能为负：“{m.group()}” / a count cannot be negative",
                        m.group().lstrip("-−－负 "),
                    )
            if want_year and "年" in text:
                for m in _YEAR.finditer(text):
                    value = int(m.group(1))
                    if value <= year + 1:
                        continue
                    before = text[max(0, m.start() - 6) : m.start()]
                    after = text[m.end() : m.end() + 4]
                    if _TARGET_BEFORE.search(before) or _TARGET_AFTER.search(after):
                        continue
                    ctx.at(
                        "figures.year-range",
                        d,
                        block,
                        m.start(),
                        f"年份{value}晚于报告年度{year}的次年 / year {value} is after {year + 1}",
                        f"{year}年",
                    )
