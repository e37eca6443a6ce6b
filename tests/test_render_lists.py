"""Lists as 公文 paragraphs in the three formats (GB/T 9704 7.3.3; schemas/render/lists.lua).

An official document has no bullets and no hanging list indents: each item is an ordinary
paragraph, its first line indented two characters, its number written as text ("1." at the
first level, "（1）" at the second), its other lines from the left edge of the type area.
"""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from page_measure import CELL, LEFT, Measured, libreoffice_pdf, measure
from render_helpers import SHA, copy_sample

from reportflow.content.model import load_report
from reportflow.render import layout as L
from reportflow.render import render_report

LONG = "加强理论武装，坚持把学习贯彻习近平新时代中国特色社会主义思想作为首要政治任务，持续推进"
LISTS = f"""
1. {LONG}。
2. 严格落实“第一议题”制度。
   1. 党组会议先学。
   2. 中心组专题学。

- 无序的一项。
"""
ITEMS = [f"1.{LONG}。", "2.严格落实“第一议题”制度。", "（1）党组会议先学。", "（2）中心组专题学。"]
ITEMS += ["无序的一项。"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("lists")
    folder = copy_sample(out / "report", sections={"01-situation.md": LISTS})
    paths = render_report(
        load_report(folder), ["docx", "pdf", "html"], out / "build", draft=False, commit=SHA
    )
    paths["lo"] = libreoffice_pdf(paths["docx"], out / "lo")
    return paths


def _starts(m: Measured) -> dict[str, tuple[float, float]]:
    """{item: (its first line's indent, the next line's indent) in grid cells}."""
    lines = [ln for _, ln in m.body_lines]
    found = {}
    for n, ln in enumerate(lines):
        text = ln.text.replace(" ", "")
        for item in ITEMS:
            if item.startswith(text[:8]) and item not in found:
                nxt = lines[n + 1] if n + 1 < len(lines) else ln
                found[item] = ((ln.x0 - LEFT) / CELL, (nxt.x0 - LEFT) / CELL)
    return found


@pytest.mark.parametrize("fmt", ["pdf", "lo"])
def test_items_are_paragraphs_indented_two_characters(rendered, fmt: str) -> None:
    starts = _starts(measure(rendered[fmt]))
    assert set(starts) == set(ITEMS), starts
    for item, (first, _) in starts.items():
        assert abs(first - 2) < 0.1, (item, first)
    # The long item runs on from the left edge of the type area, not under its text.
    assert abs(starts[ITEMS[0]][1]) < 0.1, starts[ITEMS[0]]


def test_docx_items_are_body_paragraphs_without_numbering(rendered) -> None:
    document = docx.Document(str(rendered["docx"]))
    texts = [p.text for p in document.paragraphs]
    for item in ITEMS:
        (p,) = [p for p in document.paragraphs if p.text == item]
        assert p._p.pPr is None or p._p.pPr.find(qn("w:numPr")) is None, item
        assert p.style.name in ("Body Text", "First Paragraph"), (item, p.style.name)
    assert len([t for t in texts if t in ITEMS]) == len(ITEMS)
    assert document.styles["Body Text"].paragraph_format.first_line_indent.twips == (
        L.FIRST_LINE_INDENT_TW
    )


def test_html_items_are_paragraphs(rendered) -> None:
    html = rendered["html"].read_text(encoding="utf-8")
    assert not re.search(r"<(ol|ul|li)[ >]", html)
    for item in ITEMS:
        assert f"<p>{item}</p>" in html, item


@pytest.mark.parametrize(
    ("markdown", "filtered"),
    [
        ("1. 甲\n2. 乙\n", True),
        ("正文。\n\n- 乙\n", True),
        ("正文。\n\n  * 丙\n", True),
        ("> - 引文中的列表\n", True),
        ("3) 第三项\n", True),
        ("\\*\\*\\*政治生态评价指标体系\n", False),
        ("***政治生态\n", False),
        ("一是加强学习。\n\n二是严格落实。\n", False),
        ("1.5亿元用于民生。\n", False),
        ("2022年，全区……\n", False),
    ],
)
def test_the_lists_filter_runs_only_where_a_list_can_be(markdown: str, filtered: bool) -> None:
    from reportflow.render.doc import LISTS_FILTER, lists_filter

    assert lists_filter(markdown) == ([LISTS_FILTER] if filtered else [])
