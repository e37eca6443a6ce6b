"""The folder tree is the pipeline: each stage imports only the stages beneath it.

Read from the source with ``ast`` (imports inside functions included), so a shortcut taken in
a hurry — the core importing a report model, a rule family importing the registry — fails here
rather than becoming a circle nobody notices.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "reportflow"
# what each stage may import besides itself
ALLOWED = {
    "core": set(),
    "content": {"core"},
    "validate": {"core", "content"},
    # a sign-off is refused while its text has validation errors (signoff/request.py)
    "signoff": {"core", "content", "validate"},
    "render": {"core", "content"},
    "release": {"core", "content", "validate", "signoff", "render"},
    "audit": {"core", "content", "validate", "signoff", "render", "release"},
    # the year's work: a to-do list reads findings and sign-offs; what a reviewer is shown
    # (cycle.review) reads the audit's diffs
    "cycle": {"core", "content", "validate", "signoff", "audit"},
    # the review page: on top, beside the CLI (whose ``serve`` command starts it)
    "serve": {"core", "content", "validate", "signoff", "render", "release", "audit", "cycle"},
    "commands": {
        "core", "content", "validate", "signoff", "render", "release", "audit", "cycle", "serve"
    },
}  # fmt: skip


def _imports(path: Path) -> set[str]:
    """Absolute names of the reportflow modules ``path`` imports (``from x import y`` gives
    both x and x.y: y may be a module)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return {m for m in out if m.split(".")[0] == "reportflow"}


def _modules() -> dict[str, Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(("reportflow", *path.relative_to(PACKAGE).with_suffix("").parts))
        mods[name.removesuffix(".__init__")] = path
    return mods


def test_stages_import_only_the_stages_beneath_them() -> None:
    wrong = []
    for name, path in _modules().items():
        parts = name.split(".")
        if len(parts) < 3:
            continue  # reportflow/__init__.py, __main__.py
        stage = parts[1]
        assert stage in ALLOWED, f"{name}: a stage folder this test does not know"
        for target in _imports(path):
            other = target.split(".")[1] if "." in target else ""
            if other in ALLOWED and other != stage and other not in ALLOWED[stage]:
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_no_import_circles() -> None:
    mods = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    edges = {
        m: {
            r for t in _imports(p) if (r := resolve(t)) and r != m and mods[r].name != "__init__.py"
        }
        for m, p in mods.items()
    }
    try:  # the stdlib's topological sort names a circle when there is one
        tuple(TopologicalSorter(edges).static_order())
    except CycleError as exc:
        raise AssertionError(f"import circle: {' -> '.join(exc.args[1])}") from None


def test_rule_families_never_import_the_registry() -> None:
    families = [p for p in (PACKAGE / "validate").glob("*.py") if p.stem not in {"registry"}]
    importing = [p.name for p in families if "reportflow.validate.registry" in _imports(p)]
    assert importing == ["__init__.py"]  # check() runs the families; none of them looks back
