"""Section bodies parsed by markdown-it-py into a flat tree of blocks that remember where they are.

Validation rules read text the way a reader sees it (markup removed, escapes resolved), yet every
finding must point at the exact line and column of the section FILE. A ``Span`` keeps both: the
plain text of one inline run (a paragraph, a heading) and the Markdown source it came from, and
maps a plain-text index back to a file position only when a rule asks (findings are rare, so the
alignment is done lazily instead of for every character of a 1.7 MB report).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

# Ordinals of points and headings, 一 .. 九十九, as drafters write them.
CN_DIGITS = "〇零一二两三四五六七八九"
CN_NUM = "[一二三四五六七八九十]{1,3}"
_POINT_RES = {
    "shi": re.compile(rf"^\s*({CN_NUM})是"),
    "paren": re.compile(rf"^\s*[（(]({CN_NUM})[）)]"),
}


# Characters that start an inline rule of the commonmark preset (newline, escape, backticks,
# emphasis, link, image, autolink, html_inline, entity), and the whitespace the newline rule
# drops around a line break. A run without them is plain text as it stands.
_INLINE_MARKUP = re.compile(r"[\\`*_\[\]!<&]| \n|\n[ \t]")


@cache
def _parser() -> Any:
    # Imported here so that importing this module stays cheap for commands that never parse.
    # The core "inline" rule is off: ``_inline_text`` runs the inline parser only on runs that
    # hold markup (about half of a report's paragraphs have none, and inline parsing is half
    # the cost of parsing).
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").disable("inline")


def _inline_text(content: str, env: dict[str, Any]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Plain text and code ranges of one inline run, as markdown-it's inline parser reads it.

    Fast path: no markup at all, or only ``\\*`` escapes (the sample's ``\\*\\*\\*``
    placeholders): the text is the run itself with those escapes resolved.
    """
    rest = content.replace("\\*", "") if "\\*" in content else content
    if not _INLINE_MARKUP.search(rest):
        return content.replace("\\*", "*") if rest is not content else content, ()
    md = _parser()
    children: list[Any] = []
    md.inline.parse(content, md, env, children)
    return _plain(children)


def cn_number(text: str) -> int | None:
    """Chinese numeral (一, 十二, 二十, 两) or Arabic digits to int; None if it is neither."""
    if text.isdigit():
        return int(text)
    values = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
    values.update({"六": 6, "七": 7, "八": 8, "九": 9})
    if not text or any(ch not in values and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return values[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if "十" in units or len(tens) > 1 or len(units) > 1:
        return None
    return (values[tens] if tens else 1) * 10 + (values[units] if units else 0)


def cn_numeral(n: int) -> str:
    """1..99 as the Chinese numeral used in 一是 / 二、 numbering."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[units] if units else "")


@dataclass(frozen=True)
class Span:
    """Plain text of one inline run plus what is needed to find its characters in the file."""

    text: str  # as read: markup removed, escapes and entities resolved, line breaks as "\n"
    source: str  # the run's Markdown source (markdown-it's inline ``content``)
    starts: tuple[tuple[int, int], ...]  # per source line: (file line, 0-based column)
    code: tuple[tuple[int, int], ...] = ()  # plain-text ranges that are inline code

    def source_offset(self, index: int) -> int:
        """Offset in ``source`` of plain character ``index``.

        Greedy in-order alignment: markup only ever removes characters (``*``, ``\\``, ``[``,
        link targets), so each plain character is the next equal character of the source; the
        one exception is a line break inside inline code, which CommonMark turns into a space
        (so a space in code is the next space or line break, whichever comes first).
        markdown-it does not keep inline positions, hence this small hand-written step.
        """
        src = self.source
        if 0 <= index < len(self.text) and src.startswith(self.text[: index + 1]):
            return index  # no markup up to there: each character is where the greedy loop finds it
        pos = 0
        for i, ch in enumerate(self.text[: index + 1]):
            found = src.find(ch, pos)
            if ch == " " and self.in_code(i):
                newline = src.find("\n", pos)
                if newline >= 0 and (found < 0 or newline < found):
                    found = newline
            if found < 0:  # an entity such as &amp; or a replaced character: stay put
                found = pos
            if i == index:
                return found
            pos = found + 1
        return min(pos, len(src))

    def locate_source(self, offset: int) -> tuple[int, int]:
        """File (line, column) of source offset; both 1-based, column in characters."""
        line_no = self.source.count("\n", 0, offset)
        line_start = self.source.rfind("\n", 0, offset) + 1
        file_line, base = self.starts[min(line_no, len(self.starts) - 1)]
        return file_line, base + (offset - line_start) + 1

    def locate(self, index: int) -> tuple[int, int]:
        return self.locate_source(self.source_offset(index))

    def in_code(self, index: int) -> bool:
        return any(a <= index < b for a, b in self.code)


@dataclass(frozen=True)
class Block:
    """A heading, paragraph or other leaf block of a section body."""

    kind: str  # "heading" | "paragraph" | "cell" | "code" | "html"
    line: int  # file line where the block starts (1-based)
    span: Span
    level: int = 0  # heading level; list nesting depth for paragraphs
    in_list: bool = False

    @property
    def text(self) -> str:
        return self.span.text

    def point(self, style: str = "shi") -> int | None:
        """The ordinal if this paragraph opens a point ("一是……" / "（一）……"), else None."""
        if self.kind != "paragraph":
            return None
        match = _POINT_RES[style].match(self.span.text)
        return cn_number(match.group(1)) if match else None


@dataclass(frozen=True)
class Document:
    """One section body: its leaf blocks in order, with file positions."""

    blocks: tuple[Block, ...]
    body: str
    body_line: int

    def prose(self) -> Iterator[Block]:
        """Blocks whose text is read as prose (not code or raw HTML)."""
        return (b for b in self.blocks if b.kind in ("heading", "paragraph", "cell"))

    @property
    def empty(self) -> bool:
        return not any(b.text.strip() for b in self.blocks)


def _plain(children: list[Any]) -> tuple[str, tuple[tuple[int, int], ...]]:
    parts: list[str] = []
    code: list[tuple[int, int]] = []
    length = 0
    for child in children:
        # text_special (escapes, entities) is what the core text_join rule makes text.
        if child.type in ("text", "text_special", "html_inline"):
            piece = child.content
        elif child.type == "code_inline":
            piece = child.content
            code.append((length, length + len(piece)))
        elif child.type in ("softbreak", "hardbreak"):
            piece = "\n"
        elif child.type == "image":
            piece = "".join(c.content for c in child.children or ())
        else:
            continue
        parts.append(piece)
        length += len(piece)
    return "".join(parts), tuple(code)


def _starts(
    source: str, lines: list[str], first: int, last: int, body_line: int, hint: int
) -> tuple[tuple[int, int], ...]:
    """Where each line of an inline run's source begins in the file.

    markdown-it strips block markers (``>``, ``-``, indentation) from the run; the run's line is
    a suffix of the file line (or, for table cells, a piece of it found after ``hint``).
    """
    out = []
    for k, piece in enumerate(source.split("\n")):
        idx = min(first + k, max(last - 1, first), len(lines) - 1)
        full = lines[idx] if idx >= 0 else ""
        if piece and full.endswith(piece):
            col = len(full) - len(piece)
        else:
            found = full.find(piece, hint if k == 0 else 0) if piece else -1
            col = found if found >= 0 else max(len(full) - len(full.lstrip()), 0)
        out.append((body_line + idx, col))
    return tuple(out)


def parse(body: str, body_line: int = 1) -> Document:
    """Parse a section body; ``body_line`` is the file line where the body starts."""
    # markdown-it normalises these itself; do it first so that lines and columns agree
    # (bodies read by reportflow.core.textio never contain \r already).
    body = body.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    env: dict[str, Any] = {}  # link reference definitions, for the inline parser
    tokens = _parser().parse(body, env)
    lines = body.split("\n")
    blocks: list[Block] = []
    depth = 0
    pending: str | None = None
    level = 0
    cell_hint: dict[int, int] = {}
    for tok in tokens:
        kind = tok.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif kind == "heading_open":
            pending, level = "heading", int(tok.tag[1:])
        elif kind == "paragraph_open":
            pending = "paragraph"
        elif kind in ("th_open", "td_open"):
            pending = "cell"
        elif kind in ("fence", "code_block", "html_block") and tok.map:
            first = tok.map[0] + (1 if kind == "fence" else 0)
            starts = _starts(tok.content, lines, first, tok.map[1], body_line, 0)
            span = Span(tok.content, tok.content, starts)
            blocks.append(
                Block("html" if kind == "html_block" else "code", body_line + first, span)
            )
        elif kind == "inline" and tok.map and pending:
            first, last = tok.map
            hint = cell_hint.get(first, 0) if pending == "cell" else 0
            starts = _starts(tok.content, lines, first, last, body_line, hint)
            if pending == "cell":
                cell_hint[first] = starts[0][1] + len(tok.content)
            text, code = _inline_text(tok.content, env)
            span = Span(text, tok.content, starts, code)
            nesting = level if pending == "heading" else depth
            blocks.append(Block(pending, starts[0][0], span, nesting, depth > 0))
            pending = None
    return Document(tuple(blocks), body, body_line)
