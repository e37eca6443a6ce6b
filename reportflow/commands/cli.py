"""The ``reportflow`` command line: option parsing only.

Each command imports its module from ``reportflow.commands`` when it runs, so that
``reportflow validate`` does not pay for pandoc, Prefect or anything else it does not use.
"""

from __future__ import annotations

import typing
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from typer.core import TyperCommand
from typer.models import ArgumentInfo

from reportflow.core.i18n import _, install_for_click

install_for_click()  # click's and typer's own words ("Usage:", "Options") in our language too


class Command(TyperCommand):
    """A typer command whose help reads cleanly, working around two faults of typer 0.20.

    typer escapes ``[required]`` for rich even with rich formatting off, so the plain help
    showed ``\\[required]``; and with click 8.5, whose ``Argument`` takes ``help`` itself,
    typer's argument help is reset to None by click's constructor, so no argument showed its
    help. Both are undone here; with a typer that has neither fault this changes nothing.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        function = getattr(self.callback, "__wrapped__", None)
        if function is None:
            return
        hints = typing.get_type_hints(function, include_extras=True)
        for param in self.params:
            if param.param_type_name == "argument" and not getattr(param, "help", None):
                meta = getattr(hints.get(param.name or ""), "__metadata__", ())
                info = next((m for m in meta if isinstance(m, ArgumentInfo)), None)
                if info is not None:
                    param.help = info.help  # type: ignore[attr-defined]

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Nothing: ``format_options`` lists the arguments, as typer does (click 8.5 would
        list them a second time as "Positional arguments")."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows: dict[str, list[tuple[str, str]]] = {"argument": [], "option": []}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None and param.param_type_name in rows:
                name, text = record
                rows[param.param_type_name].append((name, text.replace("\\[", "[")))
        for title, found in ((_("Arguments"), rows["argument"]), (_("Options"), rows["option"])):
            if found:
                with formatter.section(title):
                    formatter.write_dl(found)


app = typer.Typer(
    name="reportflow",
    help=_("Report-as-code: write, validate, approve, render and keep an annual report."),
    no_args_is_help=True,
    # click 8.4 and later suggest a command for a typo themselves; typer adding its own
    # printed "Did you mean 'signoff'?" twice
    suggest_commands=not hasattr(click.exceptions, "NoSuchCommand"),
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
            "--version", callback=_version, is_eager=True, help=_("print the version and exit")
        ),
    ] = False,
) -> None:
    """The options before any command (the group's help is given to typer.Typer above)."""


ReportDir = Annotated[Path, typer.Argument(help=_("report folder: content/<report>/<year>"))]
TrustPin = Annotated[
    str | None,
    typer.Option(
        "--trust", help=_("the trust root's digest, sha256:… (default: $REPORTFLOW_TRUST, config)")
    ),
]


def _pin(value: str | None) -> None:
    if value:
        from reportflow.signoff import pin

        pin.set_override(value)


class ValidateFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


class StatusFormat(StrEnum):
    table = "table"
    json = "json"


@app.command(
    "init",
    cls=Command,
    help=_(
        "Make an office's reports repository: content/<report>/<year>/, hook, README (git init)."
    ),
)
def init_cmd(
    folder: Annotated[Path, typer.Argument(help=_("new or empty folder, or a git repository"))] = (
        Path(".")
    ),
    report: Annotated[str, typer.Option(help=_("report series id"))] = "annual-report",
    year: Annotated[int | None, typer.Option(help=_("year of the report (default: this year)"))] = (
        None
    ),
    template: Annotated[str, typer.Option(help=_("template in schemas/templates/"))] = "generic",
    organisation: Annotated[str | None, typer.Option(help=_("issuing organisation"))] = None,
    title: Annotated[str | None, typer.Option(help=_("report title"))] = None,
) -> None:
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


@app.command(
    "import",
    cls=Command,
    help=_("Import a report file into content/<report>/<year>/ (sections split at 一、二、…)."),
)
def import_cmd(
    file: Annotated[Path, typer.Argument(help=_("last year's report: .md, .txt or .docx"))],
    report: Annotated[
        str | None, typer.Option(help=_("report series id, e.g. political-ecology"))
    ] = None,
    year: Annotated[int | None, typer.Option(help=_("the year the report is about"))] = None,
    template: Annotated[str, typer.Option(help=_("template in schemas/templates/"))] = "generic",
    into: Annotated[Path, typer.Option(help=_("content folder"))] = Path("content"),
    title: Annotated[str | None, typer.Option(help=_("report title if the file has none"))] = None,
    organisation: Annotated[str | None, typer.Option(help=_("issuing organisation"))] = None,
    owner: Annotated[str, typer.Option(help=_("person id owning the sections"))] = "drafter",
    ids: Annotated[
        str | None, typer.Option(help=_("comma-separated section ids, preface included"))
    ] = None,
    update: Annotated[
        Path | None,
        typer.Option(
            "--update",
            help=_("a report folder: its DOCX edited in Word onto a branch, for review"),
        ),
    ] = None,
    person: Annotated[
        str | None, typer.Option("--as", help=_("with --update: who made the edits"))
    ] = None,
    branch: Annotated[
        str | None, typer.Option(help=_("with --update: the new branch's name"))
    ] = None,
) -> None:
    from reportflow.commands import import_
    from reportflow.core.errors import InputError

    if update is not None:
        import_.update(update, file, person, branch)
        return
    if report is None or year is None:
        raise InputError(
            _("import needs --report and --year (or --update <report folder>)"),
            hint=_("e.g. --report political-ecology --year 2022"),
        )
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
    typer.echo(_("imported {file} into {folder}").format(file=file, folder=dest))


@app.command(
    "new",
    cls=Command,
    help=_("Scaffold content/<report>/<year>/ from a template or from last year's sections."),
)
def new_cmd(
    report: Annotated[str, typer.Argument(help=_("report series id"))],
    year: Annotated[int, typer.Argument(help=_("the year the report is about"))],
    from_dir: Annotated[
        Path | None, typer.Option("--from", help=_("an earlier year's report folder to copy"))
    ] = None,
    template: Annotated[str, typer.Option(help=_("template when not --from"))] = "generic",
    into: Annotated[Path, typer.Option(help=_("content folder"))] = Path("content"),
    title: Annotated[str | None, typer.Option(help=_("report title"))] = None,
    organisation: Annotated[str | None, typer.Option(help=_("issuing organisation"))] = None,
    owner: Annotated[str, typer.Option(help=_("person id owning new sections"))] = "drafter",
) -> None:
    from reportflow.commands import new
    from reportflow.core import safe_text

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
    typer.echo(_("created {folder}").format(folder=dest.path))
    if dest.carried:
        from reportflow.cycle import nextyear

        typer.echo(nextyear.carried_sentence(dest.carried, dest.path, dest.approvers))
    if dest.moved:
        typer.echo(_("moved to {year} (check them):").format(year=year))
        for line in dest.moved:
            typer.echo(f"  {safe_text.shown(line)}")


@app.command(
    "status", cls=Command, help=_("Per section: id, title, owner, characters, last change.")
)
def status_cmd(
    path: ReportDir,
    fmt: Annotated[StatusFormat, typer.Option("--format", help=_("table or json"))] = (
        StatusFormat.table
    ),
    trust: TrustPin = None,
) -> None:
    from reportflow.commands import status

    _pin(trust)
    status.run(path, fmt.value)


@app.command(
    "todo",
    cls=Command,
    help=_("Per person: sections to draft, findings to fix, sign-offs owed, with due dates."),
)
def todo_cmd(
    path: ReportDir,
    person: Annotated[
        str | None, typer.Option("--as", help=_("only this person id (default: everyone)"))
    ] = None,
    fmt: Annotated[StatusFormat, typer.Option("--format", help=_("table or json"))] = (
        StatusFormat.table
    ),
) -> None:
    from reportflow.commands import todo

    raise typer.Exit(todo.run(path, person, fmt.value))


class GateFormat(StrEnum):
    text = "text"
    json = "json"


@app.command(
    "signoff",
    cls=Command,
    help=_("Sign off a section, the whole report or a roster change; writes and commits a record."),
)
def signoff_cmd(
    path: ReportDir,
    person: Annotated[str, typer.Option("--as", help=_("person id in report.yaml people"))],
    section: Annotated[str | None, typer.Option(help=_("sign off this section id"))] = None,
    report: Annotated[bool, typer.Option("--report", help=_("the final approval"))] = False,
    roster: Annotated[
        bool, typer.Option("--roster", help=_("a change to people, keys or policy"))
    ] = False,
    key: Annotated[
        Path | None,
        typer.Option(
            help=_(
                "SSH private key, or its .pub when ssh-agent holds it"
                " (none: a key of yours in ssh-agent)"
            )
        ),
    ] = None,
    reject: Annotated[bool, typer.Option("--reject", help=_("reject instead of approve"))] = False,
    message: Annotated[str, typer.Option("-m", "--message", help=_("comment"))] = "",
    trust: TrustPin = None,
    push: Annotated[
        bool,
        typer.Option(
            "--push",
            help=_(
                "push the sign-off to the shared remote and wake the release runs waiting "
                "for it (PREFECT_API_URL)"
            ),
        ),
    ] = False,
) -> None:
    from reportflow.commands import signoff

    _pin(trust)
    from reportflow.core.errors import InputError

    if sum((section is not None, report, roster)) != 1:
        raise InputError(_("give exactly one of --section <id>, --report or --roster"))
    scope = f"section:{section}" if section is not None else ("report" if report else "roster")
    for line in signoff.main(path, person, scope, reject, message, key, push):
        typer.echo(line)


@app.command(
    "gate",
    cls=Command,
    help=_("Exit 0 when the report is fully approved at the commit, else 1 and what is missing."),
)
def gate_cmd(
    path: ReportDir,
    rev: Annotated[str, typer.Option(help=_("commit to evaluate"))] = "HEAD",
    fmt: Annotated[GateFormat, typer.Option("--format", help=_("text or json"))] = GateFormat.text,
    trust: TrustPin = None,
) -> None:
    from reportflow.commands import gate

    _pin(trust)
    raise typer.Exit(gate.run(path, rev, fmt.value))


@app.command(
    "owners",
    cls=Command,
    help=_("List commits in the range that changed a section their author does not own (exit 1)."),
)
def owners_cmd(
    path: ReportDir,
    rev_range: Annotated[
        str, typer.Argument(help=_("git revision range, e.g. main..HEAD"))
    ] = "HEAD",
) -> None:
    from reportflow.commands import owners

    raise typer.Exit(owners.run(path, rev_range))


@app.command(
    "release",
    cls=Command,
    help=_("Tag and archive the approved version (needs a passing gate and no validation errors)."),
)
def release_cmd(
    path: ReportDir,
    commit: Annotated[str, typer.Option(help=_("the commit to release"))] = "HEAD",
    trust: TrustPin = None,
    key: Annotated[
        Path | None,
        typer.Option(
            help=_(
                "a releaser's SSH private key, or its .pub when ssh-agent holds it"
                " (none: a releaser's key in ssh-agent)"
            )
        ),
    ] = None,
) -> None:
    from reportflow.commands import release

    _pin(trust)
    release.run(path, commit, key)


@app.command(
    "verify",
    cls=Command,
    help=_("Recompute every check of a released version (default: the latest)."),
)
def verify_cmd(
    path: ReportDir,
    version: Annotated[int | None, typer.Option(help=_("check this version"))] = None,
    all_versions: Annotated[bool, typer.Option("--all", help=_("check every version"))] = False,
    trust: TrustPin = None,
    archive: Annotated[
        str | None,
        typer.Option(
            help=_(
                "where the archive is (a folder or URL), as the records office keeps it; "
                "default: $REPORTFLOW_ARCHIVE, else report.yaml archive: (which authors control)"
            )
        ),
    ] = None,
    expect: Annotated[
        str | None,
        typer.Option(
            help=_(
                "the latest version and manifest digest known out of band, "
                "e.g. v2:sha256:<hex> (from the approval sheet)"
            )
        ),
    ] = None,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help=_("render the archived sources again and compare the files byte for byte"),
        ),
    ] = False,
) -> None:
    from reportflow.commands import verify

    _pin(trust)
    raise typer.Exit(
        verify.run(path, version, all_versions, archive=archive, expect=expect, rebuild=rebuild)
    )


@app.command(
    "versions", cls=Command, help=_("List the released versions with date, commit and approvers.")
)
def versions_cmd(
    path: ReportDir,
    fmt: Annotated[StatusFormat, typer.Option("--format", help=_("table or json"))] = (
        StatusFormat.table
    ),
) -> None:
    from reportflow.commands import versions

    versions.run(path, fmt.value)


class MemoUse(StrEnum):
    on = "on"
    off = "off"


class AuditFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


@app.command(
    "audit",
    cls=Command,
    help=_("One timeline: edits, sign-offs, roster changes, releases and trust-chain flags."),
)
def audit_cmd(
    path: ReportDir,
    fmt: Annotated[
        AuditFormat, typer.Option("--format", help=_("table, json, csv or html"))
    ] = AuditFormat.table,
    since: Annotated[
        str | None, typer.Option(help=_("only events at or after this date or time"))
    ] = None,
    until: Annotated[
        str | None, typer.Option(help=_("only events at or before this date or time"))
    ] = None,
    section: Annotated[
        str | None, typer.Option(help=_("only events about this section id"))
    ] = None,
    person: Annotated[str | None, typer.Option(help=_("only events by this person id"))] = None,
    rev: Annotated[str, typer.Option(help=_("audit the history up to this commit"))] = "HEAD",
    memo: Annotated[
        MemoUse,
        typer.Option(help=_("off: read and verify everything again, not the kept audit")),
    ] = MemoUse.on,
) -> None:
    from reportflow.commands import audit

    audit.run(
        path, fmt.value, since=since, until=until, section=section, person=person, rev=rev,
        memo=memo.value,
    )  # fmt: skip


class DiffFormat(StrEnum):
    text = "text"
    html = "html"
    docx = "docx"


@app.command(
    "diff",
    cls=Command,
    help=_("What changed between two versions, per section: text, HTML redline or tracked DOCX."),
)
def diff_cmd(
    path: ReportDir,
    old: Annotated[str, typer.Argument(help=_("from: v1, a tag, branch or commit"))],
    new: Annotated[str, typer.Argument(help=_("to: v2, a tag, branch or commit"))],
    fmt: Annotated[
        DiffFormat, typer.Option("--format", help=_("text, html or docx"))
    ] = DiffFormat.text,
    out: Annotated[
        Path | None,
        typer.Option(help=_("write to this file (docx default: build/<report>/<year>/)")),
    ] = None,
) -> None:
    from reportflow.commands import diff

    diff.run(path, old, new, fmt.value, out)


@app.command(
    "blame",
    cls=Command,
    help=_(
        "Per paragraph of a section: who last changed it, when, and where it was first released."
    ),
)
def blame_cmd(
    path: ReportDir,
    section: Annotated[str, typer.Argument(help=_("section id"))],
    rev: Annotated[
        str, typer.Option(help=_("the section as it is at this commit or tag"))
    ] = "HEAD",
    fmt: Annotated[StatusFormat, typer.Option("--format", help=_("table or json"))] = (
        StatusFormat.table
    ),
) -> None:
    from reportflow.commands import blame

    blame.run(path, section, rev, fmt.value)


class TableFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command(
    "carryover",
    cls=Command,
    help=_("Per section: the share of text reused unchanged from last year's released report."),
)
def carryover_cmd(
    path: ReportDir,
    fmt: Annotated[TableFormat, typer.Option("--format", help=_("table, json or csv"))] = (
        TableFormat.table
    ),
) -> None:
    from reportflow.commands import carryover

    carryover.run(path, fmt.value)


@app.command(
    "figures",
    cls=Command,
    help=_("Every figure with its unit and sentence, beside last year's matching figure."),
)
def figures_cmd(
    path: ReportDir,
    fmt: Annotated[TableFormat, typer.Option("--format", help=_("table, json or csv"))] = (
        TableFormat.table
    ),
) -> None:
    from reportflow.commands import figures

    figures.run(path, fmt.value)


class SheetFormat(StrEnum):
    files = "files"
    json = "json"


@app.command(
    "sheet",
    cls=Command,
    help=_("The approval sheet (签批单) of a released version: PDF and DOCX, or JSON."),
)
def sheet_cmd(
    path: ReportDir,
    version: Annotated[int | None, typer.Option(help=_("this version (default: the latest)"))] = (
        None
    ),
    out: Annotated[
        Path | None, typer.Option(help=_("output folder (default build/<report>/<year>/v<N>)"))
    ] = None,
    fmt: Annotated[SheetFormat, typer.Option("--format", help=_("files or json"))] = (
        SheetFormat.files
    ),
) -> None:
    from reportflow.commands import sheet

    sheet.run(path, version, out, fmt.value)


@app.command(
    "validate",
    cls=Command,
    help=_("Check the report against its template and the rules; exit 1 if there are errors."),
)
def validate_cmd(
    paths: Annotated[
        list[Path], typer.Argument(help=_("report folder(s), or files inside them (pre-commit)"))
    ],
    fmt: Annotated[ValidateFormat, typer.Option("--format", help=_("text, json or sarif"))] = (
        ValidateFormat.text
    ),
) -> None:
    from reportflow.commands import validate

    raise typer.Exit(validate.run(paths, fmt.value))


@app.command(
    "render",
    cls=Command,
    help=_("Render DOCX, PDF and HTML in GB/T 9704 layout; unreleased renders carry a 草稿 mark."),
)
def render_cmd(
    path: ReportDir,
    to: Annotated[str, typer.Option(help=_("formats, comma-separated: docx,pdf,html"))] = (
        "docx,pdf,html"
    ),
    out: Annotated[
        Path | None, typer.Option(help=_("output folder (default build/<report>/<year>)"))
    ] = None,
    commit: Annotated[
        str | None, typer.Option(help=_("render the report as it was at this commit or tag"))
    ] = None,
    draft: Annotated[
        bool,
        typer.Option(
            "--draft", help=_("render even with validation errors (marked 草稿, not for printing)")
        ),
    ] = False,
) -> None:
    from reportflow.commands import render

    for fmt, written in render.run(path, to, out, commit, draft).items():
        typer.echo(f"{fmt}: {written}")


class ServeLang(StrEnum):
    zh = "zh"
    en = "en"


@app.command(
    "serve",
    cls=Command,
    help=_("The review page: reviewers sign in with a passkey and approve in a browser."),
)
def serve_cmd(
    path: ReportDir,
    host: Annotated[str, typer.Option("--host", help=_("address to listen on"))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help=_("port to listen on"))] = 8080,
    origin: Annotated[
        str | None,
        typer.Option(
            "--origin",
            help=_(
                "the address people open (default http://localhost:<port>); behind the "
                "office's HTTPS proxy, e.g. https://review.example.gov.cn"
            ),
        ),
    ] = None,
    rp_id: Annotated[
        str | None,
        typer.Option("--rp-id", help=_("the passkeys' domain (default: the origin's host)")),
    ] = None,
    lang: Annotated[ServeLang, typer.Option("--lang", help=_("page language"))] = ServeLang.zh,
    secret_file: Annotated[
        Path | None,
        typer.Option("--secret-file", help=_("session key file (default: a new key per start)")),
    ] = None,
    server_key: Annotated[
        Path | None,
        typer.Option("--server-key", help=_("the server's SSH key: signs personal-link decisions")),
    ] = None,
    push: Annotated[
        bool | None,
        typer.Option(
            "--push/--no-push",
            help=_(
                "push every decision to origin and wake the waiting release runs (default: "
                "on when the repository has an origin remote)"
            ),
        ),
    ] = None,
) -> None:
    from reportflow.commands import serve

    raise typer.Exit(
        serve.run(path, host, port, origin, rp_id, lang.value, secret_file, server_key, push)
    )


@app.command(
    "link",
    cls=Command,
    help=_(
        "A personal link for one reviewer and one section or the final approval (reportflow "
        "serve opens it)."
    ),
)
def link_cmd(
    path: ReportDir,
    person: Annotated[str, typer.Option("--as", help=_("the reviewer's person id"))],
    section: Annotated[str | None, typer.Option("--section", help=_("section id"))] = None,
    report: Annotated[
        bool, typer.Option("--report", help=_("a link for the final approval of the report"))
    ] = False,
    secret_file: Annotated[
        Path, typer.Option("--secret-file", help=_("the server's secret file"))
    ] = Path("secret"),
    base_url: Annotated[
        str, typer.Option("--base-url", help=_("the address people open"))
    ] = "http://localhost:8080",
    hours: Annotated[float, typer.Option("--hours", help=_("hours the link holds"))] = 72,
    send: Annotated[
        bool, typer.Option("--send", help=_("send it to the person's notify: addresses"))
    ] = False,
    server_key: Annotated[
        Path | None,
        typer.Option("--server-key", help=_("the review server's key (with --send)")),
    ] = None,
) -> None:
    from reportflow.commands import link
    from reportflow.core.errors import InputError

    scope = link.scope_of(section, report)
    if not send:
        typer.echo(link.run(path, person, scope, secret_file, base_url, hours))
        return
    if server_key is None:
        raise InputError(
            _("--send needs --server-key: a link is sent only where the server's key counts"),
            hint=_("reportflow link … --send --server-key <the key reportflow serve uses>"),
        )
    typer.echo(link.send(path, person, scope, secret_file, base_url, hours, server_key))


def _trust_commands() -> None:
    from reportflow.commands import trust

    app.add_typer(trust.app, name="trust", help=_("The trust root: keys, threshold, pin, genesis."))


_trust_commands()
