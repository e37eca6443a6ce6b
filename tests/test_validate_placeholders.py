"""Placeholders as drafters really leave them (issue 16): each form with a case that must be
found at its exact place and a near-miss that must stay clean, in the text and in report.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from validate_util import BODY_LINE, findings_for, where, write_report

from reportflow.content.model import load_report
from reportflow.validate import check

L = BODY_LINE
MARKER = "placeholders.marker"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # a lone x/X/× where a number stands: before a measure word or unit
        ("全年召开会议x次。", [(L, 7)]),
        ("走访X户，覆盖×个村。", [(L, 3), (L, 8)]),
        ("于X月X日召开，完成X%。", [(L, 2), (L, 4), (L, 11)]),
        ("投入资金x 万元。", [(L, 5)]),
        ("全区ＸＸ个单位", [(L, 3)]),  # full-width letters, as a Chinese IME types them
        # underscore blanks, one or many
        ("共开展___次专项检查。", [(L, 4)]),
        ("共开展_次，参与__人。", [(L, 4), (L, 9)]),
        ("____年__月__日", [(L, 1), (L, 6), (L, 9)]),
        ("20__年度", [(L, 3)]),
        ("（___）和（___）", [(L, 2), (L, 8)]),  # Markdown would read these two as emphasis
        ("共\\_\\_\\_人", [(L, 2)]),  # escaped, as an importer writes them
        # empty boxes
        ("整改□□个问题，□项", [(L, 3), (L, 9)]),
        # bracketed requests and template fields
        ("【请填写单位名称】召开会议", [(L, 1)]),
        ("（请补充数据）{{单位名称}}", [(L, 1), (L, 8)]),
    ],
)
def test_placeholder_form_is_found_at_its_place(tmp_path: Path, body: str, expected) -> None:
    assert where(findings_for(tmp_path, body), MARKER) == expected


@pytest.mark.parametrize(
    "body",
    [
        "长3×4米的展板，x86 服务器，iPhone X台账，X光机2台，Xbox 5个。",  # Latin and maths
        "X射线检测，A、B、X类，XXL号服装，第X代。",  # a letter not before a measure word
        "文件名 user_name 与 a_b.pdf，见 https://a.gov.cn/x_1 网站。",  # identifiers, URLs
        "**重点**；__重点__。",  # Markdown bold with underscores, not blanks
        "王某某违规收受礼金，某区、某单位。",  # 某 and 某某: how notices anonymise names
        "附件（略），二〇〇〇年，○○路。",  # a deliberate omission; zero
        "□是 □否",  # check boxes
        "【典型案例】（试行）[1]",  # brackets that ask for nothing
        "代码 `___` 与 `x次` 不检查。",  # inline code
    ],
)
def test_legitimate_text_is_not_a_placeholder(tmp_path: Path, body: str) -> None:
    assert findings_for(tmp_path, body) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("实现105%的办复率。", [(L, 3)]),
        ("达到120%的覆盖率，110%的群众满意度。", [(L, 3), (L, 12)]),
    ],
)
def test_rate_word_after_the_figure(tmp_path: Path, body: str, expected) -> None:
    assert where(findings_for(tmp_path, body), "figures.percent-over-100") == expected


@pytest.mark.parametrize(
    "body",
    [
        "以120%的增长率，150%的增幅，110%的收益率。",
        "是去年的210%，达到102%。",
        "增长150%的覆盖率。",
    ],
)
def test_rates_that_may_exceed_100_stay_clean(tmp_path: Path, body: str) -> None:
    assert where(findings_for(tmp_path, body), "figures.percent-over-100") == []


def test_placeholders_in_report_yaml_point_at_its_line_and_column(tmp_path: Path) -> None:
    folder = write_report(tmp_path / "demo" / "2022", {"a": ("一、情况", "正文。")})
    doc = yaml.safe_load((folder / "report.yaml").read_text("utf-8"))
    doc["title"] = "XX区政府20__年工作报告"
    doc["organisation"] = "【待补充】"
    doc["render"] = {"date": "2023-01-10"}
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    (folder / "report.yaml").write_text(text, "utf-8")
    lines = text.split("\n")
    title = next(i for i, s in enumerate(lines, 1) if s.startswith("title:"))
    org = next(i for i, s in enumerate(lines, 1) if s.startswith("organisation:"))
    found = check(load_report(folder)).findings
    got = [(f.rule, f.file, f.line, f.column) for f in found]
    assert sorted(got) == sorted(
        [
            (MARKER, "report.yaml", title, 8),
            (MARKER, "report.yaml", title, 15),
            (MARKER, "report.yaml", org, 15),
        ]
    )
    assert all(f.severity == "error" for f in found)
    assert {f.message.split(" ")[2] for f in found} == {"title", "organisation"}


def test_quoted_yaml_title_counts_the_quote(tmp_path: Path) -> None:
    folder = write_report(tmp_path / "demo" / "2022", {"a": ("一、情况", "正文。")})
    text = (folder / "report.yaml").read_text("utf-8")
    text = "\n".join(
        'title: "区政府***工作报告"' if s.startswith("title:") else s for s in text.split("\n")
    )
    (folder / "report.yaml").write_text(text, "utf-8")
    found = check(load_report(folder)).findings
    assert [(f.rule, f.column) for f in found] == [("placeholders.asterisks", 12)]


@pytest.mark.parametrize("style", ["|", ">", "plain"])
def test_a_multi_line_yaml_title_names_the_line_of_each_mark(tmp_path: Path, style: str) -> None:
    """A title folded over several lines: each mark is named on its own line and column."""
    folder = write_report(tmp_path / "demo" / "2022", {"a": ("一、情况", "正文。")})
    text = (folder / "report.yaml").read_text("utf-8")
    head = "title:" if style == "plain" else f"title: {style}"
    block = [head, "  区政府***年", "  工作报告XX", "  第***号"]
    text = "\n".join("\n".join(block) if s.startswith("title:") else s for s in text.split("\n"))
    (folder / "report.yaml").write_text(text, "utf-8")
    lines = text.split("\n")
    first = lines.index(head) + 1
    found = check(load_report(folder)).findings
    got = sorted((f.rule, f.line, f.column) for f in found)
    assert got == sorted(
        [
            ("placeholders.asterisks", first + 1, 6),
            ("placeholders.marker", first + 2, 7),
            ("placeholders.asterisks", first + 3, 4),
        ]
    )


def test_clean_report_yaml_has_no_findings(tmp_path: Path) -> None:
    folder = write_report(tmp_path / "demo" / "2022", {"a": ("一、情况", "正文。")})
    assert check(load_report(folder)).findings == ()
