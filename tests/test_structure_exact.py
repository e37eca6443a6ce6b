"""Structure findings the first mutation run of ``validate/structure.py`` showed unchecked
(issue 17): which template sections are required, the title a missing one is named by, and
the place of a footnote finding when the body starts with a line break."""

from __future__ import annotations

from pathlib import Path

from validate_util import BODY_LINE, write_report

from reportflow.content.markdown import parse
from reportflow.content.model import load_report
from reportflow.validate import structure
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
