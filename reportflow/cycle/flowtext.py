"""What the Prefect flows show people: run names, artifacts and notification titles, in the
report's language (issue 13: "Chinese run names and artifacts where the report is Chinese").

The flows call these inside ``i18n.speaking(report.language)``: the office reads the Prefect
UI, the worker's locale is the server's. Pure text from plain values, here in the library so
the words are in the message catalogue with the CLI's (``make messages``) and tested without
Prefect; the flows only hand them to Prefect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reportflow.content.model import Report
from reportflow.core.i18n import N_, _

#: A verdict's status as a person reads it: the words of ``reportflow gate`` (commands.gate,
#: a layer above this one), the same msgids, so one translation in the catalogue serves both.
STATUS = {
    "approved": N_("approved"),
    "pending": N_("pending"),
    "stale": N_("stale"),
    "rejected": N_("rejected"),
    "unverified": N_("unverified"),
}

#: Notification titles (the message says what to do; the title says what it is about).
TITLES = {
    "signoff": N_("sign-off needed"),
    "invalid": N_("validation failed"),
    "released": N_("released"),
    "release-failed": N_("release failed"),
    "overdue": N_("approval deadline passed"),
    "opened": N_("new report year opened"),
    "reminder": N_("reminder: {title}"),
    "escalation": N_("overdue: {title}"),
}


def title(kind: str, **values: str) -> str:
    return _(TITLES[kind]).format(**values)


def run_name(kind: str, report: Report) -> str:
    """The flow run's name in the UI's list of runs: what it does to which report."""
    if kind == "open":
        return _("open {title} ({year})").format(title=report.title, year=report.year)
    return _("approve and release {title} ({year})").format(title=report.title, year=report.year)


def status(value: str) -> str:
    return _(STATUS[value]) if value in STATUS else value


def validation_rows(findings: Iterable[Any]) -> list[dict[str, str]]:
    """The validation table artifact: one row a finding, the columns named for the reader."""
    rows = [
        {
            _("severity"): _("error") if f.severity == "error" else _("warning"),
            _("rule"): f.rule,
            _("where"): f"{f.file}:{f.line}:{f.column}",
            _("message"): f.message,
            _("fix"): f.fix or "",
        }
        for f in findings
    ]
    return rows or [{_("result"): _("no findings")}]


def counts(errors: int, warnings: int) -> str:
    return _("{errors} error(s), {warnings} warning(s)").format(errors=errors, warnings=warnings)


def gate_markdown(verdict: Any) -> str:
    """The gate artifact: the report's status, each section's, what is missing, problems."""
    label = _("report")  # not inside the f-string: Babel would not extract it
    lines = [f"**{label}: {status(verdict.report_status)}**", ""]
    lines += [f"- {sid}: {status(v.status)}" for sid, v in verdict.sections.items()]
    if verdict.missing:
        lines += ["", _("still needed:"), *[f"- {m}" for m in verdict.missing]]
    if verdict.problems:
        lines += ["", _("problems:"), *[f"- {p}" for p in verdict.problems]]
    return "\n".join(lines)


def waiting_markdown(report: Report, asks: Mapping[str, Sequence[str]]) -> str:
    """Who the waiting run waits for, and for what: each person asked, by name and role."""
    if not asks:
        return _("nobody can sign now")
    heading = _("waiting for")
    lines = [f"### {heading}", ""]
    for pid, items in asks.items():
        person = report.people.get(pid)
        who = f"{person.name}（{pid}）" if person else pid
        lines.append(f"- **{who}**")
        lines += [f"  - {item}" for item in items]
    return "\n".join(lines)


def release_markdown(done: Mapping[str, Any]) -> str:
    """The release summary artifact: the version, where it is archived, its digest."""
    return "\n\n".join(
        [
            _("**{tag}** released at `{commit}`").format(
                tag=done["tag"], commit=done["commit"][:10]
            ),
            _("archive: `{entry}`").format(entry=done["entry"]),
            _("manifest sha256: `{digest}`").format(digest=done["manifest_sha256"]),
        ]
    )


def refused_markdown(error: object) -> str:
    return _("sign-off refused: {error}").format(error=error)


def opened_markdown(
    path: str, source: str, commit: str | None, sent: Iterable[str], roster: str = ""
) -> str:
    """The open-cycle run's artifact; ``roster``: ``nextyear.carried_sentence`` when the
    year's roster was carried over (what makes a change of it take effect)."""
    head = _("opened `{path}` from {source} ({commit})").format(
        path=path, source=source, commit=commit or "-"
    )
    parts = [head, roster] if roster else [head]
    return "\n\n".join([*parts, "\n".join(f"- {s}" for s in sent)])


def nothing_to_open(source: str) -> str:
    return _("nothing to do: {source}").format(source=source)


def form_description(missing: Sequence[str]) -> str:
    """The sign-off form's description in the Prefect UI: what is still needed."""
    return _("Still needed:") + "\n\n" + "\n".join(f"- {m}" for m in missing)


#: The artifacts' descriptions in the UI.
DESCRIPTIONS = {
    "gate": N_("approval gate"),
    "release": N_("released version"),
    "waiting": N_("who the run waits for"),
}


def description(key: str) -> str:
    return _(DESCRIPTIONS[key])


def invalid_body(report: Report, errors: int, first: Sequence[str]) -> str:
    head = _("{title}: {errors} error(s), please fix:").format(title=report.title, errors=errors)
    return "\n".join([head, *first])


def overdue_body(report: Report, end: str, missing: str) -> str:
    return _("{title}: not approved by the deadline {end}. Still needed: {missing}").format(
        title=report.title, end=end, missing=missing
    )


def opened_body(report: Report, path: str, source: str) -> str:
    return _("{title}: drafting is open ({path}, from {source})").format(
        title=report.title, path=path, source=source
    )
