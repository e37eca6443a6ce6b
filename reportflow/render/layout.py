"""The GB/T 9704-2012 page figures, in the units each renderer needs, derived in one place.

DOCX works in twips (1/20 pt), typst and CSS in mm/pt; deriving all of them from the same
numbers keeps the three formats on the same page. Clause numbers refer to GB/T 9704-2012; see
shared/reference/gongwen.md for the transcription these figures were checked against.
"""

from __future__ import annotations

from typing import Final

MM_PER_PT: Final = 25.4 / 72


def mm_to_twips(mm: float) -> int:
    return round(mm / MM_PER_PT * 20)


# 5.1 paper: A4.
PAGE_W_MM: Final = 210.0
PAGE_H_MM: Final = 297.0
# 5.2.1 margins (top 37 ± 1, binding side 28 ± 1; type area 156 × 225 mm).
MARGIN_TOP_MM: Final = 37.0
MARGIN_BOTTOM_MM: Final = 35.0
MARGIN_LEFT_MM: Final = 28.0
MARGIN_RIGHT_MM: Final = 26.0
TYPE_W_MM: Final = PAGE_W_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM  # 156
TYPE_H_MM: Final = PAGE_H_MM - MARGIN_TOP_MM - MARGIN_BOTTOM_MM  # 225

# 5.2.3 grid: 22 lines of 28 characters fill the type area.
LINES_PER_PAGE: Final = 22
CHARS_PER_LINE: Final = 28

# Sizes: 三号 body and headings, 二号 title, 四号 page numbers (5.2.2, 7.3.1, 7.5).
BODY_PT: Final = 16.0
TITLE_PT: Final = 22.0
PAGE_NUMBER_PT: Final = 14.0

# Word twips: the figures offices' own templates use (gongwen.md). Page 11906 × 16838.
PAGE_W_TW: Final = mm_to_twips(PAGE_W_MM)
PAGE_H_TW: Final = mm_to_twips(PAGE_H_MM)
MARGIN_TOP_TW: Final = mm_to_twips(MARGIN_TOP_MM)  # 2098
MARGIN_BOTTOM_TW: Final = mm_to_twips(MARGIN_BOTTOM_MM)  # 1984
MARGIN_LEFT_TW: Final = mm_to_twips(MARGIN_LEFT_MM)  # 1587
MARGIN_RIGHT_TW: Final = mm_to_twips(MARGIN_RIGHT_MM)  # 1474
TYPE_W_TW: Final = PAGE_W_TW - MARGIN_LEFT_TW - MARGIN_RIGHT_TW
TYPE_H_TW: Final = PAGE_H_TW - MARGIN_TOP_TW - MARGIN_BOTTOM_TW

#: Line pitch: the largest whole twips value that still fits 22 lines in the type area
#: (579 tw = 28.95 pt; 580 × 22 would overflow by 4 tw). Word: ``w:line="579" exact``.
LINE_PITCH_TW: Final = TYPE_H_TW // LINES_PER_PAGE
LINE_PITCH_PT: Final = LINE_PITCH_TW / 20

#: Character pitch for 28 characters a line: 156 mm holds only 27 characters of 16 pt.
CHAR_PITCH_PT: Final = TYPE_W_TW / 20 / CHARS_PER_LINE  # ≈ 15.79 pt
#: DOCX: a line grid only (``docGrid type="lines"``) and the character pitch as explicit
#: character spacing on the body runs, ``w:spacing w:val`` in twips (ECMA-376 17.3.2.35: the
#: amount added after each character). -5 tw = -0.25 pt gives 15.75 pt, 28 × 15.75 = 441 pt
#: within the 442.2 pt type width. A ``linesAndChars`` grid with a negative charSpace means
#: the same pitch in Word (17.6.5), but LibreOffice gives each 16 pt character two cells of
#: it (14 characters a line, measured); explicit spacing is laid out alike by both.
CHAR_SPACING_TW: Final = -5
#: typst: tracking that gives the same pitch (gongwen.md measured -0.22 pt: 22 × 28 a page).
TRACKING_PT: Final = -0.22

#: 7.3.3 / 5.2.2: every paragraph (and the 一、 headings) indented two characters.
FIRST_LINE_INDENT_TW: Final = 2 * round(BODY_PT * 20)  # 640
#: 7.5: page numbers sit one character in from the outside edge.
PAGE_NUMBER_INDENT_TW: Final = round(PAGE_NUMBER_PT * 20)  # 280
#: 7.5: the dashes sit 7 mm below the type area. Word places the footer by the distance of its
#: bottom from the page edge: 35 mm - 7 mm to the dash, less about half a 14 pt line to the
#: bottom of the line box (the dash is drawn at mid height).
FOOTER_DISTANCE_TW: Final = mm_to_twips(MARGIN_BOTTOM_MM - 7.0) - round(PAGE_NUMBER_PT * 20 * 0.6)

#: The official font names Word on an office PC has (kept in DOCX as they are; gongwen.md).
WORD_FONTS: Final = {
    "fangsong": "仿宋_GB2312",
    "kaiti": "楷体_GB2312",
    "heiti": "黑体",
    "songti": "宋体",
    "title": "方正小标宋简体",
}

PAGE_NUMBER_DASH: Final = "—"  # U+2014, the 一字线 of 7.5
DRAFT_WORD: Final = "草稿"


DIRTY_SUFFIX: Final = "-dirty"  # as ``git describe --dirty``: working tree differs from it


def short_commit(commit: str) -> str:
    dirty = commit.endswith(DIRTY_SUFFIX)
    return commit[:7] + (DIRTY_SUFFIX if dirty else "")


def draft_label(commit: str | None) -> str:
    """The visible draft mark: 草稿 and the short commit id when there is one."""
    return f"{DRAFT_WORD} {short_commit(commit)}" if commit else DRAFT_WORD


def width_chars(text: str) -> float:
    """Width in grid characters: half-width (ASCII digits, Latin) counts half."""
    return sum(0.5 if ord(c) < 0x2E80 else 1.0 for c in text)


def signature_indents(organisation: str, date: str) -> tuple[float, float]:
    """Right indents, in characters, of the signature and date lines (7.3.5.2, no seal).

    The signature ends two characters from the right; the date starts two characters right of
    the signature's start. A date longer than the signature ends two characters from the
    right instead, and the signature's right indent grows to keep the date's start two
    characters right of the signature's ("并相应增加发文机关署名右空字数").
    """
    sig = width_chars(organisation)
    wdate = width_chars(date)
    if not date or wdate <= sig:
        return 2.0, sig - wdate
    return 4.0 + wdate - sig, 2.0
