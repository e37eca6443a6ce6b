"""The approval pipeline as a Prefect flow: validate, wait for sign-offs, release, notify.

The flow only composes reportflow's library; every decision (is the report approved? may this
person sign?) is made there, so the CLI and the flow can never disagree.

Waiting holds no process (issue 13). Run from a deployment, the flow *suspends*
(``suspend_flow_run`` with a sign-off form): its process exits, the run stays Suspended on the
server, which survives worker and server restarts because the wait is a row in the server's
database. Any sign-off wakes it: the form in the Prefect UI, or ``reportflow signoff --push``
(which resumes it through the API, see ``reportflow.core.wake``). Resumed, the run starts again
from the top on whichever worker picks it up: it fetches the remote, the persisted results of
validation and notifications keep it from redoing them, and the form it was resumed with comes
back from the server for the same suspension key. Why not events and an automation that reruns
a gate deployment? The run would end at each wait, so the UI would show no run that waits for
the approver, the form to sign in would have no run to belong to, and the deadline would need a
second mechanism anyway; one suspended run is what the office sees and acts on.

The wait ends at the report's deadline (``dates.approve_by``, else ``dates.due``, end of that
day): the run ends Failed, named "Awaiting approval", its message "awaiting approval: …", and
the final approvers are told. The suspension's own timeout is the deadline plus ``GRACE``;
the hourly ``deadlines`` flow wakes runs whose deadline has passed so they end in that state
before the server's timeout would fail them anonymously.

Run without a deployment (tests, ``python -c``), the flow pauses in its process instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import yaml
from prefect import flow, get_run_logger, pause_flow_run, runtime, suspend_flow_run, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.exceptions import FlowPauseTimeout
from prefect.input import RunInput
from prefect.states import Failed
from pydantic import Field, create_model

from reportflow.audit import archived
from reportflow.content import model
from reportflow.core import i18n, wake, workspace
from reportflow.core.errors import ReportflowError
from reportflow.cycle import flowtext, todo, uiform
from reportflow.flows.common import (
    content,
    final_approvers,
    office,
    tell,
    validate_commit,
)
from reportflow.release import release
from reportflow.signoff import approval

#: The suspension outlives the deadline by this much: the ``deadlines`` flow (hourly) wakes
#: the run first, so it ends "Awaiting approval" rather than failed by the server's timeout.
GRACE = dt.timedelta(hours=6)


class SignoffForm(RunInput):
    """A sign-off made through the run (the UI form's answer, ``form_model``, as ids)."""

    reviewer: str = ""  # person id in report.yaml; leave empty to re-check CLI sign-offs
    scope: str = ""  # "section:<id>" or "report"
    decision: Literal["approve", "reject"] = "approve"
    comment: str = ""


def deadline_of(report: model.Report, tz: str, override: str | None = None) -> dt.datetime | None:
    """The end of the approval window: ``override`` (ISO date-time), else the end of the day
    ``dates.approve_by`` (else ``dates.due``) in ``tz``; None when report.yaml has neither."""
    if override:
        when = dt.datetime.fromisoformat(override)
        return when if when.tzinfo else when.replace(tzinfo=ZoneInfo(tz))
    day = report.dates.get("approve_by") or report.dates.get("due")
    if not day:
        return None
    return dt.datetime.combine(
        dt.date.fromisoformat(day) + dt.timedelta(days=1), dt.time(), ZoneInfo(tz)
    )


@task(name="evaluate gate", cache_policy=NO_CACHE)
def evaluate_gate(report_dir: Path) -> dict[str, Any]:
    verdict = approval.evaluate_at(report_dir, "HEAD")
    create_markdown_artifact(
        flowtext.gate_markdown(verdict), key="gate", description=flowtext.description("gate")
    )
    return {
        "passed": verdict.passed,
        "status": verdict.report_status,
        "missing": list(verdict.missing),
        "problems": list(verdict.problems),
    }


@task(name="record sign-off", cache_policy=NO_CACHE)
def record_signoff(report_dir: Path, form: SignoffForm) -> str:
    from reportflow.signoff import request

    # No key: the UI cannot sign, so this counts only where the policy accepts unsigned
    # sign-offs from that person; otherwise it is refused like any other sign-off. The
    # commit is authored by the reviewer (request.commit_record).
    path = request.record(
        report_dir,
        person=form.reviewer,
        scope=form.scope,
        reject=form.decision == "reject",
        comment=form.comment,
        channel="prefect-ui",
    )
    return str(path)


@task(name="release version", cache_policy=NO_CACHE)
def release_version(report_dir: Path, key: str | None = None) -> dict[str, Any]:
    """``key``: a releaser's SSH key on the worker (None: one that its ssh-agent holds)."""
    done = release.release(
        report_dir, key=Path(key) if key else None, attachments=(archived.audit_page,)
    )
    released = {
        "version": done.version,
        "tag": done.tag,
        "commit": done.commit,
        "entry": done.entry,
        "manifest_sha256": done.manifest_sha256,
        "already": done.already,
    }
    create_markdown_artifact(
        flowtext.release_markdown(released),
        key="release",
        description=flowtext.description("release"),
    )
    return released


def _tag_run(report: model.Report) -> None:
    """Tag this run ``report:<report>/<year>`` (how ``reportflow signoff --push`` finds it)
    and name it for the office in the report's language, unless whoever started it gave it
    a name (``flow_run_name``), which is kept."""
    from prefect import get_client

    run_id = runtime.flow_run.id
    if not run_id:
        return
    tag = wake.run_tag(report.report, report.year)
    ctx = FlowRunContext.get()
    named = ctx is not None and ctx.flow is not None and ctx.flow.flow_run_name is not None
    with get_client(sync_client=True) as client:
        current = client.read_flow_run(run_id)
        client.update_flow_run(
            run_id,
            name=None if named else flowtext.run_name("release", report),
            tags=current.tags if tag in current.tags else [*current.tags, tag],
        )


def _who_signs(path: Path) -> tuple[dict[str, list[str]], uiform.Choices]:
    """Who may sign what now, person by person (the to-do list's sign-off items that are not
    blocked): only they are asked; and the choices of the UI form (those of them the policy
    lets sign off unsigned, reportflow.cycle.uiform)."""
    from reportflow.commands.todo import describe

    report, items = todo.gather(path)
    asks: dict[str, list[str]] = {}
    for item in items:
        if item.kind in ("signoff", "final", "roster") and not item.blocked:
            asks.setdefault(item.person, []).append(describe(item))
    doc = yaml.safe_load((path / model.REPORT_FILE).read_text(encoding="utf-8")) or {}
    return asks, uiform.choices(report, items, uiform.unsigned_signers(doc))


def form_model(choices: uiform.Choices) -> type[RunInput]:
    """The sign-off form as the Prefect UI shows it: one drop-down per field (a ``Literal``
    of the choices becomes an ``enum`` in the form's JSON schema, which the UI renders as a
    select and the server enforces on resume). Built per wait from the choices, so a
    resumed run rebuilds the same model for the same state and reads its answer back."""

    def one_of(options: Mapping[str, str], field: str) -> Any:
        values = tuple(options)

        def as_select(schema: dict[str, Any]) -> None:
            # a select even for one choice: pydantic writes a lone "const", which the UI
            # shows as a greyed field with an English "is a const and cannot be changed"
            schema.pop("const", None)
            schema["enum"] = list(values)

        shown = Field(values[0], title=uiform.field_title(field), json_schema_extra=as_select)
        return (Literal[values], shown)  # type: ignore[valid-type]

    return create_model(
        "SignoffChoice",
        __base__=RunInput,
        reviewer=one_of(choices.reviewers, "reviewer"),
        scope=one_of(choices.scopes, "scope"),
        decision=one_of(choices.decisions, "decision"),
        comment=(str, Field("", title=uiform.field_title("comment"))),
    )


def _wait(
    key: str, missing: list[str], choices: uiform.Choices, timeout: int, poll_interval: int
) -> SignoffForm:
    """Wait for the form; its answer as the flow records it (ids, not the labels shown)."""
    form = form_model(choices).with_initial_data(description=flowtext.form_description(missing))
    if runtime.deployment.id:
        answer = suspend_flow_run(wait_for_input=form, timeout=timeout, key=key)
    else:
        answer = pause_flow_run(
            wait_for_input=form, timeout=timeout, poll_interval=poll_interval, key=key
        )
    return SignoffForm(
        reviewer=choices.reviewers[answer.reviewer],
        scope=choices.scopes[answer.scope],
        decision=choices.decisions[answer.decision],  # type: ignore[arg-type]
        comment=answer.comment,
    )


@flow(name="release-report", persist_result=True)
def release_flow(
    report_dir: str,
    repo: str | None = None,
    branch: str = "main",
    pause_timeout: int | None = None,
    poll_interval: int = 10,
    max_rounds: int = 100,
    deadline: str | None = None,
    timezone: str = "Asia/Shanghai",
    release_key: str | None = None,
) -> Any:
    """Validate -> gate (wait for sign-offs until met or the deadline) -> render, archive, tag
    and push -> notify.

    ``report_dir`` (content/<report>/<year>) inside the content repository ``repo``: its git
    URL (any URL git accepts; the worker keeps a clone), or a local work tree.
    ``pause_timeout`` (seconds) caps one wait below the deadline; ``deadline`` overrides
    report.yaml's (ISO date-time). ``release_key``: the releaser's SSH key on the worker (None:
    one its ssh-agent holds); the tag, the manifest and the release record are signed with it.
    """
    logger = get_run_logger()
    seen: dict[str, int] = {}
    with contextlib.ExitStack() as speech:
        for _round in range(max_rounds):
            with content(repo, branch) as co:
                path = co.root / report_dir
                report = model.load_report(path)
                if _round == 0:  # names, artifacts, messages: in the report's language
                    speech.enter_context(i18n.speaking(report.language))
                    _tag_run(report)
                head = workspace.head(co)
                summary = validate_commit(path, head)
                if summary["errors"]:
                    tell(
                        path,
                        list(dict.fromkeys([*summary["owners"], *office(report)])),
                        flowtext.title("invalid"),
                        flowtext.invalid_body(report, summary["errors"], summary["first"]),
                    )
                    return Failed(
                        name="Validation failed",
                        message=f"validation finds {summary['errors']} error(s); fix them "
                        f"before approval (reportflow validate {report_dir})",
                    )
                verdict = evaluate_gate(path)
                if verdict["passed"]:
                    try:
                        released = release_version(path, release_key)
                        workspace.publish(co, tags=(released["tag"],))
                    except ReportflowError as exc:
                        tell(
                            path,
                            office(report),
                            flowtext.title("release-failed"),
                            f"{report.title}: {exc}",
                        )
                        raise
                    tell(
                        path,
                        list(report.people),
                        flowtext.title("released"),
                        f"{report.title}: {released['tag']} {released['entry']}",
                    )
                    return released
                end = deadline_of(report, timezone, deadline)
                now = dt.datetime.now(dt.UTC)
                if end is not None and now >= end:
                    missing = "; ".join(verdict["missing"])
                    tell(
                        path,
                        final_approvers(report),
                        flowtext.title("overdue"),
                        flowtext.overdue_body(report, f"{end:%Y-%m-%d %H:%M}", missing),
                    )
                    return Failed(name="Awaiting approval", message=f"awaiting approval: {missing}")
                asks, choices = _who_signs(path)
                create_markdown_artifact(
                    flowtext.waiting_markdown(report, asks),
                    key="waiting",
                    description=flowtext.description("waiting"),
                )
                for person, lines in asks.items():
                    tell(path, [person], flowtext.title("signoff"), "\n".join(lines))
                if workspace.moved_on(co, head):
                    continue  # a sign-off was pushed while we looked: look again, do not wait
            left = int((end - now + GRACE).total_seconds()) if end is not None else 365 * 86400
            timeout = min(left, pause_timeout) if pause_timeout else left
            number = seen.get(head, 0)
            seen[head] = number + 1
            try:
                form = _wait(
                    f"signoff-{head[:12]}-{number}",
                    verdict["missing"],
                    choices,
                    timeout,
                    poll_interval,
                )
            except FlowPauseTimeout:
                continue  # in-process only: the deadline check above decides
            if not form.reviewer:
                continue  # woken by a sign-off pushed meanwhile, or the deadline: look again
            with content(repo, branch) as co:
                try:
                    record_signoff(co.root / report_dir, form)
                    workspace.publish(co)
                except ReportflowError as exc:  # a refused sign-off is the reviewer's to fix
                    logger.warning("sign-off refused: %s", exc)
                    create_markdown_artifact(flowtext.refused_markdown(exc), key="refused")
    raise TimeoutError(f"the report was not approved after {max_rounds} rounds")
