"""The rule registry: the one place that knows every rule family.

Modelled on pre-commit hooks / linter plugins: each family is one module declaring its ``RULES``
(id, default severity, what it checks, an example) and a ``run(ctx)`` that emits findings; the
registry imports the families, the families import only ``reportflow.validate.rule``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from reportflow.validate import (
    carryover,
    figures,
    formulations,
    placeholders,
    structure,
    typography,
)
from reportflow.validate.rule import Rule, normalise_level


def families() -> tuple[ModuleType, ...]:
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
