"""Each rule family's whole answer, finding by finding (issue 17).

The exact-place tables (test_validate_rules.py) ask where a rule fires; a mutant that changes a
message, a fix, a severity, a window's width or a boundary (``<=`` for ``<``) passed them. Here
each case states every finding of a section body in full: rule, severity, line, column,
message and fix, as ``reportflow validate`` prints them; ``[]`` means the body is clean.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from validate_util import BODY_LINE, findings_for

L = BODY_LINE
E, W = "error", "warning"
PCT = "figures.percent-over-100"
RATE = "比率或占比不能超过100%：“{}” / cannot exceed 100%"
DROP = "降幅不能超过100%：“{}” / cannot exceed 100%"
NEG = "数量不能为负：“{}” / a count cannot be negative"
YEAR = "年份{}晚于报告年度2022的次年 / year {} is after 2023"


def pct(column: int, quoted: str, what: str = RATE) -> tuple:
    return (PCT, E, L, column, what.format(quoted), None)


def year(column: int, value: int) -> tuple:
    return ("figures.year-range", E, L, column, YEAR.format(value, value), "2022年")


def full(tmp_path: Path, body: str, **kw) -> list[tuple]:
    return [
        (f.rule, f.severity, f.line, f.column, f.message, f.fix)
        for f in findings_for(tmp_path, body, **kw)
    ]


FIGURES = [
    # a rate just above 100, the first figure of a clause below it
    ("办复率为100.5%。", [pct(5, "办复率为100.5%")]),
    ("办复率为99%，满意度为101%。", [pct(13, "满意度为101%")]),
    # the share word at the paragraph's very start
    ("占比达到105%。", [pct(5, "占比达到105%")]),
    ("满意度为101％。", [pct(5, "满意度为101％")]),  # full-width ％
    # the rate word after the figure, quoted with it; not past the clause's end
    ("达到101%的全区干部群众满意度。", [pct(3, "达到101%的全区干部群众满意度")]),
    ("任务完成105%，办复率有所提高。", []),
    ("达到105%的收益率。", []),  # a yield may exceed 100
    # growth: a growth rate, or a growth word before the figure, may exceed 100
    ("增长率为150%。", []),
    ("完成率同比提高120%。", []),
    ("同比增长120%的比率。", []),
    # the share or decrease word before the figure is what is quoted, not a rate word after it
    ("办复率为105%的比重。", [pct(5, "办复率为105%")]),
    ("支出下降120%的比例。", [pct(5, "支出下降120%", DROP)]),
    # a rate word 21 characters back belongs to something else (here: the streets)
    ("完成率较高的几个街道今年办理信访件数达到上年的120%。", []),
    # negatives: each sign, the fix without it
    (
        "新增就业-30人，负5个，−3次，－2.5万人。",
        [
            ("figures.negative", E, L, 5, NEG.format("-30人"), "30人"),
            ("figures.negative", E, L, 10, NEG.format("负5个"), "5个"),
            ("figures.negative", E, L, 14, NEG.format("−3次"), "3次"),
            ("figures.negative", E, L, 18, NEG.format("－2.5万人"), "2.5万人"),
        ],
    ),
    # years: report year + 1 is fine, + 2 is not; a year after an earlier one is still seen
    ("2023年1月召开，2024年召开会议。", [year(11, 2024)]),
    ("2021年以来，2025年召开会议。", [year(9, 2025)]),
    ("2031年前完成，2032年底前建成，2033年以前，到2035年。", []),  # targets
]


@pytest.mark.parametrize(("body", "expected"), FIGURES)
def test_figures(tmp_path: Path, body: str, expected: list[tuple]) -> None:
    assert full(tmp_path, body) == expected
