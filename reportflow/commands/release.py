"""``reportflow release``: tag and archive the approved version of a report."""

from __future__ import annotations

from pathlib import Path

from reportflow.commands import progress
from reportflow.release import release

LABELS = {
    "check": "checking validation and sign-offs",
    "render": "rendering docx, pdf, html",
    "sources": "archiving the sources (git archive)",
    "manifest": "writing the manifest",
    "publish": "publishing the archive entry",
    "tag": "creating the tag",
}


def run(path: Path, rev: str = "HEAD") -> release.Released:
    with progress.bar("release", total=len(release.STEPS)) as update:
        done = release.release(
            path, rev, on_step=lambda name: update(LABELS[name], release.STEPS.index(name))
        )
        update("done", len(release.STEPS))
    if done.already:
        print(f"{done.commit[:10]} is already released as {done.tag}; nothing to do")
    else:
        print(f"released {done.tag} at {done.commit[:10]}")
        print(f"archive: {done.entry}")
        print(f"manifest sha256: {done.manifest_sha256}")
    return done
