"""Turn last year's report, as a file, into a report folder.

An office starts from what it has: a Word file, a plain text, or Markdown. Sections are found
at the top-level headings; in Word and plain text those are the stand-alone lines of official
numbering (一、二、…). Body text goes through pandoc's AST and Markdown writer, which escapes
everything Markdown would otherwise eat (the sample's ``***`` redactions first of all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from reportflow.content import footnotes
from reportflow.core import pandoc
from reportflow.core.errors import ImportFailed
from reportflow.core.textio import read_text

# 一、政治生态建设情况 : Chinese numeral, 顿号, a short title without a sentence end.
_LEVEL1 = re.compile(r"^[一二三四五六七八九十百]+、\S")
_LEVEL2 = re.compile(r"^[（(][一二三四五六七八九十百]+[）)]\S")
_SENTENCE_END = re.compile(r"[。！？；：:;!?]")
_MAX_HEADING = 40


@dataclass(frozen=True)
class ImportedSection:
    title: str | None  # None for the preface (text before the first heading)
    markdown: str


@dataclass(frozen=True)
class ImportedDocument:
    title: str | None
    sections: tuple[ImportedSection, ...]
    signature: str | None = None  # 发文机关署名 closing the document, if one was recognised
    date: str | None = None  # 成文日期 below it, ISO (2022-12-01)


# 成文日期 as offices write it: 2022年12月1日, or in Chinese numerals 二〇二二年十二月一日.
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0}
_DATE = re.compile(
    r"^(?P<y>\d{4}|[〇零○Ｏ一二三四五六七八九]{4})年"
    r"(?P<m>\d{1,2}|[一二三四五六七八九十]{1,2})月"
    r"(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})日$"
)


def _cn_int(text: str) -> int:
    """``12``, ``十二``, ``二十一`` or ``二〇二二`` (digit by digit) as a number."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def parse_date(text: str) -> str | None:
    """The ISO date of a 成文日期 line, or None if the line is not one."""
    import datetime as dt

    found = _DATE.match(re.sub(r"\s+", "", text))
    if not found:
        return None
    try:
        y, m, d = (_cn_int(found[k]) for k in ("y", "m", "d"))
        return dt.date(y, m, d).isoformat()
    except (KeyError, ValueError):
        return None


def _closing(blocks: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """Take the signature and date lines off the end (GB/T 9704 7.3.5: 发文机关署名, then
    成文日期): a last paragraph that is a date, and before it (or last) one short line
    without sentence punctuation or official numbering. A report's own DOCX ends so, and a
    body paragraph never does: it would end with 。"""
    body = list(blocks)
    date = None
    if body and body[-1].get("t") in ("Para", "Plain"):
        date = parse_date(pandoc.stringify(body[-1]))
        if date:
            body.pop()
    signature = None
    if body and body[-1].get("t") in ("Para", "Plain"):
        text = pandoc.stringify(body[-1]).strip()
        if (
            len(body) > 1
            and 0 < len(text) <= 30
            and _looks_like_title(text)
            and not re.search(r"[，,、]", text)
        ):
            signature = text
            body.pop()
    return body, signature, date


def _standalone(text: str, pattern: re.Pattern[str]) -> bool:
    text = text.strip()
    return (
        bool(pattern.match(text))
        and len(text) <= _MAX_HEADING
        and not _SENTENCE_END.search(text.rstrip("。"))
        and not text.endswith("。")
    )


def _looks_like_title(text: str) -> bool:
    text = text.strip()
    return (
        0 < len(text) <= _MAX_HEADING
        and not _LEVEL1.match(text)
        and not _LEVEL2.match(text)
        and not _SENTENCE_END.search(text)
        and not text.endswith(("。", "，", ","))
    )


def _split_blocks(blocks: list[dict[str, Any]], title: str | None = None) -> ImportedDocument:
    """Split AST blocks at level-1 headings: Header blocks or stand-alone 一、 lines.
    ``title``: the document's own (Word's Title style, which pandoc reads as metadata);
    without one, a first short line is the title."""
    blocks, signature, date = _closing(blocks)
    parts: list[tuple[str | None, list[dict[str, Any]]]] = [(None, [])]
    for index, block in enumerate(blocks):
        text = pandoc.stringify(block).strip()
        kind = block.get("t")
        is_para = kind in ("Para", "Plain")
        if (
            title is None
            and index == 0
            and kind in ("Header", "Para", "Plain")
            and _looks_like_title(text)
        ):
            title = text
            continue
        if (kind == "Header" and block["c"][0] == 1) or (is_para and _standalone(text, _LEVEL1)):
            parts.append((text, []))
        elif is_para and _standalone(text, _LEVEL2):
            parts[-1][1].append({"t": "Header", "c": [2, ["", [], []], block["c"]]})
        else:
            parts[-1][1].append(block)
    sections = tuple(
        ImportedSection(heading, pandoc.blocks_to_markdown(body).strip() + "\n")
        for heading, body in parts
        if heading is not None or body
    )
    return ImportedDocument(title, sections, signature, date)


def read_txt(path: Path) -> ImportedDocument:
    lines = [ln.strip() for ln in read_text(path).split("\n")]
    blocks = [{"t": "Para", "c": pandoc.inlines(ln)} for ln in lines if ln]
    return _split_blocks(blocks)


def read_docx(path: Path) -> ImportedDocument:
    ast = pandoc.read_ast(str(path), "docx")
    meta_title = ast.get("meta", {}).get("title")
    # title_lines: print it on several lines (LineBreak); the title itself is one line
    title = (
        pandoc.stringify(meta_title.get("c", [])).replace("\n", "").strip() if meta_title else None
    )
    return _split_blocks(ast["blocks"], title or None)


def read_md(path: Path) -> ImportedDocument:
    """Markdown is kept as written; only heading levels are shifted under the section title,
    and each footnote definition moves into the section that cites it (content.footnotes)."""
    kept, notes, _ = footnotes.split_definitions(read_text(path).split("\n"))
    return _with_footnotes(_read_md_text("\n".join(kept)), notes)


def _with_footnotes(doc: ImportedDocument, notes: dict[str, list[str]]) -> ImportedDocument:
    """Each definition appended to every section citing it, in the order of first citation;
    one cited nowhere goes to the last section (kept, and named there by validation)."""
    if not notes:
        return doc
    sections = []
    used: set[str] = set()
    for sec in doc.sections:
        labels = list(dict.fromkeys(label for _, label in footnotes.references(sec.markdown)))
        cited = [label for label in labels if label in notes]
        used.update(cited)
        sections.append([sec.title, sec.markdown, cited])
    if sections:
        sections[-1][2] += [label for label in notes if label not in used]
    out = []
    for title, markdown, cited in sections:
        if cited:
            defs = "\n".join("\n".join(notes[label]).rstrip() for label in cited)
            markdown = markdown.rstrip("\n") + "\n\n" + defs + "\n"
        out.append(ImportedSection(title, markdown))
    return ImportedDocument(doc.title, tuple(out))


def _read_md_text(text: str) -> ImportedDocument:
    lines = text.split("\n")
    tokens = MarkdownIt("commonmark").parse(text)
    headings = [
        (int(tok.tag[1]), tok.map[0], tokens[i + 1].content.strip())
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open" and tok.map is not None and tok.level == 0
    ]
    title = None
    h1 = [h for h in headings if h[0] == 1]
    first_block = next((t for t in tokens if t.map is not None), None)
    if len(h1) == 1 and first_block is not None and first_block.map[0] == h1[0][1]:
        title = h1[0][2]
        headings = [h for h in headings if h is not h1[0]]
        start = h1[0][1] + 1
    else:
        start = 0
    if not headings:
        body = "\n".join(lines[start:]).strip()
        return ImportedDocument(title, (ImportedSection(None, body + "\n"),) if body else ())
    top = min(level for level, _, _ in headings)
    cuts = [(line, heading) for level, line, heading in headings if level == top]
    sections: list[ImportedSection] = []
    preface = "\n".join(lines[start : cuts[0][0]]).strip()
    if preface:
        sections.append(ImportedSection(None, preface + "\n"))
    for i, (line, heading) in enumerate(cuts):
        end = cuts[i + 1][0] if i + 1 < len(cuts) else len(lines)
        body = _shift_headings(lines[line + 1 : end], top - 1)
        sections.append(ImportedSection(heading, "\n".join(body).strip() + "\n"))
    return ImportedDocument(title, tuple(sections))


def _shift_headings(lines: list[str], by: int) -> list[str]:
    """Move ATX headings up ``by`` levels so a section's sub-headings start at level 2."""
    if by <= 0:
        return lines
    text = "\n".join(lines)
    shifted = list(lines)
    for tok in MarkdownIt("commonmark").parse(text):
        if tok.type == "heading_open" and tok.map is not None and tok.markup.startswith("#"):
            row = tok.map[0]
            level = max(1, len(tok.markup) - by)
            shifted[row] = "#" * level + shifted[row].lstrip()[len(tok.markup) :]
    return shifted


READERS = {".txt": read_txt, ".md": read_md, ".markdown": read_md, ".docx": read_docx}


def read_document(path: Path) -> ImportedDocument:
    if not path.is_file():
        raise ImportFailed("no such file", file=path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ImportFailed(
            f"cannot import {path.suffix or 'a file without extension'}",
            file=path,
            hint="give a .md, .txt or .docx file (save .doc/.wps as .docx first)",
        )
    doc = reader(path)
    if not doc.sections:
        raise ImportFailed("the document is empty", file=path)
    return doc
