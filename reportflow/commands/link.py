"""``reportflow link``: a personal link for one reviewer and one scope, a section or the final
approval (``signoff/links.py``).

Prints the address to send through the person's notification channel, or, with ``--send``
and the server's ``--server-key``, sends it there (``cycle/personal.py``); ``reportflow serve``
with the same ``--secret-file`` and a ``--server-key`` opens it. The link names the text at
HEAD: once that text changes the link no longer holds.
"""

from __future__ import annotations

from pathlib import Path

from reportflow.commands.serve import read_secret
from reportflow.core.errors import InputError, Refused
from reportflow.core.i18n import _
from reportflow.cycle import personal
from reportflow.signoff import approval


def scope_of(section: str | None, report: bool) -> str:
    """``--section <id>`` or ``--report`` (the final approval), exactly one of them."""
    if report == (section is not None):
        raise InputError(
            _("give either --section <id> or --report"),
            hint=_("a link is for one section, or for the final approval of the report"),
        )
    return "report" if report else f"section:{section}"


def run(
    report_dir: Path, person: str, scope: str, secret_file: Path, base_url: str, hours: float
) -> str:
    ctx = approval.load_context(Path(report_dir), "HEAD")
    if ctx.in_force is None or person not in ctx.in_force.people:
        raise InputError(
            _("{person} is not a person of this report's roster").format(person=person)
        )
    secret = read_secret(secret_file).encode()
    return personal.make(ctx, person, scope, secret, base_url, hours)


def send(
    report_dir: Path,
    person: str,
    scope: str,
    secret_file: Path,
    base_url: str,
    hours: float,
    server_key: Path,
) -> str:
    """``--send``: the link through ``person``'s notification channel instead of printed,
    only where it can count and only to the signed-off addresses (``cycle/personal.py``)."""
    from reportflow.cycle import flowtext, notify

    ctx = approval.load_context(Path(report_dir), "HEAD")
    why = personal.refusal(ctx.in_force, person, personal.server_public(server_key))
    if why:
        raise Refused(
            _("no personal link sent to {person}: {reason}").format(person=person, reason=why),
            hint=_("a link is sent only where the roster in force counts it"),
        )
    urls = personal.addresses(Path(report_dir), ctx.in_force, person)
    if not urls:
        raise InputError(
            _("{person} has no notify: address in the report.yaml of the roster in force")
            .format(person=person),
            hint=_("add it under people and have a roster change signed off"),
        )  # fmt: skip
    url = personal.make(ctx, person, scope, read_secret(secret_file).encode(), base_url, hours)
    what = _("the whole report") if scope == "report" else scope.split(":", 1)[-1]
    body = _("{title}: your personal link to decide {what}; it works once, for {hours} hours")
    body = body.format(title=ctx.report.title, what=what, hours=f"{hours:g}")
    report = personal.with_addresses(ctx.report, person, urls)
    (done,) = notify.send(report, [person], flowtext.title("signoff"), body, link=url)
    if not done.sent:
        raise InputError(
            _("the personal link could not be sent to {person}: {detail}").format(
                person=person, detail=done.detail
            ),
            hint=_("check the notify: address in report.yaml"),
        )
    return _("personal link sent to {person}").format(person=person)
