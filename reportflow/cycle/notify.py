"""Notifications to people through apprise (mail, WeCom/DingTalk webhooks, JSON endpoints…).

Each person lists their own apprise URLs under ``notify:`` in report.yaml; a person without
any is skipped and reported, never an error: a missing reminder must not stop a release. A
message says what to do and where (``link``: the run in the Prefect UI, or the review page).
A delivery that fails is retried (``attempts``, with a short pause) and logged on the
``reportflow.notify`` logger; it is reported in the result, never raised.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass

from reportflow.content.model import Report

log = logging.getLogger("reportflow.notify")


@dataclass(frozen=True)
class Delivery:
    person: str
    sent: bool
    detail: str
    attempts: int = 0


def run_link(flow_run_id: str | None) -> str | None:
    """The run's page in the Prefect UI: ``PREFECT_UI_URL``/runs/flow-run/<id>."""
    ui = os.environ.get("PREFECT_UI_URL")
    if not ui or not flow_run_id:
        return None
    return f"{ui.rstrip('/')}/runs/flow-run/{flow_run_id}"


def compose(body: str, link: str | None) -> str:
    return f"{body}\n\n{link}" if link else body


def send(
    report: Report,
    people: Iterable[str],
    title: str,
    body: str,
    *,
    link: str | None = None,
    attempts: int = 3,
    pause: float = 0.5,
) -> list[Delivery]:
    import apprise  # costs start-up time; only flows and reminders send messages

    results = []
    text = compose(body, link)
    for pid in dict.fromkeys(people):
        person = report.people.get(pid)
        urls = list(person.notify) if person else []
        if not urls:
            results.append(Delivery(pid, False, "no notify: address in report.yaml"))
            continue
        app = apprise.Apprise()
        for url in urls:
            app.add(url)
        ok, tries = False, 0
        while not ok and tries < attempts:
            tries += 1
            try:
                ok = bool(app.notify(title=title, body=text))
            except Exception as exc:  # a broken plugin or URL must not stop a release
                log.warning("notifying %s raised %s", pid, exc)
            if not ok and tries < attempts:
                time.sleep(pause * tries)
        if not ok:
            log.warning("notifying %s failed after %d attempt(s): %s", pid, tries, title)
        results.append(Delivery(pid, ok, "sent" if ok else "delivery failed", tries))
    return results
