"""Scheduled flows of the annual cycle: open next year's report, remind people what they owe,
end release runs whose deadline has passed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from prefect import flow, get_client, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.flow_runs import resume_flow_run

from reportflow.content import model
from reportflow.core import i18n, workspace
from reportflow.cycle import flowtext, nextyear, notify, todo
from reportflow.flows.common import content, this_run


@task(name="open next year", cache_policy=NO_CACHE)
def open_next_year(series_dir: Path, year: int | None) -> dict[str, Any]:
    opened = nextyear.commit_opened(nextyear.open_cycle(series_dir, year))
    return {
        "path": str(opened.path),
        "source": opened.source,
        "owners": list(opened.owners),
        "already": opened.already,
        "commit": opened.commit,
        "carried": opened.carried,
        "approvers": list(opened.approvers),
    }


@flow(name="open-cycle")
def open_cycle_flow(
    series_dir: str, repo: str | None = None, branch: str = "main", year: int | None = None
) -> dict[str, Any]:
    """Yearly (1 November): open this year's report from the last approved version, commit
    and push it, tell the owners. A rerun in the same year does nothing and says so.

    ``series_dir`` (content/<report>) inside the content repository ``repo`` (git URL).
    """
    with content(repo, branch) as co:
        opened = open_next_year(co.root / series_dir, year)
        report = model.load_report(opened["path"])
        with i18n.speaking(report.language):
            if opened["already"]:
                create_markdown_artifact(
                    flowtext.nothing_to_open(opened["source"]), key="open-cycle"
                )
                return opened
            _name_run(flowtext.run_name("open", report))
            workspace.publish(co)
            _run_id, link = this_run()
            body = flowtext.opened_body(report, f"{series_dir}/{report.year}", opened["source"])
            sent = notify.send(report, opened["owners"], flowtext.title("opened"), body, link=link)
            create_markdown_artifact(
                flowtext.opened_markdown(
                    f"{series_dir}/{report.year}",
                    opened["source"],
                    opened["commit"],
                    [f"{d.person}: {d.detail}" for d in sent],
                    nextyear.carried_sentence(
                        opened["carried"], f"{series_dir}/{report.year}", tuple(opened["approvers"])
                    )
                    if opened["carried"]
                    else "",
                ),
                key="open-cycle",
            )
    return opened


def _name_run(name: str) -> None:
    """The run's name in the report's language, unless whoever started it named it."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    if ctx is None or ctx.flow_run is None or ctx.flow.flow_run_name is not None:
        return
    with get_client(sync_client=True) as client:
        client.update_flow_run(ctx.flow_run.id, name=name)


@flow(name="reminders")
def reminders_flow(
    repo: str | None = None,
    content_dir: str = "content",
    branch: str = "main",
    review_url: str | None = None,
    secret_file: str | None = None,
    server_key: str | None = None,
) -> dict[str, Any]:
    """Weekly: over every open report of the repository (the latest year of each series),
    each person hears what they owe (``reportflow todo``), and once something is overdue the
    final approvers hear who owes what. With ``review_url``, ``secret_file`` and
    ``server_key`` (those of ``reportflow serve``), a person for whom the roster in force
    counts personal links gets one per open sign-off, at their signed-off addresses
    (``reportflow.cycle.personal``)."""
    from reportflow.commands.serve import read_secret
    from reportflow.commands.todo import describe
    from reportflow.cycle import personal

    linking = None
    if review_url and secret_file and server_key:
        public = personal.server_public(Path(server_key))
        linking = (read_secret(Path(secret_file)).encode(), review_url, public)

    owed: dict[str, dict[str, list[str]]] = {}
    sent: list[str] = []
    _run_id, link = this_run()
    with content(repo, branch) as co:
        for path in nextyear.open_reports(co.root / content_dir):
            report, items = todo.gather(path)
            name = f"{report.report}/{report.year}"
            with i18n.speaking(report.language):  # each report's people read its language
                mine = {
                    p: [describe(i) for i in its]
                    for p, its in todo.by_person(report, items).items()
                    if its
                }
                owed[name] = mine
                told = flowtext.title("reminder", title=report.title)
                for pid, lines in mine.items():
                    for d in notify.send(report, [pid], told, "\n".join(lines), link=link):
                        sent.append(f"{name} {d.person}: {d.detail}")
                if linking is not None:
                    linked = personal.reminders(path, report, items, *linking)
                    for pid, (signed_off, lines) in linked.items():
                        for d in notify.send(signed_off, [pid], told, "\n".join(lines)):
                            sent.append(f"{name} {d.person} (personal links): {d.detail}")
                told = flowtext.title("escalation", title=report.title)
                for boss, late in todo.escalations(report, items).items():
                    lines = [f"{i.person}: {describe(i)}" for i in late]
                    for d in notify.send(report, [boss], told, "\n".join(lines), link=link):
                        sent.append(f"{name} {d.person} (escalation): {d.detail}")
    create_markdown_artifact("\n".join(f"- {s}" for s in sent) or "nothing owed", key="reminders")
    return {"owed": owed, "sent": sent}


@flow(name="deadlines")
def deadlines_flow(grace_hours: float = 6) -> list[str]:
    """Hourly: wake the suspended release runs whose report's deadline has passed (their
    suspension ends ``grace_hours`` after it), so each ends "Awaiting approval" and tells the
    final approver, instead of being failed by the server's timeout."""
    now = dt.datetime.now(dt.UTC)
    woken = []
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["release-report"])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
            ),
        )
    for run in runs:
        until = run.state.state_details.pause_timeout if run.state else None
        if until is not None and until - dt.timedelta(hours=grace_hours) <= now:
            resume_flow_run(run.id, run_input={})
            woken.append(str(run.id))
    return woken
