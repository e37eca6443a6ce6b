"""Footnotes (``[^1]`` and ``[^1]: 注释``) belong to the section that cites them.

A section is a file of its own, printed in the order of report.yaml: a definition in another
section, or none, leaves a literal ``[^1]`` on the page (pandoc prints an undefined reference as
text) or a note that prints nowhere. So every reference needs its definition in the same
section (validation, ``structure.footnote``), the importer moves each definition into the
section that cites it, and the assembled document gives each section's labels a prefix of
their own, so that two sections may both have a ``[^1]``.

Read with regular expressions, not markdown-it: its CommonMark parser has no footnotes, and
the plugin would be a dependency for three patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: ``[^label]`` not escaped and not a definition.
REF = re.compile(r"(?<!\\)\[\^([^\]\s]+)\](?!:)")
#: ``[^label]:`` at the start of a line (up to three spaces in).
DEF = re.compile(r"(?m)^ {0,3}\[\^([^\]\s]+)\]:")
_FENCE = re.compile(r"(?m)^ {0,3}(```|~~~)")


def _outside_code(text: str) -> Iterator[tuple[int, str]]:
    """(offset, chunk) of the text outside fenced code blocks and inline code."""
    pos, fence = 0, None
    for m in _FENCE.finditer(text):
        if fence is None:
            yield from _outside_inline(pos, text[pos : m.start()])
            fence = m.group(1)
        elif m.group(1) == fence:
            fence = None
            pos = text.find("\n", m.end()) + 1 or len(text)
    if fence is None:
        yield from _outside_inline(pos, text[pos:])


def _outside_inline(offset: int, chunk: str) -> Iterator[tuple[int, str]]:
    last = 0
    for m in re.finditer(r"(`+)[^`]*?\1", chunk):
        yield offset + last, chunk[last : m.start()]
        last = m.end()
    yield offset + last, chunk[last:]


def references(text: str) -> list[tuple[int, str]]:
    """(offset, label) of every reference, in order."""
    return [(o + m.start(), m.group(1)) for o, c in _outside_code(text) for m in REF.finditer(c)]


def definitions(text: str) -> list[tuple[int, str]]:
    return [(o + m.start(), m.group(1)) for o, c in _outside_code(text) for m in DEF.finditer(c)]


def prefix_labels(text: str, prefix: str) -> str:
    """Every label of ``text`` (references and definitions) with ``prefix`` in front."""
    if "[^" not in text:
        return text
    return re.sub(r"(?<!\\)\[\^([^\]\s]+)\]", lambda m: f"[^{prefix}{m.group(1)}]", text)


def split_definitions(lines: list[str]) -> tuple[list[str], dict[str, list[str]], dict[str, int]]:
    """The lines without their footnote definitions; {label: the definition's lines};
    {label: the line index where it stood}. A definition runs on over indented lines (and
    blank lines before an indented one), as in pandoc's Markdown."""
    kept: list[str] = []
    found: dict[str, list[str]] = {}
    where: dict[str, int] = {}
    i = 0
    while i < len(lines):
        m = DEF.match(lines[i])
        if m is None:
            kept.append(lines[i])
            i += 1
            continue
        label, body = m.group(1), [lines[i]]
        where.setdefault(label, len(kept))
        i += 1
        while i < len(lines):
            indented = lines[i].startswith(("    ", "\t", "  "))
            blank_inside = (
                not lines[i].strip()
                and lines[i + 1 : i + 2] != []
                and (lines[i + 1].startswith("    "))
            )
            if indented or blank_inside:
                body.append(lines[i])
            else:
                break
            i += 1
        found.setdefault(label, body)
    return kept, found, where
