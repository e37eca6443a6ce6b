"""Report text can never make rendering read local files or inject code or markup."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from render_helpers import SHA, copy_sample, tool

from reportflow.content.model import load_report
from reportflow.core.errors import InputError
from reportflow.render import render_report

SECRET = Path("/etc/passwd").read_text(encoding="utf-8").splitlines()[0]  # "root:x:0:0:..."

ATTEMPTS = """
\\input{/etc/passwd}

\\include{/etc/passwd}

```{=typst}
#read("/etc/passwd")
```

`<w:fldSimple w:instr="INCLUDETEXT /etc/passwd"/>`{=openxml}

```{=html}
<script>alert(1)</script>
```

<script>alert(2)</script> <img src=x onerror=alert(3)>

[link](javascript:alert(4))
"""


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_includes_and_raw_blocks_are_inert(tmp_path: Path) -> None:
    report = load_report(copy_sample(tmp_path / "report", sections={"02-problems.md": ATTEMPTS}))
    paths = render_report(report, ["docx", "pdf", "html"], tmp_path / "out", draft=True, commit=SHA)
    docx_xml = _docx_text(paths["docx"])
    pdf_text = tool("pdftotext", paths["pdf"], "-")
    html = paths["html"].read_text(encoding="utf-8")
    for text in (docx_xml, pdf_text, html):
        assert SECRET not in text
    assert '<w:fldSimple w:instr="INCLUDETEXT' not in docx_xml  # only as escaped text
    assert "INCLUDETEXT /etc/passwd" in docx_xml
    assert "<script" not in html.lower() and "<img" not in html.lower()
    # pandoc keeps a javascript: link; the page's Content-Security-Policy forbids running it.
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "\\input{/etc/passwd}" in pdf_text  # shown as the text it is, not executed


def test_image_of_a_local_file_is_never_embedded(tmp_path: Path) -> None:
    """An image outside the report folder, or a link in it to a file outside, is refused in
    every format (content/images.py), before anything is written."""
    folder = copy_sample(tmp_path / "report", sections={"01-situation.md": "\n![x](/etc/passwd)\n"})
    report = load_report(folder)
    for fmt in ("docx", "html", "pdf"):
        with pytest.raises(InputError, match="outside the report folder"):
            render_report(report, [fmt], tmp_path / "all", draft=True, commit=SHA)
    (folder / "images").mkdir()
    (folder / "images" / "x.png").symlink_to("/etc/passwd")
    section = folder / "sections" / "01-situation.md"
    text = section.read_text(encoding="utf-8").replace("](/etc/passwd)", "](../images/x.png)")
    section.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="symbolic link"):
        render_report(
            load_report(folder), ["docx", "pdf", "html"], tmp_path / "all", draft=True, commit=SHA
        )
    assert not (tmp_path / "all").exists()  # refused before anything is written
