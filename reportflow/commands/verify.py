"""``reportflow verify``: recompute every check of one or all released versions."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape

from reportflow.release import verify


def run(path: Path, version: int | None = None, all_versions: bool = False) -> int:
    checks = verify.verify(path, version, all_versions)
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
        console.print(f"[red]{len(failed)} check(s) failed:[/red]")
        for c in failed:
            console.print(f"  v{c.version}: {escape(c.name)}: {escape(c.detail)}")
        return 1
    console.print(f"[green]all {len(checks)} checks passed[/green]")
    return 0
