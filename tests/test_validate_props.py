"""Property tests: no section body, however strange, crashes validation or yields bad places."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportflow.content.markdown import parse
from reportflow.content.model import Report, Section
from reportflow.validate import check

MARKUP = st.sampled_from(
    [
        "*",
        "**",
        "\\*",
        "***",
        "\\*\\*\\*",
        "`",
        "[",
        "](",
        ")",
        "# ",
        "- ",
        "> ",
        "|",
        "\n",
        "\n\n",
        "一是",
        "二是",
        "从3个方面",
        "（一）",
        "&amp;",
        "<b>",
        "%",
        "2099年",
        "-5人",
        "习近平新时代中国特色社会主意思想",
        "“",
        "”",
        "《",
        ",",
        "(",
        '"',
        "\t",
        "    ",
        "１",
    ]
)
BODY = st.lists(st.one_of(st.text(max_size=20), MARKUP), max_size=40).map("".join)


def _report(body: str, tmp: Path) -> Report:
    section = Section(
        id="a", title="一、情况", owner="drafter", path="sections/00-a.md", body=body, body_line=6
    )
    return Report(
        root=tmp / "demo" / "2022",
        report="demo",
        year=2022,
        title="报告",
        organisation="区政府",
        people={},
        sections=(section,),
    )


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=BODY)
def test_any_body_validates_without_crashing(tmp_path: Path, body: str) -> None:
    result = check(_report(body, tmp_path))
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for f in result.findings:
        assert f.severity in ("error", "warning")
        assert f.file == "sections/00-a.md"
        assert 6 <= f.line <= 6 + len(lines)
        assert f.column >= 1
    assert result.to_json()["summary"] == result.summary()


def test_a_line_break_inside_inline_code_maps_to_its_line() -> None:
    """Found once by the property below: CommonMark reads a line break in a code span as a
    space, and every column after it pointed past the end of its line."""
    (block,) = parse("`0\n00 `", 1).blocks
    assert block.text == "0 00 "
    assert [block.span.locate(i) for i in range(5)] == [(1, 2), (1, 3), (2, 1), (2, 2), (2, 3)]
    _assert_maps_into("`0\r00 `")
    _assert_maps_into("前`代码\n换行`后，")


@settings(max_examples=300, deadline=None)
@given(body=BODY)
def test_every_plain_character_maps_into_the_body(body: str) -> None:
    _assert_maps_into(body)


def _assert_maps_into(body: str) -> None:
    body = body.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    lines = body.split("\n")
    for block in parse(body, 1).blocks:
        for i in range(len(block.text)):
            line, column = block.span.locate(i)
            assert 1 <= line <= len(lines)
            assert 1 <= column <= len(lines[line - 1]) + 1
            if "\u4e00" <= block.text[i] <= "\u9fff":  # a Chinese character maps onto itself
                assert lines[line - 1][column - 1] == block.text[i]
