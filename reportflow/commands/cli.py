"""The ``reportflow`` command line: option parsing only.

Each command imports its module from ``reportflow.commands`` when it runs, so that
``reportflow validate`` does not pay for pandoc, Prefect or anything else it does not use.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="reportflow",
    help="Report-as-code: write, validate, approve, render and keep an annual report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from reportflow import __version__

        typer.echo(f"reportflow {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """Report-as-code: write, validate, approve, render and keep an annual report."""


ReportDir = Annotated[Path, typer.Argument(help="report folder: content/<report>/<year>")]


class ValidateFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


class StatusFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("init")
def init_cmd(
    folder: Annotated[Path, typer.Argument(help="new or empty folder, or a git repository")] = (
        Path(".")
    ),
    report: Annotated[str, typer.Option(help="report series id")] = "annual-report",
    year: Annotated[int | None, typer.Option(help="year of the report (default: this year)")] = (
        None
    ),
    template: Annotated[str, typer.Option(help="template in schemas/templates/")] = "generic",
    organisation: Annotated[str | None, typer.Option(help="issuing organisation")] = None,
    title: Annotated[str | None, typer.Option(help="report title")] = None,
) -> None:
    """Make an office's reports repository: content/<report>/<year>/, hook, README (git init)."""
    from reportflow.commands import init

    result = init.run(
        folder,
        report=report,
        year=year,
        template=template,
        organisation=organisation,
        title=title,
    )
    typer.echo(init.summary(result))


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


class GateFormat(StrEnum):
    text = "text"
    json = "json"


@app.command("signoff")
def signoff_cmd(
    path: ReportDir,
    person: Annotated[str, typer.Option("--as", help="person id in report.yaml people")],
    section: Annotated[str | None, typer.Option(help="sign off this section id")] = None,
    report: Annotated[bool, typer.Option("--report", help="the final approval")] = False,
    roster: Annotated[
        bool, typer.Option("--roster", help="a change to people, keys or policy")
    ] = False,
    key: Annotated[Path | None, typer.Option(help="SSH private key (ed25519)")] = None,
    reject: Annotated[bool, typer.Option("--reject", help="reject instead of approve")] = False,
    message: Annotated[str, typer.Option("-m", "--message", help="comment")] = "",
) -> None:
    """Sign off a section, the whole report or a roster change; writes and commits a record."""
    from reportflow.commands import signoff
    from reportflow.core.errors import InputError

    if sum((section is not None, report, roster)) != 1:
        raise InputError("give exactly one of --section <id>, --report or --roster")
    scope = f"section:{section}" if section is not None else ("report" if report else "roster")
    decision = "reject" if reject else "approve"
    req = signoff.Request(scope, person, decision, message, key)
    written = signoff.run(path, req)
    typer.echo(f"{person} {decision}d {scope}: {written}")


@app.command("gate")
def gate_cmd(
    path: ReportDir,
    rev: Annotated[str, typer.Option(help="commit to evaluate")] = "HEAD",
    fmt: Annotated[GateFormat, typer.Option("--format", help="text or json")] = GateFormat.text,
) -> None:
    """Exit 0 when the report is fully approved at the commit, else 1 and what is missing."""
    from reportflow.commands import gate

    raise typer.Exit(gate.run(path, rev, fmt.value))


@app.command("owners")
def owners_cmd(
    path: ReportDir,
    rev_range: Annotated[str, typer.Argument(help="git revision range, e.g. main..HEAD")] = "HEAD",
) -> None:
    """List commits in the range that changed a section their author does not own (exit 1)."""
    from reportflow.commands import owners

    raise typer.Exit(owners.run(path, rev_range))


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
