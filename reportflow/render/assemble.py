"""Assemble a report's sections into one Markdown document for pandoc.

Every output (DOCX, PDF, HTML, plain text) starts from this one document, so a section heading
or a paragraph cannot appear in one format and be lost in another.
"""

from __future__ import annotations

import re

from reportflow.content import footnotes, images
from reportflow.content.model import Report
from reportflow.core import pandoc

# CommonMark lets any ASCII punctuation be backslash-escaped; escaping all of it in a title is
# simpler and safer than deciding which marks would start emphasis, links or lists.
_ASCII_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")


def escape_inline(text: str) -> str:
    return _ASCII_PUNCT.sub(r"\\\1", text)


def body_markdown(report: Report) -> str:
    """Sections in order, each under a level-1 heading unless it is printed without one."""
    parts: list[str] = []
    for n, sec in enumerate(report.sections, 1):
        if sec.show_heading:
            parts.append(f"# {escape_inline(sec.title)}\n")
        # Each section's footnote labels are its own: two sections may both have a [^1].
        body = footnotes.prefix_labels(images.embed(report, sec), f"s{n}-").strip("\n")
        if body:
            parts.append(body + "\n")
    return "\n".join(parts)


def metadata(report: Report) -> dict[str, str]:
    return {
        "title": report.title,
        "organisation": report.organisation,
        "year": str(report.year),
        "lang": report.language,
    }


def to_plain(report: Report) -> str:
    """The report as plain text: title, then every heading and paragraph, nothing else."""
    text = pandoc.convert(
        body_markdown(report), "plain", pandoc.MARKDOWN_IN, ["--wrap=none", "--sandbox"]
    )
    return f"{report.title}\n\n{text}"
