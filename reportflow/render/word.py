"""DOCX: the GB/T 9704 reference document, and rendering through pandoc with it.

The reference document is generated (``scripts/make_reference_docx.py``) from pandoc's own
default one, so it carries every style pandoc writes, with fonts, sizes, indents, line grid,
page and footers changed to GB/T 9704. What varies per render (draft mark, signature, bold
level 3, core properties) is applied to the rendered file afterwards, so that
one committed reference document serves every report (``ooxml.finish``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from reportflow.core import pandoc
from reportflow.core.resources import data_path
from reportflow.render import layout as L
from reportflow.render import ooxml
from reportflow.render.doc import RenderDoc, lists_filter, source_date_epoch

REFERENCE_DOCX = data_path("render", "reference.docx")

# (style, font role, size pt, centred, first-line indent): 7.3.1 title, 7.3.3 heading levels.
STYLES: tuple[tuple[str, str, float, bool, bool], ...] = (
    ("Normal", "fangsong", L.BODY_PT, False, True),
    ("Body Text", "fangsong", L.BODY_PT, False, True),
    ("First Paragraph", "fangsong", L.BODY_PT, False, True),
    ("Compact", "fangsong", L.BODY_PT, False, True),
    ("Block Text", "fangsong", L.BODY_PT, False, True),
    ("Title", "title", L.TITLE_PT, True, False),
    ("Subtitle", "kaiti", L.BODY_PT, True, False),
    ("Heading 1", "heiti", L.BODY_PT, False, True),
    ("Heading 2", "kaiti", L.BODY_PT, False, True),
    ("Heading 3", "fangsong", L.BODY_PT, False, True),
    ("Heading 4", "fangsong", L.BODY_PT, False, True),
    ("Heading 5", "fangsong", L.BODY_PT, False, True),
    # Figures: the image and its caption centred, unindented (the caption once, below).
    ("Captioned Figure", "fangsong", L.BODY_PT, True, False),
    ("Figure", "fangsong", L.BODY_PT, True, False),
    ("Image Caption", "fangsong", L.BODY_PT, True, False),
    # A table's caption (``: 表1 ……`` under a table; pandoc puts it above the table): on the
    # body's lines, not pandoc's 6 pt after it, which put the table and the text after it
    # 6 pt off the grid.
    ("Table Caption", "fangsong", L.BODY_PT, True, False),
    ("Footer", "songti", L.PAGE_NUMBER_PT, False, False),
    ("Header", "heiti", 12.0, False, False),
)
_THEME_ATTRS = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")
#: Styles on the 28-character pitch (the rest keep the font's own: title, page numbers, header).
_ON_PITCH = {name for name, role, size, *_ in STYLES if size == L.BODY_PT and role != "title"}
#: Styles outside the line grid (ECMA-376 17.3.1.32 snapToGrid): footers and headers sit
#: where their footer distance puts them, not on the body's 28.95 pt lines.
_OFF_GRID = ("Footer", "Header", "Title")
#: Single line spacing: exact 28.95 pt lines would cut an image down to one line's height.
#: The image's paragraph stays on the grid (17.3.1.32, 17.6.5: a line snapped to a lines grid
#: takes whole grid lines), so the text after it keeps the page's 28.95 pt lines (measured
#: in LibreOffice; off the grid it was 5.3 pt off them).
_SINGLE = ("Footer", "Header", "Captioned Figure", "Figure")
_RPR_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u")


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _set_fonts(rpr: Any, name: str) -> None:
    """All four font slots, theme fonts removed: a theme font would win over the name."""
    rfonts = rpr.get_or_add_rFonts()
    for attr in _THEME_ATTRS:
        rfonts.attrib.pop(_qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(_qn(f"w:{attr}"), name)


def _style_paragraphs(document: Any) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt, RGBColor, Twips

    defaults = document.styles.element.find(_qn("w:docDefaults"))
    rpr = defaults.find(_qn("w:rPrDefault")).find(_qn("w:rPr"))
    _set_fonts(rpr, L.WORD_FONTS["fangsong"])
    # The character grid's pitch is counted from the default size: 三号 there too, else Word
    # and LibreOffice lay 16 pt characters over two 12 pt grid cells each.
    half_points = str(round(L.BODY_PT * 2))
    for tag in ("w:sz", "w:szCs"):
        rpr.find(_qn(tag)).set(_qn("w:val"), half_points)
    spacing = defaults.find(_qn("w:pPrDefault")).find(_qn("w:pPr")).find(_qn("w:spacing"))
    spacing.set(_qn("w:after"), "0")
    names = {s.name for s in document.styles}
    for name, role, size, centred, indent in STYLES:
        if name not in names:
            document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH).base_style = document.styles[
                "Normal"
            ]
        style = document.styles[name]
        _set_fonts(style.element.get_or_add_rPr(), L.WORD_FONTS[role])
        font = style.font
        font.size = Pt(size)
        font.bold = False
        font.italic = False
        font.color.rgb = RGBColor(0, 0, 0)
        fmt = style.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Twips(L.LINE_PITCH_TW) if name == "Title" else Pt(0)
        if name in _SINGLE:
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        else:
            fmt.line_spacing = Twips(L.LINE_PITCH_TW)
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.JUSTIFY
        fmt.first_line_indent = Twips(L.FIRST_LINE_INDENT_TW) if indent else Twips(0)
        ind = style.element.get_or_add_pPr().get_or_add_ind()
        # In characters too, so the indent follows the character grid in Word.
        ind.set(_qn("w:firstLineChars"), "200" if indent else "0")
        if name.startswith("Heading") or name == "Title":
            fmt.keep_with_next = True
        _char_spacing(style.element.get_or_add_rPr(), L.CHAR_SPACING_TW if name in _ON_PITCH else 0)
        if name in _OFF_GRID:
            _set_child(
                style.element.get_or_add_pPr(), "w:snapToGrid", "0", ("w:spacing", "w:ind", "w:jc")
            )
    _normal_flow(document.styles["Normal"].element.get_or_add_pPr())
    _overflow_punct(document)
    # Linked character styles (``Heading 1 Char``) carry theme fonts of their own.
    for style in document.styles:
        if style.type == WD_STYLE_TYPE.CHARACTER and style.name.endswith(" Char"):
            base = style.name.removesuffix(" Char")
            role = next((r for n, r, *_ in STYLES if n == base), "fangsong")
            _set_fonts(style.element.get_or_add_rPr(), L.WORD_FONTS[role])
            style.font.color.rgb = RGBColor(0, 0, 0)


def _set_child(parent: Any, tag: str, value: str, successors: tuple[str, ...]) -> None:
    """``<tag w:val=value/>`` under ``parent``, in the schema's order (before ``successors``)."""
    from docx.oxml import OxmlElement

    node = parent.find(_qn(tag))
    if node is None:
        node = OxmlElement(tag)
        parent.insert_element_before(node, *successors)
    node.set(_qn("w:val"), value)


def _char_spacing(rpr: Any, twips: int) -> None:
    _set_child(rpr, "w:spacing", str(twips), _RPR_AFTER_SPACING)


_PPR_AFTER_AUTOSPACE = ("w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind")
_PPR_AFTER_WIDOW = ("w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs")


#: Markup Compatibility (ECMA-376 Part 3), for the one property LibreOffice reads inverted.
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _normal_flow(ppr: Any) -> None:
    """As the PDF: no extra space between Chinese and Latin/digits (official documents use
    none), no widow/orphan control, so every page is filled to its 22 lines, and no
    punctuation hanging into the margin (overflowPunct off, ECMA-376 17.3.1.21: a mark that
    may not start a line takes a character with it instead; LibreOffice: ``_overflow_punct``)."""
    from docx.oxml import OxmlElement

    for tag, successors in (
        ("w:widowControl", (*_PPR_AFTER_WIDOW, "w:autoSpaceDE", *_PPR_AFTER_AUTOSPACE)),
        ("w:overflowPunct", ("w:topLinePunct", "w:autoSpaceDE", *_PPR_AFTER_AUTOSPACE)),
        ("w:autoSpaceDE", ("w:autoSpaceDN", *_PPR_AFTER_AUTOSPACE)),
        ("w:autoSpaceDN", _PPR_AFTER_AUTOSPACE),
    ):
        if ppr.find(_qn(tag)) is None:
            node = OxmlElement(tag)
            node.set(_qn("w:val"), "0")
            ppr.insert_element_before(node, *successors)


def _overflow_punct(document: Any) -> None:
    """One DOCX right in Word, WPS and LibreOffice: the Normal style's ``overflowPunct`` as an
    ``mc:AlternateContent`` whose Choice (``Requires="w"``, the main WordprocessingML namespace,
    which every reader of a DOCX understands) says 0, and whose Fallback says 1.

    LibreOffice reads the property inverted: its DOCX import sets ParaIsHangingPunctuation to
    ``nIntValue == 0`` (writerfilter dmapper/DomainMapper.cxx, ``case
    NS_ooxml::LN_CT_PPrBase_overflowPunct``), so 0, "no mark past the text extents" to Word
    (17.3.1.21), makes it hang marks into the margin and leave some undrawn. And it takes an
    AlternateContent's Choice only when Requires is one of its own few names ("wps", "wpg",
    "w14", "wpc": OOXMLFastContextHandler::prepareMceContext, OOXMLFastContextHandler.cxx),
    otherwise the Fallback: it reads 1, which it lays out as Word lays out 0 (measured: with
    Requires="w14" it took the Choice and hung 3 marks; with "w" nothing outside the type
    area, every mark drawn). Word and any reader that follows Part 3 take the first Choice
    whose namespaces it understands (Part 3, 7.5; Part 4: alternate content "may occur at any
    location within a WordprocessingML document"): 0. ``docDefaults`` says 0 as well, for a
    reader that skips AlternateContent altogether."""
    from lxml import etree

    normal = document.styles["Normal"].element.get_or_add_pPr()
    plain = normal.find(_qn("w:overflowPunct"))
    alternate = etree.Element(f"{{{MC}}}AlternateContent", nsmap={"mc": MC})
    for branch, value in (("Choice", "0"), ("Fallback", "1")):
        node = etree.SubElement(alternate, f"{{{MC}}}{branch}")
        if branch == "Choice":
            node.set("Requires", "w")
        etree.SubElement(node, _qn("w:overflowPunct")).set(_qn("w:val"), value)
    plain.addprevious(alternate)
    normal.remove(plain)
    defaults = document.styles.element.find(_qn("w:docDefaults"))
    ppr = defaults.find(_qn("w:pPrDefault")).find(_qn("w:pPr"))
    if ppr.find(_qn("w:overflowPunct")) is None:
        node = etree.Element(_qn("w:overflowPunct"))
        node.set(_qn("w:val"), "0")
        ppr.insert_element_before(node, "w:topLinePunct", "w:autoSpaceDE", *_PPR_AFTER_AUTOSPACE)


def _page_number(paragraph: Any, odd: bool) -> None:
    """7.5: "— 1 —", odd pages right and even pages left, one character in from the edge."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.shared import Twips

    paragraph.style = "Footer"
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    fmt = paragraph.paragraph_format
    fmt.right_indent = Twips(L.PAGE_NUMBER_INDENT_TW if odd else 0)
    fmt.left_indent = Twips(0 if odd else L.PAGE_NUMBER_INDENT_TW)
    paragraph.add_run(f"{L.PAGE_NUMBER_DASH} ")
    field = OxmlElement("w:fldSimple")
    field.set(_qn("w:instr"), " PAGE ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(f" {L.PAGE_NUMBER_DASH}")


def _page_setup(document: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.shared import Twips

    section = document.sections[0]
    section.page_width, section.page_height = Twips(L.PAGE_W_TW), Twips(L.PAGE_H_TW)
    section.top_margin, section.bottom_margin = Twips(L.MARGIN_TOP_TW), Twips(L.MARGIN_BOTTOM_TW)
    section.left_margin, section.right_margin = Twips(L.MARGIN_LEFT_TW), Twips(L.MARGIN_RIGHT_TW)
    section.footer_distance = Twips(L.FOOTER_DISTANCE_TW)
    section.header_distance = Twips(L.mm_to_twips(20))
    section.gutter = Twips(0)
    grid = section._sectPr.find(_qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    # 5.2.3: 22 lines on the line grid; the 28 characters come from the styles' spacing.
    grid.set(_qn("w:type"), "lines")
    grid.set(_qn("w:linePitch"), str(L.LINE_PITCH_TW))
    grid.attrib.pop(_qn("w:charSpace"), None)
    document.settings.odd_and_even_pages_header_footer = True
    for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
        footer.is_linked_to_previous = False
        for p in list(footer.paragraphs):
            p._p.getparent().remove(p._p)
        _page_number(footer.add_paragraph(), odd)
    # Empty headers, so that pandoc carries them into every render and a draft can fill them.
    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        header.paragraphs[0].style = "Header"


#: The font table's entry per official font (ECMA-376 17.8.3): ``altName`` is the name a PC
#: without the GB2312 font has (Windows, WPS: 仿宋, 楷体; the title falls back to 宋体), the
#: GB2312 charset (86) and a PANOSE class so that Word substitutes a Chinese font of the same
#: kind rather than its default. Linux maps both names through schemas/render/fonts.conf.
FONT_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("仿宋_GB2312", "仿宋", "modern", "02010609030101010101"),
    ("楷体_GB2312", "楷体", "modern", "02010609030101010101"),
    ("黑体", "SimHei", "modern", "02010609060101010101"),
    ("宋体", "SimSun", "auto", "02010600030101010101"),
    ("方正小标宋简体", "宋体", "auto", "02000000000000000000"),
)


def _font_table(document: Any) -> None:
    from lxml import etree

    part = next(
        p for p in document.part.package.iter_parts() if p.partname.endswith("fontTable.xml")
    )
    root = etree.fromstring(part.blob)
    for name, alt, family, panose in FONT_TABLE:
        for old in root.findall(_qn("w:font")):
            if old.get(_qn("w:name")) == name:
                root.remove(old)
        font = etree.SubElement(root, _qn("w:font"))
        font.set(_qn("w:name"), name)
        for tag, value in (("altName", alt), ("panose1", panose), ("charset", "86")):
            etree.SubElement(font, _qn(f"w:{tag}")).set(_qn("w:val"), value)
        etree.SubElement(font, _qn("w:family")).set(_qn("w:val"), family)
        etree.SubElement(font, _qn("w:pitch")).set(_qn("w:val"), "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def font_table(path: Path) -> dict[str, str]:
    """{font name: altName} of a DOCX's font table."""
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/fontTable.xml"))
    out = {}
    for font in root.findall(_qn("w:font")):
        alt = font.find(_qn("w:altName"))
        out[font.get(_qn("w:name"))] = alt.get(_qn("w:val")) if alt is not None else ""
    return out


def build_reference(out: Path) -> Path:
    """Write the GB/T 9704 reference.docx (used by scripts/make_reference_docx.py)."""
    import docx

    document = docx.Document(io.BytesIO(pandoc.default_data_file("reference.docx")))
    _style_paragraphs(document)
    _page_setup(document)
    _font_table(document)
    props = document.core_properties
    props.title, props.author, props.comments = "", "reportflow", "GB/T 9704-2012 reference"
    props.language = "zh-CN"
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out


def _flow(document: Any) -> dict[str, str | None]:
    """The Normal style's flow properties; ``overflowPunct`` as Word reads it (the Choice),
    ``overflowPunct.fallback`` as LibreOffice does, ``overflowPunct.default`` from docDefaults."""
    ppr = document.styles["Normal"].element.pPr
    flow: dict[str, str | None] = {
        tag: node.get(_qn("w:val"))
        for tag in ("widowControl", "overflowPunct", "autoSpaceDE", "autoSpaceDN")
        if (node := ppr.find(_qn(f"w:{tag}"))) is not None
    }
    for branch, key in (("Choice", "overflowPunct"), ("Fallback", "overflowPunct.fallback")):
        node = ppr.find(f"{{{MC}}}AlternateContent/{{{MC}}}{branch}/{_qn('w:overflowPunct')}")
        if node is not None:
            flow[key] = node.get(_qn("w:val"))
    defaults = document.styles.element.find(f"{_qn('w:docDefaults')}/{_qn('w:pPrDefault')}")
    node = defaults.find(f"{_qn('w:pPr')}/{_qn('w:overflowPunct')}")
    flow["overflowPunct.default"] = node.get(_qn("w:val")) if node is not None else None
    return flow


def layout_values(path: Path) -> dict[str, Any]:
    """The layout a reference (or rendered) document carries, for comparing two of them."""
    import docx

    document = docx.Document(str(path))
    section = document.sections[0]
    grid = section._sectPr.find(_qn("w:docGrid"))
    values: dict[str, Any] = {
        "page": (section.page_width.twips, section.page_height.twips),
        "margins": tuple(
            getattr(section, f"{m}_margin").twips for m in ("top", "bottom", "left", "right")
        ),
        "footer_distance": section.footer_distance.twips,
        "grid": {k: grid.get(_qn(f"w:{k}")) for k in ("type", "linePitch", "charSpace")},
        "odd_even": document.settings.odd_and_even_pages_header_footer,
        "footers": (section.footer.paragraphs[0].text, section.even_page_footer.paragraphs[0].text),
        "normal_flow": _flow(document),
    }
    for name, *_ in STYLES:
        style = document.styles[name]
        fmt = style.paragraph_format
        rfonts = style.element.rPr.rFonts
        values[name] = {
            "east_asia": rfonts.get(_qn("w:eastAsia")),
            "ascii": rfonts.get(_qn("w:ascii")),
            "size_pt": style.font.size.pt if style.font.size else None,
            "bold": style.font.bold,
            "alignment": str(fmt.alignment),
            "line": fmt.line_spacing.twips if hasattr(fmt.line_spacing, "twips") else None,
            "first_line": fmt.first_line_indent.twips if fmt.first_line_indent else 0,
            "char_spacing": _val(style.element.rPr, "w:spacing"),
            "snap_to_grid": _val(style.element.pPr, "w:snapToGrid"),
        }
    return values


def _val(parent: Any, tag: str) -> str | None:
    node = parent.find(_qn(tag)) if parent is not None else None
    return None if node is None else node.get(_qn("w:val"))


def pandoc_args(doc: RenderDoc, reference: Path = REFERENCE_DOCX) -> list[str]:
    return [
        "--sandbox",
        "--wrap=none",
        *lists_filter(doc.markdown),
        f"--reference-doc={reference}",
        f"--metadata=title:{doc.title}",
        f"--metadata=lang:{doc.lang}",
    ]


def start(doc: RenderDoc, source: Path, work: Path) -> pandoc.Running:
    return pandoc.start(source, "docx", pandoc.RENDER_IN, pandoc_args(doc), work / "report.docx")


def finish(doc: RenderDoc, produced: Path) -> Path:
    ooxml.finish(produced, doc, source_date_epoch())
    return produced
