"""Printed names in the audit are the last release's (``audit/names.py``): a name is not part of
the roster's sign-off, so renaming a reviewer after a release needs nobody's approval, and
the audit page printed the new name beside their verified approvals. The scripted history of
audit_support (two releases), the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_support import FOLDER, audit_json, copy_of, replace, reportflow, scripted_history
from conftest import commit_all


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return scripted_history(tmp_path_factory)


def test_the_honest_history_prints_the_released_names_and_flags_none(history) -> None:
    doc = audit_json(history[0])
    assert doc["people"]["deputy-head-1"] == "常务副区长"
    assert doc["people"]["party-secretary"] == "区政府党组书记"
    assert not [e for e in doc["events"] if e.get("flag") == "name-unapproved"]


def test_a_reviewer_renamed_after_the_release_keeps_the_released_name(history, tmp_path) -> None:
    copy = copy_of(history, tmp_path)
    yaml_path = copy / FOLDER / "report.yaml"
    replace(yaml_path, "name: 常务副区长", "name: 区政府党组书记")  # the secretary's title
    renamed = commit_all(copy, "report.yaml: a name", "office-director")
    doc = audit_json(copy)
    assert doc["people"]["deputy-head-1"] == "常务副区长"
    (flag,) = [e for e in doc["events"] if e.get("flag") == "name-unapproved"]
    assert (flag["commit"], flag["person"]) == (renamed, "office-director")
    assert "'区政府党组书记'" in flag["detail"] and "'常务副区长'" in flag["detail"]
    assert "political-ecology/2022/v2" in flag["detail"]
    page = reportflow("audit", copy / FOLDER, "--format", "html")
    assert page.returncode == 0, page.stderr
    # deputy-head-1's verified approvals carry the released name, never the new one
    assert "常务副区长" in page.stdout
    rows = [r for r in page.stdout.split("<tr") if "<small>deputy-head-1</small>" in r]
    assert rows and not any("区政府党组书记" in r for r in rows)
