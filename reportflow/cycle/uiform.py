"""The choices of the sign-off form in the Prefect UI (issue 14): who may sign off there now,
and what, instead of free text.

The UI cannot sign, so a sign-off made there is unsigned and counts only for people outside
``policy.signatures.required_for``. The form offers exactly those of them the gate still
needs, and only the sections (or the report) each may approve now, as the to-do list says;
the server then refuses any other value before the run resumes. The choices are a
convenience, not a permission: the record is still judged like any other sign-off, by the
roster in force (``signoff.request.record``), so an office member who edits report.yaml's
policy at HEAD gains nothing by it.

Each choice reads "<name>（<id>）": the office sees names, and the id in it is what the CLI
takes (``reportflow signoff --as``, ``--section``), so a choice can be found from an id
(``find``). Pure: the report, its to-do items and its policy in, text out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reportflow.content.model import Report
from reportflow.core.i18n import N_, _
from reportflow.cycle.todo import Item
from reportflow.signoff import roster

#: The value of ``reviewer`` that signs nothing: the run looks again (a sign-off made with
#: the CLI meanwhile); also what an empty form (``reportflow signoff --push``) means.
NOBODY = ""


#: The form's field titles (the UI shows them above each drop-down).
FIELDS = {
    "reviewer": N_("who signs off"),
    "scope": N_("what is signed off"),
    "decision": N_("decision"),
    "comment": N_("comment"),
}


def field_title(field: str) -> str:
    return _(FIELDS[field])


@dataclass(frozen=True)
class Choices:
    """Each field's choices, label -> value (the value is what the flow records)."""

    reviewers: Mapping[str, str]  # label -> person id; the first is "nobody: look again"
    scopes: Mapping[str, str]  # label -> "section:<id>" | "report"
    decisions: Mapping[str, str]  # label -> "approve" | "reject"


def label(name: str, key: str) -> str:
    return f"{name}（{key}）"


def find(options: Sequence[str], key: str) -> str | None:
    """The choice among ``options`` whose id is ``key`` (or that is ``key`` itself)."""
    for option in options:
        if option == key or option.endswith(f"（{key}）"):
            return option
    return None


def unsigned_signers(doc: Mapping[str, object]) -> set[str]:
    """Who report.yaml's policy lets sign off without a signature (none without a policy)."""
    judge = roster.from_doc(doc)
    if judge is None:
        return set()
    return {pid for pid in judge.people if not judge.signature_required(pid)}


def choices(report: Report, items: Sequence[Item], unsigned: set[str]) -> Choices:
    """The form's choices for the sign-offs still open (``items`` not blocked) of the people
    in ``unsigned``, in the order of the to-do list."""
    reviewers = {_("nobody: look again (sign-offs made elsewhere)"): NOBODY}
    scopes: dict[str, str] = {}
    for item in items:
        if item.blocked or item.person not in unsigned or item.kind not in ("signoff", "final"):
            continue
        person = report.people.get(item.person)
        reviewers.setdefault(
            label(person.name if person else item.person, item.person), item.person
        )
        if item.kind == "final":
            scopes.setdefault(label(_("the whole report"), "report"), "report")
        else:
            scope = f"section:{item.target}"
            scopes.setdefault(label(item.title, scope), scope)
    if not scopes:
        scopes = {_("nothing to sign here"): ""}
    decisions = {label(_("approve"), "approve"): "approve", label(_("reject"), "reject"): "reject"}
    return Choices(reviewers, scopes, decisions)
