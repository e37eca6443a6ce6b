"""Reading report.yaml and front matter without PyYAML where that gives the same document.

A render imports PyYAML only when it must (~15 ms a process): flat front matter is read by a
pattern, and report.yaml's parse is kept as JSON under the hash of its text. Both must give
exactly what PyYAML gives.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import SAMPLE_REPORT

from reportflow.content import schema

VALUES = [
    "前言",
    "office-director",
    "v.1-2",
    "一、政治生态建设情况",
    *schema._BOOLS,
    "y",
    "n",
    "null",
    "Null",
    "~",
    "12",
    "0x1F",
    "1_000",
    "3.5",
    ".inf",
    "190:20:30",
    "2023-01-10",
    "-1",
    "+1",
    "=",
    "<<",
    "Yes2",
    "onion",
    "nullable",
]


def test_flat_front_matter_reads_as_pyyaml_does() -> None:
    """Every key/value pair (and a three-line mapping of them): the fast path either gives
    PyYAML's document or declines (None), never another document."""
    taken = 0
    for key, value in itertools.product(["id", "on", "title", "yes", "k2"], VALUES):
        text = f"{key}: {value}\nowner: office-director\nshow_heading: false"
        flat = schema._flat_mapping(text)
        try:
            expected = yaml.load(text, Loader=schema._loader())
        except yaml.YAMLError:  # "=" has no constructor in a safe loader
            assert flat is None, text
            continue
        assert flat is None or flat == expected, (text, flat, expected)
        taken += flat is not None
    assert taken > 50  # the fast path is taken for the plain words and the bools


def test_report_yaml_parsed_once_then_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second load of an unchanged report.yaml does not import PyYAML and gives the same
    document; an edited text is read afresh; a document JSON would change (a number as a
    key) is not kept."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": os.getcwd()}
    probe = (
        "import sys; from reportflow.content.model import load_report; "
        f"r = load_report({str(SAMPLE_REPORT)!r}); print('yaml' in sys.modules, r.title)"
    )
    runs = [
        subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    first, second = (r.stdout.split(" ", 1) for r in runs)
    assert first[0] == "True" and second[0] == "False" and first[1] == second[1]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache2"))
    text = (SAMPLE_REPORT / "report.yaml").read_text(encoding="utf-8")
    assert schema.parse_report_yaml(text, "report.yaml") == schema.parse_yaml(text, "x")
    assert schema.parse_report_yaml(text, "report.yaml") == schema.parse_yaml(text, "x")
    kept = tmp_path / "cache2" / "reportflow" / "yaml"
    assert len(list(kept.iterdir())) == 1
    changed = text.replace("title:", "title: 新", 1)
    assert schema.parse_report_yaml(changed, "report.yaml") == schema.parse_yaml(changed, "x")
    assert len(list(kept.iterdir())) == 1  # one file per report.yaml, the latest text
    assert schema.parse_report_yaml(text, "report.yaml") == schema.parse_yaml(text, "x")
    assert schema.parse_report_yaml("2022: x\n", "other.yaml") == {2022: "x"}
    assert schema.parse_report_yaml("2022: x\n", "other.yaml") == {2022: "x"}
    assert len(list(kept.iterdir())) == 1
