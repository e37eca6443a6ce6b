"""Validation as a flow: the findings become a table artifact in the Prefect UI."""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from reportflow.flows.common import validate_report


@flow(name="validate-report")
def validate_flow(report_dir: str) -> dict[str, int]:
    return validate_report(Path(report_dir))
