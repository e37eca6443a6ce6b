"""The timeline as rows a person reads: one line of text per event, for the terminal table,
the CSV export and the HTML page alike, so the three say the same thing.

An edit's person is marked "(claimed)" unless a key the roster lists for that person signed
the commit ("(verified)", ``edits.py``): the e-mail that names them is anyone's to type, and
a table that printed it bare would read as fact. The CSV keeps the person column as the bare
id (a spreadsheet joins and filters on it) and says the same in its ``author`` column."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any

from reportflow.audit.timeline import Event, Timeline
from reportflow.core.i18n import N_, _

KIND = {
    "edit": N_("edit"),
    "signoff": N_("sign-off"),
    "roster": N_("roster"),
    "release": N_("release"),
    "flag": N_("FLAG"),
}
COLUMNS = (N_("#"), N_("time"), N_("kind"), N_("person"), N_("section"), N_("what"), N_("commit"))
CSV_COLUMNS = (
    "seq", "time", "kind", "person", "section", "what", "commit", "action", "added", "removed",
    "decision", "counted", "status", "fingerprint", "channel", "tag", "manifest_sha256", "flag",
    "author", "signed_by",
)  # fmt: skip


def authorship(event: Event) -> str:
    """``verified`` or ``claimed``: how far the event's person is known. An edit's author by
    ``author_verified``; a sign-off's reviewer by the record's own signature; a release's
    releaser by ``releaser_verified``; a roster change's or a flag's person is the git author
    or committer, always a claim."""
    d = event.data
    if event.kind == "edit":
        ok = bool(d.get("author_verified"))
    elif event.kind == "signoff":
        ok = d.get("signature") == "valid"
    elif event.kind == "release":
        ok = bool(d.get("releaser_verified"))
    else:
        ok = False
    if not event.person:
        return ""
    return "verified" if ok else "claimed"


def marked(event: Event, who: str) -> str:
    """``who`` (the person's id or printed name) with the edit's ``authorship`` after it."""
    how = authorship(event)
    if how == "verified":
        return _("{person} (verified)").format(person=who)
    if how == "claimed":
        return _("{person} (claimed)").format(person=who)
    return who


def what(event: Event) -> str:
    """The event in one line."""
    d = event.data
    if event.kind == "edit":
        moved = (
            _(" (renamed from {path})").format(path=d["renamed_from"]) if d["renamed_from"] else ""
        )
        return _("{action} +{added} -{removed} characters: {message}{moved}").format(
            action=d["action"],
            added=d["added"],
            removed=d["removed"],
            message=d["message"],
            moved=moved,
        )
    if event.kind == "signoff":
        counted = _("counted") if d["counted"] else _("not counted")
        text = _("{decision} {scope}, {counted} ({reason}); {channel}, {fingerprint}").format(
            decision=d["decision"],
            scope=d["scope"],
            counted=counted,
            reason=d["reason"],
            channel=d["channel"],
            fingerprint=d["fingerprint"][:19],
        )
        text = (f"{d['meaning']}：" if d.get("meaning") else "") + text  # the policy's word
        return text + (f" “{d['comment']}”" if d["comment"] else "")
    if event.kind == "roster":
        signed = ", ".join(_signer(s) for s in d["signed_by"]) or "-"
        return _("roster {digest}: {status}; signed off by {signed}").format(
            digest=d["digest"][:19], status=d["status"], signed=signed
        )
    if event.kind == "release":
        ok = _("verifies") if d["verified"] else _("DOES NOT VERIFY")
        return _("{tag}: approved by {approvers}; manifest {digest}; {ok}").format(
            tag=d["tag"] or f"v{d['version']}",
            approvers=", ".join(d["approvers"]) or "-",
            digest=(d["manifest_sha256"] or "-")[:16],
            ok=ok,
        )
    return f"{d['flag']}: {d['detail']}"


def _signer(s: Mapping[str, Any]) -> str:
    """A roster sign-off as ``person decision``, marked when its signature is no evidence
    that the person made it (anyone can write a record file naming them)."""
    mark = {"unsigned": _("(unsigned)"), "invalid": _("(signature does not verify)")}
    shown = f"{s['person']} {s['decision']}"
    state = s.get("signature", "valid")
    return f"{shown} {mark[state]}" if state in mark else shown


def rows(timeline: Timeline) -> Iterator[tuple[str, ...]]:
    for seq, event in enumerate(timeline.events, 1):
        yield (
            str(seq),
            event.time,
            _(KIND[event.kind]),
            marked(event, event.person),
            event.section or "",
            what(event),
            event.commit[:10],
        )


def cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text: a commit message or comment starting with
    ``=``, ``+``, ``-`` or ``@`` would otherwise run as a formula when the file is opened
    (OWASP "CSV injection"); such a cell gets a leading apostrophe."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(timeline: Timeline) -> str:
    """CSV with a header row and one row per event: the table's columns plus the fields a
    reviewer checks one by one (characters, decision, fingerprint, tag, digest, whether an
    edit's author is verified or claimed and whose key signed it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for seq, event in enumerate(timeline.events, 1):
        d = event.data
        writer.writerow(
            cell(v) for v in [
                seq, event.time, event.kind, event.person, event.section or "", what(event),
                event.commit, d.get("action", ""), d.get("added", ""), d.get("removed", ""),
                d.get("decision", ""), d.get("counted", ""), d.get("status", ""),
                d.get("fingerprint", d.get("digest", "")), d.get("channel", ""),
                d.get("tag", "") or "", d.get("manifest_sha256", "") or "", d.get("flag", ""),
                authorship(event), d.get("signed_by") or "",
            ]
        )  # fmt: skip
    return out.getvalue()
