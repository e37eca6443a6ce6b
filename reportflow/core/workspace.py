"""Where the Prefect workers work on the office's content repository: a clone of its one
shared remote, kept per repository URL on each worker machine and reused between runs.

A deployment names the repository by its git URL (``repo``: anything ``git clone`` accepts,
ssh://, https://, a bare repository on disk). Every run takes the clone's lock, fetches, works
and pushes what it wrote before it lets go, so two runs on one machine never share a half-done
state and nothing lands only on the worker. A local *work tree* given as ``repo`` (one machine,
no remote) is used in place, as before issue 13.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reportflow.core import gitio


@dataclass(frozen=True)
class Checkout:
    root: Path  # the work tree
    url: str | None  # the remote it mirrors; None for a local work tree used in place
    branch: str

    def path(self, rel: str) -> Path:
        return self.root / rel


def workdir() -> Path:
    """``REPORTFLOW_WORKDIR``, else ``$XDG_CACHE_HOME/reportflow/clones`` (~/.cache/...)."""
    configured = os.environ.get("REPORTFLOW_WORKDIR")
    if configured:
        return Path(configured).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "reportflow" / "clones"


def is_local_worktree(repo: str) -> bool:
    """A folder on this machine with a work tree (``.git`` inside): used in place."""
    path = Path(repo).expanduser()
    return "://" not in repo and (path / ".git").exists()


def clone_dir(url: str) -> Path:
    """One clone per remote URL: a readable name plus a hash of the whole URL."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", url.rstrip("/").rsplit("/", 1)[-1]) or "repo"
    return (
        workdir() / f"{name.removesuffix('.git')}-{hashlib.sha256(url.encode()).hexdigest()[:12]}"
    )


@contextlib.contextmanager
def checkout(repo: str, branch: str = "main") -> Iterator[Checkout]:
    """The content repository ``repo`` at the remote's newest ``branch``, locked for this run
    (an flock beside the clone: released by the kernel if the process dies)."""
    if is_local_worktree(repo):
        yield Checkout(Path(repo).expanduser().resolve(), None, branch)
        return
    dest = clone_dir(repo)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            gitio.clone_or_fetch(repo, dest, branch)
            yield Checkout(dest, repo, branch)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def publish(co: Checkout, tags: tuple[str, ...] = ()) -> int:
    """Push what this run committed (and ``tags``) to the remote; 0 for a local work tree."""
    if co.url is None:
        return 0
    return gitio.push(gitio.require_repo(co.root), co.branch, tags)


def head(co: Checkout) -> str:
    return gitio.resolve(gitio.require_repo(co.root), "HEAD")


def moved_on(co: Checkout, commit: str) -> bool:
    """Whether the remote's branch is no longer at ``commit`` (someone pushed since we
    fetched): a run about to wait looks again instead, so no sign-off slips past it."""
    if co.url is None:
        return False
    return gitio.remote_head(gitio.require_repo(co.root), co.branch) not in (None, commit)
