"""Each rule: a failing example at its exact line/column, and a passing near-miss."""

from __future__ import annotations

from pathlib import Path

import pytest
from validate_util import BODY_LINE, findings_for, where, write_report

from reportflow.content.model import load_report
from reportflow.validate import check

L = BODY_LINE


@pytest.mark.parametrize(
    ("body", "rule", "expected"),
    [
        # placeholders
        ("召开会议\\*\\*\\*次。", "placeholders.asterisks", [(L, 5)]),
        ("召开会议***次，走访***户。", "placeholders.asterisks", [(L, 5), (L, 12)]),
        ("《\\*\\*区政府办法》", "placeholders.asterisks", [(L, 2)]),
        ("第一段。\n\n  XX区政府", "placeholders.marker", [(L + 2, 3)]),
        ("资金（待定）万元，【待补充】", "placeholders.marker", [(L, 3), (L, 10)]),
        ("×××同志，TODO", "placeholders.marker", [(L, 1), (L, 7)]),
        # figures
        ("办复率为105%。", "figures.percent-over-100", [(L, 5)]),
        ("任务完成率达到112%。", "figures.percent-over-100", [(L, 8)]),
        ("经费下降120%。", "figures.negative", []),
        ("经费下降120%。", "figures.percent-over-100", [(L, 5)]),
        ("新增就业-30人。", "figures.negative", [(L, 5)]),
        ("2025年召开会议。", "figures.year-range", [(L, 1)]),
        # typography
        ("认真贯彻,严格落实。", "typography.halfwidth-punct", [(L, 5)]),
        ("党组(试行)办法；认真;落实", "typography.halfwidth-punct", [(L, 3), (L, 6), (L, 12)]),
        # punctuation next to punctuation: the sentence is Chinese, not only the neighbour
        ("“引语”,然后落实", "typography.halfwidth-punct", [(L, 5)]),
        ("（试行）,办法；《准则》:要求", "typography.halfwidth-punct", [(L, 5), (L, 13)]),
        ("会议 , 开展检查 ;落实", "typography.halfwidth-punct", [(L, 4), (L, 11)]),
        ("说明:“内容”，是否落实?", "typography.halfwidth-punct", [(L, 3), (L, 13)]),
        ("见 (Smith, 2020)。工作。,", "typography.halfwidth-punct", [(L, 3), (L, 15), (L, 20)]),
        ("时间:9点，网址:https://a.cn", "typography.halfwidth-punct", [(L, 3), (L, 9)]),
        ("等等...落实。。。开展", "typography.halfwidth-punct", [(L, 3), (L, 8)]),
        ('落实"三会一课"制度', "typography.ascii-quote", [(L, 3), (L, 8)]),
        ("认真贯彻《准则，严格", "typography.unbalanced", [(L, 5)]),
        ("“两个维护”和「四个意识」以及“四个自信”", "typography.mixed-quotes", [(L, 8)]),
        ("２０２２年", "typography.fullwidth-alnum", [(L, 1)]),
        # formulations
        ("学习习近平新时代中国特色社会主意思想。", "formulations.near-miss", [(L, 3)]),
        ("做到权利在阳光下运行", "formulations.near-miss", [(L, 3)]),
        ("坚决做到两个捍卫。", "formulations.known-variant", [(L, 5)]),
        # structure
        ("一是甲。\n\n二是乙。\n\n四是丁。", "structure.point-sequence", [(L + 4, 1)]),
        ("一是甲。\n\n二是乙。\n\n二是丙。", "structure.point-sequence", [(L + 4, 1)]),
        ("我们将从5个方面努力。\n\n一是甲。\n\n二是乙。", "structure.count-claim", [(L, 5)]),
        ("主要有以下三点。\n\n一是甲。\n\n二是乙。", "structure.count-claim", [(L, 6)]),
    ],
)
def test_rule_fires_at_exact_place(tmp_path: Path, body: str, rule: str, expected) -> None:
    assert where(findings_for(tmp_path, body), rule) == expected


@pytest.mark.parametrize(
    "body",
    [
        "**一是**加强学习，*重点*突出。",  # bold markup is not a redaction
        "代码 `***` 不是占位符。",  # inline code
        "XXL号服装，Xbox 和 max 不是占位符。",  # not XX on its own
        "办复率为100%，经费增长150%，是去年的210%。",  # growth may exceed 100
        "完成年度目标任务的112%，超额完成全年计划。",  # over-fulfilment is no rate
        "2020-2022年，气温-5℃。",  # ranges and temperatures
        "到2035年基本实现现代化，2021—2025年规划，2023年1月。",  # targets, report year + 1
        "English, with commas (and parentheses): fine!",  # no Chinese around
        "比例为1:2，时间10:30，（试行）办法。",  # digits, full-width parentheses
        "版本 3.5 发布，时间 9:30 开会，共1,000人。",  # decimals, times, thousands
        "网址 https://a.cn/x?a=1 查看，文件 a.txt 和 b.pdf，v1.2.3 版本。",  # URLs, files
        "使用 Python, Java 等语言，即 e.g. 示例，等等……",  # Latin text, a real ellipsis
        "He said: “yes, fine...”然后。",  # a Latin sentence inside Chinese prose
        "习近平新时代中国特色社会主义思想，党的十九大精神和党的二十大精神。",
        "严格落实中央“八项规定”精神，中央八项规定及其实施细则精神。",
        "落实全面从严治党责任，全面从严治党的责任，党中央各项决策部署。",
        "学习习近平新时代中国特色社会主义思想。",  # the doubled 习 belongs to 学习
        "我们将从3个方面努力。\n\n一是甲。\n\n补充说明。\n\n二是乙。\n\n三是丙。",
        "严格落实十项改革措施，围绕两个方面开展工作。",  # no points follow: prose
        "一是甲。\n\n二是乙。\n\n# （一）小标题\n\n一是丙。",  # a heading starts a new list
    ],
)
def test_clean_text_has_no_findings(tmp_path: Path, body: str) -> None:
    assert findings_for(tmp_path, body) == []


def test_empty_section_is_an_error(tmp_path: Path) -> None:
    found = findings_for(tmp_path, "\n\n")
    assert [(f.rule, f.severity, f.line) for f in found] == [
        ("placeholders.empty-section", "error", L)
    ]


def test_columns_count_characters_inside_lists_quotes_and_tables(tmp_path: Path) -> None:
    body = (
        "- 列表项，含\\*\\*\\*人\n\n> 引用***段落***\n\n"
        "| 项目 | 数量 |\n|---|---|\n| 会议 | \\*\\*\\* |\n"
    )
    assert where(findings_for(tmp_path, body), "placeholders.asterisks") == [
        (L, 8),
        (L + 2, 5),
        (L + 2, 10),
        (L + 6, 8),
    ]


def test_section_numbering_and_template_structure(tmp_path: Path) -> None:
    folder = write_report(
        tmp_path / "demo" / "2022",
        {
            "preface": ("前言", "按照要求，现报告如下。"),
            "problems": ("二、存在的问题", "一是甲。"),
            "situation": ("三、政治生态建设情况", "一是甲。\n\n二是乙。"),
        },
        template="political-ecology-self-assessment",
    )
    found = check(load_report(folder)).findings
    got = {(f.rule, f.file, f.line) for f in found}
    assert ("structure.required-section", "report.yaml", 6) in got  # measures missing
    assert ("structure.section-order", "report.yaml", 8) in got  # problems before situation
    assert ("structure.heading-numbering", "sections/01-problems.md", 3) in got  # 二 before 一
    assert ("structure.point-count", "sections/02-situation.md", 3) in got  # 2 points, not 6


def test_report_rules_switch_off_and_relevel(tmp_path: Path) -> None:
    body = "认真贯彻,严格落实。2025年召开会议。"
    default = findings_for(tmp_path / "a", body)
    assert {(f.rule, f.severity) for f in default} == {
        ("typography.halfwidth-punct", "warning"),
        ("figures.year-range", "error"),
    }
    rules = {"typography.halfwidth-punct": False, "figures.year-range": "warning"}
    changed = findings_for(tmp_path / "b", body, rules=rules)
    assert [(f.rule, f.severity) for f in changed] == [("figures.year-range", "warning")]
    family_off = findings_for(tmp_path / "c", body, rules={"typography": "off", "figures": "off"})
    assert family_off == []


def test_unknown_rule_in_report_yaml_is_an_input_error(tmp_path: Path, cli) -> None:
    folder = write_report(
        tmp_path / "demo" / "2022", {"a": ("一、情况", "正文。")}, rules={"typografy": "off"}
    )
    res = cli("validate", folder)
    assert res.code == 2
    assert "report.yaml" in res.err and "rules" in res.err


def test_carryover_from_last_year_same_series(tmp_path: Path) -> None:
    para = "坚持把意识形态工作放在全区经济社会发展大局中一体谋划、部署和推进，强化定位思维。"
    write_report(tmp_path / "demo" / "2021", {"a": ("一、情况", f"前言。\n\n{para}")}, year=2021)
    changed = para.replace("强化", "增强")
    folder = write_report(
        tmp_path / "demo" / "2022",
        {
            "a": (
                "一、情况",
                f"{para}\n\n{changed}\n\n全新的段落，内容与上一年完全不同，写的是今年的新情况新做法。",
            )
        },
    )
    found = [f for f in check(load_report(folder)).findings if f.rule == "carryover.paragraph"]
    assert [(f.line, f.column, f.severity) for f in found] == [
        (L, 1, "warning"),
        (L + 2, 1, "warning"),
    ]
    assert "相同" in found[0].message and "相似" in found[1].message


def test_carryover_skipped_when_last_year_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "demo" / "2021").mkdir(parents=True)
    (tmp_path / "demo" / "2021" / "report.yaml").write_text("report: [unclosed", "utf-8")
    assert findings_for(tmp_path, "正文内容。") == []
