"""Structure findings the first mutation run of ``validate/structure.py`` showed unchecked
(issue 17): which template sections are required, the title a missing one is named by, and
the place of a footnote finding when the body starts with a line break."""

from __future__ import annotations

from pathlib import Path

from validate_util import BODY_LINE, write_report

from reportflow.content.markdown import parse
from reportflow.content.model import load_report
from reportflow.validate import check, structure
from reportflow.validate.registry import all_rules
from reportflow.validate.rule import Context, Doc

MISSING = "缺少模板要求的章节“{}”（{}）/ required section missing"


def _findings(folder: Path, template: dict) -> list[tuple]:
    report = load_report(folder)
    docs = [Doc(s, parse(s.body, s.body_line), {}) for s in report.sections]
    ctx = Context(report, template, docs, None, {}, all_rules())
    structure.run(ctx)
    return [(f.rule, f.file, f.line, f.column, f.message, f.fix) for f in ctx.findings]


def test_only_sections_marked_required_are_required(tmp_path: Path) -> None:
    folder = write_report(tmp_path / "demo" / "2022", {"a": ("前言", "正文。")})
    template = {
        "sections": [
            {"id": "optional", "title": "可选"},
            {"id": "no", "required": False},
            {"id": "req", "required": True},  # no title: named by its id
            {"id": "named", "title": "四、措施", "required": True},
            {"id": "a"},
        ]
    }
    fix = "reportflow new 生成的 sections/NN-{}.md，并加入 sections:"
    line = 1  # this Context is given no report.yaml line map (see test_validate_exact)
    assert _findings(folder, template) == [
        ("structure.required-section", "report.yaml", line, 1, MISSING.format("req", "req"),
         fix.format("req")),
        ("structure.required-section", "report.yaml", line, 1,
         MISSING.format("四、措施", "named"), fix.format("named")),
    ]  # fmt: skip
    assert _findings(folder, {}) == []
    # an entry that is no mapping is neither required nor in the order (shipped templates have
    # none; the title lookup of a missing section does not expect one either)
    assert _findings(folder, {"sections": ["loose", {"id": "a", "required": True}]}) == []
    assert _findings(folder, {"sections": None}) == []


def test_a_footnote_after_a_leading_line_break(tmp_path: Path) -> None:
    """The line and column of a footnote finding count from the body's first character, also
    when that is a line break."""
    folder = write_report(tmp_path / "demo" / "2022", {"a": ("一、情况", "\n正文[^1]。")})
    section = load_report(folder).sections[0]
    assert section.body.startswith("\n") and section.body_line == BODY_LINE
    assert _findings(folder, {}) == [
        (
            "structure.footnote",
            "sections/00-a.md",
            BODY_LINE + 1,
            3,
            "脚注“[^1]”在本节没有定义 / footnote [^1] is not defined in this section: it would "
            "print as [^1]",
            "在本节末尾写 [^1]: 脚注内容",
        )
    ]
    unused = write_report(tmp_path / "b" / "demo" / "2022", {"a": ("一、情况", "\n[^2]: 注")})
    assert _findings(unused, {}) == [
        (
            "structure.footnote",
            "sections/00-a.md",
            BODY_LINE + 1,
            1,
            "脚注“[^2]”的定义在本节没有被引用 / footnote [^2] is defined but not cited in this "
            "section: it would print nowhere",
            "在正文中引用 [^2]，或删去该定义",
        )
    ]


def _all(folder: Path) -> list[tuple]:
    return [
        (f.rule, f.file, f.line, f.column, f.message, f.fix)
        for f in check(load_report(folder)).findings
        if f.rule.startswith("structure.")
    ]


def _one(tmp_path: Path, body: str) -> list[tuple]:
    return _all(write_report(tmp_path / "demo" / "2022", {"a": ("一、情况", body)}))


A = "sections/00-a.md"
L = BODY_LINE


def _claim(line: int, column: int, said: str, n: int, follow: int, fix: str) -> tuple:
    message = (
        f"“{said}”与其后的要点数不符：后面有{follow}点 / the claim says {n}, {follow} points follow"
    )
    return ("structure.count-claim", A, line, column, message, fix)


def test_count_claims_after_prose_headings_and_inside_points(tmp_path: Path) -> None:
    # a heading and a plain paragraph before the claim are passed over, not the end of it
    body = "## 概述\n\n正文。\n\n从3个方面推进。\n\n一是甲。\n\n二是乙。"
    assert _one(tmp_path / "1", body) == [_claim(L + 4, 2, "从3个方面", 3, 2, "从2个方面")]
    # a claim that prose follows announces nothing, and the next claim is still checked
    body = "存在3个方面。\n\n正文。\n\n从3个方面推进。\n\n一是甲。\n\n二是乙。"
    assert _one(tmp_path / "2", body) == [_claim(L + 4, 2, "从3个方面", 3, 2, "从2个方面")]
    # a number in a heading or inside a point is no claim about the points after it
    assert _one(tmp_path / "3", "## 从3个方面推进\n\n一是甲。\n\n二是乙。") == []
    assert _one(tmp_path / "4", "一是从3个方面推进。\n\n二是乙。") == []


def test_paren_headings_start_at_one_and_skip_other_headings(tmp_path: Path) -> None:
    found = _one(tmp_path / "1", "## （二）甲\n\n正文")
    assert found == [
        ("structure.heading-numbering", A, L, 4,
         "标题序号不连续：应为“（一）”，实为“（二）” / heading numbering skips or repeats",
         "（一）"),
    ]  # fmt: skip
    found = _one(tmp_path / "2", "## 概述\n\n正文\n\n## （一）甲\n\n正文\n\n## （三）丙\n\n正文")
    assert found == [
        ("structure.heading-numbering", A, L + 8, 4,
         "标题序号不连续：应为“（二）”，实为“（三）” / heading numbering skips or repeats",
         "（二）"),
    ]  # fmt: skip


def test_a_template_count_of_points_for_a_section_without_points(tmp_path: Path) -> None:
    folder = write_report(tmp_path / "demo" / "2022", {"a": ("一、情况", "正文。")})
    report = load_report(folder)
    docs = [Doc(s, parse(s.body, s.body_line), {"points": 1}) for s in report.sections]
    ctx = Context(report, {}, docs, None, {}, all_rules())
    structure.run(ctx)
    assert [(f.rule, f.file, f.line, f.message) for f in ctx.findings] == [
        (
            "structure.point-count",
            A,
            3,
            "模板要求本节有1个要点（一是……），实有0个 / expected 1 points",
        )
    ]


def test_a_hidden_title_is_left_out_of_the_numbering(tmp_path: Path) -> None:
    folder = write_report(
        tmp_path / "demo" / "2022", {"a": ("前言", "正文。"), "b": ("二、乙", "正文。")}
    )
    path = folder / "sections" / "00-a.md"
    path.write_text(path.read_text("utf-8").replace("owner:", "show_heading: false\nowner:"))
    assert load_report(folder).sections[0].show_heading is False
    assert _all(folder) == [
        ("structure.heading-numbering", "sections/01-b.md", 3, 1,
         "章节序号不连续：应为“一、”，实为“二、” / section numbering skips or repeats", "一、乙"),
    ]  # fmt: skip


def test_a_missing_image_is_named_in_its_section(tmp_path: Path) -> None:
    [found] = _one(tmp_path, "![图1](images/none.png)")
    assert found[:4] == ("structure.image", A, L, 1)
    assert "images/none.png" in found[4]
