"""``reportflow validate``: check report folders and print the findings.

Exit code 0 when there is no error (warnings allowed), 1 when there are errors; a folder that
cannot be read raises the foundation's ``InputError`` (exit 2) before any rule runs. Paths may
be files inside a report (what pre-commit passes): each is mapped to its report folder once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from reportflow.content import model
from reportflow.core.errors import InputError
from reportflow.validate import check, output
from reportflow.validate.registry import all_rules

FORMATS = ("text", "json", "sarif")


def report_folder(path: Path) -> Path:
    """The report folder holding ``path`` (itself, or up to two levels above a file in it)."""
    for folder in (path, *list(path.parents)[:2]):
        if (folder / model.REPORT_FILE).is_file():
            return folder
    return path  # load_report names what is missing


def run(paths: list[Path], fmt: str = "text") -> int:
    folders = list(dict.fromkeys(report_folder(p) for p in paths))
    if fmt != "text" and len(folders) != 1:
        raise InputError(
            f"--format {fmt} takes exactly one report folder, got {len(folders)}",
            hint="run once per report, or use --format text",
        )
    failed = False
    for folder in folders:
        report = model.load_report(folder)
        result = check(report)
        failed = failed or not result.ok
        if fmt == "json":
            sys.stdout.write(output.as_json(result) + "\n")
        elif fmt == "sarif":
            sarif = output.as_sarif(result, folder, all_rules())
            sys.stdout.write(json.dumps(sarif, ensure_ascii=False, indent=2) + "\n")
        else:
            output.print_text(result, folder)
    return 1 if failed else 0
