"""The approval pipeline as a Prefect flow: validate, wait for sign-offs, release, notify.

The flow only composes reportflow's library; every decision (is the report approved? may this
person sign?) is made there, so the CLI and the flow can never disagree. While the gate is
unmet the run pauses and waits for a sign-off form in the Prefect UI (or `python -m
reportflow.flows.resume`); a sign-off made with `reportflow signoff` meanwhile counts too:
resume with an empty form to make the flow look again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from prefect import flow, get_run_logger, pause_flow_run, task
from prefect.artifacts import create_markdown_artifact
from prefect.input import RunInput

from reportflow.core.errors import ReportflowError
from reportflow.flows.common import gate_markdown, notify_people, report_path, validate_report
from reportflow.release import release
from reportflow.signoff import approval

WEEK = 7 * 24 * 3600


class SignoffForm(RunInput):
    """What a reviewer fills in when resuming the paused run in the Prefect UI."""

    reviewer: str = ""  # person id in report.yaml; leave empty to re-check CLI sign-offs
    scope: str = ""  # "section:<id>" or "report"
    decision: Literal["approve", "reject"] = "approve"
    comment: str = ""


@task(name="evaluate gate")
def evaluate_gate(report_dir: Path) -> dict[str, Any]:
    verdict = approval.evaluate_at(report_dir, "HEAD")
    create_markdown_artifact(gate_markdown(verdict), key="gate", description="approval gate")
    return {
        "passed": verdict.passed,
        "status": verdict.report_status,
        "missing": list(verdict.missing),
        "problems": list(verdict.problems),
    }


@task(name="record sign-off")
def record_signoff(report_dir: Path, form: SignoffForm) -> str:
    from reportflow.commands import signoff

    # No key: the UI cannot sign, so this counts only where the policy accepts unsigned
    # sign-offs from that person; otherwise it is refused like any other sign-off.
    path = signoff.record(
        report_dir,
        person=form.reviewer,
        scope=form.scope,
        reject=form.decision == "reject",
        comment=form.comment,
        channel="prefect-ui",
    )
    return str(path)


@task(name="release version")
def release_version(report_dir: Path, key: str | None = None) -> dict[str, Any]:
    """``key``: a releaser's SSH key on the worker (None: one that its ssh-agent holds)."""
    done = release.release(report_dir, key=Path(key) if key else None)
    create_markdown_artifact(
        f"**{done.tag}** at `{done.commit[:10]}`\n\narchive: `{done.entry}`\n\n"
        f"manifest sha256: `{done.manifest_sha256}`",
        key="release",
        description="released version",
    )
    return {
        "version": done.version,
        "tag": done.tag,
        "commit": done.commit,
        "entry": done.entry,
        "manifest_sha256": done.manifest_sha256,
        "already": done.already,
    }


@flow(name="release-report")
def release_flow(
    report_dir: str,
    pause_timeout: int = WEEK,
    poll_interval: int = 10,
    max_rounds: int = 100,
    repo: str | None = None,
    release_key: str | None = None,
) -> dict[str, Any]:
    """Validate -> gate (pause for sign-offs until met) -> render, archive, signed tag,
    release record -> notify.

    ``report_dir`` (content/<report>/<year>) inside the content repository ``repo``;
    ``release_key``: the releaser's SSH key on the worker (None: one its ssh-agent holds).
    """
    logger = get_run_logger()
    path = report_path(report_dir, repo)
    summary = validate_report(path)
    if summary["errors"]:
        raise ValueError(
            f"validation finds {summary['errors']} error(s); fix them before approval "
            f"(reportflow validate {report_dir})"
        )
    asked: set[str] = set()
    for round_number in range(max_rounds):
        verdict = evaluate_gate(path)
        if verdict["passed"]:
            break
        needed = set(verdict["missing"]) - asked
        if needed:
            notify_people(path, "needed", "待签批 / sign-off needed", "\n".join(verdict["missing"]))
            asked |= needed
        form = pause_flow_run(
            wait_for_input=SignoffForm.with_initial_data(
                description="Still needed:\n\n" + "\n".join(f"- {m}" for m in verdict["missing"])
            ),
            timeout=pause_timeout,
            poll_interval=poll_interval,
            key=f"signoff-{round_number}",
        )
        if not form.reviewer:
            continue  # someone signed with the CLI: look again
        try:
            record_signoff(path, form)
        except ReportflowError as exc:  # a refused sign-off is the reviewer's to fix, not a crash
            logger.warning("sign-off refused: %s", exc)
            create_markdown_artifact(f"sign-off refused: {exc}", key="refused")
    else:
        raise TimeoutError(f"the report was not approved after {max_rounds} rounds")
    released = release_version(path, release_key)
    notify_people(path, "everyone", "已发布 / released", f"{released['tag']} {released['entry']}")
    return released
