"""``reportflow signoff``: the command's words around ``signoff/request.py``, where every check
and the record are (shared with the review page and the Prefect UI form)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from reportflow.core.i18n import _
from reportflow.signoff import request


def main(
    path: Path,
    person: str,
    scope: str,
    reject: bool,
    message: str,
    key: Path | None,
    push: bool,
) -> Iterator[str]:
    """Sign off, and the lines that tell the user what happened, each as soon as it did (the
    sign-off is written before the push is tried)."""
    decision = "reject" if reject else "approve"
    done = request.run(path, request.Request(scope, person, decision, message, key))
    if not done.written:
        said = (
            _("{person} has already rejected this text of {scope} ({file}): nothing written")
            if reject
            else _("{person} has already approved this text of {scope} ({file}): nothing written")
        )
    else:
        said = (
            _("{person} rejected {scope}: {file}")
            if reject
            else _("{person} approved {scope}: {file}")
        )
    yield said.format(person=person, scope=scope, file=done.path)
    if push:  # a no-op too: the record that says it may not have reached the remote yet
        yield from request.push_and_wake(path)
