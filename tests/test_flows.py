"""The Prefect flows against a real (test-harness) Prefect server: pause, resume, release."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SAMPLE_REPORT, commit_all, git, trusted
from releasing import demo_key, fill_figures

FAR = "2099-01-01T00:00:00"  # the sample's approval window (2022-23) is over
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="reportflow-prefect-"))
os.environ.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")


@pytest.fixture(scope="module")
def prefect_server():
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(), temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def _repo_with_ui_signoffs(root: Path) -> Path:
    """The sample, figures filled in, with a policy that lets the party secretary approve
    unsigned through the Prefect UI (deputy heads must still sign)."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    report_dir = root / "content" / "political-ecology" / "2022"
    shutil.copytree(SAMPLE_REPORT, report_dir)
    doc = yaml.safe_load((report_dir / "report.yaml").read_text(encoding="utf-8"))
    doc["policy"]["signatures"] = {"required_for": {"roles": ["deputy-head"]}}
    (report_dir / "report.yaml").write_text(
        yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    fill_figures(report_dir)
    commit_all(root, "the 2022 report, figures filled in")
    trusted(root, report_dir)
    return report_dir


def _paused_run(name: str, timeout: float = 90):
    """The flow run called ``name`` once it is paused (waiting for a sign-off)."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterName,
        FlowRunFilterState,
    )
    from prefect.client.schemas.filters import FlowRunFilterStateType as StateTypeFilter
    from prefect.client.schemas.objects import StateType

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    name=FlowRunFilterName(any_=[name]),
                    state=FlowRunFilterState(type=StateTypeFilter(any_=[StateType.PAUSED])),
                )
            )
            if runs:
                return runs[0]
            time.sleep(0.2)
    raise AssertionError("the flow did not pause")


def _choices(run_id) -> dict[str, list[str]]:
    """The choices the waiting run's form offers, field by field (its JSON schema's enums)."""
    from prefect import get_client
    from prefect.input.actions import read_flow_run_input

    with get_client(sync_client=True) as client:
        keyset = client.read_flow_run(run_id).state.state_details.run_input_keyset
    schema = read_flow_run_input(keyset["schema"], flow_run_id=run_id)
    return {k: v["enum"] for k, v in schema["properties"].items() if "enum" in v}


def _artifacts(run_id) -> dict[str, object]:
    """The run's artifacts by key (the newest of each), their data."""
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    found.sort(key=lambda a: a.created)
    return {a.key: a.data for a in found if a.key}


def test_validate_flow_reports_the_placeholders(prefect_server, report_dir: Path) -> None:
    from reportflow.flows.validate import validate_flow

    summary = validate_flow(str(report_dir))
    assert summary["errors"] > 0  # the sample's *** figures


def test_flows_take_the_content_repository_as_a_parameter(
    prefect_server, report_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportflow.flows.validate import validate_flow

    monkeypatch.chdir(tmp_path)  # the worker's working directory is not the content repository
    repo = report_dir.parents[2]
    summary = validate_flow(str(report_dir.relative_to(repo)), repo=str(repo))
    assert summary == validate_flow(str(report_dir))
    assert summary["errors"] > 0


def test_release_flow_waits_for_signoffs_then_releases(prefect_server, cli, tmp_path: Path) -> None:
    from prefect.flow_runs import resume_flow_run

    from reportflow.flows.release import release_flow
    from reportflow.flows.resume import as_choices

    report_dir = _repo_with_ui_signoffs(tmp_path / "reports")
    repo = report_dir.parents[2]
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = release_flow.with_options(flow_run_name="waits")(
                str(report_dir),
                poll_interval=1,
                pause_timeout=120,
                deadline=FAR,
                release_key=str(demo_key("party-secretary")),
            )
        except BaseException as exc:  # reported by the assertion below
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    first = _paused_run("waits")
    # on an English worker (the tests' LANG=C.UTF-8), the Chinese report's artifacts are Chinese
    shown = _artifacts(first.id)
    assert shown["waiting"].startswith("### 等待签批"), shown["waiting"]
    assert "尚需：" in shown["gate"] and "**报告: 待审批**" in shown["gate"]
    assert first.name == "waits"  # a name given by the caller is kept

    # meanwhile the deputy heads sign with the CLI; an empty form makes the flow look again
    for sid in ("preface", "situation", "problems", "measures"):
        done = cli(
            "signoff",
            report_dir,
            "--section",
            sid,
            "--as",
            "deputy-head-1",
            "--key",
            demo_key("deputy-head-1"),
        )
        assert done.code == 0, done.err
    # nobody may sign in the UI yet: the deputy heads must sign, the final approval waits
    assert _choices(first.id) == {
        "reviewer": ["无人：重新检查（其他渠道的签批）"],
        "scope": ["此处无可签批事项"],
        "decision": ["同意（approve）", "退回（reject）"],
    }
    resume_flow_run(first.id, run_input={})
    second = _paused_run("waits")
    assert second.id == first.id  # the same run, paused again for the final approval
    # now the party secretary (allowed unsigned) can approve the report, and only that
    offered = _choices(second.id)
    assert offered["reviewer"][1:] == ["区政府党组书记（party-secretary）"], offered
    assert offered["scope"] == ["报告全文（report）"], offered

    # the party secretary approves in the UI form: unsigned, channel prefect-ui
    resume_flow_run(
        second.id,
        run_input=as_choices(second.id, {"reviewer": "party-secretary", "scope": "report"}),
    )
    thread.join(timeout=180)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"]["tag"] == "political-ecology/2022/v1"
    released = _artifacts(first.id)["release"]
    assert released.startswith("**political-ecology/2022/v1** 已发布，提交"), released
    log = git(repo, "log", "--format=%an|%s", "-3")
    assert "区政府党组书记|signoff: party-secretary approves report" in log
    verified = cli("verify", report_dir)
    assert verified.code == 0, verified.out
    # the flow hands release the audit page too: in the entry, listed in the manifest
    entry = repo / "archive" / "political-ecology" / "2022" / "v1"
    manifest = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
    assert "audit.html" in {f["name"] for f in manifest["files"]}
    assert (entry / "audit.html").read_bytes().startswith(b"<!DOCTYPE html>")


def test_release_flow_rejects_a_refused_ui_signoff_and_keeps_waiting(
    prefect_server, cli, tmp_path: Path
) -> None:
    from prefect.flow_runs import resume_flow_run

    from reportflow.flows.release import release_flow
    from reportflow.flows.resume import as_choices

    report_dir = _repo_with_ui_signoffs(tmp_path / "reports")
    for sid in ("preface", "situation", "problems", "measures"):
        assert (
            cli(
                "signoff",
                report_dir,
                "--section",
                sid,
                "--as",
                "deputy-head-2",
                "--key",
                demo_key("deputy-head-2"),
            ).code
            == 0
        )
    outcome: dict = {}
    thread = threading.Thread(
        target=lambda: outcome.update(
            result=release_flow.with_options(flow_run_name="refused")(
                str(report_dir),
                poll_interval=1,
                pause_timeout=120,
                deadline=FAR,
                release_key=str(demo_key("party-secretary")),
            )
        )
    )
    thread.start()
    run = _paused_run("refused")
    # a deputy head may not approve unsigned: the form does not offer them, the server
    # refuses the value, nothing is recorded and the run still waits
    with pytest.raises(SystemExit, match="not offered by the form: 无人"):
        as_choices(run.id, {"reviewer": "deputy-head-1", "scope": "report"})
    with pytest.raises(RuntimeError, match="Validation failed for field"):
        resume_flow_run(run.id, run_input={"reviewer": "deputy-head-1", "scope": "report"})
    again = _paused_run("refused")
    assert again.id == run.id
    assert not list((report_dir / "signoffs").glob("*deputy-head-1*"))
    resume_flow_run(
        again.id, run_input=as_choices(again.id, {"reviewer": "party-secretary", "scope": "report"})
    )
    thread.join(timeout=180)
    assert outcome["result"]["version"] == 1


def test_an_unnamed_release_run_is_named_in_the_reports_language(
    prefect_server, cli, tmp_path: Path
) -> None:
    from prefect import get_client

    from reportflow.content import model
    from reportflow.flows.release import release_flow

    report_dir = _repo_with_ui_signoffs(tmp_path / "reports")
    for sid in ("preface", "situation", "problems", "measures"):
        signed = cli(
            "signoff", report_dir, "--section", sid, "--as", "deputy-head-1",
            "--key", demo_key("deputy-head-1"),
        )  # fmt: skip
        assert signed.code == 0, signed.err
    signed = cli(
        "signoff", report_dir, "--report", "--as", "party-secretary",
        "--key", demo_key("party-secretary"),
    )  # fmt: skip
    assert signed.code == 0, signed.err
    state = release_flow(
        str(report_dir), deadline=FAR, release_key=str(demo_key("party-secretary")),
        return_state=True,
    )  # fmt: skip
    assert state.is_completed(), state
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
    title = model.load_report(report_dir).title
    assert run.name == f"审批发布：{title}（2022年）", run.name
    assert "report:political-ecology/2022" in run.tags
    table = _artifacts(run_id)["validation"]
    rows = json.loads(table) if isinstance(table, str) else table
    assert set(rows[0]) in ({"结果"}, {"级别", "规则", "位置", "问题", "改法"}), rows


def test_deployments_in_prefect_yaml_point_at_flows_with_valid_schedules() -> None:
    from prefect import Flow
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.flows import load_flow_from_entrypoint

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    names = set()
    for deployment in spec["deployments"]:
        # a module path, as the worker loads it from the installed package (no checkout)
        module, func = deployment["entrypoint"].split(":")
        assert module.startswith("reportflow.flows."), deployment["entrypoint"]
        flow = load_flow_from_entrypoint(deployment["entrypoint"], use_placeholder_flow=False)
        assert flow is getattr(importlib.import_module(module), func)
        assert isinstance(flow, Flow)
        accepted = set(inspect.signature(flow.fn).parameters)
        parameters = deployment.get("parameters", {})
        assert set(parameters) <= accepted, deployment["name"]
        if deployment["name"] != "deadlines":  # which content repository the runs work on
            assert "repo" in parameters
        for schedule in deployment.get("schedules", []):
            CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
        names.add(deployment["name"])
    assert {"open-cycle", "reminders", "deadlines"} <= names
    reminders = next(d for d in spec["deployments"] if d["name"] == "reminders")
    assert "report_dir" not in reminders["parameters"]  # every open report of the repository
