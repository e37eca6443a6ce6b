"""Personal links sent through a person's notification channel (issue 14): by ``reportflow
link --send`` and by the weekly reminders, only where the link can count.

A link is a bearer token: whoever reads the message can decide as the person, which is why
the decision is server-attested and counts only where the roster in force says so. Two rules
follow, both checked before anything is sent:

- a link is sent only when it can count: the server's key is among the policy's
  ``signatures.server_keys`` and the policy lists ``server-attested`` for the person (the
  roster in force, signed off; never report.yaml at HEAD, which any author edits);
- it goes only to the ``notify:`` addresses of the report.yaml whose roster is in force, the
  one the final approvers signed off, not HEAD's. Otherwise an author who put their own
  address under a reviewer's ``notify:`` would receive that reviewer's links and approve as
  them. ``notify:`` is not part of the roster's digest, so a changed address is used once a
  roster change is signed off after it.

The link itself is made exactly as ``reportflow link`` prints it (``signoff/links.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from reportflow.content import model
from reportflow.core.errors import InputError, ReportflowError
from reportflow.core.i18n import _
from reportflow.cycle.todo import Item
from reportflow.signoff import keys, links, passkeys
from reportflow.signoff.roster import Roster

#: the to-do kinds a link can settle: a section's sign-off and the final approval
LINKED = ("signoff", "final")


def refusal(judge: Roster | None, person: str, server_public: str) -> str:
    """Why a link for ``person`` would not count ("" when it would). Pure."""
    if judge is None:
        return _("no roster in force (trust root not pinned, or no roster approved)")
    if person not in judge.people:
        return _("{person} is not a person of this report's roster").format(person=person)
    if keys.key_core(server_public) not in {keys.key_core(k) for k in judge.policy.server_keys}:
        return _("the review server's key is not in the policy (policy.signatures.server_keys)")
    if not judge.policy.accepts(person, passkeys.SERVER_KIND):
        return _("the policy does not count decisions by personal link for {person}").format(
            person=person
        )
    return ""


def scope_of(item: Item) -> str:
    return "report" if item.kind == "final" else f"section:{item.target}"


def make(ctx: Any, person: str, scope: str, secret: bytes, base_url: str, hours: float) -> str:
    """The personal link of ``person`` for ``scope`` (``section:<id>`` or ``report``) at the
    text of ``ctx`` (an ``approval.Context``)."""
    if scope == "report":
        fingerprint = ctx.facts.report_fingerprint
    else:
        sid = scope.split(":", 1)[-1]
        ctx.report.section(sid)  # ContentError for an unknown section
        fingerprint = next(s.blob for s in ctx.facts.sections if s.id == sid)
        scope = f"section:{sid}"
    link = links.new(person, scope, fingerprint, hours)
    return f"{base_url.rstrip('/')}/link/{links.token(secret, link)}"


def addresses(report_dir: Path, judge: Roster | None, person: str) -> tuple[str, ...]:
    """``person``'s ``notify:`` addresses in the report.yaml of the roster in force."""
    if judge is None or not judge.commit:
        return ()
    try:
        signed_off = model.load_report_at(report_dir, judge.commit)
    except ReportflowError:
        return ()
    found = signed_off.people.get(person)
    return found.notify if found is not None else ()


def for_items(
    ctx: Any,
    person: str,
    items: Iterable[Item],
    secret: bytes,
    base_url: str,
    server_public: str,
    hours: float = links.DEFAULT_HOURS,
) -> list[str]:
    """One line "<what>: <link>" for each of ``person``'s open items a link can settle, none
    when a link would not count for them (``refusal``)."""
    if refusal(ctx.in_force, person, server_public):
        return []
    lines = []
    for item in items:
        if item.person != person or item.kind not in LINKED or item.blocked:
            continue
        url = make(ctx, person, scope_of(item), secret, base_url, hours)
        what = _("the whole report") if item.kind == "final" else item.title
        lines.append(_("decide {what} here: {link}").format(what=what, link=url))
    return lines


def with_addresses(report: model.Report, person: str, urls: Sequence[str]) -> model.Report:
    """``report`` with ``person``'s ``notify:`` replaced by ``urls`` (and nobody else's kept),
    for ``notify.send``: a link goes to the signed-off addresses only."""
    from dataclasses import replace
    from types import MappingProxyType

    member = report.people.get(person)
    if member is None:
        return replace(report, people=MappingProxyType({}))
    people = {person: replace(member, notify=tuple(urls))}
    return replace(report, people=MappingProxyType(people))


def server_public(path: Path) -> str:
    """The server's public key from ``path``: its ``.pub`` line, or the private key."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            _("cannot read the key {path}: {error}").format(path=path, error=exc)
        ) from None
    if text.startswith(("ssh-", "ecdsa-", "sk-")):
        return keys.key_core(text)
    return keys.resolve(path).public


def reminders(
    report_dir: Path,
    report: model.Report,
    items: Sequence[Item],
    secret: bytes,
    base_url: str,
    server_public: str,
    hours: float = links.DEFAULT_HOURS,
) -> dict[str, tuple[model.Report, list[str]]]:
    """For the weekly reminders: per person whom a link can serve, the report to hand
    ``notify.send`` (their signed-off addresses only) and one line a link."""
    from reportflow.signoff import approval

    ctx = approval.load_context(Path(report_dir), "HEAD")
    out: dict[str, tuple[model.Report, list[str]]] = {}
    for person in dict.fromkeys(i.person for i in items):
        lines = for_items(ctx, person, items, secret, base_url, server_public, hours)
        urls = addresses(Path(report_dir), ctx.in_force, person) if lines else ()
        if lines and urls:
            out[person] = (with_addresses(report, person, urls), lines)
    return out
