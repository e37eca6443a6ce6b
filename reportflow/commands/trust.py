"""``reportflow trust init|sign|show|rotate|approve-roster|pin``: the trust root's life.

``init`` drafts ``trust/root-v1.json`` (members' public keys, threshold), each member ``sign``s
it (one commit per signature), ``show`` prints the digest the office records on the approval
sheet and configures on machines with ``pin``; the root members then ``approve-roster`` the
first roster of a report series (the genesis). ``rotate`` drafts the next version, which old
and new members sign. Every write is one commit of one file, like ``signoff``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from reportflow.core.i18n import _

app = typer.Typer(
    help=_("The trust root: its members' keys and threshold, rotation, the pin, the genesis."),
    no_args_is_help=True,
    rich_markup_mode=None,
)

Folder = Annotated[Path, typer.Argument(help=_("a folder of the reports repository"))]
KeyOpt = Annotated[
    Path, typer.Option("--key", help=_("SSH private key (or its .pub in ssh-agent)"))
]
AsOpt = Annotated[str, typer.Option("--as", help=_("root member id"))]


def _top(folder: Path) -> tuple[Any, Path]:
    from reportflow.core import gitio

    repo = gitio.require_repo(folder)
    return repo, Path(repo.working_tree_dir or folder)


def _members(specs: list[str]) -> dict[str, list[str]]:
    """``id=<public key line>`` or ``id=<path to a .pub file>``."""
    from reportflow.core.errors import InputError

    members: dict[str, list[str]] = {}
    for spec in specs:
        member, sep, key = spec.partition("=")
        if not sep or not member or not key:
            raise InputError(
                _("--member {spec!r}: expected <id>=<public key or .pub file>").format(spec=spec)
            )
        path = Path(key)
        if path.is_file():
            key = path.read_text(encoding="utf-8")
        members.setdefault(member.strip(), []).append(" ".join(key.split()[:2]))
    return members


def _newest_file(top: Path) -> tuple[int, Path]:
    from reportflow.core.errors import ContentError
    from reportflow.signoff import trust

    found = sorted(
        (int(m.group(1)), p)
        for p in (top / trust.FOLDER).glob("root-v*.json")
        if (m := trust.FILE_RE.match(f"{trust.FOLDER}/{p.name}"))
    )
    if not found:
        raise ContentError(
            _("{path} is missing").format(path=trust.file_name(1)),
            file=top,
            hint=_("run: reportflow trust init --member <id>=<public key> ... --threshold <n>"),
        )
    return found[-1]


def _commit(repo: Any, top: Path, path: Path, message: str) -> None:
    from reportflow.core import gitio

    gitio.commit_path(repo, gitio.relpath(repo, path), message, gitio.committer(repo))


def _write(repo: Any, top: Path, root: Any, message: str) -> Path:
    from reportflow.signoff import trust

    path = top / trust.file_name(root.version)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(trust.to_json(root), encoding="utf-8")
    _commit(repo, top, path, message)
    return path


@app.command("init", help=_("Draft trust/root-v1.json: the root members' keys and threshold."))
def init_cmd(
    member: Annotated[
        list[str], typer.Option("--member", help=_("<id>=<public key or .pub file>, repeated"))
    ],
    threshold: Annotated[int, typer.Option(help=_("signatures needed, of the members"))],
    folder: Folder = Path("."),
    series: Annotated[
        list[str] | None, typer.Option(help=_("report series it approves (default: all)"))
    ] = None,
    organisation: Annotated[str, typer.Option(help=_("issuing organisation"))] = "",
) -> None:
    from reportflow.core.errors import Refused
    from reportflow.signoff import ledger, trust

    repo, top = _top(folder)
    if (top / trust.FOLDER).is_dir() and any((top / trust.FOLDER).glob("root-v*.json")):
        raise Refused(_("the trust root exists already; change it with 'reportflow trust rotate'"))
    root = trust.draft(
        1,
        _members(member),
        threshold,
        ledger.now_utc(),
        organisation=organisation,
        series=series or ["*"],
    )
    path = _write(repo, top, root, "trust: root v1 drafted")
    typer.echo(_("wrote {path} (unsigned); digest {digest}").format(path=path, digest=root.digest))
    typer.echo(_("each member signs it: reportflow trust sign --as <id> --key <private key>"))


@app.command("sign", help=_("Add a root member's signature to the newest root version."))
def sign_cmd(person: AsOpt, key: KeyOpt, folder: Folder = Path(".")) -> None:
    from reportflow.core.errors import Refused
    from reportflow.signoff import keys, trust

    repo, top = _top(folder)
    number, path = _newest_file(top)
    root = trust.parse(path.read_bytes(), str(path))
    allowed = dict(root.members)
    if number > 1:  # a rotation: the previous version's members sign it too
        before = top / trust.file_name(number - 1)
        if before.is_file():
            for m, k in trust.parse(before.read_bytes(), str(before)).members.items():
                allowed.setdefault(m, ())
                allowed[m] = (*allowed[m], *k)
    signing = keys.resolve(key)
    if signing.public not in {keys.key_core(k) for k in allowed.get(person, ())}:
        raise Refused(
            _("{key} is not a key of root member {person} in {path}").format(
                key=key, person=person, path=trust.file_name(number)
            )
        )
    sig = keys.sign(root.payload(), signing, trust.NAMESPACE)
    root = trust.with_signature(root, trust.Signature(person, signing.public, sig))
    _write(repo, top, root, f"trust: {person} signs root v{number}")
    typer.echo(_("{person} signed {path}").format(person=person, path=trust.file_name(number)))


def _checked(folder: Path, digest: str | None) -> Any:
    from reportflow.core import gitio
    from reportflow.signoff import approval, chainio, pin, trust

    repo, _top_dir = _top(folder)
    found = pin.Pin(pin.check(digest, "pin"), "argument") if digest else None
    found = found or approval.require_pin(folder)
    commit = gitio.resolve(repo, "HEAD")
    walk = gitio.walk(repo, commit, trust.FOLDER + "/")
    inputs = chainio.read_inputs(repo, walk, commit, (), "")
    return repo, found, chainio.check_root(inputs, commit, found)


@app.command("show", help=_("Check the root chain against the pin and print the digest."))
def show_cmd(
    folder: Folder = Path("."),
    trust_pin: Annotated[str | None, typer.Option("--trust", help=_("sha256:… pin"))] = None,
) -> None:
    from reportflow.core.errors import Refused
    from reportflow.signoff import chainio, pin

    repo, _found, checked = _checked(folder, trust_pin)
    if checked.error or checked.root is None:
        raise Refused(checked.error or "")
    first = checked.chain[0]
    typer.echo(f"root: {first.digest} ({checked.root.describe()})")
    for note in checked.notes:
        typer.echo(f"  - {note}")
    pin.record_seen(chainio.repo_names(repo)(), checked.root.version)


@app.command("rotate", help=_("Draft the next root version (old and new members sign it)."))
def rotate_cmd(
    folder: Folder = Path("."),
    add: Annotated[
        list[str] | None, typer.Option("--add", help=_("<id>=<public key or .pub file>"))
    ] = None,
    remove: Annotated[list[str] | None, typer.Option("--remove", help=_("member id"))] = None,
    threshold: Annotated[int | None, typer.Option(help=_("new threshold"))] = None,
) -> None:
    from reportflow.signoff import ledger, trust

    repo, top = _top(folder)
    number, path = _newest_file(top)
    old = trust.parse(path.read_bytes(), str(path))
    members = {m: list(k) for m, k in old.members.items() if m not in (remove or [])}
    for m, k in _members(add or []).items():
        members[m] = k
    new = trust.draft(
        number + 1,
        members,
        threshold if threshold is not None else old.threshold,
        ledger.now_utc(),
        previous=old.digest,
        organisation=old.organisation,
        series=old.series,
        clock_skew=old.clock_skew,
    )
    written = _write(repo, top, new, f"trust: root v{number + 1} drafted")
    typer.echo(
        _("wrote {path}: a threshold of v{old} members and of its own must sign it").format(
            path=written, old=number
        )
    )


@app.command("approve-roster", help=_("A root member approves a series' first roster (genesis)."))
def approve_roster_cmd(
    report_dir: Annotated[Path, typer.Argument(help=_("report folder: content/<report>/<year>"))],
    person: AsOpt,
    key: KeyOpt,
) -> None:
    written = approve(report_dir, person, key)
    typer.echo(
        _("{person} approved the roster of {folder}: {file}").format(
            person=person, folder=report_dir, file=written
        )
    )


@app.command("pin", help=_("Pin the trust root for this repository in your config."))
def pin_cmd(
    digest: Annotated[
        str, typer.Argument(help=_("sha256:… as 'trust show' or the sheet gives it"))
    ],
    folder: Folder = Path("."),
) -> None:
    from reportflow.signoff import chainio, pin

    repo, _top_dir = _top(folder)
    names = chainio.repo_names(repo)()
    path = pin.write(pin.check(digest, "pin"), names[-1])
    typer.echo(
        _("pinned {digest} for {repo} in {path}").format(digest=digest, repo=names[-1], path=path)
    )


def approve(report_dir: Path, person: str, key: Path) -> Path:
    """The genesis record: root member ``person`` approves the roster of report.yaml at HEAD
    (channel ``trust-root``, verified against the root's keys); written and committed."""
    from reportflow.content import model
    from reportflow.core import gitio
    from reportflow.core.errors import Refused
    from reportflow.signoff import approval, chain, keys, ledger, pin

    report_dir = Path(report_dir)
    ctx = approval.load_context(report_dir)
    if ctx.pin is None or ctx.trust is None:
        raise pin.not_pinned()
    if ctx.trust.root is None:
        raise Refused(ctx.trust.error or "")
    root = ctx.trust.root
    if person not in root.members:
        raise Refused(
            _("{person} is not a member of the trust root (members: {members})").format(
                person=person, members=", ".join(sorted(root.members))
            )
        )
    if ctx.candidate is None:
        raise Refused(_("report.yaml has no policy, so there is no roster to approve"))
    yaml_path = f"{ctx.folder}/{model.REPORT_FILE}" if ctx.folder else model.REPORT_FILE
    if yaml_path in gitio.dirty_paths(ctx.repo, ctx.folder or "."):
        raise Refused(_("uncommitted changes in {file}: commit them first").format(file=yaml_path))
    signing = keys.resolve(key)
    listed = root.members[person]
    if signing.public not in {keys.key_core(k) for k in listed}:
        raise Refused(
            _("{key} is not a key of root member {person}").format(key=key, person=person)
        )
    record = ledger.SignoffRecord(
        report=ctx.report.report,
        year=ctx.report.year,
        scope="roster",
        fingerprint=ctx.candidate.digest,
        commit=ctx.commit,
        reviewer=person,
        decision="approve",
        time=ledger.now_utc(),
        channel=chain.ROOT_CHANNEL,
        comment="genesis: the trust root approves this roster",
    )
    signed = ledger.SignoffRecord(
        **{**record.to_dict(), "signature": ledger.sign(record.payload(), signing)}
    )
    if ledger.verify(signed, listed) != "valid":
        raise Refused(_("the signature made with {key} does not verify").format(key=key))
    path = ledger.write_record(report_dir / model.SIGNOFFS_DIR, signed)
    message = f"trust: {person} (trust root) approves the roster of {record.report}/{record.year}"
    try:
        gitio.commit_path(
            ctx.repo, gitio.relpath(ctx.repo, path), message, gitio.committer(ctx.repo)
        )
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return path
