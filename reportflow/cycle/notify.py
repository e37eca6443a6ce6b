"""Notifications to people through apprise (mail, WeCom/DingTalk webhooks, JSON endpoints…).

Each person lists their own apprise URLs under ``notify:`` in report.yaml; a person without
any is skipped and reported, never an error: a missing reminder must not stop a release.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reportflow.content.model import Report


@dataclass(frozen=True)
class Delivery:
    person: str
    sent: bool
    detail: str


def send(report: Report, people: Iterable[str], title: str, body: str) -> list[Delivery]:
    import apprise  # costs start-up time; only flows and reminders send messages

    results = []
    for pid in dict.fromkeys(people):
        person = report.people.get(pid)
        urls = list(person.notify) if person else []
        if not urls:
            results.append(Delivery(pid, False, "no notify: address in report.yaml"))
            continue
        app = apprise.Apprise()
        for url in urls:
            app.add(url)
        ok = bool(app.notify(title=title, body=body))
        results.append(Delivery(pid, ok, "sent" if ok else "delivery failed"))
    return results
