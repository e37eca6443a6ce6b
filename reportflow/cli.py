"""The ``reportflow`` command line: option parsing only.

Each command imports its module from ``reportflow.commands`` when it runs, so that
``reportflow validate`` does not pay for pandoc, Prefect or anything else it does not use.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from reportflow.error_handler import error_handler

app = typer.Typer(
    name="reportflow",
    help="Report-as-code: write, validate, approve, render and keep an annual report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

ReportDir = Annotated[Path, typer.Argument(help="report folder: content/<report>/<year>")]


class ValidateFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


class StatusFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="last year's report: .md, .txt or .docx")],
    report: Annotated[str, typer.Option(help="report series id, e.g. political-ecology")],
    year: Annotated[int, typer.Option(help="the year the report is about")],
    template: Annotated[str, typer.Option(help="template in schemas/templates/")] = "generic",
    into: Annotated[Path, typer.Option(help="content folder")] = Path("content"),
    title: Annotated[str | None, typer.Option(help="report title if the file has none")] = None,
    organisation: Annotated[str | None, typer.Option(help="issuing organisation")] = None,
    owner: Annotated[str, typer.Option(help="person id owning the sections")] = "drafter",
    ids: Annotated[
        str | None, typer.Option(help="comma-separated section ids, preface included")
    ] = None,
) -> None:
    """Import a report file into content/<report>/<year>/ (sections split at 一、二、…)."""
    from reportflow.commands import import_

    dest = import_.run(
        file,
        report=report,
        year=year,
        into=into,
        template=template,
        title=title,
        organisation=organisation,
        owner=owner,
        ids=[i.strip() for i in ids.split(",")] if ids else None,
    )
    typer.echo(f"imported {file} into {dest}")


@app.command("new")
def new_cmd(
    report: Annotated[str, typer.Argument(help="report series id")],
    year: Annotated[int, typer.Argument(help="the year the report is about")],
    from_dir: Annotated[
        Path | None, typer.Option("--from", help="an earlier year's report folder to copy")
    ] = None,
    template: Annotated[str, typer.Option(help="template when not --from")] = "generic",
    into: Annotated[Path, typer.Option(help="content folder")] = Path("content"),
    title: Annotated[str | None, typer.Option(help="report title")] = None,
    organisation: Annotated[str | None, typer.Option(help="issuing organisation")] = None,
    owner: Annotated[str, typer.Option(help="person id owning new sections")] = "drafter",
) -> None:
    """Scaffold content/<report>/<year>/ from a template or from last year's sections."""
    from reportflow.commands import new

    dest = new.run(
        report,
        year,
        into=into,
        previous=from_dir,
        template=template,
        title=title,
        organisation=organisation,
        owner=owner,
    )
    typer.echo(f"created {dest}")


@app.command("status")
def status_cmd(
    path: ReportDir,
    fmt: Annotated[StatusFormat, typer.Option("--format", help="table or json")] = (
        StatusFormat.table
    ),
) -> None:
    """Per section: id, title, owner, characters, last change."""
    from reportflow.commands import status

    status.run(path, fmt.value)


@app.command("release")
def release_cmd(
    path: ReportDir,
    commit: Annotated[str, typer.Option(help="the commit to release")] = "HEAD",
) -> None:
    """Tag and archive the approved version (needs a passing gate and no validation errors)."""
    from reportflow.commands import release

    release.run(path, commit)


@app.command("verify")
def verify_cmd(
    path: ReportDir,
    version: Annotated[int | None, typer.Option(help="check this version")] = None,
    all_versions: Annotated[bool, typer.Option("--all", help="check every version")] = False,
) -> None:
    """Recompute every check of a released version (default: the latest)."""
    from reportflow.commands import verify

    raise typer.Exit(verify.run(path, version, all_versions))


@app.command("versions")
def versions_cmd(
    path: ReportDir,
    fmt: Annotated[StatusFormat, typer.Option("--format", help="table or json")] = (
        StatusFormat.table
    ),
) -> None:
    """List the released versions with date, commit and approvers."""
    from reportflow.commands import versions

    versions.run(path, fmt.value)


@app.command("validate")
def validate_cmd(
    paths: Annotated[
        list[Path], typer.Argument(help="report folder(s), or files inside them (pre-commit)")
    ],
    fmt: Annotated[ValidateFormat, typer.Option("--format", help="text, json or sarif")] = (
        ValidateFormat.text
    ),
) -> None:
    """Check the report against its template and the rules; exit 1 if there are errors."""
    from reportflow.commands import validate

    raise typer.Exit(validate.run(paths, fmt.value))


@app.command("render")
def render_cmd(
    path: ReportDir,
    to: Annotated[str, typer.Option(help="formats, comma-separated: docx,pdf,html")] = (
        "docx,pdf,html"
    ),
    out: Annotated[
        Path | None, typer.Option(help="output folder (default build/<report>/<year>)")
    ] = None,
    commit: Annotated[
        str | None, typer.Option(help="render the report as it was at this commit or tag")
    ] = None,
) -> None:
    """Render DOCX, PDF and HTML in GB/T 9704 layout; unreleased renders carry a 草稿 mark."""
    from reportflow.commands import render

    for fmt, written in render.run(path, to, out, commit).items():
        typer.echo(f"{fmt}: {written}")


def main() -> None:
    with error_handler():
        app()


if __name__ == "__main__":
    main()
