"""What this machine has seen (``signoff/seen.py``): kept, never lowered, and compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportflow.core.errors import InputError
from reportflow.signoff import seen

PIN = "sha256:" + "a" * 64
REPO = "git@git.example.gov.cn:office/reports.git"


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


def test_recorded_versions_are_kept_and_never_lowered(state_home: Path) -> None:
    seen.record(PIN, REPO, "2026-12-01T08:00:00Z", 2, ("political-ecology", 2022, 3, "b" * 64))
    seen.record(PIN, REPO, "2026-12-02T08:00:00Z", 1, ("political-ecology", 2022, 2, "c" * 64))
    got = seen.load(PIN, REPO)
    assert (got.root_version, got.root_when) == (2, "2026-12-01T08:00:00Z")
    assert got.release("political-ecology", 2022) == seen.SeenRelease(
        3, "b" * 64, "2026-12-01T08:00:00Z"
    )
    assert seen.load(PIN, "/another/clone").release("political-ecology", 2022) is None
    assert seen.load("sha256:" + "d" * 64, REPO).root_version == 0
    assert (state_home / "reportflow" / "seen.json").is_file()


def test_a_lower_or_replaced_latest_version_is_a_rollback() -> None:
    last = seen.SeenRelease(3, "b" * 64, "2026-12-01T08:00:00Z")
    lower = seen.rollback(last, "political-ecology", 2022, 2, "c" * 64)
    assert lower == (
        "rollback: this machine saw political-ecology/2022 v3 (manifest sha256 bbbbbbbbbbbb…) on "
        "2026-12-01T08:00:00Z; the repository and the archive now end at v2"
    )
    replaced = seen.rollback(last, "political-ecology", 2022, 3, "c" * 64)
    assert replaced is not None and "(replaced)" in replaced and "cccccccccccc…" in replaced
    assert seen.rollback(last, "political-ecology", 2022, 3, "b" * 64) is None
    assert seen.rollback(last, "political-ecology", 2022, 4, "c" * 64) is None
    assert seen.rollback(None, "political-ecology", 2022, 1, "c" * 64) is None


def test_an_unreadable_state_file_is_named_with_the_fix(state_home: Path) -> None:
    path = state_home / "reportflow" / "seen.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        seen.load(PIN, REPO)
    assert caught.value.file == str(path)
    assert "rollback detection starts again" in str(caught.value.hint)
