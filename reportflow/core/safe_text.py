"""Text that came from content or records, made safe to print on a terminal.

Titles, names, comments, git author names and manifest fields are written by whoever has
write access to the repository, and the commands print them next to verdicts. Two things go
wrong if they are printed as they are:

* **terminal control characters**: an escape sequence in a sign-off comment can move the
  cursor and overwrite "rejected" with a fake "approved"; a newline can add a fake table row;
  bidi overrides (U+202E) can reverse what a line seems to say. Every C0 and C1 control
  character, DEL and the bidi controls are shown as their escape (``\\x1b``, ``\\u202e``),
  so the reader sees that something is there and what it is.
* **Rich markup**: Rich reads ``[bold]``, ``[/bold]`` and ``[link=...]`` in strings it prints;
  a title ``[/bold]`` crashes ``status`` (MarkupError), and ``[green]`` can colour a
  refusal. ``text`` returns a ``rich.text.Text``, which Rich never parses for markup.

These functions are applied at the output edges (the command modules and the error handler),
never to stored data: records keep their exact bytes, because signatures cover them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

#: DEL, C1, the Arabic letter mark, LRM/RLM, the embeddings and overrides U+202A-U+202E
#: and the isolates U+2066-U+2069; with every C0 control below.
_OTHERS = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ONE_LINE = re.compile(f"[\x00-\x1f{_OTHERS}]")  # newline and tab too: one line


_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
#: the same, less the line breaks and tabs a page or a paragraph keeps (``visible``)
_IN_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_OTHERS}]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(value: object) -> str:
    """``value`` as one line with every control character visible as its escape."""
    text = str(value)
    return _ONE_LINE.sub(_escape, text) if _ONE_LINE.search(text) else text


def visible(value: str) -> str:
    """``value`` with its control characters and bidi controls shown as their escapes, its
    line breaks and tabs kept: for text that stays text over several lines (a web page)."""
    return _IN_TEXT.sub(_escape, value) if _IN_TEXT.search(value) else value


def text(value: object, style: str = "") -> Text:
    """A Rich ``Text`` of ``shown(value)``: a table cell or title that Rich prints verbatim."""
    from rich.text import Text

    return Text(shown(value), style=style)


def markup(value: object) -> str:
    """``shown(value)`` with Rich markup escaped, for splicing into a markup string."""
    from rich.markup import escape

    return escape(shown(value))


def html(value: object, lines: bool = False) -> str:
    """``shown(value)`` escaped for HTML, quotes included (the audit page, the redline): a
    U+202E in repository text would otherwise reverse what a reader sees. ``lines``: keep
    the line breaks, each line shown on its own."""
    from html import escape

    text = str(value)
    if lines:
        return escape("\n".join(shown(line) for line in text.split("\n")))
    return escape(shown(text))
