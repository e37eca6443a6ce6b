"""Property tests: no section body, however strange, crashes validation or yields bad places."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
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
        "_",
        "___",
        "\\_",
        "x次",
        "×",
        "□",
        "{{",
        "}}",
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


# Chinese prose with no placeholder character and no Latin letter or digit next to an insert.
PROSE = st.text(
    alphabet=st.sampled_from("区政府党组会议召开工作落实开展检查群众干部全面从严治党，。、；"),
    max_size=12,
)
#: Placeholder forms as drafters leave them, each with the offset of the mark inside it.
PLACEHOLDERS = st.sampled_from(
    [
        "x次",
        "X个",
        "×月",
        "Ｘ人",
        "XX",
        "xx",
        "××",
        "×××",
        "___",
        "_",
        "__",
        "□□",
        "□项",
        "【待补充】",
        "（待定）",
        "【请填写单位】",
        "{{单位}}",
        "TODO",
    ]
)
#: Legitimate text that looks like a placeholder to a careless rule.
LEGITIMATE = st.sampled_from(
    [
        "3×4米",
        "x86",
        "iPhone X",
        "X光",
        "Xbox",
        "XXL",
        "user_name",
        "a_b.pdf",
        "王某某",
        "某区",
        "（略）",
        "二〇〇〇年",
        "□是",
        "【典型案例】",
        "`___`",
        "`x次`",
        "**重点**",
    ]
)


def _markers(body: str, tmp: Path) -> list[tuple[int, int]]:
    result = check(_report(body, tmp))
    marks = ("placeholders.marker", "placeholders.asterisks")
    return [(f.line, f.column) for f in result.findings if f.rule in marks]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(before=PROSE, form=PLACEHOLDERS, after=PROSE)
def test_a_placeholder_in_any_prose_is_found_at_its_column(
    tmp_path: Path, before: str, form: str, after: str
) -> None:
    found = _markers(f"正文{before}{form}{after}", tmp_path)  # a lone ___ would be a rule line
    assert found == [(6, len(before) + 3)]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parts=st.lists(st.tuples(PROSE, LEGITIMATE), max_size=6), tail=PROSE)
def test_legitimate_look_alikes_in_any_prose_are_never_placeholders(
    tmp_path: Path, parts: list[tuple[str, str]], tail: str
) -> None:
    body = "".join(f"{a}，{b}，" for a, b in parts) + tail
    assert _markers(body, tmp_path) == []


def _halfwidth(body: str, tmp: Path) -> list[tuple[int, int]]:
    result = check(_report(body, tmp))
    return [(f.line, f.column) for f in result.findings if f.rule == "typography.halfwidth-punct"]


#: A half-width mark in Chinese text, as drafters type it: next to a character, after a
#: full-width closing mark or quote, before an opening one, with spaces around it. Each form
#: with the offset of the mark inside it.
MARK_IN_CHINESE = st.sampled_from(
    [
        (",", 0),
        ("”,", 1),
        ("）,", 1),
        ("》:", 1),
        ("。,", 1),
        (" , ", 1),
        (" ;", 1),
        (":“", 0),
        ("?", 0),
        ("!", 0),
        (" (", 1),
        ("...", 0),
    ]
)
#: Half-width marks that belong to Latin text, decimals, times, URLs and file names.
LATIN_IN_CHINESE = st.sampled_from(
    [
        "3.5",
        "9:30",
        "1:2",
        "1,000",
        "https://a.cn/x?a=1",
        "a.txt",
        "v1.2.3",
        "Python, Java",
        "e.g.",
        "etc...",
        "Hello, world!",
    ]
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(before=PROSE, form=MARK_IN_CHINESE, after=PROSE)
def test_a_halfwidth_mark_in_chinese_text_is_found_whatever_stands_next_to_it(
    tmp_path: Path, before: str, form: tuple[str, int], after: str
) -> None:
    mark, offset = form
    body = f"正文{before}工作{mark}落实{after}"
    assert (6, len(before) + 5 + offset) in _halfwidth(body, tmp_path)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parts=st.lists(st.tuples(PROSE, LATIN_IN_CHINESE), max_size=5), tail=PROSE)
def test_latin_marks_inside_chinese_prose_are_never_flagged(
    tmp_path: Path, parts: list[tuple[str, str]], tail: str
) -> None:
    body = "".join(f"{a}，{b} 的" for a, b in parts) + tail
    assume("。。。" not in body)  # three full stops are an ellipsis written wrong
    assert _halfwidth(body, tmp_path) == []
