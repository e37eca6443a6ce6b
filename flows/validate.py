"""Validation as a flow: the findings become a table artifact in the Prefect UI."""

from __future__ import annotations

from prefect import flow

from reportflow.content import model
from reportflow.core import i18n
from reportflow.flows.common import report_path, validate_report


@flow(name="validate-report")
def validate_flow(report_dir: str, repo: str | None = None) -> dict[str, int]:
    """``report_dir`` (content/<report>/<year>) inside the content repository ``repo``."""
    path = report_path(report_dir, repo)
    with i18n.speaking(model.load_report(path).language):  # the artifact's words
        return validate_report(path)
