"""``reportflow status``: who owns each section, how long it is, who changed it last."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from reportflow import gitio, model


@dataclass(frozen=True)
class SectionStatus:
    id: str
    title: str
    owner: str
    characters: int
    path: str
    last_change: gitio.Change | None
    modified: bool  # differs from the last commit, or never committed


def collect(report: model.Report) -> list[SectionStatus]:
    repo = gitio.find_repo(report.root)
    changes: dict[str, gitio.Change] = {}
    dirty: set[str] = set()
    folder = ""
    if repo is not None:
        folder = gitio.relpath(repo, report.root)
        changes = gitio.last_changes(repo, folder or ".")
        dirty = gitio.dirty_paths(repo, folder or ".")
    rows = []
    for sec in report.sections:
        key = f"{folder}/{sec.path}" if folder not in ("", ".") else sec.path
        rows.append(
            SectionStatus(
                id=sec.id,
                title=sec.title,
                owner=sec.owner,
                characters=sec.characters,
                path=sec.path,
                last_change=changes.get(key),
                modified=repo is None or key in dirty or key not in changes,
            )
        )
    return rows


def as_json(report: model.Report, rows: list[SectionStatus]) -> dict[str, Any]:
    return {
        "report": report.report,
        "year": report.year,
        "title": report.title,
        "sections": [asdict(r) for r in rows],
    }


def run(path: Path, fmt: str = "table") -> None:
    report = model.load_report(path)
    rows = collect(report)
    if fmt == "json":
        print(json.dumps(as_json(report, rows), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{report.title} ({report.report}/{report.year})")
    for col in ("id", "title", "owner", "chars", "last change"):
        table.add_column(col, justify="right" if col == "chars" else "left")
    for r in rows:
        change = r.last_change
        last = f"{change.author} {change.date[:10]}" if change else "never committed"
        if r.modified and change:
            last += " (modified)"
        table.add_row(r.id, r.title, r.owner, str(r.characters), last)
    Console().print(table)
