"""主送机关 (GB/T 9704 7.3.2): report.yaml ``addressee:`` printed below the title's empty line,
flush left, with its full-width colon, the text on the next grid line; in the PDF, in the DOCX
as LibreOffice lays it out, and in the HTML."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
from page_measure import LEFT, libreoffice_pdf, measure
from render_helpers import SHA, copy_sample

from reportflow.content.model import load_report
from reportflow.render import layout as L
from reportflow.render import render_report

ADDRESSEE = "区委、区纪委"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("addressee")
    folder = copy_sample(out / "report")
    yaml = folder / "report.yaml"
    text = yaml.read_text(encoding="utf-8")
    yaml.write_text(text.replace("\norganisation:", f"\naddressee: {ADDRESSEE}\norganisation:", 1))
    paths = render_report(
        load_report(folder), ["docx", "pdf", "html"], out / "build", draft=False, commit=SHA
    )
    paths["lo"] = libreoffice_pdf(paths["docx"], out / "lo")
    return paths


@pytest.mark.parametrize("fmt", ["pdf", "lo"])
def test_flush_left_below_the_title_with_a_colon(rendered, fmt: str) -> None:
    m = measure(rendered[fmt])
    body = m.pages[0].body()
    first, second = body[0], body[1]
    assert first.text.replace(" ", "") == f"{ADDRESSEE}："
    assert abs(first.x0 - LEFT) < 0.5  # 顶格: no indent
    # Title on grid line 1, the empty line 2, the addressee on line 3, the text on line 4: the
    # grid's lines are where page 2's lines are (each renderer puts its baseline its own way).
    grid = m.pages[1].body()[0].y
    assert abs(first.y - (grid + 2 * L.LINE_PITCH_PT)) < 1.0
    assert abs((second.y - first.y) - L.LINE_PITCH_PT) < 0.5
    assert second.text.startswith("按照") and abs(second.x0 - (LEFT + 2 * 15.79)) < 1.0


def test_docx_and_html(rendered) -> None:
    paragraphs = docx.Document(str(rendered["docx"])).paragraphs
    texts = [p.text for p in paragraphs]
    at = texts.index(f"{ADDRESSEE}：")
    assert paragraphs[at - 1].style.name == "Title"
    html = rendered["html"].read_text(encoding="utf-8")
    assert re.search(r'</h1>\s*<p class="addressee">区委、区纪委：</p>', html)
