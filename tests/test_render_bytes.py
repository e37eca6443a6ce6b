"""Same bytes every render, in every format: what ``verify --rebuild`` compares.

Two renders of one report from two different folders, at two different times, give the same
DOCX and HTML bytes (the PDF: tests/test_render_pages.py). The only time they carry is
SOURCE_DATE_EPOCH's (the commit time, for a rebuild): the DOCX core properties and ZIP entries.
"""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import docx
import pytest
from render_helpers import SHA, copy_sample

from reportflow.content.model import load_report
from reportflow.render import render_report

EPOCH = 1673352000  # 2023-01-10 12:00:00 UTC


def _render(folder: Path, out: Path) -> dict[str, Path]:
    return render_report(load_report(folder), ["docx", "html"], out, draft=False, commit=SHA)


def test_two_renders_are_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = _render(copy_sample(tmp_path / "a" / "report"), tmp_path / "a" / "out")
    time.sleep(1.1)  # a second later: a render time in the bytes would differ
    second = _render(copy_sample(tmp_path / "b" / "report"), tmp_path / "b" / "out")
    for fmt in ("docx", "html"):
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt
    props = docx.Document(str(first["docx"])).core_properties
    assert props.created is None and props.modified is None  # not pandoc's 1970-01-01
    with zipfile.ZipFile(first["docx"]) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_source_date_epoch_is_the_only_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    folder = copy_sample(tmp_path / "report")
    first = _render(folder, tmp_path / "one")
    time.sleep(1.1)
    second = _render(folder, tmp_path / "two")
    assert first["docx"].read_bytes() == second["docx"].read_bytes()
    assert first["html"].read_bytes() == second["html"].read_bytes()
    props = docx.Document(str(first["docx"])).core_properties
    assert props.created.isoformat() == props.modified.isoformat() == "2023-01-10T12:00:00+00:00"
    with zipfile.ZipFile(first["docx"]) as z:
        assert {i.date_time for i in z.infolist()} == {(2023, 1, 10, 12, 0, 0)}
