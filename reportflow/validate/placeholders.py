"""Placeholders: figures and names still to be filled in, and empty sections.

``***`` is how offices redact or leave out a figure. Markdown reads ``***`` as emphasis (two in
one paragraph become bold-italic and vanish), so the asterisks are looked for in the SOURCE of
each inline run, escaped (``\\*\\*\\*``) or not; everything else is looked for in the plain text.

Decision on ``**``: an ESCAPED ``\\*\\*`` (as in ``《\\*\\*区政府常务会议……》``) is a redacted
name and is reported like ``***``; a raw ``**`` is Markdown bold and is not. A raw ``***`` is
always a placeholder: official reports never use bold-italic.

What drafters really leave behind (surveyed from writing guides, office Word templates and
template-filling tools; see README, Validation) and what this module decides about each:

* ``XX``/``xx``/``××``/``×××``/``ＸＸ``: a name or figure to come, unless it is part of a Latin
  word (``XXL``, ``Xbox``). A single ``x``/``X``/``×`` is a placeholder only where a number
  stands, before a measure word or unit (``共x次``, ``X月X日``, ``X%``), and never next to a
  digit or a Latin letter (``3×4``, ``x86``, ``iPhone X``, ``X光``).
* Underscore blanks (``共开展___次``, ``____年__月__日``): any run of ``_`` in Chinese text. A
  run inside an ASCII word with a letter (``user_name``, ``a_b.pdf``, a URL) is not. Markdown
  eats ``_`` pairs as emphasis, so runs of three or more are looked for in the source (as
  ``***`` is; official reports never use bold-italic) and shorter ones in the plain text,
  where only literal underscores survive (``__重点__`` bold is not a blank).
* ``□□`` (a row of empty boxes), or one ``□`` before a measure word: a blank. A lone ``□``
  elsewhere is a check box.
* Bracketed requests ``【待补充】``, ``（待定）``, ``[请填写单位]``, ``{{单位名称}}``: placeholders.
* Not placeholders: ``某``/``某某`` (``某区``, ``王某某`` is how notices anonymise a name),
  ``（略）`` (a deliberate omission in a published text), ``〇〇`` (zero, ``二〇〇〇年``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reportflow.content.markdown import Block, Document, Span
from reportflow.content.model import REPORT_FILE
from reportflow.validate.rule import Context, Doc, Rule

RULES = (
    Rule(
        "placeholders.asterisks",
        "error",
        "`***` (escaped or not) or an escaped `\\*\\*`: a figure or name not filled in",
        "全年召开区政府党组会议\\*\\*\\*次",
    ),
    Rule(
        "placeholders.marker",
        "error",
        "placeholder text: `XX`/`xx`, `×××`, a lone `x` before a measure word (`x次`), "
        "`___` blanks, `□□`, `TODO`, `【待补充】`, `（待定）`, `{{…}}`; also in report.yaml",
        "XX区政府；资金（待定）万元；共开展___次",
    ),
    Rule(
        "placeholders.empty-section",
        "error",
        "a section whose body has no text, or headings only (printed without a word)",
        "a section file with front matter only, or only `## （一）小标题`",
    ),
    Rule(
        "placeholders.empty-heading",
        "error",
        "a heading with no text under it before the next heading of its level or the end",
        "`## （一）小标题` followed directly by `## （二）小标题`",
    ),
)

# A run of asterisks, each optionally escaped with a backslash: (?:\\?\*){2,}, spelt so that
# the first unit is an alternation of literals, which the regex engine scans for 3x faster.
_STARS = re.compile(r"(?:\\\*|\*)(?:\\?\*)+")
_UNDERSCORES = re.compile(r"(?:\\?_)+")
_MAYBE_MARKER = re.compile("[XxＸｘ×TF待请填{□]")  # cheap pre-check: most paragraphs have none
# Second pre-check, for paragraphs with 待 or 请 (common words): what every ``_MARKER``
# alternative needs at least.
_NEEDED_BY_MARKER = re.compile(r"[XxＸｘ×□]|TODO|TBD|FIXME|[【\[（(]\s*[待请]|\{\{")
# Where a figure stands: a measure word or unit after it.
_MEASURE = (
    r"(?:[万亿千百]?元|万人|人次|人|个|次|项|件|条|家|所|户|名|位|场|期|批|篇|座|台|辆|套|份"
    r"|本|册|届|轮|起|例|处|天|日|月|年|号|万|亿|千|百|[%％]|倍|岁|小时|分钟|公里|米|吨|亩)"
)
_ASCII_WORD = r"A-Za-z0-9Ａ-Ｚａ-ｚ０-９"
_MARKER = re.compile(
    rf"(?<![A-Za-zＡ-Ｚａ-ｚ])(?:[XＸ]{{2,}}|[xｘ]{{2,}})(?![A-Za-zＡ-Ｚａ-ｚ])"
    r"|×{2,}"
    rf"|(?<![{_ASCII_WORD}.．_/\-])(?<![A-Za-z] )[xXＸｘ×](?![{_ASCII_WORD}.．])(?=\s?{_MEASURE})"
    r"|□{2,}|□(?=\s?" + _MEASURE + r")"
    r"|(?<![A-Za-z])(?:TODO|TBD|FIXME)(?![A-Za-z])"
    r"|[【\[]\s*(?:待(?:补充|完善|核实|填写|定)|请(?:填写|补充|输入)[^】\]\n]{0,12})\s*[】\]]"
    r"|[（(]\s*(?:待(?:定|补充|完善|核实|填写)|请(?:填写|补充|输入)[^）)\n]{0,12})\s*[）)]"
    r"|\{\{[^{}\n]{0,30}\}\}"
)
_ASCII_TOKEN = re.compile(r"[!-~]")  # a printable ASCII character other than space


def _in_ascii_word(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` sits in an ASCII token holding a letter: an identifier,
    a file name, a URL (``user_name``, ``2022_报告.pdf`` is not one: the token is ``2022_``)."""
    a, b = start, end
    while a > 0 and _ASCII_TOKEN.match(text[a - 1]):
        a -= 1
    while b < len(text) and _ASCII_TOKEN.match(text[b]):
        b += 1
    return any(ch.isascii() and ch.isalpha() for ch in text[a:b])


def blanks(text: str, *, source: bool) -> list[tuple[int, int]]:
    """Underscore blanks in ``text`` as (start, end): in the source, runs of three or more
    underscores (escaped or not); in the plain text, shorter runs (literal by then)."""
    out = []
    for m in _UNDERSCORES.finditer(text):
        count = m.group().count("_")
        if (count >= 3) != source or _in_ascii_word(text, m.start(), m.end()):
            continue
        out.append((m.start(), m.end()))
    return out


def markers(text: str) -> list[re.Match[str]]:
    """Placeholder words and marks in plain ``text`` (the rule ``placeholders.marker``)."""
    if not _MAYBE_MARKER.search(text) or not _NEEDED_BY_MARKER.search(text):
        return []
    return list(_MARKER.finditer(text))


_WORDS = re.compile(r"[^\W_]")  # a letter, digit or Chinese character: something written


def unwritten(doc: Document) -> bool:
    """Whether a section body is still to be drafted: no text, or nothing but placeholders
    (``XX``, ``***``, ``【待补充】``, blanks) and punctuation. A to-do list says "draft it"
    for such a section, not "fix its findings"."""
    for block in doc.prose():
        text = block.text
        for m in reversed(markers(text)):
            text = text[: m.start()] + text[m.end() :]
        if _WORDS.search(text.replace("*", "")):
            return False
    return True


def _code_offsets(span: Span) -> list[tuple[int, int]]:
    return [(span.source_offset(a), span.source_offset(b - 1) + 1) for a, b in span.code]


def run(ctx: Context) -> None:
    for d in ctx.docs:
        path = d.section.path
        if d.doc.empty:
            ctx.emit(
                "placeholders.empty-section",
                path,
                d.section.body_line,
                1,
                f"本节“{d.section.title}”没有正文 / the section has no text",
                "写入正文，或从 report.yaml 的 sections: 中删去本节",
            )
            continue
        if not _headings_have_text(ctx, d):
            continue
        for block in d.doc.prose():
            _asterisks(ctx, path, block.span)
            if ctx.enabled("placeholders.marker"):
                _markers(ctx, d, block)
    if ctx.enabled("placeholders.marker") or ctx.enabled("placeholders.asterisks"):
        _report_yaml(ctx)


def _headings_have_text(ctx: Context, d: Doc) -> bool:
    """False for a section of headings only (one finding); each heading with nothing under
    it before the next heading of its level (or a higher one) or the end is named."""
    blocks = [b for b in d.doc.blocks if b.text.strip()]
    path = d.section.path
    if all(b.kind == "heading" for b in blocks):
        ctx.emit(
            "placeholders.empty-section",
            path,
            blocks[0].line,
            1,
            f"本节“{d.section.title}”只有标题，没有正文 / the section has headings but no text",
            "在标题下写入正文，或删去这些标题",
        )
        return False
    for i, block in enumerate(blocks):
        if block.kind != "heading":
            continue
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if nxt is None or (nxt.kind == "heading" and nxt.level <= block.level):
            ctx.emit(
                "placeholders.empty-heading",
                path,
                block.line,
                1,
                f"标题“{block.text.strip()}”下没有正文 / the heading has no text under it",
                "在标题下写入正文，或删去该标题",
            )
    return True


def _asterisks(ctx: Context, path: str, span: Span) -> None:
    if "*" not in span.source or not ctx.enabled("placeholders.asterisks"):
        return
    code = _code_offsets(span) if span.code else []
    for m in _STARS.finditer(span.source):
        run_text = m.group()
        stars = run_text.count("*")
        if stars < 2 or (stars == 2 and "\\" not in run_text):
            continue
        if any(a <= m.start() < b for a, b in code):
            continue
        line, column = span.locate_source(m.start())
        mark = "*" * stars
        ctx.emit(
            "placeholders.asterisks",
            path,
            line,
            column,
            f"占位符“{mark}”：数字或名称尚未填写 / placeholder, fill in the figure",
        )


def _markers(ctx: Context, d: Doc, block: Block) -> None:
    span = block.span
    message = "占位文字“{}”尚未替换 / placeholder text left in"
    for m in markers(span.text):
        if not (span.code and span.in_code(m.start())):
            ctx.at("placeholders.marker", d, block, m.start(), message.format(m.group()))
    if "_" not in span.source:
        return
    blank = "空白“{}”尚未填写 / a blank left to fill in"
    code = _code_offsets(span) if span.code else []
    for a, end in blanks(span.source, source=True):
        if not any(x <= a < y for x, y in code):
            line, column = span.locate_source(a)
            mark = "_" * span.source.count("_", a, end)
            ctx.emit("placeholders.marker", d.section.path, line, column, blank.format(mark))
    for a, b in blanks(span.text, source=False):
        if not (span.code and span.in_code(a)):
            ctx.at("placeholders.marker", d, block, a, blank.format(span.text[a:b]))


#: report.yaml fields that are printed (title, signature) or drive reminders (dates).
YAML_FIELDS: tuple[tuple[str, ...], ...] = (
    ("title",),
    ("organisation",),
    ("dates", "opens"),
    ("dates", "due"),
    ("dates", "approve_by"),
    ("render", "date"),
)


def _yaml_value(raw: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    node: Any = raw
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node if isinstance(node, str) else None


def _yaml_places(text: str) -> dict[tuple[str, ...], tuple[int, int, int, int]]:
    """(0-based line, column, start offset, end offset) of each of ``YAML_FIELDS``' values
    in report.yaml: the offsets let a mark in a multi-line value be found on its own line."""
    import yaml

    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    places: dict[tuple[str, ...], tuple[int, int, int, int]] = {}
    for keys in YAML_FIELDS:
        node = root
        for key in keys:
            if not isinstance(node, yaml.MappingNode):
                node = None
                break
            node = next((v for k, v in node.value if k.value == key), None)
        if isinstance(node, yaml.ScalarNode):
            start, end = node.start_mark, node.end_mark
            places[keys] = (start.line, start.column, start.index, end.index)
    return places


def _nth_in_source(text: str, start: int, end: int, mark: str, nth: int) -> tuple[int, int]:
    """1-based line and column of the ``nth`` occurrence of ``mark`` in ``text[start:end]``
    (a value folded over several lines keeps its marks in order); the value's start when a
    fold split the mark."""
    at = start - 1
    for _ in range(nth + 1):
        at = text.find(mark, at + 1, end)
        if at < 0:
            at = start
            break
    line_start = text.rfind("\n", 0, at) + 1
    return text.count("\n", 0, at) + 1, at - line_start + 1


def _report_yaml(ctx: Context) -> None:
    """Placeholders in the title, the organisation and the dates of report.yaml, at the
    line and column of report.yaml where they are (the printed title must be filled in too)."""
    found: list[tuple[tuple[str, ...], str, str, int, str]] = []  # keys, value, rule, at, mark
    for keys in YAML_FIELDS:
        value = _yaml_value(ctx.report.raw, keys)
        if not value:
            continue
        for m in _STARS.finditer(value):
            found.append((keys, value, "placeholders.asterisks", m.start(), m.group()))
        for m in markers(value):
            found.append((keys, value, "placeholders.marker", m.start(), m.group()))
        for a, b in blanks(value, source=True) + blanks(value, source=False):
            found.append((keys, value, "placeholders.marker", a, value[a:b]))
    if not found:
        return
    text = ctx.yaml_text or ""
    places = _yaml_places(text)
    lines = text.split("\n")
    for keys, value, rule, index, mark in found:
        line0, col0, start, end = places.get(keys, (ctx.yaml_line(list(keys)) - 1, 0, -1, -1))
        row = lines[line0] if 0 <= line0 < len(lines) else ""
        quote = 1 if row[col0 : col0 + 1] in ("'", '"') else 0
        line, column = line0 + 1, col0 + 1
        if row.startswith(value, col0 + quote):  # a one-line scalar: characters map 1:1
            column = col0 + quote + index + 1
        elif start >= 0:  # a block or folded scalar: the same occurrence of the mark in the source
            line, column = _nth_in_source(text, start, end, mark, value[:index].count(mark))
        ctx.emit(
            rule,
            REPORT_FILE,
            line,
            column,
            f"report.yaml 的 {'.'.join(keys)} 含占位文字“{mark}”，尚未填写 / "
            "placeholder left in report.yaml",
        )
