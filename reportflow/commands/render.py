"""``reportflow render``: DOCX, PDF and HTML of a report, from the folder or from a commit.

Anything not released is a draft: the render is "released" only when its commit carries the
report's release tag ``<report>/<year>/v<N>`` and the folder has no uncommitted change.

A report with validation errors is not rendered (exit 2, the first errors named with file and
line) unless ``--draft`` asks for it: a page a clerk can print should not carry a heading with
no text under it, a ``***`` or a literal ``[^1]``. ``--draft`` renders it anyway, with the 草稿
mark even on a release tag, and says how many errors it has.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from reportflow.commands import progress
from reportflow.content import model
from reportflow.core import gitio
from reportflow.core.errors import InputError
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


#: Errors named in the refusal; the rest are counted ("reportflow validate" lists them all).
SHOWN_ERRORS = 5


def check_valid(report: model.Report, path: Path, draft: bool) -> int:
    """Number of validation errors; raises unless ``draft`` when there are any."""
    from reportflow.validate import ERROR, check

    errors = [f for f in check(report).findings if f.severity == ERROR]
    if errors and not draft:
        shown = "; ".join(f"{path / f.file}:{f.line}: {f.message}" for f in errors[:SHOWN_ERRORS])
        more = len(errors) - SHOWN_ERRORS
        if more > 0:
            shown += "; " + _("and {n} more").format(n=more)
        raise InputError(
            _("validation finds {n} error(s), so the report is not rendered: {errors}").format(
                n=len(errors), errors=shown
            ),
            file=path,
            hint=_("fix them (reportflow validate {path}), or render a draft with --draft").format(
                path=path
            ),
        )
    return len(errors)


def run(
    path: Path, to: str, out: Path | None, rev: str | None, draft: bool = False
) -> dict[str, Path]:
    formats = check_formats(to.split(","))
    report = model.load_report_at(path, rev) if rev else model.load_report(path)
    prov = provenance(path, report, rev)
    errors = check_valid(report, path, draft)
    if errors:
        sys.stderr.write(
            _("draft with {n} validation error(s): not for printing").format(n=errors) + "\n"
        )
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
            draft=prov.draft or draft,
            commit=prov.commit,
            version=prov.version,
            progress=lambda fmt: update(f"{fmt} ✓", None),
        )
