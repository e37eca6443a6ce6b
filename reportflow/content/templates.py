"""Report templates (``schemas/templates/<name>.yaml``): the structure a kind of report has."""

from __future__ import annotations

from typing import Any

from reportflow.content import schema
from reportflow.core.errors import ContentError
from reportflow.core.textio import read_text

TEMPLATE_DIR = schema.SCHEMA_DIR / "templates"


def available() -> list[str]:
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.yaml"))


def load_template(name: str) -> dict[str, Any]:
    path = TEMPLATE_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ContentError(
            f"unknown template {name!r}",
            hint="templates are: " + ", ".join(available()),
        )
    doc = schema.parse_yaml(read_text(path), path)
    if not isinstance(doc, dict):
        raise ContentError("a template must be a mapping", file=path, line=1)
    return doc
