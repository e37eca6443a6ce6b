"""The few pandoc facts every module shares, and the only place pypandoc is imported.

pypandoc is imported lazily: it costs start-up time that ``reportflow validate`` must not pay.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from reportflow.errors import ToolError

#: How we read section Markdown: ``@word`` is not a citation and ``<word>`` is text, not raw
#: HTML that would silently vanish (shared/reference/gongwen.md, pitfalls 3 and 4).
MARKDOWN_IN = "markdown-citations-raw_html"

#: How we write Markdown: without ``smart`` the writer keeps “ ” and … as typed instead of
#: turning them back into ASCII quotes, which would be half-width marks in Chinese text.
MARKDOWN_OUT = "markdown-smart-citations-raw_html"

# pandoc's Markdown writer escapes * _ ` [ and list markers, but not an entity such as
# ``&amp;``, which its reader then turns into ``&``: escape the ampersand ourselves.
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def convert(text: str, to: str, fmt: str, extra: list[str] | None = None) -> str:
    import pypandoc

    try:
        return pypandoc.convert_text(text, to, format=fmt, extra_args=extra or [])
    except (RuntimeError, OSError) as exc:
        message = str(exc).strip().splitlines()
        raise ToolError(f"pandoc failed: {message[-1] if message else exc}") from None


@cache
def api_version() -> list[int]:
    return json.loads(convert("", "json", "markdown"))["pandoc-api-version"]


def inlines(text: str) -> list[dict[str, Any]]:
    """Plain text as pandoc inlines: words and spaces, the shape pandoc's writers expect."""
    out: list[dict[str, Any]] = []
    for i, word in enumerate(text.split(" ")):
        if i:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


def blocks_to_markdown(blocks: list[dict[str, Any]]) -> str:
    """Write pandoc AST blocks as Markdown that reads back to the same text."""
    if not blocks:
        return ""
    doc = {"pandoc-api-version": api_version(), "meta": {}, "blocks": blocks}
    md = convert(json.dumps(doc, ensure_ascii=False), MARKDOWN_OUT, "json", ["--wrap=none"])
    return _ENTITY.sub(r"\\&", md)


def read_ast(path: str, fmt: str) -> dict[str, Any]:
    import pypandoc

    try:
        out = pypandoc.convert_file(path, "json", format=fmt, extra_args=["--sandbox"])
    except (RuntimeError, OSError) as exc:
        message = str(exc).strip().splitlines()
        raise ToolError(
            f"pandoc could not read the file: {message[-1] if message else exc}", file=path
        ) from None
    return json.loads(out)


def stringify(node: Any) -> str:
    """Plain text of AST inlines/blocks (pandoc's ``stringify``), for heading detection."""
    if isinstance(node, list):
        return "".join(stringify(n) for n in node)
    if not isinstance(node, dict):
        return ""
    kind, content = node.get("t"), node.get("c")
    if kind == "Str":
        return content
    if kind in ("Space", "SoftBreak"):
        return " "
    if kind == "LineBreak":
        return "\n"
    if kind in ("Code", "Math"):
        return content[-1]
    if kind in ("Link", "Image", "Span", "Quoted", "Cite"):
        return stringify(content[-2] if kind in ("Link", "Image") else content[-1])
    return stringify(content)


def version() -> str:
    import pypandoc

    return str(pypandoc.get_pandoc_version())
