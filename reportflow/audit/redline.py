"""A version diff as text (a terminal or a mail) and as one self-contained HTML redline page.

Text marks deletions ``[-like this-]`` and insertions ``{+like this+}`` (git's word-diff
notation), one paragraph a line, unchanged paragraphs left out but counted. The HTML page uses
``<del>``/``<ins>``, escapes everything and loads nothing (as the audit page). In both, the
control characters and bidi overrides of repository text are shown as their escapes
(``safe_text.shown``) before anything else: a U+202E in a paragraph would otherwise show its
words reversed, and a reader could not tell what was inserted from what was deleted. The HTML
keeps a paragraph's line breaks (HTML folds them into spaces anyway).
"""

from __future__ import annotations

from reportflow.audit.textdiff import Para
from reportflow.audit.versions import SectionDiff, VersionDiff
from reportflow.core import safe_text
from reportflow.core.i18n import _
from reportflow.core.safe_text import shown

STATUS = {"same": "=", "changed": "~", "added": "+", "removed": "-"}


def _inline(para: Para) -> str:
    if para.op == "+":
        return "{+" + para.new + "+}"
    if para.op == "-":
        return "[-" + para.old + "-]"
    return "".join(
        p.text if p.op == "=" else ("[-" + p.text + "-]" if p.op == "-" else "{+" + p.text + "+}")
        for p in para.pieces
    )


def _who(sec: SectionDiff, i: int) -> str:
    names = {b.person for b in (sec.inserted_by.get(i), sec.deleted_by.get(i)) if b}
    return ", ".join(sorted(names))


def text(diff: VersionDiff) -> str:
    lines = [
        _("{report}/{year}: {old} ({old_commit}) -> {new} ({new_commit})").format(
            report=diff.report,
            year=diff.year,
            old=shown(diff.old_rev),
            old_commit=diff.old_commit[:10],
            new=shown(diff.new_rev),
            new_commit=diff.new_commit[:10],
        )
    ]
    for sec in diff.sections:
        if sec.status == "same":
            continue
        lines.append("")
        lines.append(f"{STATUS[sec.status]} {sec.id} {shown(sec.title)}")
        if sec.old_title and sec.old_title != sec.title:
            lines.append(
                "  "
                + _("title: {old} -> {new}").format(old=shown(sec.old_title), new=shown(sec.title))
            )
        kept = 0
        for i, para in enumerate(sec.paras):
            if para.op == "=":
                kept += 1
                continue
            lines.append(f"  {para.op} {shown(_inline(para))}  ({_who(sec, i)})")
        if kept:
            lines.append("  " + _("({count} paragraphs unchanged)").format(count=kept))
    same = sum(1 for s in diff.sections if s.status == "same")
    if same:
        lines.append("")
        lines.append(_("{count} sections unchanged").format(count=same))
    return "\n".join(lines) + "\n"


_CSS = """
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", serif; margin: 2em;
  max-width: 60em; line-height: 1.8; }
del { background: #fdd; color: #900; } ins { background: #dfd; color: #060; text-decoration: none; }
p.who { color: #666; font-size: 0.85em; margin: 0; }
section.same { color: #777; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; }
"""
_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def escape(value: object) -> str:
    """``value`` for HTML, its line breaks kept (``safe_text.html``)."""
    return safe_text.html(value, lines=True)


def _mark(op: str, text: str) -> str:
    if op == "=":
        return escape(text)
    tag = "del" if op == "-" else "ins"
    return f"<{tag}>{escape(text)}</{tag}>"


def _html_para(para: Para) -> str:
    if para.op in "+-=":
        return _mark(para.op, para.new if para.op != "-" else para.old)
    return "".join(_mark(p.op, p.text) for p in para.pieces)


def html(diff: VersionDiff) -> str:
    title = _("Changes in {title}: {old} -> {new}").format(
        title=diff.title, old=diff.old_rev, new=diff.new_rev
    )
    parts = []
    for sec in diff.sections:
        parts.append(f'<section class="{sec.status}"><h2>{escape(sec.id)} {escape(sec.title)}</h2>')
        for i, para in enumerate(sec.paras):
            parts.append(f"<p>{_html_para(para)}</p>")
            if para.op != "=":
                parts.append(f'<p class="who">{escape(_who(sec, i))}</p>')
        parts.append("</section>")
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>{escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{escape(title)}</h1>
<p>{escape(diff.old_commit)} &rarr; {escape(diff.new_commit)}</p>
{chr(10).join(parts)}
</body>
</html>
"""
