"""Tasks shared by the flows: the content repository, validation with its artifact, gate
summaries, notifications with a link to where the person acts."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prefect import get_run_logger, runtime, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from reportflow import validate
from reportflow.content import model
from reportflow.core import workspace
from reportflow.cycle import flowtext, notify


def report_path(report_dir: str, repo: str | None = None) -> Path:
    """The report folder a deployment names: ``report_dir`` inside the local work tree
    ``repo``, or as given when there is no ``repo`` (see ``content`` for git URLs)."""
    return Path(repo).expanduser() / report_dir if repo else Path(report_dir)


@contextlib.contextmanager
def content(repo: str | None, branch: str = "main") -> Iterator[workspace.Checkout]:
    """The content repository of a run: ``repo`` is its git URL (cloned or fetched on this
    worker, locked while the run works in it, see ``reportflow.core.workspace``) or a local
    work tree; none: the worker's working directory."""
    if not repo:
        yield workspace.Checkout(Path(), None, branch)
        return
    with workspace.checkout(repo, branch) as co:
        yield co


def this_run() -> tuple[str | None, str | None]:
    """(flow run id, its link in the Prefect UI) of the running flow."""
    run_id = runtime.flow_run.id
    return run_id, notify.run_link(run_id)


def _validate_key(_ctx: Any, params: dict[str, Any]) -> str:
    """This run, the commit and the report (``<report>-<year>``, the last two parts of
    ``content/<report>/<year>``), not the folder's absolute path: each worker has its clone in
    its own place, and the run resumed on another worker must find the result (shared result
    storage, ``reportflow.flows.results``). Per run, so every run shows its own table."""
    where = "-".join(Path(params["report_dir"]).parts[-2:])  # a file name in the storage
    return f"validate-{runtime.flow_run.id}-{params['commit']}-{where}"


@task(name="validate", cache_key_fn=_validate_key, persist_result=True)
def validate_commit(report_dir: Path, commit: str) -> dict[str, Any]:
    """Validation of the report as committed at ``commit``; its result is persisted, so a
    run resumed after a suspension does not validate the same commit again."""
    result = validate.check(model.load_report(report_dir))
    _artifact(result)
    errors = [f for f in result.findings if f.severity == validate.ERROR]
    report = model.load_report(report_dir)
    owners = {s.path: s.owner for s in report.sections}
    return {
        **result.summary(),
        "owners": sorted({owners.get(f.file, "") for f in errors} - {""}),
        "first": [f"{f.file}:{f.line}:{f.column} {f.rule} {f.message}" for f in errors[:10]],
    }


@task(name="validate", cache_policy=NO_CACHE)
def validate_report(report_dir: Path) -> dict[str, int]:
    result = validate.check(model.load_report(report_dir))
    _artifact(result)
    return result.summary()


def _artifact(result: Any) -> None:
    """The findings as a table in the UI, headed in the report's language (the flow speaks
    it, see ``reportflow.cycle.flowtext``)."""
    create_table_artifact(
        flowtext.validation_rows(result.findings),
        key="validation",
        description=flowtext.counts(result.errors, result.warnings),
    )


def _notify_key(_ctx: Any, params: dict[str, Any]) -> str:
    what = "|".join([*params["people"], params["title"], params["body"]])
    return f"notify-{runtime.flow_run.id}-{hashlib.sha256(what.encode()).hexdigest()[:16]}"


@task(name="notify", cache_key_fn=_notify_key, persist_result=True)
def tell(report_dir: Path, people: list[str], title: str, body: str) -> list[str]:
    """Tell ``people`` (only them) ``body`` with the link to this run. Persisted per run and
    message: a run that resumes after a suspension does not send the same message twice.
    Failed deliveries are retried and logged by ``notify.send``, never raised."""
    report = model.load_report(report_dir)
    _run_id, link = this_run()
    sent = notify.send(report, people, title, body, link=link)
    logger = get_run_logger()
    for d in sent:
        if not d.sent:
            logger.warning("notification to %s not delivered: %s", d.person, d.detail)
    return [f"{d.person}: {d.detail}" for d in sent]


def office(report: model.Report) -> list[str]:
    """Who answers for the report day to day: the owners of its sections, in order."""
    return list(dict.fromkeys(a for s in report.sections for a in s.authors))


def final_approvers(report: model.Report) -> list[str]:
    roles = set((report.policy.get("report") or {}).get("roles") or ())
    return [pid for pid, person in report.people.items() if roles & set(person.roles)]
