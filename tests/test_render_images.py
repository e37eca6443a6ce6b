"""Images: one rule for every format. A PNG or JPEG inside the report folder is printed in the
PDF, the DOCX (also as LibreOffice lays it out) and the HTML, its caption once; any other image
is a validation error at its line and a render of it is refused for all formats alike."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import docx
import pymupdf
import pytest
from page_measure import CENTRE, LEFT, RIGHT, libreoffice_pdf, png
from render_helpers import SHA, copy_sample

from reportflow.content.model import load_report
from reportflow.core.errors import ContentError
from reportflow.render import render_report
from reportflow.validate import check

ARTIFACTS = Path(__file__).resolve().parents[1] / "build" / "test-artifacts"
CAPTION = "图1 政治生态指标示意图"
SECTION = "sections/01-situation.md"


def _png(width: int, height: int) -> bytes:
    raw = b"".join(b"\x00" + b"\x1e\x5a\xc8" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))


def _report(dest: Path, target: str) -> tuple[Path, int]:
    """The sample with an image at the end of the situation section; (folder, its line)."""
    folder = copy_sample(dest)
    (folder / "images").mkdir()
    (folder / "images" / "chart.png").write_bytes(_png(300, 150) + b"\0\0\0\0IEND\xaeB`\x82")
    path = folder / SECTION
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    line = text.count("\n") + 1
    path.write_text(text + f"![{CAPTION}]({target})\n\n图后的正文。\n", encoding="utf-8")
    return folder, line


def _image_findings(folder: Path) -> list[tuple[str, int, int]]:
    found = check(load_report(folder)).findings
    return [(f.file, f.line, f.column) for f in found if f.rule == "structure.image"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("images")
    folder, _ = _report(out / "report", "../images/chart.png")
    assert _image_findings(folder) == []
    paths = render_report(
        load_report(folder), ["docx", "pdf", "html"], out / "build", draft=False, commit=SHA
    )
    paths["lo"] = libreoffice_pdf(paths["docx"], out / "lo")
    return paths


def _placed(pdf: Path) -> list[tuple[int, pymupdf.Rect, int, int]]:
    with pymupdf.open(str(pdf)) as document:
        return [
            (page.number + 1, pymupdf.Rect(info["bbox"]), info["width"], info["height"])
            for page in document
            for info in page.get_image_info()
        ]


@pytest.mark.parametrize("fmt", ["pdf", "lo"])
def test_the_image_is_on_the_page_centred_caption_once(rendered, fmt: str) -> None:
    (placed,) = _placed(rendered[fmt])
    number, box, width, height = placed
    assert (width, height) == (300, 150)
    assert abs((box.x0 + box.x1) / 2 - CENTRE) < 3, box  # centred on the type area
    with pymupdf.open(str(rendered[fmt])) as document:
        text = "".join(page.get_text() for page in document).replace(" ", "")
        png(rendered[fmt], ARTIFACTS / f"image-{fmt}.png", page=number)
    assert text.count(CAPTION.replace(" ", "")) == 1
    assert "图后的正文" in text


def test_docx_and_html_embed_it_with_the_caption_once(rendered) -> None:
    document = docx.Document(str(rendered["docx"]))
    blobs = [r.target_part.blob for r in document.part.rels.values() if "image" in r.reltype]
    assert len(blobs) == 1 and blobs[0].startswith(b"\x89PNG")
    assert sum(p.text.count(CAPTION) for p in document.paragraphs) == 1
    html = rendered["html"].read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 1
    assert html.count(CAPTION) == 2  # the alt text and the figcaption (one printed)
    assert html.count("<figcaption") == 1


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("https://example.com/chart.png", "web address"),
        ("/etc/hosts.png", "outside the report folder"),
        ("../../../chart.png", "outside the report folder"),
        ("../images/missing.png", "no such file"),
        ("../images/chart.svg", "not a PNG or JPEG"),
    ],
)
def test_an_image_no_format_can_print_is_refused_alike(
    tmp_path: Path, target: str, problem: str
) -> None:
    folder, line = _report(tmp_path / "report", target)
    assert _image_findings(folder) == [(SECTION, line, 1)]
    out = tmp_path / "out"
    for fmt in ("pdf", "docx", "html"):
        with pytest.raises(ContentError, match=problem) as caught:
            render_report(load_report(folder), [fmt], out, draft=True, commit=SHA)
        assert caught.value.line == line and caught.value.file.endswith(SECTION)
    assert not list(out.glob("report.*"))


def test_a_wide_image_is_scaled_to_the_type_area(tmp_path: Path) -> None:
    folder, _ = _report(tmp_path / "report", "../images/chart.png")
    (folder / "images" / "chart.png").write_bytes(_png(2400, 600) + b"\0\0\0\0IEND\xaeB`\x82")
    paths = render_report(load_report(folder), ["pdf"], tmp_path / "out", draft=True, commit=SHA)
    (placed,) = _placed(paths["pdf"])
    box = placed[1]
    assert abs(box.x0 - LEFT) < 0.5 and abs(box.x1 - RIGHT) < 0.5
    assert abs(box.height / box.width - 0.25) < 0.01  # scaled, not stretched


def _reference_report(dest: Path, image: str, definition: str) -> tuple[Path, int]:
    """The sample with a reference-style image and (if given) its definition below it."""
    folder, _ = _report(dest, "../images/chart.png")
    path = folder / SECTION
    text = path.read_text(encoding="utf-8")
    text = text[: text.rindex("![")].rstrip("\n") + "\n\n"
    line = text.count("\n") + 1
    tail = f"{image}\n\n图后的正文。\n" + (f"\n{definition}\n" if definition else "")
    path.write_text(text + tail, encoding="utf-8")
    return folder, line


def test_a_reference_style_image_follows_the_same_rule(tmp_path: Path) -> None:
    """``![alt][ref]`` with ``[ref]: path`` is printed in every format like an inline image."""
    folder, _ = _reference_report(
        tmp_path / "report", f"![{CAPTION}][chart]", '[chart]: <../images/chart.png> "示意"'
    )
    assert _image_findings(folder) == []
    paths = render_report(
        load_report(folder), ["docx", "pdf", "html"], tmp_path / "out", draft=False, commit=SHA
    )
    (placed,) = _placed(paths["pdf"])
    assert placed[2:] == (300, 150)
    document = docx.Document(str(paths["docx"]))
    assert sum("image" in r.reltype for r in document.part.rels.values()) == 1
    assert paths["html"].read_text(encoding="utf-8").count('src="data:image/png;base64,') == 1


@pytest.mark.parametrize(
    ("image", "definition", "problem"),
    [
        ("![图1][chart]", "[chart]: ../../../chart.png", "outside the report folder"),
        ("![图1][chart]", "[chart]: https://example.com/c.png", "web address"),
        ("![图1][chart]", "", "no \\[chart\\]: definition"),
        ("![chart][]", "[Chart]: ../images/missing.png", "no such file"),
        ("![chart]", "[chart]: ../images/chart.svg", "not a PNG or JPEG"),
    ],
)
def test_a_reference_style_image_no_format_can_print_is_refused(
    tmp_path: Path, image: str, definition: str, problem: str
) -> None:
    folder, line = _reference_report(tmp_path / "report", image, definition)
    assert _image_findings(folder) == [(SECTION, line, 1)]
    with pytest.raises(ContentError, match=problem) as caught:
        render_report(load_report(folder), ["pdf"], tmp_path / "out", draft=True, commit=SHA)
    assert caught.value.line == line
    assert not list((tmp_path / "out").glob("report.*"))


def test_an_image_taller_than_a_page_is_scaled_to_fit_with_its_caption(tmp_path: Path) -> None:
    """Scaled down whole (gongwen.typ): the image and its caption inside one type area."""
    from page_measure import BOTTOM, TOP, measure

    folder, _ = _report(tmp_path / "report", "../images/chart.png")
    (folder / "images" / "chart.png").write_bytes(_png(200, 1400) + b"\0\0\0\0IEND\xaeB`\x82")
    paths = render_report(load_report(folder), ["pdf"], tmp_path / "out", draft=True, commit=SHA)
    ((_, box, _, _),) = _placed(paths["pdf"])
    assert box.y0 >= TOP - 0.5 and box.y1 <= BOTTOM + 0.5, box
    assert abs(box.height / box.width - 7.0) < 0.05  # scaled, not stretched
    (caption,) = [ln for n, ln in measure(paths["pdf"]).body_lines if ln.text.startswith("图1")]
    assert box.y1 < caption.y <= BOTTOM
