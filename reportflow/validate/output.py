"""Findings as text for drafters (rich, grouped by file), JSON for tools, SARIF 2.1.0 for
code-scanning UIs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from itertools import groupby
from pathlib import Path
from typing import Any, TextIO

from reportflow import __version__
from reportflow.validate.findings import ERROR, ValidationResult
from reportflow.validate.rule import Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def as_json(result: ValidationResult) -> str:
    """One finding per line: readable, and json's C encoder (``indent`` would use the pure
    Python one, 10x slower on thousands of findings)."""
    doc = result.to_json()
    encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps makes one per call
    rows = ",\n    ".join(encode(f) for f in doc["findings"])
    findings = f"[\n    {rows}\n  ]" if rows else "[]"
    summary = json.dumps(doc["summary"])
    return f'{{\n  "findings": {findings},\n  "summary": {summary}\n}}'


def _repo_root(path: Path) -> Path | None:
    """The enclosing git work tree, found without running git (start-up time matters here)."""
    for folder in (path, *path.parents):
        if (folder / ".git").exists():
            return folder
    return None


def as_sarif(result: ValidationResult, report_dir: Path, rules: Mapping[str, Rule]) -> dict:
    """One run; artifact URIs relative to the git work tree (what code scanning expects),
    or to the report folder outside git, with ``%SRCROOT%`` saying which."""
    folder = report_dir.resolve()
    root = _repo_root(folder) or folder
    prefix = folder.relative_to(root).as_posix()
    ids = sorted(rules)
    index = {rid: i for i, rid in enumerate(ids)}
    results = []
    for f in result.findings:
        uri = f"{prefix}/{f.file}" if prefix not in ("", ".") else f.file
        entry: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": "error" if f.severity == ERROR else "warning",
            "message": {"text": f.message + (f"（建议：{f.fix}）" if f.fix else "")},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        results.append(entry)
    driver_rules = [
        {
            "id": rid,
            "name": rid.replace(".", "/"),
            "shortDescription": {"text": rules[rid].checks},
            "fullDescription": {"text": f"{rules[rid].checks}. Example: {rules[rid].example}"},
            "defaultConfiguration": {"level": rules[rid].severity},
        }
        for rid in ids
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "reportflow",
                        "version": __version__,
                        "rules": driver_rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def print_text(result: ValidationResult, report_dir: Path, out: TextIO | None = None) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(file=out, highlight=False, soft_wrap=True)
    for file, group in groupby(result.findings, key=lambda f: f.file):
        console.print(Text(str(report_dir / file), style="bold underline"))
        for f in group:
            line = Text("  ")
            line.append(f"{f.line}:{f.column}".ljust(9), style="dim")
            colour = "red" if f.severity == ERROR else "yellow"
            line.append(("错误 error" if f.severity == ERROR else "警告 warning").ljust(11), colour)
            line.append(f.message)
            line.append(f"  {f.rule}", style="dim")
            console.print(line)
            if f.fix:
                console.print(Text(f"           建议 fix: {f.fix}", style="green"))
        console.print()
    errors, warnings = result.errors, result.warnings
    style = "bold red" if errors else "bold yellow" if warnings else "bold green"
    verdict = "未通过 failed" if errors else "通过 passed"
    console.print(Text(f"{verdict}: {errors} 个错误 errors, {warnings} 个警告 warnings", style))
