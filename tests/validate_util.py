"""Helpers for the validation tests: a small report folder written from section bodies."""

from __future__ import annotations

from pathlib import Path

import yaml

from reportflow.content.model import load_report
from reportflow.validate import Finding, check

BODY_LINE = 6  # front matter: ---, id, title, owner, --- ; the body starts on line 6


def write_report(
    folder: Path,
    sections: dict[str, tuple[str, str]],
    *,
    year: int = 2022,
    template: str = "generic",
    rules: dict | None = None,
) -> Path:
    """``sections``: id -> (title, body), in order. Returns the report folder."""
    (folder / "sections").mkdir(parents=True, exist_ok=True)
    doc = {
        "report": "demo",
        "year": year,
        "title": f"{year}年报告",
        "organisation": "区政府",
        "template": template,
        "sections": list(sections),
        "people": {"drafter": {"name": "起草人"}},
    }
    if rules:
        doc["rules"] = rules
    (folder / "report.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    for n, (sid, (title, body)) in enumerate(sections.items()):
        text = f"---\nid: {sid}\ntitle: {title}\nowner: drafter\n---\n{body}"
        (folder / "sections" / f"{n:02d}-{sid}.md").write_text(text, "utf-8")
    return folder


def findings_for(tmp_path: Path, body: str, **kw) -> list[Finding]:
    folder = write_report(
        tmp_path / "demo" / str(kw.pop("year", 2022)), {"a": ("一、情况", body)}, **kw
    )
    return list(check(load_report(folder)).findings)


def where(findings: list[Finding], rule: str) -> list[tuple[int, int]]:
    return [(f.line, f.column) for f in findings if f.rule == rule]
