"""``reportflow versions``: the released versions of a report, from their manifests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reportflow.core import safe_text
from reportflow.core.i18n import _
from reportflow.release.verify import Verifier


def collect(path: Path) -> list[dict[str, Any]]:
    verifier = Verifier(path)
    rows = []
    for number in verifier.known_versions():
        raw = verifier.manifest_bytes(number)
        manifest = json.loads(raw) if raw else {}
        tag = verifier.tags.get(number)
        rows.append(
            {
                "version": number,
                "tag": tag.name if tag else None,
                "created": manifest.get("created") or (tag.date if tag else None),
                "commit": manifest.get("commit") or (tag.commit if tag else None),
                "approvers": manifest.get("approvers", []),
                "archived": raw is not None,
            }
        )
    return rows


def run(path: Path, fmt: str = "table") -> None:
    rows = collect(path)
    if fmt == "json":
        print(json.dumps({"versions": rows}, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for col in (_("version"), _("date"), _("commit"), _("approvers"), _("archived")):
        table.add_column(col)
    for r in rows:
        cells = (  # manifest fields are anyone's text: Text cells, never markup
            f"v{r['version']}",
            str(r["created"] or "?"),
            str(r["commit"] or "?")[:10],
            ", ".join(map(str, r["approvers"])),
            _("yes") if r["archived"] else _("MISSING"),
        )
        table.add_row(*map(safe_text.text, cells))
    Console().print(table if rows else _("no released version yet"))
