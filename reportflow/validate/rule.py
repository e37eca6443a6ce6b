"""What every rule family works with: its ``Rule`` declarations, the parsed ``Doc`` of each
section, and the ``Context`` it reports findings through.

These live apart from the registry so that the families import this module and the registry
imports the families, never the other way round (pre-commit's ``languages/*.py`` and ``all.py``).
The severity a finding ends up with is resolved here, once: rule default, then the template's
``rules:``, then report.yaml's ``rules:`` (a rule id or a whole family; ``off`` drops it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reportflow.content.markdown import Block, Document
from reportflow.content.model import Report, Section
from reportflow.validate.findings import ERROR, OFF, WARNING, Finding


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str  # default: "error" or "warning"
    checks: str  # what it checks (README table, SARIF description)
    example: str  # a text that triggers it


@dataclass(frozen=True)
class Doc:
    """A section with its parsed body."""

    section: Section
    doc: Document
    settings: Mapping[str, Any]  # the template's entry for this section ({} if none)


def normalise_level(value: Any) -> str | None:
    """A severity setting from YAML: bare ``off`` is the boolean False in YAML 1.1."""
    if value is False or value == OFF:
        return OFF
    if value is True:
        return None  # "on": keep the default
    if value in (ERROR, WARNING):
        return str(value)
    return None


@dataclass
class Context:
    report: Report
    template: Mapping[str, Any]
    docs: list[Doc]
    previous: Report | None
    levels: Mapping[str, str]  # rule id or family -> "error" | "warning" | "off"
    rules: Mapping[str, Rule]
    yaml_text: str | None = None  # report.yaml, to point findings at its lines
    findings: list[Finding] = field(default_factory=list)

    def title_line(self, section: Section) -> int:
        """File line of ``title:`` in the section's front matter (read only when needed)."""
        path = self.report.root / section.path
        try:
            lines = path.read_text(encoding="utf-8-sig").split("\n")
        except (OSError, UnicodeDecodeError):
            return 2
        for i, line in enumerate(lines[: max(section.body_line - 1, 1)], 1):
            if line.startswith("title:"):
                return i
        return 2

    def yaml_line(self, path: list[str | int]) -> int:
        if self.yaml_text is None:
            return 1
        from reportflow.content.schema import node_line

        return node_line(self.yaml_text, path) or 1

    def settings(self, family: str) -> Mapping[str, Any]:
        value = (self.template.get("settings") or {}).get(family) or {}
        return value if isinstance(value, Mapping) else {}

    def level(self, rule: str) -> str:
        if rule in self.levels:
            return self.levels[rule]
        family = rule.split(".", 1)[0]
        return self.levels.get(family, self.rules[rule].severity)

    def enabled(self, rule: str) -> bool:
        return self.level(rule) != OFF

    def emit(
        self,
        rule: str,
        file: str,
        line: int,
        column: int,
        message: str,
        fix: str | None = None,
    ) -> None:
        level = self.level(rule)
        if level == OFF:
            return
        self.findings.append(Finding(rule, level, file, line, column, message, fix))

    def at(
        self, rule: str, d: Doc, block: Block, index: int, message: str, fix: str | None = None
    ) -> None:
        """Emit at plain-text character ``index`` of ``block``."""
        if not self.enabled(rule):
            return
        line, column = block.span.locate(index)
        self.emit(rule, d.section.path, line, column, message, fix)


Runner = Callable[[Context], None]
