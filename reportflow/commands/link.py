"""``reportflow link``: a personal link for one reviewer and one scope, a section or the final
approval (``signoff/links.py``).

Prints the address to send through the person's notification channel; ``reportflow serve``
with the same ``--secret-file`` and a ``--server-key`` opens it. The link names the text at
HEAD: once that text changes the link no longer holds.
"""

from __future__ import annotations

from pathlib import Path

from reportflow.commands.serve import read_secret
from reportflow.core.errors import InputError
from reportflow.core.i18n import _
from reportflow.signoff import approval, links


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
    if scope == "report":
        fingerprint = ctx.facts.report_fingerprint
    else:
        sid = scope.split(":", 1)[-1]
        ctx.report.section(sid)  # ContentError for an unknown section
        fingerprint = next(s.blob for s in ctx.facts.sections if s.id == sid)
        scope = f"section:{sid}"
    link = links.new(person, scope, fingerprint, hours)
    secret = read_secret(secret_file).encode()
    return f"{base_url.rstrip('/')}/link/{links.token(secret, link)}"
