"""``reportflow render``: DOCX, PDF and HTML of a report, from the folder or from a commit.

Anything not released is a draft: the render is "released" only when its commit carries the
report's release tag ``<report>/<year>/v<N>`` and the folder has no uncommitted change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportflow.commands import progress
from reportflow.content import model
from reportflow.core import gitio
from reportflow.core.i18n import _
from reportflow.render import check_formats, render_report
from reportflow.render.layout import DIRTY_SUFFIX


@dataclass(frozen=True)
class Provenance:
    commit: str | None  # full id, with "-dirty" when the folder differs from it
    version: str | None  # "v<N>" of a release tag at the commit
    draft: bool


def provenance(path: Path, report: model.Report, rev: str | None) -> Provenance:
    repo = gitio.find_repo(path)
    if repo is None or not gitio.has_commits(repo):
        if rev is not None:
            gitio.require_repo(path)
        return Provenance(None, None, True)
    commit = gitio.resolve(repo, rev or "HEAD")
    if rev is None and gitio.dirty_paths(repo, gitio.relpath(repo, path) or "."):
        return Provenance(commit + DIRTY_SUFFIX, None, True)
    tags = gitio.release_tags(repo, report.report, report.year, points_at=commit)
    version = f"v{max(tags)}" if tags else None
    return Provenance(commit, version, version is None)


def default_out(report: model.Report) -> Path:
    return Path("build") / report.report / str(report.year)


def run(path: Path, to: str, out: Path | None, rev: str | None) -> dict[str, Path]:
    formats = check_formats(to.split(","))
    report = model.load_report_at(path, rev) if rev else model.load_report(path)
    prov = provenance(path, report, rev)
    target = out if out is not None else default_out(report)
    with progress.bar(
        _("rendering {formats}").format(formats=", ".join(formats)),
        total=len(formats),
        elapsed=True,
    ) as update:
        return render_report(
            report,
            formats,
            target,
            draft=prov.draft,
            commit=prov.commit,
            version=prov.version,
            progress=lambda fmt: update(f"{fmt} ✓", None),
        )
