"""Placeholders: figures and names still to be filled in, and empty sections.

``***`` is how offices redact or leave out a figure. Markdown reads ``***`` as emphasis (two in
one paragraph become bold-italic and vanish), so the asterisks are looked for in the SOURCE of
each inline run, escaped (``\\*\\*\\*``) or not; everything else is looked for in the plain text.

Decision on ``**``: an ESCAPED ``\\*\\*`` (as in ``《\\*\\*区政府常务会议……》``) is a redacted
name and is reported like ``***``; a raw ``**`` is Markdown bold and is not. A raw ``***`` is
always a placeholder: official reports never use bold-italic.
"""

from __future__ import annotations

import re

from reportflow.validate.rule import Context, Rule

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
        "placeholder text: `XX`/`xx`, `×××`, `TODO`, `【待补充】`, `（待定）`",
        "XX区政府；资金（待定）万元",
    ),
    Rule(
        "placeholders.empty-section",
        "error",
        "a section whose body has no text",
        "a section file with front matter only",
    ),
)

# A run of asterisks, each optionally escaped with a backslash.
_STARS = re.compile(r"(?:\\?\*){2,}")
_MAYBE_MARKER = re.compile("[Xx×TF待]")  # cheap pre-check: most paragraphs have none
_MARKER = re.compile(
    r"(?<![A-Za-z])(?:X{2,}|x{2,})(?![A-Za-z])"
    r"|×{2,}"
    r"|\b(?:TODO|TBD|FIXME)\b"
    r"|[【\[]\s*待(?:补充|完善|核实|填写|定)\s*[】\]]"
    r"|[（(]\s*待(?:定|补充|完善|核实|填写)\s*[）)]"
)


def _code_offsets(span) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
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
        for block in d.doc.prose():
            span = block.span
            if "*" in span.source and ctx.enabled("placeholders.asterisks"):
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
            if ctx.enabled("placeholders.marker") and _MAYBE_MARKER.search(span.text):
                for m in _MARKER.finditer(span.text):
                    if span.code and span.in_code(m.start()):
                        continue
                    ctx.at(
                        "placeholders.marker",
                        d,
                        block,
                        m.start(),
                        f"占位文字“{m.group()}”尚未替换 / placeholder text left in",
                    )
