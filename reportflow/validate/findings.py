"""What validation returns: findings with an exact place, and their summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ERROR = "error"
WARNING = "warning"
OFF = "off"
SEVERITIES = (ERROR, WARNING)


@dataclass(frozen=True)
class Finding:
    rule: str  # stable id, "<family>.<name>", e.g. "placeholders.asterisks"
    severity: str  # "error" | "warning"
    file: str  # relative to the report folder, e.g. "sections/01-situation.md"
    line: int  # 1-based
    column: int  # 1-based, in characters (not bytes)
    message: str
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it deep-copies every field, a third of the time of a
        # 1,000-section validation with thousands of findings. All fields are immutable;
        # spelt out (not dataclasses.fields, slow per call) in field order, as before.
        return {
            "rule": self.rule,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class ValidationResult:
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == WARNING)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def summary(self) -> dict[str, int]:
        return {"errors": self.errors, "warnings": self.warnings}

    def to_json(self) -> dict[str, Any]:
        return {"findings": [f.to_json() for f in self.findings], "summary": self.summary()}
