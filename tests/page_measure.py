"""Measure rendered PDF pages the way a records clerk's ruler would: lines, columns, margins.

The layout tests used to read what the DOCX XML or the typst template *asks* for; these helpers
read where the glyphs *are* (PyMuPDF's per-glyph origins), for the typst PDF and for the DOCX as
LibreOffice lays it out, so a grid that a renderer silently ignores shows up as a wrong count.
Units are PDF points; the type area comes from reportflow.render.layout.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from reportflow.render import layout as L

PT_PER_MM = 72 / 25.4
LEFT = L.MARGIN_LEFT_MM * PT_PER_MM
RIGHT = (L.PAGE_W_MM - L.MARGIN_RIGHT_MM) * PT_PER_MM
TOP = L.MARGIN_TOP_MM * PT_PER_MM
BOTTOM = (L.PAGE_H_MM - L.MARGIN_BOTTOM_MM) * PT_PER_MM
CENTRE = (LEFT + RIGHT) / 2
CELL = (RIGHT - LEFT) / L.CHARS_PER_LINE  # one grid character, 15.79 pt
#: Half-width characters (digits, Latin, ASCII punctuation) count half a grid cell.
HALF = set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,:;-/()%+*# ")


#: Marks that may not start a line, and marks that may not end one (gongwen.typ's 禁则).
CLOSING = frozenset("，。、；：？！）》」』〕】〗”’")
OPENING = frozenset("（《「『〔【〖“‘")


@dataclass(frozen=True)
class Glyph:
    char: str
    x: float  # origin (left edge of the advance)
    x1: float  # right edge of the glyph box
    y: float  # baseline
    top: float
    bottom: float
    size: float
    font: str


@dataclass(frozen=True)
class Line:
    glyphs: tuple[Glyph, ...]

    @property
    def text(self) -> str:
        return "".join(g.char for g in self.glyphs)

    @property
    def y(self) -> float:
        return self.glyphs[0].y

    @property
    def size(self) -> float:
        return max(g.size for g in self.glyphs)

    @property
    def x0(self) -> float:
        return min(g.x for g in self.glyphs)

    @property
    def x1(self) -> float:
        return max(g.x1 for g in self.glyphs)

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def fonts(self) -> set[str]:
        return {g.font for g in self.glyphs if not g.char.isspace()}

    def cells(self) -> float:
        """Grid characters the line takes: its indent plus full- and half-width characters."""
        indent = round((self.x0 - LEFT) / CELL * 2) / 2
        return indent + sum(0.5 if g.char in HALF else 1.0 for g in self.glyphs)


@dataclass(frozen=True)
class Page:
    number: int
    lines: tuple[Line, ...]  # every line, top to bottom (watermark excluded)

    def body(self, size: float = L.BODY_PT) -> list[Line]:
        """Lines of ``size`` pt text inside the type area (no header, footer, watermark)."""
        return [
            ln for ln in self.lines if abs(ln.size - size) < 0.6 and TOP - 2 < ln.y < BOTTOM + 2
        ]

    def footer(self) -> list[Line]:
        return [ln for ln in self.lines if ln.y > BOTTOM + 2]


@dataclass(frozen=True)
class Measured:
    pages: tuple[Page, ...]

    @cached_property
    def body_lines(self) -> list[tuple[int, Line]]:
        return [(p.number, ln) for p in self.pages for ln in p.body()]

    def full_lines(self) -> list[Line]:
        """Body lines that reach the right edge of the type area and are followed by another
        line of the same paragraph (the last line of a paragraph is short by design)."""
        out = []
        lines = [ln for _, ln in self.body_lines]
        for ln, nxt in itertools.pairwise(lines):
            continues = abs(nxt.x0 - LEFT) < CELL / 2  # next line not indented: same paragraph
            if continues and ln.x1 > RIGHT - CELL and ln.x0 < LEFT + 2.5 * CELL:
                out.append(ln)
        return out

    def outside(self, slack: float = 0.5) -> list[tuple[int, str, float]]:
        """Glyphs of body lines reaching outside the type area: (page, char, overhang pt)."""
        bad = []
        for number, ln in self.body_lines:
            for g in ln.glyphs:
                over = max(LEFT - g.x, g.x1 - RIGHT)
                if over > slack and not g.char.isspace():
                    bad.append((number, g.char, round(over, 2)))
        return bad


def pushed_out(nxt: Line) -> bool:
    """The line before ``nxt`` is short by a 禁则 pair that did not fit and moved down whole
    (推出): ``nxt`` starts with an opening mark, or with a character and a closing mark."""
    text = nxt.text
    return text[:1] in OPENING or (len(text) > 1 and text[1] in CLOSING)


def why_not_28(line: Line, nxt: Line) -> str | None:
    """Why a full line does not hold exactly 28 cells, under the rule both renderers keep
    (punctuation a full cell, nothing in the margin): None when it does, or when no rule
    explains it. "half-width": an odd number of half-width characters leaves half a cell
    (27.5); "push-out": a 禁则 pair moved down (27, or 26.5 with half-width ones)."""
    cells = line.cells()
    if cells == L.CHARS_PER_LINE:
        return None
    half = any(g.char in HALF for g in line.glyphs)
    if half and 27.5 <= cells < L.CHARS_PER_LINE:
        return "half-width"
    if pushed_out(nxt) and (cells == 27 or (half and cells >= 26.5)):
        return "push-out"
    return None


def measure(pdf: Path) -> Measured:
    """Every page's lines: glyphs grouped by baseline (rounded to 0.5 pt), left to right."""
    import pymupdf

    pages = []
    with pymupdf.open(str(pdf)) as document:
        for index, page in enumerate(document):
            rows: dict[float, list[Glyph]] = {}
            for block in page.get_text("rawdict")["blocks"]:
                for line in block.get("lines", []):
                    if line["dir"] != (1.0, 0.0):  # the rotated watermark
                        continue
                    for span in line["spans"]:
                        if span["size"] > 60:  # a watermark drawn unrotated
                            continue
                        for c in span["chars"]:
                            _x0, top, x1, bottom = c["bbox"]
                            ox, oy = c["origin"]
                            glyph = Glyph(
                                c["c"], ox, x1, oy, top, bottom, span["size"], span["font"]
                            )
                            rows.setdefault(round(oy * 2) / 2, []).append(glyph)
            lines = tuple(
                Line(tuple(sorted(glyphs, key=lambda g: g.x)))
                for _, glyphs in sorted(rows.items())
                if any(not g.char.isspace() for g in glyphs)
            )
            pages.append(Page(index + 1, lines))
    return Measured(tuple(pages))


def page_count(pdf: Path) -> int:
    import pymupdf

    with pymupdf.open(str(pdf)) as document:
        return document.page_count


def dash_top(path: Path, page_no: int, dash: Line) -> float:
    """Top edge, in pt, of the first dash's ink (the glyph box is the font's, not the ink)."""
    import pymupdf

    with pymupdf.open(str(path)) as document:
        page = document[page_no - 1]
        first = dash.glyphs[0]
        clip = pymupdf.Rect(first.x + 1, BOTTOM + 1, first.x1 - 1, page.rect.height)
        pix = page.get_pixmap(clip=clip, dpi=288, colorspace=pymupdf.csGRAY)
        scale = 72 / 288
        for row in range(pix.height):
            line = pix.samples[row * pix.stride : row * pix.stride + pix.width]
            if min(line) < 128:
                return BOTTOM + 1 + row * scale
    raise AssertionError("no page number")


FONTCONFIG = Path(__file__).resolve().parents[1] / "schemas" / "render" / "fonts.conf"


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_pdf(docx: Path, out_dir: Path) -> Path:
    """The DOCX as LibreOffice headless lays it out, with the repository's font aliases."""
    return libreoffice_convert(docx, out_dir, "pdf")


def libreoffice_convert(docx: Path, out_dir: Path, fmt: str) -> Path:
    """The DOCX converted by LibreOffice headless to ``fmt`` (pdf, odt)."""
    exe = soffice()
    assert exe, "LibreOffice is not installed: make deb (libreoffice-writer-nogui)"
    profile = out_dir / "lo-profile"
    # The system's configuration plus the repository's aliases, as `make deb` installs them.
    out_dir.mkdir(parents=True, exist_ok=True)
    config = out_dir / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <include>{FONTCONFIG}</include>\n</fontconfig>\n",
        encoding="utf-8",
    )
    env = dict(os.environ, FONTCONFIG_FILE=str(config), SAL_USE_VCLPLUGIN="svp")
    subprocess.run(
        [
            exe,
            "--headless",
            f"-env:UserInstallation=file://{profile}",
            "--convert-to",
            fmt,
            "--outdir",
            str(out_dir),
            str(docx),
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=180,
    )
    return out_dir / f"{docx.stem}.{fmt}"


def png(pdf: Path, out: Path, page: int = 1) -> Path:
    """Page ``page`` as a PNG (pdftoppm, 80 dpi): kept as a test artifact to look at."""
    out.parent.mkdir(parents=True, exist_ok=True)
    stem = out.with_suffix("")
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf),
            str(stem),
        ],
        check=True,
        capture_output=True,
    )
    return stem.with_suffix(".png")


CHROMIUM = "/usr/bin/chromium"


def chromium_pdf(html: Path, out: Path) -> Path:
    """The HTML as headless Chromium prints it (Playwright, Debian's chromium, `make deb`),
    with its @page rules (size, margins, margin boxes) as the page."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is not installed: make deb (chromium)"
    args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            page = browser.new_page()
            page.goto(html.resolve().as_uri())
            page.emulate_media(media="print")
            page.pdf(path=str(out), prefer_css_page_size=True)
        finally:
            browser.close()
    return out
