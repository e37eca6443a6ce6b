"""Each rule family's whole answer, finding by finding (issue 17).

The exact-place tables (test_validate_rules.py) ask where a rule fires; a mutant that changes a
message, a fix, a severity, a window's width or a boundary (``<=`` for ``<``) passed them. Here
each case states every finding of a section body in full: rule, severity, line, column,
message and fix, as ``reportflow validate`` prints them; ``[]`` means the body is clean.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from validate_util import BODY_LINE, findings_for, write_report

from reportflow.content.markdown import parse
from reportflow.content.model import load_report
from reportflow.validate import carryover, check
from reportflow.validate.registry import all_rules
from reportflow.validate.rule import Context, Doc

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


def family(module, folder: Path, template: dict, previous=None, settings=None) -> list[tuple]:
    """One rule family run on its own, with a template (and its sections' entries) given as
    mappings."""
    report = load_report(folder)
    docs = [Doc(s, parse(s.body, s.body_line), settings or {}) for s in report.sections]
    ctx = Context(report, template, docs, previous, {}, all_rules())
    module.run(ctx)
    return [(f.rule, f.severity, f.line, f.column, f.message, f.fix) for f in ctx.findings]


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
    ("到2035年基本实现现代化，2025年召开会议。", [year(15, 2025)]),  # a year after a target
    # a source line wrapped inside the clause: one clause, as printed (missed before issue 17)
    ("办复率为\n105%。", [(PCT, E, L + 1, 1, RATE.format("办复率为105%"), None)]),
    ("实现105%\n的办复率。", [pct(3, "实现105%的办复率")]),
]


@pytest.mark.parametrize(("body", "expected"), FIGURES)
def test_figures(tmp_path: Path, body: str, expected: list[tuple]) -> None:
    assert full(tmp_path, body) == expected


# --- carryover: last year's paragraphs, each built to sit on one of the rule's edges ---------

STALE = (
    "“{0}年”沿用自2021年报告（当时指{1}），请核对 "
    "/ {0} carried over from the 2021 report, where it meant {2}"
)
SAME = "本段与2021年报告 {} 第{}行的段落相同，请更新 / paragraph carried over from 2021"
LIKE = (
    "本段与2021年报告 {} 第{}行的段落高度相似（相似度{}），请更新 "
    "/ paragraph carried over from 2021"
)
S0, S1 = "sections/00-a.md", "sections/01-b.md"
YEARS = (
    "2021年，全区坚持把意识形态工作放在经济社会发展大局中一体谋划，"
    "2022年将继续强化定位思维，2020年以来成效明显，2023年底前全面完成。"
)
P30 = "全面落实意识形态工作责任制定期分析研判意识形态领域情况做到守土有责"[:30]
P43 = "持续深化作风建设严格落实中央八项规定精神坚决纠治形式主义官僚主义为基层减负工作取得实效"
P40 = "坚持以党的政治建设为统领不断提高政治判断力政治领悟力政治执行力推动全区各项工作落"
P55 = (
    "全区各级党组织认真履行管党治党政治责任层层传导压力逐级压实责任"
    "推动全面从严治党向纵深发展向基层延伸取得了明显成效"
)[:55]
HALF_A = "严格落实民主集中制各项制度规定重大事项集体研究决定"
HALF_B = "深入开展谈心谈话活动及时发现和解决苗头性倾向性问题"
DUP = (
    "认真落实新时代党的建设总要求，以党的政治建设为统领，全面加强党的思想建设、组织建设和作风建设。"
)
SHORT = "严格落实中央八项规定精神。"  # 12 characters
LONG = (  # 214 characters, more than difflib's autojunk threshold of 200
    "坚持以习近平新时代中国特色社会主义思想为指导全面贯彻党的十九大和十九届历次全会精神"
    "深入学习贯彻习近平总书记关于全面从严治党的重要论述认真落实新时代党的建设总要求"
    "以党的政治建设为统领全面加强党的思想建设组织建设作风建设纪律建设把制度建设贯穿其中"
    "深入推进反腐败斗争持续净化政治生态不断增强党组织的政治功能和组织功能"
    "推动全面从严治党向纵深发展为全区经济社会高质量发展提供坚强政治保证"
    "一年来全区上下团结一心攻坚克难各项工作取得了新的进展"
)
# the same with 15 characters changed (similarity 0.93; 0.89 if difflib junked the common ones)
EDITED = (
    "坚持以习近平新时代中国特色社会辛义思想为指导全面贯彻党的十九大和十九届历次全会精丁"
    "深入庚习贯彻习近平总书记关于全面从严治党的重丙论述认真落实新时代党的建设总要求"
    "丙党的政治建设甲统领丁面加己党的庚想建设组己建设作风建设纪律建设把制度戊设贯穿其中"
    "深入推进反腐败庚争持续净化政庚生态不断增强党戊织的政治功戊和组织功能"
    "推动全面从严治党向纵深发展为全区经济社会高质量发展提供坚强政治保证"
    "一年来全区上下团结一心攻坚克难各项工作取得了新的进展"
)
LATE = "2020年以来，全区持续推进党风廉政建设，2021年全面从严治党取得新成效，各项工作稳步推进。"
PUNCT = (
    "严格执行党内政治生活若干准则，认真开展批评和自我批评，"
    "党内政治生活的政治性时代性原则性战斗性不断增强。"
)


def _last_year(tmp_path: Path) -> None:
    write_report(
        tmp_path / "demo" / "2021",
        {
            # a heading before the first paragraph; the duplicate paragraph in both sections
            "a": ("一、情况", f"## （一）小标题\n\n{YEARS}\n\n{DUP}\n\n{P30}\n\n{P43}"),
            "b": (
                "二、问题",
                f"{DUP}\n\n{P40}\n\n{P55}\n\n{HALF_A}{HALF_B}\n\n{PUNCT}\n\n{SHORT}\n\n{LONG}\n\n{LATE}",
            ),
        },
        year=2021,
    )


CARRIED = [
    # carried unchanged: the paragraph, last year's year (当年) and its next year (下一年),
    # not the year before (2020) nor the one after (2023)
    (
        YEARS,
        [
            ("carryover.paragraph", W, L, 1, SAME.format(S0, 8), None),
            ("carryover.stale-year", W, L, 1, STALE.format(2021, "当年", "that year"), None),
            ("carryover.stale-year", W, L, 34, STALE.format(2022, "下一年", "the next year"), None),
        ],
    ),
    # the years moved on: similar, and the new 2022 is not last year's 2022 (at another
    # place, meaning the next year): named as stale before the fix of issue 17
    (
        YEARS.replace("2022年将", "2023年将").replace("2021年，", "2022年，"),
        [("carryover.paragraph", W, L, 1, LIKE.format(S0, 8, "0.97"), None)],
    ),
    # only punctuation differs (、 for ，, no 。): the same text
    (
        PUNCT.replace("，", "、").rstrip("。"),
        [("carryover.paragraph", W, L, 1, SAME.format(S1, 14), None)],
    ),
    # exactly min_chars (30) is compared, 29 is not
    (P30, [("carryover.paragraph", W, L, 1, SAME.format(S0, 12), None)]),
    (P30[:29], []),
    # 3 characters added, 7 taken away, 10 of 55 taken away (similarity exactly 0.90)
    (P43 + "成效好", [("carryover.paragraph", W, L, 1, LIKE.format(S0, 14, "0.97"), None)]),
    (P40[:33], [("carryover.paragraph", W, L, 1, LIKE.format(S1, 8, "0.90"), None)]),
    (P55[:45], [("carryover.paragraph", W, L, 1, LIKE.format(S1, 10, "0.90"), None)]),
    # the same sentences in another order: the same characters, not the same paragraph
    (HALF_B + HALF_A, []),
    # a long paragraph edited in 15 places; a stale year after one that is not
    (
        EDITED,
        [
            ("carryover.paragraph", W, L, 1, LIKE.format(S1, 18, "0.93"), None),
            (
                "formulations.near-miss",
                W,
                L,
                4,
                "“习近平新时代中国特色社会辛义思想”应为规范提法“习近平新时代中国特色社会主义思想”",
                "习近平新时代中国特色社会主义思想",
            ),
        ],
    ),
    (
        LATE,
        [
            ("carryover.paragraph", W, L, 1, SAME.format(S1, 20), None),
            ("carryover.stale-year", W, L, 22, STALE.format(2021, "当年", "that year"), None),
        ],
    ),
    # in last year's report twice: the first copy is named, copied or edited
    (DUP, [("carryover.paragraph", W, L, 1, SAME.format(S0, 10), None)]),
    (
        DUP.replace("全面加强", "全面推进"),
        [("carryover.paragraph", W, L, 1, LIKE.format(S0, 10, "0.95"), None)],
    ),
]


@pytest.mark.parametrize(("body", "expected"), CARRIED)
def test_carryover(tmp_path: Path, body: str, expected: list[tuple]) -> None:
    _last_year(tmp_path)
    assert full(tmp_path, body) == expected


def test_carryover_after_a_heading_and_a_short_paragraph(tmp_path: Path) -> None:
    _last_year(tmp_path)
    body = f"## （一）小标题\n\n短段落。\n\n{P30}"
    assert full(tmp_path, body) == [("carryover.paragraph", W, L + 4, 1, SAME.format(S0, 12), None)]


def test_carryover_without_stale_year(tmp_path: Path) -> None:
    _last_year(tmp_path)
    assert full(tmp_path, YEARS, rules={"carryover.stale-year": "off"}) == [
        ("carryover.paragraph", W, L, 1, SAME.format(S0, 8), None)
    ]
    _last_year(tmp_path / "x")
    assert full(tmp_path / "x", YEARS, rules={"carryover.paragraph": "off"}) == [
        ("carryover.stale-year", W, L, 1, STALE.format(2021, "当年", "that year"), None),
        ("carryover.stale-year", W, L, 34, STALE.format(2022, "下一年", "the next year"), None),
    ]


def test_carryover_settings_of_the_template(tmp_path: Path) -> None:
    """``settings.carryover`` of the template: its similarity and min_chars, else 0.9 and 30."""
    _last_year(tmp_path)
    # 12 characters, similarity 0.86, 30 characters, similarity 0.97
    body = f"{SHORT}\n\n{P40[:30]}\n\n{P30}\n\n{P43}成效好"
    folder = write_report(tmp_path / "demo" / "2022", {"a": ("一、情况", body)})
    prev = load_report(tmp_path / "demo" / "2021")
    loose = {"settings": {"carryover": {"similarity": 0.8, "min_chars": 10}}}
    assert family(carryover, folder, loose, prev) == [
        ("carryover.paragraph", W, L, 1, SAME.format(S1, 16), None),
        ("carryover.paragraph", W, L + 2, 1, LIKE.format(S1, 8, "0.86"), None),
        ("carryover.paragraph", W, L + 4, 1, SAME.format(S0, 12), None),
        ("carryover.paragraph", W, L + 6, 1, LIKE.format(S0, 14, "0.97"), None),
    ]
    for template in ({}, {"settings": {"carryover": None}}):
        assert family(carryover, folder, template, prev) == [
            ("carryover.paragraph", W, L + 4, 1, SAME.format(S0, 12), None),
            ("carryover.paragraph", W, L + 6, 1, LIKE.format(S0, 14, "0.97"), None),
        ]


# --- formulations --------------------------------------------------------------------------

NEAR, VAR = "formulations.near-miss", "formulations.known-variant"


def near(column: int, wrong: str, right: str, line: int = L) -> tuple:
    return (NEAR, W, line, column, f"“{wrong}”应为规范提法“{right}”", right)


def variant(column: int, wrong: str, right: str) -> tuple:
    return (VAR, E, L, column, f"“{wrong}”应为规范提法“{right}”", right)


ZXGD = "中央八项规定精神"
FORMULATIONS = [
    # 5 characters: variants only; 6-7: one wrong character; 8 and more: two
    ("坚持民主集中治。", []),
    ("推进全面从严制党", [near(3, "全面从严制党", "全面从严治党")]),  # at the paragraph's end
    ("贯彻中国共产觉章程。", [near(3, "中国共产觉章程", "中国共产党章程")]),
    ("贯彻中国共广觉章程。", []),
    ("学习中国特涩社汇主义。", [near(3, "中国特涩社汇主义", "中国特色社会主义")]),
    ("学习中国待涩社汇主义。", []),
    # a doubled character is a slip; another character put in is another phrase
    ("推进全面从严严治党。", [near(3, "全面从严严治党", "全面从严治党")]),
    ("推进全面从严格治党。", []),
    ("推进全面面从严格党。", []),
    # a shorter canonical phrase inside the misspelt one does not hide it
    (
        "习近平新时代中国特色社会主义恩想",
        [near(1, "习近平新时代中国特色社会主义恩想", "习近平新时代中国特色社会主义思想")],
    ),
    # each exact occurrence masks what overlaps it (学习习近平…: 习 doubled by 学习)
    ("学习习近平新时代中国特色社会主义思想，贯彻习近平新时代中国特色社会主义思想。", []),
    # a known variant wins over the near-miss of the same stretch; every occurrence is named
    ("严格落实中央八条规定精神。", [variant(5, "中央八条规定精神", ZXGD)]),
    (
        "两个捍卫，两个捍卫，两个捍卫。",
        [variant(c, "两个捍卫", "两个维护") for c in (1, 6, 11)],
    ),
    # the middle of three exact phrases masks its own doubled 习 too
    (
        "习近平新时代中国特色社会主义思想，学习习近平新时代中国特色社会主义思想，"
        "习近平新时代中国特色社会主义思想。",
        [],
    ),
    ("两个捍卫四种意识", [variant(1, "两个捍卫", "两个维护"), variant(5, "四种意识", "四个意识")]),
    (
        "四种意识中央八条规定精神",
        [variant(1, "四种意识", "四个意识"), variant(5, "中央八条规定精神", ZXGD)],
    ),
    # the longest phrase wins a stretch; a later window of the same first character is seen
    ("压实全面从严制党主体责任。", [near(3, "全面从严制党主体责任", "全面从严治党主体责任")]),
    (
        "全面从严制党，全面从严治党主休责任。",
        [
            near(1, "全面从严制党", "全面从严治党"),
            near(8, "全面从严治党主休责任", "全面从严治党主体责任"),
        ],
    ),
    # an exact phrase right before or after a near-miss does not mask it
    ("抓好党风廉政建设全面从严制党", [near(9, "全面从严制党", "全面从严治党")]),
    ("推进全面从严制党党风廉政建设", [near(3, "全面从严制党", "全面从严治党")]),
    # numerals only (十八大), or spaces for 、: not a slip; ， for 、 is
    ("学习党的十八大精神。", []),
    ("提高政治判断力 政治领悟力 政治执行力。", []),
    ("不敢腐，不能腐，不想腐", [near(1, "不敢腐，不能腐，不想腐", "不敢腐、不能腐、不想腐")]),
    # a line break inside the phrase (the printed text joins the lines: 全面从治党)
    ("落实全面从\n治党要求。", [near(3, "全面从\n治党", "全面从严治党")]),
]


@pytest.mark.parametrize(("body", "expected"), FORMULATIONS)
def test_formulations(tmp_path: Path, body: str, expected: list[tuple]) -> None:
    assert full(tmp_path, body) == expected


def test_formulations_one_kind_switched_off(tmp_path: Path) -> None:
    body = "严格落实中央八条规定精神，推进全面从严制党。"
    assert full(tmp_path / "a", body, rules={NEAR: "off"}) == [variant(5, "中央八条规定精神", ZXGD)]
    assert full(tmp_path / "b", body, rules={VAR: "off"}) == [
        near(16, "全面从严制党", "全面从严治党"),  # the variant's stretch stays its own
    ]


def test_formulations_with_a_dictionary_of_ones_own() -> None:
    """What the matcher decides, on phrases of a list of one's own (``find(text, dic)``)."""
    from reportflow.validate.formulations import Dictionary, Phrase, find, max_edits

    def dic(*texts: str, allow: tuple[str, ...] = ()) -> Dictionary:
        phrases = tuple(Phrase(t, max_edits(len(t))) for t in texts)
        return Dictionary(phrases, (), tuple(sorted({*texts, *allow}, key=len, reverse=True)))

    # two listed phrases one character apart: neither is the other's near miss
    two = dic("全面从严治党", "全面从宽治党")
    assert find("全面从严治党，全面从宽治党。", two) == []
    assert find("全面从紧治党", two) == [(0, 6, NEAR, "全面从严治党")]  # the first listed wins
    # a listed phrase at the very end of a misspelt longer one does not hide it
    tail = dic("中国共产党纪律处分条例", "纪律处分条例")
    assert find("中国共产觉纪律处分条例", tail) == [(0, 11, NEAR, "中国共产党纪律处分条例")]
    # how many wrong characters: none from 5 characters down, one up to 7, two from 8 on
    sizes = dic("民主集中制", "中国共产党章程", "中国特色社会主义")
    assert find("民主集中治", sizes) == []
    assert find("中国共产觉章程", sizes) == [(0, 7, NEAR, "中国共产党章程")]
    assert find("中国共广觉章程", sizes) == []
    assert find("中国特涩社汇主义", sizes) == [(0, 8, NEAR, "中国特色社会主义")]
    assert find("中国待涩社汇主义", sizes) == []
    # a known variant inside a longer near miss: the variant (an error) is the finding
    both = Dictionary(
        (Phrase("全面从严治党主体责任", 2),),
        (("治党主休", "治党主体"),),
        ("全面从严治党主体责任",),
    )
    assert find("全面从严治党主休责任", both) == [(4, 8, VAR, "治党主体")]
    # the shipped list when none is given
    assert find("推进全面从严制党") == [(2, 8, NEAR, "全面从严治党")]


# --- typography ----------------------------------------------------------------------------

HW, AQ, MQ, UB = (
    "typography.halfwidth-punct",
    "typography.ascii-quote",
    "typography.mixed-quotes",
    "typography.unbalanced",
)


def half(column: int, mark: str, line: int = L) -> tuple:
    full_mark = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）"}[mark]
    return (
        HW,
        W,
        line,
        column,
        f"中文中使用了半角“{mark}”，应为“{full_mark}” / use full-width",
        full_mark,
    )


def dots(column: int, mark: str = "...") -> tuple:
    return (HW, W, L, column, f"省略号“{mark}”应为“……” / write the ellipsis as “……”", "……")


def quote(column: int, fix: str, mark: str = '"') -> tuple:
    return (AQ, W, L, column, f"中文中使用了英文引号 {mark}，应为“”或‘’ / use Chinese quotes", fix)


def mixed(line: int, column: int, fix: str) -> tuple:
    return (
        MQ,
        W,
        line,
        column,
        "同一节中混用了“”和「」两种引号 / mixed quote styles in one section",
        fix,
    )


TYPOGRAPHY = [
    # the Chinese a mark belongs to may stand at the paragraph's start
    ("对,严格落实", [half(2, ",")]),
    ("工作！,落实", [half(4, ",")]),  # after full-width ！ (U+FF01, the range's first)
    # ASCII quotes: next to Chinese on either side, opening then closing, ' as ‘’
    ('"OK"，好的，落实', []),
    ('是"OK"。', [quote(2, "“")]),
    ('评为"A"级', [quote(3, "“"), quote(5, "”")]),
    ('落实"三会一课"', [quote(3, "“"), quote(8, "”")]),  # the last character of the paragraph
    ("落实'三会一课'制度", [quote(3, "‘", "'"), quote(8, "’", "'")]),
    ('他说：He said "yes" here。', []),
    # a Latin word before a comma: autocorrect's finding, not ours
    ("采用Python,提高效率", [(HW, W, L, 9, "“,”应为“，” / use “，”", "，")]),
    # parentheses with Chinese after them only
    ("GB/T 9704-2012(党政机关公文格式)", [half(15, "("), half(24, ")")]),
    # ellipses at either end of the paragraph, after a digit-and-character, only 。。。
    ("工作有序推进...", [dots(7)]),
    ("...落实", [dots(1)]),
    ("详见第3条...", [dots(6)]),
    ("有序推进...2023年", [dots(5)]),  # Latin (a digit) after it
    ("...好", [dots(1)]),  # one character after it
    ("见附件A(表)", [half(5, "("), half(7, ")")]),  # one Chinese character inside
    ("Hello world。。。", [dots(12, "。。。")]),
    ("只有这样。。。才行", [dots(5, "。。。")]),
    # autocorrect's findings: a space, full-width digits before an ellipsis
    ("第一句。 第二句", [("typography.space", W, L, 5, "“␣”应为“” / use “”", "")]),
    (
        "２０２２年工作...",
        [
            ("typography.fullwidth-alnum", W, L, 1, "“２０２２”应为“2022” / use “2022”", "2022"),
            dots(8),
        ],
    ),
    # full-width digits and letters at the ends of their ranges (０ ９ Ａ ｚ)
    (
        "第００号，ＡＢ类，ｚ型，９９号。",
        [
            ("typography.fullwidth-alnum", W, L, column, f"“{old}”应为“{new}” / use “{new}”", new)
            for column, old, new in (
                (2, "００", "00"),
                (6, "ＡＢ", "AB"),
                (10, "ｚ", "z"),
                (13, "９９", "99"),
            )
        ],
    ),
    # inside inline code nothing is checked; after it everything is
    ('运行`a,b...c"d"`后,落实...再"查"', [half(16, ","), dots(19), quote(23, "“"), quote(25, "”")]),
    # marks after Chinese inside the code are skipped, the same marks after it are not
    (
        '运行`甲,乙等等..."丙"`后,落实...再"查"',
        [half(17, ","), dots(20), quote(24, "“"), quote(26, "”")],
    ),
    # unbalanced: a closer without its opener; the first of two openers never closed
    ("准则》，落实", [(UB, W, L, 3, "“》”没有对应的“《” / unmatched closing mark", None)]),
    ("《准则（试行，落实", [(UB, W, L, 1, "“《”没有对应的“》” / unclosed mark", "》")]),
    (
        "“甲”《乙",
        [(UB, W, L, 4, "“《”没有对应的“》” / unclosed mark", "》")],
    ),  # after a closed pair
    # mixed quotes: the style used less is named (「」 on a tie), at its first mark
    ("“甲”「乙」", [mixed(L, 4, "“")]),
    ("「甲」「乙」“丙”", [mixed(L, 7, "「")]),
    ("“甲”“乙”「丙」「丁」", [mixed(L, 7, "“")]),
    ("「甲」「乙」\n\n“丙”「丁」", [mixed(L + 2, 1, "「")]),  # counted over the section
    ("「甲」「乙」\n\n“丙”", [mixed(L + 2, 1, "「")]),
    ("“甲”“乙”\n\n「丙」", [mixed(L + 2, 1, "“")]),
    ("“甲”\n\n“乙”\n\n「丙」「丁」「戊」", [mixed(L, 1, "「")]),  # the first “ of the section
]


@pytest.mark.parametrize(("body", "expected"), TYPOGRAPHY)
def test_typography(tmp_path: Path, body: str, expected: list[tuple]) -> None:
    assert full(tmp_path, body) == expected


@pytest.mark.parametrize(
    ("char", "chinese"),
    [
        ("\u4e00", True),  # 一, the first of the unified ideographs
        ("\u9fff", True),
        ("\ua000", False),  # Yi
        ("\u3400", True),  # extension A (names such as 刘䶮)
        ("\u4dbf", True),
        ("\u33ff", False),
        ("\u4dc0", False),  # hexagrams
        ("\uf900", True),  # compatibility ideographs
        ("\ufaff", True),
        ("\ufb00", False),  # Latin ligature ﬀ
        ("\u303f", True),  # CJK symbols and punctuation
        ("\u3040", False),
        ("\uff60", True),  # full-width forms
        ("\uff61", False),  # half-width ｡
    ],
)
def test_what_counts_as_chinese_before_a_mark(tmp_path: Path, char: str, chinese: bool) -> None:
    assert full(tmp_path, f"{char},x") == ([half(2, ",")] if chinese else [])


# --- placeholders --------------------------------------------------------------------------

MK, AST = "placeholders.marker", "placeholders.asterisks"
STARS = "占位符“***”：数字或名称尚未填写 / placeholder, fill in the figure"


def blank(column: int, mark: str) -> tuple:
    return (MK, E, L, column, f"空白“{mark}”尚未填写 / a blank left to fill in", None)


def empty_heading(line: int, text: str) -> tuple:
    return (
        "placeholders.empty-heading",
        E,
        line,
        1,
        f"标题“{text}”下没有正文 / the heading has no text under it",
        "在标题下写入正文，或删去该标题",
    )


PLACEHOLDERS = [
    # an underscore in an ASCII token with a letter is no blank; in 2022_ it is
    ("文件2022_报告.pdf，v_1 版本，末尾ab_", [blank(7, "_")]),
    ("共开展___次，20___年", [blank(4, "___"), blank(11, "___")]),
    # after inline code, and after Markdown bold, asterisks and markers are seen again
    ("`代码`***次", [(AST, E, L, 5, STARS, None)]),
    ("**一是**加强，召开***次", [(AST, E, L, 12, STARS, None)]),
    ("`***`后召开***次", [(AST, E, L, 9, STARS, None)]),
    ("`x次`后XX区", [(MK, E, L, 6, "占位文字“XX”尚未替换 / placeholder text left in", None)]),
    ("`x`共__人", [blank(5, "__")]),
    # headings: the last one empty; one before a heading of its level; one over a sub-heading
    ("正文\n\n## （一）甲", [empty_heading(L + 2, "（一）甲")]),
    ("## （一）甲\n\n正文\n\n## （二）乙", [empty_heading(L + 4, "（二）乙")]),
    ("正文\n\n## （一）甲\n\n正文", []),
    ("## （一）甲\n\n## （二）乙\n\n正文", [empty_heading(L, "（一）甲")]),
    ("## 甲\n\n### 子\n\n正文", []),
    # headings only: one finding, at the first heading
    (
        "## （一）甲\n\n## （二）乙",
        [
            (
                "placeholders.empty-section",
                E,
                L,
                1,
                "本节“一、情况”只有标题，没有正文 / the section has headings but no text",
                "在标题下写入正文，或删去这些标题",
            )
        ],
    ),
]


@pytest.mark.parametrize(("body", "expected"), PLACEHOLDERS)
def test_placeholders(tmp_path: Path, body: str, expected: list[tuple]) -> None:
    assert full(tmp_path, body) == expected


def test_an_empty_section_does_not_stop_the_next(tmp_path: Path) -> None:
    folder = write_report(
        tmp_path / "demo" / "2022",
        {
            "a": ("一、甲", "\n"),
            "b": ("二、乙", "## （一）小标题\n"),
            "c": ("三、丙", "召开***次。"),
        },
    )
    found = [(f.rule, f.file, f.line, f.column, f.fix) for f in check(load_report(folder)).findings]
    assert found == [
        (
            "placeholders.empty-section",
            "sections/00-a.md",
            L,
            1,
            "写入正文，或从 report.yaml 的 sections: 中删去本节",
        ),
        (
            "placeholders.empty-section",
            "sections/01-b.md",
            L,
            1,
            "在标题下写入正文，或删去这些标题",
        ),
        (AST, "sections/02-c.md", L, 3, None),
    ]


REPORT_YAML_REST = (
    "report: demo\nyear: 2022\norganisation: 区政府\ntemplate: generic\nsections: [a]\n"
    "people:\n  drafter: {name: 起草人}\n"
)
IN_TITLE = "report.yaml 的 title 含占位文字“XX”，尚未填写 / placeholder left in report.yaml"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        # the title on the first line, the same mark twice: each at its own column
        ("title: XX区政府XX科工作报告", [(1, 8), (1, 13)]),
        ('title: "XX区XX科"', [(1, 9), (1, 12)]),
        # a title over two lines: the mark on the line where it is written
        ("title: 区政府XX\n  工作报告", [(1, 11)]),
        ("title: 区政府\n  XX工作报告", [(2, 3)]),
        # dates written as YAML dates (not strings) are no text to look into
        ("title: XX区报告\ndates:\n  opens: 2023-01-05", [(1, 8)]),
    ],
)
def test_placeholders_in_report_yaml(tmp_path: Path, head: str, expected: list) -> None:
    folder = write_report(tmp_path / "demo" / "2022", {"a": ("一、情况", "正文。")})
    (folder / "report.yaml").write_text(f"{head}\n{REPORT_YAML_REST}", "utf-8")
    found = check(load_report(folder)).findings
    assert [(f.rule, f.severity, f.file, f.line, f.column, f.message) for f in found] == [
        (MK, E, "report.yaml", line, column, IN_TITLE) for line, column in expected
    ]


def test_report_yaml_markers_without_asterisks(tmp_path: Path) -> None:
    folder = write_report(tmp_path / "demo" / "2022", {"a": ("一、情况", "正文。")})
    rest = REPORT_YAML_REST + "rules: {placeholders.asterisks: 'off'}\n"
    (folder / "report.yaml").write_text(f"title: XX区***报告\n{rest}", "utf-8")
    found = check(load_report(folder)).findings
    assert [(f.rule, f.line, f.column) for f in found] == [(MK, 1, 8)]


def test_unwritten_sections_are_placeholders_and_punctuation_only() -> None:
    """What the to-do list calls "to draft" rather than "to fix"."""
    from reportflow.content.markdown import parse as md
    from reportflow.validate.placeholders import unwritten

    assert unwritten(md("XX，【待补充】。\n\n\\*\\*\\*", 1))
    assert unwritten(md("", 1))
    assert not unwritten(md("XX区召开会议。", 1))
    assert not unwritten(md("【待补充】\n\n正文", 1))


# --- structure -----------------------------------------------------------------------------


def seq(line: int, column: int, what: str, want: str, got: str) -> tuple:
    message = f"要点序号{what}：应为“{want}”，实为“{got}” / points must be consecutive"
    return ("structure.point-sequence", E, line, column, message, want)


def claim(column: int, said: str, n: int, follow: int, fix: str) -> tuple:
    message = (
        f"“{said}”与其后的要点数不符：后面有{follow}点 / the claim says {n}, {follow} points follow"
    )
    return ("structure.count-claim", E, L, column, message, fix)


STRUCTURE = [
    ("一是甲。\n\n二是乙。\n\n四是丁。", [seq(L + 4, 1, "跳号", "三是", "四是")]),
    ("一是甲。\n\n二是乙。\n\n二是丙。", [seq(L + 4, 1, "重复", "三是", "二是")]),
    ("一是甲。\n\n二是乙。\n\n　　四是丁。", [seq(L + 4, 3, "跳号", "三是", "四是")]),  # indented
    (
        "一是甲。\n\n三是丙。\n\n五是戊。",
        [seq(L + 2, 1, "跳号", "二是", "三是"), seq(L + 4, 1, "跳号", "四是", "五是")],
    ),
    (
        "（一）甲。\n\n（三）丙。",
        [seq(L + 2, 1, "跳号", "（二）", "（三）")],
    ),  # generic: both styles
    # count claims: digits stay digits; 2 in Chinese is 两 (两个方面, 以下两点)
    ("我们将从5个方面努力。\n\n一是甲。\n\n二是乙。", [claim(5, "从5个方面", 5, 2, "从2个方面")]),
    ("主要有以下三点。\n\n一是甲。\n\n二是乙。", [claim(6, "以下三点", 3, 2, "以下两点")]),
    ("以下四点。\n\n一是甲。\n\n二是乙。\n\n三是丙。", [claim(3, "以下四点", 4, 3, "以下三点")]),
    ("采取3项措施。\n\n一是甲。\n\n二是乙。", [claim(3, "3项措施", 3, 2, "2项措施")]),
    # the last claim of the paragraph is the one its points answer
    (
        "从两个方面调研，主要有以下三点。\n\n一是甲。\n\n二是乙。",
        [claim(14, "以下三点", 3, 2, "以下两点")],
    ),
    # a paragraph inside a point continues it; before the first point it is prose
    (
        "从3个方面推进。\n\n一是甲。\n\n补充说明。\n\n二是乙。",
        [claim(2, "从3个方面", 3, 2, "从2个方面")],
    ),
    ("从3个方面推进。\n\n补充说明。\n\n一是甲。\n\n二是乙。", []),
    ("从2个方面推进。\n\n一是甲。\n\n二是乙。", []),
    # a second 一是 or a heading ends the points the claim counts
    (
        "从3个方面推进。\n\n一是甲。\n\n二是乙。\n\n一是丙。\n\n二是丁。",
        [claim(2, "从3个方面", 3, 2, "从2个方面")],
    ),
    (
        "从3个方面推进。\n\n一是甲。\n\n二是乙。\n\n## （一）标题\n\n三是丙。",
        [claim(2, "从3个方面", 3, 2, "从2个方面"), seq(L + 8, 1, "跳号", "一是", "三是")],
    ),
    # headings （一）（二）: a skip is named at the heading's mark; a new list may start at （一）
    (
        "## （一）甲\n\n正文\n\n## （三）丙\n\n正文",
        [
            (
                "structure.heading-numbering",
                E,
                L + 4,
                4,
                "标题序号不连续：应为“（二）”，实为“（三）” / heading numbering skips or repeats",
                "（二）",
            )
        ],
    ),
    ("## （一）甲\n\n正文\n\n## （一）乙\n\n正文", []),
    # footnotes: a reference without its definition, a definition nobody cites
    (
        "正文[^1]。\n\n[^2]: 注释",
        [
            (
                "structure.footnote",
                E,
                L,
                3,
                "脚注“[^1]”在本节没有定义 / footnote [^1] is not defined in this section: "
                "it would print as [^1]",
                "在本节末尾写 [^1]: 脚注内容",
            ),
            (
                "structure.footnote",
                E,
                L + 2,
                1,
                "脚注“[^2]”的定义在本节没有被引用 / footnote [^2] is defined but not cited in this "
                "section: it would print nowhere",
                "在正文中引用 [^2]，或删去该定义",
            ),
        ],
    ),
    ("第一行，\n正文[^a]。\n\n[^a]: 注释", []),
    (
        "![图1](https://example.com/a.png)",
        [
            (
                "structure.image",
                E,
                L,
                1,
                "图片“https://example.com/a.png”无法印出 / the image cannot be printed: a web "
                "address or URI: renderers never fetch one; save the file in the report",
                "图片须为报告文件夹内的 PNG 或 JPEG 文件，路径相对于本节文件",
            )
        ],
    ),
]


@pytest.mark.parametrize(("body", "expected"), STRUCTURE)
def test_structure(tmp_path: Path, body: str, expected: list[tuple]) -> None:
    assert full(tmp_path, body) == expected


def test_structure_against_the_template(tmp_path: Path) -> None:
    """Required sections, their order, 一、二、 numbering (unnumbered and hidden titles left
    out) and the template's count of points, each finding whole."""
    folder = write_report(
        tmp_path / "demo" / "2022",
        {
            "preface": ("前言", "按照要求，现报告如下。"),
            "problems": ("二、存在的问题", "一是甲。"),
            "situation": ("三、政治生态建设情况", "一是甲。\n\n二是乙。"),
            "extra": ("附件", "正文。"),
            "other": ("五、其他", "正文。"),
        },
        template="political-ecology-self-assessment",
    )
    found = [
        (f.rule, f.file, f.line, f.column, f.message, f.fix)
        for f in check(load_report(folder)).findings
    ]
    assert found == [
        (
            "structure.required-section",
            "report.yaml",
            6,
            1,
            "缺少模板要求的章节“三、提升政治生态建设的措施和打算”（measures）"
            "/ required section missing",
            "reportflow new 生成的 sections/NN-measures.md，并加入 sections:",
        ),
        (
            "structure.section-order",
            "report.yaml",
            8,
            1,
            "章节顺序与模板不符：此处应为“situation”，实为“problems” / section out of order",
            "按模板顺序排列: situation, problems",
        ),
        (
            "structure.heading-numbering",
            "sections/01-problems.md",
            3,
            1,
            "章节序号不连续：应为“一、”，实为“二、” / section numbering skips or repeats",
            "一、存在的问题",
        ),
        (
            "structure.point-count",
            "sections/02-situation.md",
            3,
            1,
            "模板要求本节有6个要点（一是……），实有2个 / expected 6 points",
            None,
        ),
        (
            "structure.heading-numbering",
            "sections/04-other.md",
            3,
            1,
            "章节序号不连续：应为“四、”，实为“五、” / section numbering skips or repeats",
            "四、其他",
        ),
    ]


def test_points_by_the_sections_settings(tmp_path: Path) -> None:
    """A template with no point_styles counts 一是 only; a section's ``points:`` is compared
    with its longest run of points; an empty section is not counted."""
    from reportflow.validate import structure

    body = "一是甲。\n\n二是乙。\n\n（一）丙。\n\n一是丁。"
    folder = write_report(tmp_path / "demo" / "2022", {"a": ("一、情况", body)})
    count = (
        "structure.point-count",
        E,
        3,
        1,
        "模板要求本节有3个要点（一是……），实有2个 / expected 3 points",
        None,
    )
    assert family(structure, folder, {}, settings={"points": 3}) == [count]
    assert family(structure, folder, {}, settings={"points": 2}) == []
    paren = {"point_styles": ["paren"]}
    assert family(structure, folder, {}, settings={"points": 1, **paren}) == []
    empty = write_report(tmp_path / "e" / "demo" / "2022", {"a": ("一、情况", "\n")})
    assert family(structure, empty, {}, settings={"points": 3}) == []


@pytest.mark.parametrize(
    ("old", "new", "stale"),
    [
        ("一体谋划", "一同谋划", True),  # the third character before the year: still as it was
        ("一体谋划", "一体筹划", False),  # the second: the year's place was rewritten
        ("将继续", "将继而", True),  # the third after 年
        ("将继续", "将持续", False),  # the second after 年
    ],
)
def test_stale_year_looks_two_characters_either_side(
    tmp_path: Path, old: str, new: str, stale: bool
) -> None:
    _last_year(tmp_path)
    found = full(tmp_path, YEARS.replace(old, new))
    assert found[:2] == [
        ("carryover.paragraph", W, L, 1, LIKE.format(S0, 8, "0.99"), None),
        ("carryover.stale-year", W, L, 1, STALE.format(2021, "当年", "that year"), None),
    ]
    late = ("carryover.stale-year", W, L, 34, STALE.format(2022, "下一年", "the next year"), None)
    assert found[2:] == ([late] if stale else [])
