"""A passkey registration into the roster: report.yaml gets the credential, git gets a commit,
and the roster change waits for the final approvers' sign-off like any other.

A registration made in a browser proves only that someone held an authenticator while the page
was open: the form anyone can reach names the person. So it is *not* evidence until the
people who approve roster changes have signed off the new roster (``reportflow signoff
--roster``), and ``state`` says which of a person's passkeys are in force and which wait.

report.yaml is edited as text, not dumped from a parsed tree: the file is written by people,
with comments and an order they chose, and PyYAML would drop both (ruamel.yaml keeps them but
is not a dependency). The edit is checked by parsing the result and comparing the person's
passkeys with what was asked, so a layout we do not understand is refused, never mangled.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

import yaml

from reportflow.content import model
from reportflow.core import gitio
from reportflow.core.errors import InputError, Refused
from reportflow.core.i18n import _
from reportflow.signoff import passkeys
from reportflow.signoff.passkeys import Passkey
from reportflow.signoff.roster import Roster

State = Literal["in-force", "pending"]


def _entry(pk: Passkey) -> str:
    # a JSON object is a YAML flow mapping: one line, every value quoted as it must be
    return json.dumps(pk.to_doc(), ensure_ascii=False)


def add_to_yaml(text: str, person: str, pk: Passkey) -> str:
    """report.yaml's text with ``pk`` added to ``people.<person>.passkeys``."""
    block = re.search(rf"(?m)^  {re.escape(person)}:[ \t]*\n((?:(?:    .*|[ \t]*)\n)*)", text)
    if block is None:
        raise InputError(
            _("{person} is not under people: in report.yaml").format(person=person),
            file=model.REPORT_FILE,
        )
    body = block.group(1)
    listed = re.search(r"(?m)^    passkeys:[ \t]*\n((?:      - .*\n)*)", body)
    if listed is not None:
        at = block.start(1) + listed.end()
        new = text[:at] + f"      - {_entry(pk)}\n" + text[at:]
    else:
        at = block.start(1) + len(body.rstrip("\n \t")) + 1 if body.strip() else block.end()
        new = text[:at] + f"    passkeys:\n      - {_entry(pk)}\n" + text[at:]
    doc = yaml.safe_load(new)
    got = [passkeys.from_doc(d) for d in (doc["people"][person].get("passkeys") or [])]
    if pk not in got:
        raise InputError(
            _("cannot add the passkey to {person} in report.yaml: its layout is not the usual "
              "one").format(person=person),
            file=model.REPORT_FILE,
            hint=_("add it by hand under people.{person}.passkeys: {entry}").format(
                person=person, entry=_entry(pk)
            ),
        )  # fmt: skip
    return new


def register(report_dir: Path, person: str, pk: Passkey, author: str) -> str:
    """Add ``pk`` to report.yaml and commit just that file; the new commit id."""
    path = Path(report_dir) / model.REPORT_FILE
    repo = gitio.require_repo(path.parent)
    rel = gitio.relpath(repo, path)
    if rel in gitio.dirty_paths(repo, gitio.relpath(repo, path.parent)):
        raise Refused(  # the commit would carry someone's unreviewed edit along
            _("report.yaml has uncommitted changes: a passkey is added to the committed file"),
            file=rel,
            hint=_("commit or discard the changes in report.yaml first"),
        )
    text = path.read_text(encoding="utf-8")
    path.write_text(add_to_yaml(text, person, pk), encoding="utf-8")
    message = f"roster: passkey {pk.credential_id[:12]}… for {person} (to be signed off)"
    try:
        return gitio.commit_path(repo, rel, message, author)
    except Exception:
        path.write_text(text, encoding="utf-8")
        raise


def state(in_force: Roster | None, candidate: Roster | None, person: str) -> dict[str, State]:
    """credential id -> in-force (the roster in force lists it: it signs) or pending (only
    report.yaml lists it: it waits for the roster sign-off)."""
    out: dict[str, State] = {}
    for roster, what in ((candidate, "pending"), (in_force, "in-force")):
        member = roster.people.get(person) if roster is not None else None
        for pk in member.passkeys if member is not None else ():
            out[pk.credential_id] = what  # type: ignore[assignment]
    return out
