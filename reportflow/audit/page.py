"""The timeline as one self-contained HTML page: what an inspector opens from the archive.

No network: no script, no web font, no link to anything outside the page (the styles are in
it; the fonts are the reader's own CJK fonts, named in order of preference). Everything that
came from the repository (names, messages, comments, paths) is escaped with ``html.escape``,
quotes included, so a commit message ``<script>`` is shown, never run; before that its control
characters and bidi overrides (U+202E reverses what follows) are shown as their escapes, as
the terminal shows them (``safe_text.html``), so a message cannot make a cell read otherwise
than it is. An edit's author is the printed name marked "(claimed)" unless the commit's
signature verified as theirs (``table.marked``), and the note under the counts says so. A
Content-Security-Policy meta tag forbids every fetch and script in case a browser is ever
tricked into one.
A ``reportflow-audit`` meta tag names the report and the audited commit, which ``verify``
compares with the manifest of the archive entry that carries the page.
"""

from __future__ import annotations

from reportflow.audit.table import COLUMNS, authorship, marked, rows
from reportflow.audit.timeline import Timeline
from reportflow.core.i18n import _
from reportflow.core.safe_text import html as escape
from reportflow.release.attach import AUDIT_MARK

_CSS = """
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "FangSong", serif;
  margin: 2em; color: #111; }
h1 { font-size: 1.5em; } .meta { color: #444; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }
th { background: #eee; position: sticky; top: 0; }
td.time, td.commit { white-space: nowrap; font-family: monospace; }
td.person { white-space: nowrap; } small { color: #555; }
td.person.claimed { color: #8a4b00; } td.person.verified { color: #14612a; }
tr.flag td { background: #fde2e1; } tr.release td { background: #e3f1e3; }
tr.roster td { background: #e8ecfa; } tr.signoff.no td.what { color: #777; }
.counts span { margin-right: 1.5em; }
@media print { th { position: static; } }
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def render(timeline: Timeline) -> str:
    t = timeline
    filters = ", ".join(f"{k}={v}" for k, v in t.filters.items() if v) or _("none")
    counts: dict[str, int] = {}
    for e in t.events:
        counts[e.kind] = counts.get(e.kind, 0) + 1
    head = "".join(f"<th>{escape(_(c))}</th>" for c in COLUMNS)
    body = []
    for event, cells in zip(t.events, rows(t), strict=True):
        classes = [event.kind]
        if event.kind == "signoff" and not event.data["counted"]:
            classes.append("no")
        names = ("seq", "time", "kind", "person", "section", "what", "commit")
        html = dict(zip(names, map(escape, cells), strict=True))
        name = t.people.get(event.person)
        if name:  # the printed name a reader knows, marked as the cell is; the roster id under it
            html["person"] = (
                f"{escape(marked(event, name))}<br><small>{escape(event.person)}</small>"
            )
        html["time"] = html["time"].replace("T", "<br>", 1)
        how = {n: n for n in names} | {"person": f"person {authorship(event)}".strip()}
        tds = "".join(f'<td class="{how[n]}">{html[n]}</td>' for n in names)
        title = escape(event.commit)
        body.append(f'<tr class="{" ".join(classes)}" title="{title}">{tds}</tr>')
    summary = "".join(f"<span>{escape(k)}: {v}</span>" for k, v in sorted(counts.items()))
    people = ", ".join(f"{escape(pid)} = {escape(name)}" for pid, name in t.people.items())
    title = _("Audit of {report}").format(report=t.title)
    note = _(
        "Events are in the order of the commit graph. A person marked claimed is who git or a "
        "file records, which anyone can set; one marked verified signed with a key the roster "
        "in force lists for them (the commit, the sign-off record or the release); every time "
        "is as recorded, verified or not."
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="{AUDIT_MARK}" content="{escape(f"{t.report}/{t.year}@{t.commit}")}">
<title>{escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{escape(title)}</h1>
<p class="meta">{escape(_("report"))}: {escape(t.report)}/{t.year} &nbsp;
{escape(_("audited commit"))}: <code>{escape(t.commit)}</code> &nbsp;
{escape(_("filters"))}: {escape(filters)}</p>
<p class="meta">{escape(_("people"))}: {people}</p>
<p class="counts">{summary}</p>
<p class="meta">{escape(note)}</p>
<table>
<thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
</body>
</html>
"""
