"""Where a report's files come from: a folder on disk, or a folder at a git commit.

Both go through the same ``Source`` interface, so every check of ``content.model`` applies to
both. A report folder holds regular files only: a symbolic link (in the working tree, or
committed as git mode 120000) is refused with its target named, because following it would
put whatever file it points at (a password file, another office's draft) into a render or a
release.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from reportflow.core.errors import ContentError
from reportflow.core.i18n import _


class Source(Protocol):
    """Where a report's files come from: a folder, or a folder at a git commit."""

    def read(self, rel: str) -> bytes | None: ...

    def listdir(self, rel: str) -> list[str] | None: ...

    def display(self, rel: str) -> str: ...


def symlink_refused(shown: str, target: str) -> ContentError:
    """The error for a symbolic link in a report folder, naming the link and its target."""
    return ContentError(
        _("is a symbolic link to {target}; a report folder holds files only").format(target=target),
        file=shown,
        hint=_("replace the link with the file itself, or remove it"),
    )


@dataclass(frozen=True)
class FolderSource:
    root: Path

    def _lstat(self, rel: str) -> tuple[str, os.stat_result] | None:
        """The path and ``lstat`` of ``rel`` (None when missing), refusing a link at any
        component under ``root``: ``sections`` itself may be the link. Plain strings, not
        pathlib: this runs for every file of a thousand-section report."""
        path = os.fspath(self.root)
        result = None
        for part in rel.split("/"):
            path = f"{path}/{part}"
            try:
                result = os.lstat(path)
            except (FileNotFoundError, NotADirectoryError):
                return None
            if stat.S_ISLNK(result.st_mode):
                raise symlink_refused(path, os.readlink(path))
        return (path, result) if result is not None else None

    def read(self, rel: str) -> bytes | None:
        found = self._lstat(rel)
        if found is None or not stat.S_ISREG(found[1].st_mode):
            return None
        with open(found[0], "rb") as fh:
            return fh.read()

    def listdir(self, rel: str) -> list[str] | None:
        found = self._lstat(rel)
        if found is None or not stat.S_ISDIR(found[1].st_mode):
            return None
        return sorted(os.listdir(found[0]))

    def display(self, rel: str) -> str:
        return str(self.root / rel)


@dataclass(frozen=True)
class TreeSource:
    """A report folder at a commit, every file read up front from git objects (the working
    tree is never touched); one batch for the whole folder, which matters for the gate on a
    report with a hundred sections."""

    files: Mapping[str, bytes]  # path relative to the report folder -> contents
    label: str  # e.g. "1a2b3c4d5e:content/x/2022"
    links: frozenset[str] = frozenset()  # paths committed as symbolic links (mode 120000)

    def _refuse_link(self, rel: str) -> None:
        parts = rel.split("/")
        for i in range(1, len(parts) + 1):
            link = "/".join(parts[:i])
            if link in self.links:
                target = self.files.get(link, b"").decode("utf-8", errors="replace")
                raise symlink_refused(self.display(link), target)

    def read(self, rel: str) -> bytes | None:
        if self.links:
            self._refuse_link(rel)
        return self.files.get(rel)

    def listdir(self, rel: str) -> list[str] | None:
        if self.links:
            self._refuse_link(rel)
        prefix = rel.rstrip("/") + "/"
        names = {p[len(prefix) :].split("/", 1)[0] for p in self.files if p.startswith(prefix)}
        return sorted(names) if names else None

    def display(self, rel: str) -> str:
        return f"{self.label}/{rel}"


def tree_source(repo: Any, commit: str, folder: str) -> tuple[TreeSource, dict[str, str]]:
    """The folder at ``commit`` as a source, with the blob id of each file."""
    from reportflow.core import gitio  # GitPython costs start-up time; only commits need it

    links: set[str] = set()
    blobs, files = gitio.folder_files(repo, commit, folder, links)
    label = f"{commit[:10]}:{folder}" if folder not in ("", ".") else commit[:10]
    return TreeSource(files, label, frozenset(links)), blobs
