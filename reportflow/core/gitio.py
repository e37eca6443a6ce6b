"""Every git call reportflow makes goes through this module.

One place to see what we ask of git, to turn its failures into ``GitError`` and to keep calls
batched: status and audit must stay fast on repositories with thousands of commits, so we ask
git once for a whole folder instead of once per file.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import MappingProxyType

import git
from git.exc import GitCommandError, InvalidGitRepositoryError, NoSuchPathError

from reportflow.core import history, prewalk
from reportflow.core.errors import GitError, GitInputError
from reportflow.core.i18n import _

_SEP = "\x1f"


@dataclass(frozen=True)
class Change:
    commit: str
    author: str
    email: str
    date: str  # ISO 8601 with offset, as git prints it


def _existing(path: Path) -> Path:
    """``path`` or its nearest existing parent: a report folder deleted from the work tree can
    still be read at an older commit, from the repository around where it was."""
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def find_repo(path: Path) -> git.Repo | None:
    try:
        return git.Repo(_existing(path), search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError):
        return None


def require_repo(path: Path) -> git.Repo:
    """The repository holding ``path``; an error naming ``path`` (exit 2) when there is none."""
    repo = find_repo(path)
    if repo is None:
        if not Path(path).exists():
            raise GitInputError(
                _("no such folder"),
                file=path,
                hint=_("give a report folder such as content/<report>/<year> in a git repository"),
            )
        raise GitInputError(
            _("not inside a git repository"),
            file=path,
            hint=_("work in a clone of the reports repository, or make one with 'reportflow init'"),
        )
    return repo


def relpath(repo: git.Repo, path: Path) -> str:
    """Path of ``path`` inside the repository, with forward slashes."""
    top = Path(repo.working_tree_dir or ".").resolve()
    return PurePosixPath(path.resolve().relative_to(top)).as_posix()


#: What git says when a revision or range names no commit.
_UNKNOWN_REVISION = (
    "bad revision",
    "unknown revision",
    "ambiguous argument",
    "not a valid object name",
    "invalid object name",
    "needed a single revision",
)


def _stderr(exc: GitCommandError) -> str:
    """git's message on one line, without GitPython's ``stderr: '...'`` wrapping."""
    text = str(exc.stderr or "").strip().removeprefix("stderr:").strip(" '\n")
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def run(repo: git.Repo, *args: str, env: Mapping[str, str] | None = None) -> str:
    """git's output; ``env``: the environment for this one command (plumbing in a temporary
    index, an author of one's own). Errors become ``GitError`` naming the command."""
    try:
        return repo.git.execute(["git", *args], strip_newline_in_stdout=False, env=env)
    except GitCommandError as exc:
        detail = _stderr(exc)
        where = repo.working_tree_dir or repo.git_dir
        if any(marker in detail.lower() for marker in _UNKNOWN_REVISION):
            raise GitInputError(
                _("git does not know a revision given: {detail}").format(detail=detail),
                file=where,
                hint=_("give a commit id, tag or branch, or a range such as main..HEAD"),
            ) from None
        command = next((a for a in args if not a.startswith("-") and "=" not in a), args[0])
        raise GitError(
            _("git {command} failed: {detail}").format(command=command, detail=detail),
            file=where,
            hint=_(
                "run 'git status' in the repository: if git reports a problem, fix it; "
                "otherwise this is a reportflow bug"
            ),
        ) from None


def last_changes(repo: git.Repo, folder: str, rev: str = "HEAD") -> dict[str, Change]:
    """Last commit touching each file under ``folder`` (repo-relative), in one ``git log``."""
    if not has_commits(repo):
        return {}
    out = run(
        repo,
        "log",
        "--no-renames",
        f"--format={_SEP}%H{_SEP}%an{_SEP}%ae{_SEP}%aI",
        "--name-only",
        rev,
        "--",
        folder,
    )
    result: dict[str, Change] = {}
    current: Change | None = None
    for line in out.splitlines():
        if line.startswith(_SEP):
            _lead, sha, name, email, date = line.split(_SEP)
            current = Change(sha, name, email, date)
        elif line and current is not None:
            result.setdefault(line, current)
    return result


def has_commits(repo: git.Repo) -> bool:
    try:
        repo.head.commit  # noqa: B018 - raises when the branch has no commit yet
    except ValueError:
        return False
    return True


def dirty_paths(repo: git.Repo, folder: str) -> set[str]:
    """Files under ``folder`` that differ from HEAD or are untracked."""
    out = run(repo, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", folder)
    paths: set[str] = set()
    entries = out.split("\0")
    i = 0
    while i < len(entries):
        entry = entries[i]
        if len(entry) > 3:
            paths.add(entry[3:])
            if entry[0] in "RC":
                i += 1  # the rename source follows
        i += 1
    return paths


def resolve(repo: git.Repo, rev: str) -> str:
    try:
        return repo.rev_parse(f"{rev}^{{commit}}").hexsha
    except (git.BadName, ValueError, GitCommandError):
        raise GitInputError(
            _("unknown revision {rev!r}: no commit, tag or branch of that name").format(rev=rev),
            file=repo.working_tree_dir or repo.git_dir,
            hint=_("give a commit id, tag or branch, e.g. HEAD or <report>/<year>/v1"),
        ) from None


def check_range(repo: git.Repo, rev_range: str) -> None:
    """Each end of ``a..b`` or ``a...b`` (or the single revision) names a commit: an unknown
    one is named in the error, which git's own message for a range does not do clearly."""
    for sep in ("...", ".."):
        if sep in rev_range:
            ends = rev_range.split(sep, 1)
            break
    else:
        ends = [rev_range]
    for end in ends:
        if end:
            resolve(repo, end)


def folder_files(
    repo: git.Repo, commit: str, folder: str, links: set[str] | None = None
) -> tuple[dict[str, str], dict[str, bytes]]:
    """Blob ids and contents of every file under ``folder`` at ``commit``, by path relative
    to the folder: one ``ls-tree`` and one ``cat-file --batch``, however many files. Paths
    committed as symbolic links go to ``links`` too (a link's contents is its target)."""
    prefix = folder + "/" if folder not in ("", ".") else ""
    found: set[str] = set()
    blobs = {
        path[len(prefix) :]: blob
        for path, blob in tree_blobs(repo, commit, folder or ".", found).items()
        if path.startswith(prefix)
    }
    if links is not None:
        links.update(path[len(prefix) :] for path in found if path.startswith(prefix))
    contents = read_blobs(repo, sorted(set(blobs.values())))
    return blobs, {rel: contents.get(blob, b"") for rel, blob in blobs.items()}


# --- history for sign-offs and the approval gate ------------------------------------------------


def walk(repo: git.Repo, rev: str, *prefixes: str, log: str | None = None) -> history.Walk:
    """Every commit reachable from ``rev`` (a commit or a range such as ``main..HEAD``) and
    the changes to files under ``prefixes``, merges that added text of their own included.

    One ``git log`` with no pathspec, so history simplification hides nothing (see
    ``core/history.py``), and one ``git diff-tree --cc`` over the candidate merges, which are
    usually none.
    """
    if not has_commits(repo):
        return history.Walk(MappingProxyType({}), MappingProxyType({}))
    # ``log``: the same git log's output, started early by ``core.prewalk``
    out = log if log is not None else run(repo, *prewalk.LOG_ARGS, rev)
    found = history.parse_log(out, prefixes)
    merges = sorted({m for ms in found.merge_candidates.values() for m in ms})
    if not merges:
        return found
    paths = sorted(found.merge_candidates)
    top = repo.working_tree_dir or repo.git_dir
    try:
        proc = subprocess.run(
            [
                "git",
                "-c",
                "core.quotePath=false",
                "diff-tree",
                "--cc",
                "-p",
                "--stdin",
                "--",
                *paths,
            ],
            cwd=top,
            input="".join(f"{m}\n" for m in merges),
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise GitError(_("git diff-tree failed: {detail}").format(detail=exc)) from None
    width = {m: len(found.commits[m].parents) for m in merges}
    return found.with_merges(history.merges_with_own_text(proc.stdout, width))


def _through_files(cmd: list[str], cwd: str, data: bytes) -> bytes:
    """``cmd``'s output with ``data`` as its input, both through unlinked temporary files.

    Hand-rolled instead of ``subprocess.run(capture_output=True)`` because the audit and the
    gate call git on a second thread while the first parses: a pipe is drained by Python 64 KB
    at a time, and each read waits for the busy thread to let go of the GIL (up to 5 ms), so
    the 30 MB of 9,000 section versions took 2.3-4.3 s instead of git's 0.2 s (measured with
    a busy main thread; 0.35 s through files). With files git runs without Python at all.
    """
    with tempfile.TemporaryFile() as source, tempfile.TemporaryFile() as sink:
        source.write(data)
        source.seek(0)
        try:
            proc = subprocess.run(cmd, cwd=cwd, stdin=source, stdout=sink, stderr=subprocess.PIPE)
        except OSError as exc:
            raise GitError(_("git {command} failed: {detail}").format(
                command=cmd[1], detail=exc)) from None  # fmt: skip
        if proc.returncode != 0:
            detail = proc.stderr.decode(errors="replace").strip()
            raise GitError(_("git {command} failed: {detail}").format(
                command=cmd[1], detail=detail)) from None  # fmt: skip
        sink.seek(0)
        return sink.read()


def _cat_file(repo: git.Repo, specs: list[str]) -> list[tuple[bytes, bytes] | None]:
    """``(object type, contents)`` of each of ``specs`` (ids, ``rev:path``, ``refs/…``), None
    for a missing one, through one ``git cat-file --batch`` (not one process each)."""
    top = repo.working_tree_dir or repo.git_dir
    request = "".join(f"{s}\n" for s in specs).encode()
    data, pos, found = _through_files(["git", "cat-file", "--batch"], top, request), 0, []
    for _spec in specs:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            found.append(None)
            continue
        size = int(header[2])
        found.append((header[1], data[pos : pos + size]))
        pos += size + 1
    return found


def trees(repo: git.Repo, specs: list[str]) -> dict[str, dict[str, str]]:
    """The entries (name -> object id) of each tree ``specs`` names (``<commit>:<path>``), in
    one ``git cat-file --batch``; specs that name no tree are left out."""
    found: dict[str, dict[str, str]] = {}
    for spec, got in zip(specs, _cat_file(repo, specs) if specs else [], strict=True):
        if got is None or got[0] != b"tree":
            continue
        data, pos, entries = got[1], 0, {}
        while pos < len(data):  # "<mode> <name>\0<20-byte id>" per entry
            name_at = data.index(b" ", pos) + 1
            end = data.index(b"\0", name_at)
            entries[data[name_at:end].decode("utf-8", "replace")] = data[end + 1 : end + 21].hex()
            pos = end + 21
        found[spec] = entries
    return found


def read_blobs(repo: git.Repo, ids: list[str]) -> dict[str, bytes]:
    """Contents of many blobs through one ``git cat-file --batch`` (not one process each)."""
    if not ids:
        return {}
    return {i: got[1] for i, got in zip(ids, _cat_file(repo, ids), strict=True) if got}


def commit_notes(repo: git.Repo, rev: str) -> dict[str, tuple[str, str]]:
    """Author time (ISO 8601) and subject of every commit reachable from ``rev``: what the
    audit prints beside the history walk's facts. One ``git log`` without diffs (a tenth of
    the walk's cost), kept apart so the gate's walk does not carry messages it never reads."""
    if not has_commits(repo):
        return {}
    top = repo.working_tree_dir or repo.git_dir
    # through files: the audit reads it on a second thread (see ``_through_files``)
    raw = _through_files(["git", "log", "-z", f"--format=%H{_SEP}%aI{_SEP}%s", rev], top, b"")
    out = raw.decode("utf-8", errors="replace")
    notes: dict[str, tuple[str, str]] = {}
    for entry in out.split("\0"):
        if entry:
            sha, when, subject = entry.lstrip("\n").split(_SEP, 2)
            notes[sha] = (when, subject)
    return notes


def authors(repo: git.Repo, commits: list[str]) -> dict[str, tuple[str, str, str]]:
    """``commit -> (author name, e-mail, author time ISO 8601)`` for the given commits, in one
    ``git log --no-walk`` (not one ``git show`` each)."""
    if not commits:
        return {}
    out = run(
        repo, "log", "-z", "--no-walk=unsorted", f"--format=%H{_SEP}%an{_SEP}%ae{_SEP}%aI", *commits
    )
    found: dict[str, tuple[str, str, str]] = {}
    for entry in out.split("\0"):
        if entry.strip():
            sha, name, email, when = entry.strip("\n").split(_SEP, 3)
            found[sha] = (name, email, when)
    return found


def range_changes(repo: git.Repo, rev_range: str, folder: str) -> list[tuple[str, list[str]]]:
    """``(commit, paths changed under folder)`` for each commit of ``rev_range`` (e.g.
    ``v1..v2``) that changed something there, oldest first, in one ``git log``."""
    return history.parse_range_log(run(repo, *history.range_log_args(rev_range)), folder)


def blame(repo: git.Repo, rev: str, path: str) -> str:
    """``git blame --porcelain -M -C`` of ``path`` (repository-relative) at ``rev``: lines
    moved within the file or copied from another file of the same commit keep their origin,
    and a renamed file keeps its history (blame follows renames itself)."""
    return run(
        repo, "-c", "core.quotePath=false", "blame", "--porcelain", "-M", "-C", rev, "--", path
    )


def is_ancestor(repo: git.Repo, ancestor: str, descendant: str) -> bool:
    """``git merge-base --is-ancestor`` (a commit is its own ancestor)."""
    try:
        repo.git.execute(["git", "merge-base", "--is-ancestor", ancestor, descendant])
    except GitCommandError as exc:
        if exc.status == 1:
            return False
        raise GitError(_("git merge-base failed: {detail}").format(detail=_stderr(exc))) from None
    return True


def cache_dir(repo: git.Repo) -> Path:
    """``.git/reportflow/``: per-repository caches, shared by its worktrees, never committed."""
    return Path(repo.common_dir) / "reportflow"


def _run_unlocked(repo: git.Repo, *args: str) -> str:
    """``run``, retried every 0.1 s while another git command (an editor's git integration, a
    commit in another terminal) holds ``index.lock``, for up to ``limits.index_lock_wait()``
    seconds; then an error naming the lock. The lock is never deleted: it may be live."""
    import time

    from reportflow.core import limits

    start = time.monotonic()
    deadline = start + limits.index_lock_wait()
    while True:
        try:
            return run(repo, *args)
        except GitError as exc:
            if "index.lock" not in exc.message:
                raise
            if time.monotonic() >= deadline:
                lock = Path(repo.git_dir) / "index.lock"
                raise GitError(
                    _("another git command holds {lock}; waited {seconds:.1f} s").format(
                        lock=lock, seconds=time.monotonic() - start
                    ),
                    file=repo.working_tree_dir or repo.git_dir,
                    hint=_(
                        "wait until it has finished and try again; if no git command is "
                        "running, an old one crashed: delete {lock}"
                    ).format(lock=lock),
                ) from None
            time.sleep(0.1)


def commit_path(repo: git.Repo, path: str, message: str, author: str) -> str:
    """Commit exactly ``path`` (repository-relative), leaving whatever else the user has
    staged staged and uncommitted; returns the new commit id. Waits for a busy index."""
    _run_unlocked(repo, "add", "--", path)
    try:
        _run_unlocked(
            repo, "commit", "-q", "--only", f"--author={author}", "-m", message, "--", path
        )
    except GitError:
        _run_unlocked(repo, "reset", "-q", "--", path)
        raise
    return repo.head.commit.hexsha


# --- releases: annotated tags <report>/<year>/v<N>, source archives, trees ---------------------

_RS = "\x1e"


@dataclass(frozen=True)
class Tag:
    name: str
    annotated: bool
    commit: str  # the commit the tag (peeled) points at
    message: str
    tagger: str
    date: str


def tags_under(
    repo: git.Repo, prefix: str, *, merged: str | None = None, points_at: str | None = None
) -> list[Tag]:
    """All tags named ``<prefix>...``, with their peeled commit, in one ``for-each-ref``;
    ``merged``: only those reachable from that commit; ``points_at``: only those on it."""
    fmt = _SEP.join(
        [
            "%(refname:strip=2)",
            "%(objecttype)",
            "%(objectname)",
            "%(*objectname)",
            "%(taggername) %(taggeremail)",
            "%(taggerdate:iso-strict)",
            "%(contents)",
        ]
    )
    filters = [f"--merged={merged}"] if merged else []
    filters += [f"--points-at={points_at}"] if points_at else []
    out = run(repo, "for-each-ref", f"--format={fmt}{_RS}", *filters, f"refs/tags/{prefix}")
    tags = []
    for record in out.split(_RS):
        record = record.lstrip("\n")
        if not record:
            continue
        name, kind, obj, peeled, tagger, date, message = record.split(_SEP, 6)
        annotated = kind == "tag"
        tags.append(Tag(name, annotated, peeled if annotated else obj, message, tagger, date))
    return tags


def release_tags(
    repo: git.Repo,
    report: str,
    year: int,
    *,
    merged: str | None = None,
    points_at: str | None = None,
) -> dict[int, Tag]:
    """The release tags ``<report>/<year>/v<N>`` by N (written without leading zeros); the
    one place that knows how a release tag is named, for release, verify, roster and render."""
    prefix = f"{report}/{year}/v"
    found = {}
    for tag in tags_under(repo, f"{report}/{year}/", merged=merged, points_at=points_at):
        number = tag.name.removeprefix(prefix)
        if tag.name.startswith(prefix) and number.isdigit() and not number.startswith("0"):
            found[int(number)] = tag
    return found


def release_tag_name(report: str, year: int, version: int) -> str:
    return f"{report}/{year}/v{version}"


def create_tag(repo: git.Repo, name: str, commit: str, message: str) -> None:
    """Create an annotated tag; fails (GitError) if it exists: tags are never moved."""
    run(repo, "tag", "-a", name, commit, "-m", message)


def tag_objects(repo: git.Repo, names: list[str]) -> dict[str, bytes]:
    """The raw objects of the annotated tags ``names`` (header, message and any signature, as
    signed), in one ``git cat-file --batch``; lightweight or missing tags are left out."""
    if not names:
        return {}
    got = _cat_file(repo, [f"refs/tags/{n}" for n in names])
    return {n: g[1] for n, g in zip(names, got, strict=True) if g and g[0] == b"tag"}


def create_tag_object(repo: git.Repo, name: str, data: bytes) -> None:
    """Store a tag object made (and signed) by the caller and point ``refs/tags/<name>`` at it.

    ``git mktag`` checks the object as ``git fsck`` would; ``update-ref`` with the zero id as
    the old value creates the ref only if it does not exist, so a tag is never moved."""
    top = repo.working_tree_dir or repo.git_dir
    try:
        proc = subprocess.run(
            ["git", "mktag"], cwd=top, input=data, capture_output=True, check=True
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or str(exc).encode()
        raise GitError(
            _("git mktag failed: {detail}").format(detail=detail.decode(errors="replace").strip())
        ) from None
    run(repo, "update-ref", f"refs/tags/{name}", proc.stdout.decode().strip(), "0" * 40)


def create_bundle(
    repo: git.Repo, out: Path, commit: str, ref: str, *, exclude: str | None = None
) -> None:
    """``git bundle create`` of ``commit``'s history, less ``exclude``'s, listing it as
    ``ref``: a bundle lists refs, not bare ids, so ``ref`` is made for the bundle and removed
    after it (``release/bundle.py``)."""
    run(repo, "update-ref", ref, commit)
    try:
        run(repo, "bundle", "create", "-q", str(out), ref, *([f"^{exclude}"] if exclude else []))
    finally:
        run(repo, "update-ref", "-d", ref)


def index_pack(repo: git.Repo, pack: bytes) -> None:
    """Store the objects of ``pack`` in ``repo`` (``git index-pack --stdin``, which checks
    every object id); ``--fix-thin``: bases it names by id may be in the repository."""
    try:
        subprocess.run(
            ["git", "index-pack", "--stdin", "--fix-thin"],
            cwd=repo.git_dir,
            input=pack,
            capture_output=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or str(exc).encode()
        raise GitError(
            _("git index-pack failed: {detail}").format(
                detail=detail.decode(errors="replace").strip()
            )
        ) from None


def bare_repo(path: Path) -> git.Repo:
    """An empty bare repository at ``path`` (for unpacking bundles)."""
    try:
        return git.Repo.init(path, bare=True, mkdir=True)
    except GitCommandError as exc:
        raise GitError(_("git init failed: {detail}").format(detail=_stderr(exc))) from None


def unbundle(repo: git.Repo, bundle: Path) -> None:
    """The objects of ``bundle`` into ``repo`` (its prerequisites must be there); no ref is
    made: ``git bundle unbundle`` checks the prerequisites and indexes the pack, without the
    connectivity walk over the whole history that ``git fetch`` adds for each bundle."""
    run(repo, "bundle", "unbundle", str(bundle))


def delete_tag(repo: git.Repo, name: str) -> None:
    run(repo, "tag", "-d", name)


def archive_folder(repo: git.Repo, commit: str, folder: str, out: Path) -> None:
    """``git archive`` of one folder at a commit, as tar.gz (paths stay repository-relative)."""
    run(repo, "archive", "--format=tar.gz", "-o", str(out), commit, "--", folder)


def tree_blobs(
    repo: git.Repo, commit: str, folder: str, links: set[str] | None = None
) -> dict[str, str]:
    """Blob id of every file under ``folder`` at ``commit``; symbolic links (mode 120000,
    whose blob is the target) are also added to ``links`` when given."""
    out = run(repo, "ls-tree", "-r", "--full-tree", "-z", commit, "--", folder)
    blobs = {}
    for entry in out.split("\0"):
        if entry:
            meta, path = entry.split("\t", 1)
            mode, kind, sha = meta.split()
            if kind == "blob":
                blobs[path] = sha
                if mode == "120000" and links is not None:
                    links.add(path)
    return blobs


def version() -> str:
    return git.Git().version().removeprefix("git version ").strip()


def committer(repo: git.Repo) -> str:
    """``Name <email>`` git would record for a tag or commit made now (environment, then config)."""
    ident = run(repo, "var", "GIT_COMMITTER_IDENT").strip()
    return ident.rsplit(" ", 2)[0]  # drop the timestamp and time zone


def init_repo(path: Path, branch: str = "main") -> None:
    """``git init`` for ``reportflow init``: a new office repository whose first branch is
    ``main`` whatever the PC's git defaults to, so the README's commands fit every PC."""
    try:
        git.Repo.init(path, mkdir=False, initial_branch=branch, quiet=True)
    except GitCommandError as exc:
        raise GitError(
            _("git init failed: {detail}").format(detail=_stderr(exc)), file=path
        ) from None


# --- one shared remote: clones on the Prefect workers, fetch, push with retry -------------------

#: What git says when a push is refused because the remote moved on (someone else pushed).
_BEHIND = ("non-fast-forward", "fetch first", "rejected", "stale info", "cannot lock ref")


def clone_or_fetch(url: str, dest: Path, branch: str = "main") -> git.Repo:
    """A work tree of the remote ``url`` at ``dest`` on ``branch``, exactly as the remote has
    it now: cloned the first time, then fetched (with tags) and reset to ``origin/<branch>``.
    The clone belongs to reportflow (nobody edits in it), so resetting loses nothing that is
    not on the remote: whatever a run writes it commits and pushes before it ends."""
    dest = Path(dest)
    if not (dest / ".git").exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            git.Repo.clone_from(url, dest, branch=branch, no_tags=False)
        except GitCommandError as exc:
            raise GitInputError(
                _("cannot clone {url}: {detail}").format(url=url, detail=_stderr(exc)),
                file=dest,
                hint=_("check the repository URL and the worker's git credentials"),
            ) from None
        return git.Repo(dest)
    repo = git.Repo(dest)
    run(repo, "fetch", "--quiet", "--prune", "--tags", "--force", "origin")
    run(repo, "checkout", "--quiet", "-B", branch, f"origin/{branch}")
    run(repo, "reset", "--quiet", "--hard", f"origin/{branch}")
    run(repo, "clean", "-q", "-fd")
    return repo


def push(
    repo: git.Repo, branch: str = "main", tags: tuple[str, ...] = (), attempts: int = 5
) -> int:
    """Push ``branch`` (and ``tags``) to ``origin``; when someone pushed meanwhile, rebase our
    own commits onto theirs and try again (sign-off files and new folders never conflict).
    Returns how many attempts it took."""
    refs = [f"HEAD:refs/heads/{branch}", *(f"refs/tags/{t}:refs/tags/{t}" for t in tags)]
    for attempt in range(1, attempts + 1):
        try:
            run(repo, "push", "--quiet", "--atomic", "origin", *refs)
            return attempt
        except GitError as exc:
            if attempt == attempts or not any(m in exc.message for m in _BEHIND):
                raise
            run(repo, "fetch", "--quiet", "origin", branch)
            _rebase(repo, f"origin/{branch}")
    raise AssertionError("unreachable")  # pragma: no cover


def _rebase(repo: git.Repo, onto: str) -> None:
    """Our commits onto ``onto``, never touching uncommitted work: ``--no-autostash`` whatever
    the operator's ``rebase.autoStash`` (a stash popped onto a colleague's change of the same
    file leaves conflict markers in it), so a dirty tree makes git refuse; a rebase that
    stops part way is aborted, leaving the branch as it was."""
    try:
        run(repo, "rebase", "--quiet", "--no-autostash", onto)
    except GitError:
        with contextlib.suppress(GitError):  # nothing to abort when git refused to start
            run(repo, "rebase", "--abort")
        raise


def commit_files(repo: git.Repo, paths: list[str], message: str, author: str) -> str:
    """Commit exactly ``paths`` (new files or a new folder) as ``author``; the commit id."""
    _run_unlocked(repo, "add", "--", *paths)
    _run_unlocked(repo, "commit", "-q", f"--author={author}", "-m", message, "--", *paths)
    return repo.head.commit.hexsha


def topo_order(repo: git.Repo, commit: str) -> list[str]:
    """Every commit reachable from ``commit``, newest first, none before a descendant
    (``git rev-list --topo-order``): the graph's order, which no date can change."""
    return run(repo, "rev-list", "--topo-order", commit).split()


def first_parent(repo: git.Repo, commit: str) -> str | None:
    """``commit``'s first parent as the commit object names it (None for a root commit): the
    parent of a commit just made, whatever HEAD was read as before it."""
    parents = repo.commit(commit).parents
    return parents[0].hexsha if parents else None


def commit_tree(
    repo: git.Repo, parent: str, files: Mapping[str, bytes], message: str, author: tuple[str, str]
) -> str:
    """A commit on top of ``parent`` with ``files`` (repository paths) replaced, made with
    git's plumbing in a temporary index: the working tree, the index and HEAD are untouched,
    so edits can be put on a branch for review whatever the user has checked out."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory(prefix="reportflow-commit-") as tmp:
        env = {
            **os.environ,
            "GIT_INDEX_FILE": str(Path(tmp) / "index"),
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
        }

        def git_(*args: str) -> str:
            return run(repo, *args, env=env).strip()

        git_("read-tree", parent)
        for i, (path, data) in enumerate(files.items()):
            blob = Path(tmp) / f"blob{i}"
            blob.write_bytes(data)
            sha = git_("hash-object", "-w", "--", str(blob))
            git_("update-index", "--add", "--cacheinfo", f"100644,{sha},{path}")
        tree = git_("write-tree")
        return git_("commit-tree", tree, "-p", parent, "-m", message)


def create_branch(repo: git.Repo, name: str, commit: str) -> None:
    """Point the new branch ``name`` at ``commit``; refused if it exists (never moved)."""
    if run(repo, "branch", "--list", name).strip():
        raise GitInputError(
            _("the branch {name} exists already").format(name=name),
            file=repo.working_tree_dir or repo.git_dir,
            hint=_("give another name with --branch, or delete that branch first"),
        )
    run(repo, "update-ref", f"refs/heads/{name}", commit, "")


def current_branch(repo: git.Repo) -> str | None:
    """The branch checked out, or None (detached HEAD, or no commit yet)."""
    try:
        return run(repo, "symbolic-ref", "-q", "--short", "HEAD").strip() or None
    except GitError:
        return None


def remote_head(repo: git.Repo, branch: str = "main") -> str | None:
    """The commit ``origin``'s ``branch`` points at now (one ``ls-remote``, no fetch)."""
    out = run(repo, "ls-remote", "origin", f"refs/heads/{branch}").split()
    return out[0] if out else None


def head_id(repo: git.Repo) -> str:
    """The commit HEAD points at, read from the ref files as git itself does (HEAD, the
    branch's loose ref, else ``packed-refs``). Hand-written because the review server asks
    this on every page: GitPython's ``rev_parse`` of a new ``Repo`` starts a ``git cat-file``
    process each time (a quarter of the server's time under load, bench/bench_serve.py).
    Anything unusual (a detached or symbolic HEAD beyond one level, a missing ref) is left to
    ``resolve``."""
    git_dir = Path(repo.git_dir)
    common = Path(getattr(repo, "common_dir", None) or git_dir)
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            return resolve(repo, "HEAD")  # detached: an id, checked by git
        ref = head[5:].strip()
        for folder in (git_dir, common):
            loose = folder / ref
            if loose.is_file():
                found = loose.read_text(encoding="utf-8").strip()
                if len(found) == 40:
                    return found
        for line in (common / "packed-refs").read_text(encoding="utf-8").splitlines():
            if line.endswith(" " + ref) and len(line) == 41 + len(ref):
                return line[:40]
    except OSError:
        pass
    return resolve(repo, "HEAD")
