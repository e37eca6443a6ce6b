"""``reportflow verify``: recompute every check of one or all released versions."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from reportflow.core.i18n import _, ngettext
from reportflow.core.safe_text import markup as escape
from reportflow.release import verify


def run(
    path: Path,
    version: int | None = None,
    all_versions: bool = False,
    *,
    archive: str | None = None,
    expect: str | None = None,
    rebuild: bool = False,
) -> int:
    checks = verify.verify(
        path, version, all_versions, archive=archive, expect=expect, rebuild=rebuild
    )
    console = Console(highlight=False)
    current = None
    for check in checks:
        if check.version != current:
            current = check.version
            console.print(f"[bold]v{current}[/bold]")
        mark = "[green]✓[/green]" if check.ok else "[red]✗[/red]"
        detail = f" [dim]({escape(check.detail)})[/dim]" if check.detail else ""
        console.print(f"  {mark} {escape(check.name)}{detail}")
    failed = [c for c in checks if not c.ok]
    if failed:
        text = ngettext("{n} check failed:", "{n} checks failed:", len(failed))
        console.print(f"[red]{escape(text.format(n=len(failed)))}[/red]")
        for c in failed:
            console.print(f"  v{c.version}: {escape(c.name)}: {escape(c.detail)}")
        return 1
    text = _("all {n} checks passed").format(n=len(checks))
    console.print(f"[green]{escape(text)}[/green]")
    return 0
