"""``reportflow release``: tag and archive the approved version of a report."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from reportflow import release

LABELS = {
    "check": "checking validation and sign-offs",
    "render": "rendering docx, pdf, html",
    "sources": "archiving the sources (git archive)",
    "manifest": "writing the manifest",
    "publish": "publishing the archive entry",
    "tag": "creating the tag",
}


def run(path: Path, rev: str = "HEAD") -> release.Released:
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), console=console, transient=True
    ) as progress:
        task = progress.add_task("release", total=len(release.STEPS))

        def on_step(name: str) -> None:
            progress.update(task, description=LABELS[name], completed=release.STEPS.index(name))

        done = release.release(path, rev, on_step=on_step)
        progress.update(task, completed=len(release.STEPS))
    if done.already:
        print(f"{done.commit[:10]} is already released as {done.tag}; nothing to do")
    else:
        print(f"released {done.tag} at {done.commit[:10]}")
        print(f"archive: {done.entry}")
        print(f"manifest sha256: {done.manifest_sha256}")
    return done
