"""The rule registry and what every rule family receives: a ``Context`` to report through.

Modelled on pre-commit hooks / linter plugins: each family is one module declaring its ``RULES``
(id, default severity, what it checks, an example) and a ``run(ctx)`` that emits findings. The
severity a finding ends up with is resolved here, once: rule default, then the template's
``rules:``, then report.yaml's ``rules:`` (a rule id or a whole family; ``off`` drops it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from reportflow.markdown import Block, Document
from reportflow.model import Report, Section
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
        from reportflow.schema import node_line

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


def families() -> tuple[ModuleType, ...]:
    from reportflow.validate import (
        carryover,
        figures,
        formulations,
        placeholders,
        structure,
        typography,
    )

    return (structure, placeholders, figures, typography, formulations, carryover)


def all_rules() -> dict[str, Rule]:
    return {rule.id: rule for fam in families() for rule in fam.RULES}


def family_names() -> tuple[str, ...]:
    return tuple(fam.__name__.rsplit(".", 1)[1] for fam in families())


def resolve_levels(*layers: Mapping[str, Any]) -> dict[str, str]:
    """Merge severity overrides, later layers winning; unknown values are ignored."""
    out: dict[str, str] = {}
    for layer in layers:
        for key, value in (layer or {}).items():
            level = normalise_level(value)
            if value is True:
                out.pop(str(key), None)
            elif level is not None:
                out[str(key)] = level
    return out


Runner = Callable[[Context], None]
