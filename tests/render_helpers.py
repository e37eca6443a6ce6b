"""Helpers shared by the render tests: a copy of the sample report that a test may change."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from conftest import SAMPLE_REPORT

from reportflow.content.model import Report
from reportflow.core import pandoc
from reportflow.render import assemble

SHA = "0291cb8a" * 5


def copy_sample(dest: Path, extra_yaml: str = "", sections: dict[str, str] | None = None) -> Path:
    """The sample report under ``dest``; ``sections`` maps file name -> text to append."""
    shutil.copytree(SAMPLE_REPORT, dest)
    if extra_yaml:
        with (dest / "report.yaml").open("a", encoding="utf-8") as f:
            f.write(extra_yaml)
    for name, text in (sections or {}).items():
        with (dest / "sections" / name).open("a", encoding="utf-8") as f:
            f.write(text)
    return dest


def source_blocks(report: Report) -> list[tuple[str, str]]:
    """(kind, text) of every heading and paragraph of the assembled document, per pandoc."""
    ast = json.loads(
        pandoc.convert(assemble.body_markdown(report), "json", pandoc.RENDER_IN, ["--sandbox"])
    )
    out = []
    for block in ast["blocks"]:
        if block["t"] == "Header":
            out.append(("heading", pandoc.stringify(block["c"][2])))
        elif block["t"] == "Para":
            out.append(("para", pandoc.stringify(block["c"])))
    return out


def tool(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True).stdout
