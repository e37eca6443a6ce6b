"""The history a trust decision reads: every commit reachable from the reviewed one, parsed.

Separation of duties asks "who changed this text?", so nothing may hide a change. The earlier
walk (``git log -- <paths>``) hid two kinds (issue 11): git's history simplification drops a
merged-away branch whose result equals one parent, and ``git log --raw`` prints nothing for a
merge commit, so text a merger typed in (in neither parent) was nobody's. It also knew only the
author's e-mail, which is one ``GIT_AUTHOR_EMAIL`` away from being someone else's. This module
parses one ``git log`` over the whole DAG, no pathspec, with parents, author, committer and
``Co-authored-by:`` trailers, and ``-c --raw`` lines for merges; and the dense combined diff
(``--cc``) that tells a merge that only joined two drafts from one that added text of its own.

Pure functions over git's text output; the git calls are in ``gitio.walk``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

HEADER = "\x1e"  # starts each commit's line in the log format
FIELD = "\x1f"
TRAILER = "\x1d"
# %(trailers...) needs git 2.22+; valueonly gives "Name <email>"
LOG_FORMAT = (
    f"--format={HEADER}%H{FIELD}%P{FIELD}%an{FIELD}%ae{FIELD}%ce{FIELD}%ct{FIELD}"
    f"%(trailers:key=Co-authored-by,valueonly,separator={TRAILER})"
)
_EMAIL = re.compile(r"<([^<>]+)>")
_RANGE_SEP = "\x1f"


def range_log_args(rev_range: str) -> list[str]:
    """``git log`` of the commits of ``rev_range``, oldest first, each with the paths it
    changed (``parse_range_log``). No pathspec: git's history simplification would hide
    commits (issue 11), a folder name with ``*`` or ``[`` would be a glob, and git decides
    TREESAME with one diff and prints the names with another, a third slower than filtering
    the names here."""
    return ["-c", "core.quotePath=false", "log", "--reverse", "--no-renames", "--name-only",
            "-z", f"--format={_RANGE_SEP}%H", rev_range]  # fmt: skip


def parse_range_log(out: str, prefix: str) -> list[tuple[str, list[str]]]:
    """``(commit, paths under prefix)`` from ``range_log_args``' output, oldest first, for
    each commit that changed a path there."""
    found: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for entry in out.split("\0"):
        entry = entry.strip("\n")
        if entry.startswith(_RANGE_SEP):
            sha, _, rest = entry[1:].partition("\n")
            current = []
            found.append((sha, current))
            entry = rest
        if entry and current is not None and entry.startswith(prefix):
            current.append(entry)
    return [(sha, paths) for sha, paths in found if paths]


_NULL = "0" * 40


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author: str  # the author's name, for messages
    emails: tuple[str, ...]  # lower-cased, unique: author, committer, co-authors in that order
    ctime: int = 0  # committer time, seconds since the epoch: self-declared, a sanity check only

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


@dataclass(frozen=True)
class Change:
    """One commit's change to one file: the blob after it, and everyone who made it."""

    commit: str
    blob: str  # the file's blob id after this commit (40 zeros: deleted)
    author: str
    emails: tuple[str, ...]
    merge: bool = False  # a merge commit that put text of its own into the file
    # policy.signed_commits only: the person whose roster key signed the commit, "" unsigned,
    # "?" signed by a key listed for nobody; None: not checked (the policy is off)
    signer: str | None = None

    @property
    def email(self) -> str:
        return self.emails[0] if self.emails else ""


@dataclass(frozen=True)
class Walk:
    """Commits newest first (children before parents), and the changes to the paths asked for."""

    commits: Mapping[str, Commit]
    changes: Mapping[str, tuple[Change, ...]]  # path -> newest first
    # merges whose result for a path differs from every parent's: candidates for text of their
    # own, confirmed (or not) by the combined diff
    merge_candidates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def with_merges(self, confirmed: Iterable[tuple[str, str]]) -> Walk:
        """The walk with the confirmed ``(merge, path)`` pairs entered as changes."""
        extra: dict[str, list[str]] = {}
        for merge, path in confirmed:
            extra.setdefault(path, []).append(merge)
        if not extra:
            return self
        order = {sha: i for i, sha in enumerate(self.commits)}
        changes = {p: list(c) for p, c in self.changes.items()}
        for path, merges in extra.items():
            blobs = self._merge_blobs.get(path, {})
            for sha in merges:
                commit = self.commits[sha]
                change = Change(sha, blobs.get(sha, _NULL), commit.author, commit.emails, True)
                changes.setdefault(path, []).append(change)
            changes[path].sort(key=lambda c: order.get(c.commit, 1 << 30))
        return Walk(
            self.commits,
            MappingProxyType({p: tuple(c) for p, c in changes.items()}),
            self.merge_candidates,
            self._merge_blobs,
        )

    _merge_blobs: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # path->merge->blob


def _emails(author: str, committer: str, trailers: str) -> tuple[str, ...]:
    if not trailers:  # the common case, once per commit of a long history
        a, c = author.strip().lower(), committer.strip().lower()
        return tuple(dict.fromkeys(e for e in (a, c) if e))
    found = [author, committer, *(m for t in trailers.split(TRAILER) for m in _EMAIL.findall(t))]
    unique: dict[str, None] = {}
    for email in found:
        if email.strip():
            unique.setdefault(email.strip().lower(), None)
    return tuple(unique)


def parse_log(text: str, prefixes: Iterable[str]) -> Walk:
    """Parse ``git log --topo-order --no-renames --raw --no-abbrev -c`` with ``LOG_FORMAT``;
    keep the raw lines of paths under ``prefixes`` (strings a path starts with)."""
    wanted = tuple(prefixes)
    commits: dict[str, Commit] = {}
    changes: dict[str, list[Change]] = {}
    candidates: dict[str, list[str]] = {}
    merge_blobs: dict[str, dict[str, str]] = {}
    current: Commit | None = None
    # a few people make thousands of commits: their e-mails are worked out once per trio
    known: dict[tuple[str, str, str], tuple[str, ...]] = {}
    for line in text.split("\n"):
        if line.startswith(HEADER):
            sha, parents, name, author, committer, ctime, trailers = line[1:].split(FIELD, 6)
            trio = (author, committer, trailers)
            emails = known.get(trio)
            if emails is None:
                emails = known[trio] = _emails(author, committer, trailers)
            current = Commit(sha, tuple(parents.split()), name, emails, int(ctime or 0))
            commits[sha] = current
        elif line.startswith(":") and current is not None:
            meta, _, path = line.partition("\t")
            if not path.startswith(wanted):
                continue
            fields = meta.split()
            if line.startswith("::"):  # a combined line: one blob per parent, then the result
                blob = fields[2 * (len(current.parents) + 1) - 1]
                candidates.setdefault(path, []).append(current.sha)
                merge_blobs.setdefault(path, {})[current.sha] = blob
            else:
                changes.setdefault(path, []).append(
                    Change(current.sha, fields[3], current.author, current.emails)
                )
    return Walk(
        MappingProxyType(commits),
        MappingProxyType({p: tuple(c) for p, c in changes.items()}),
        MappingProxyType({p: tuple(m) for p, m in candidates.items()}),
        MappingProxyType({p: MappingProxyType(b) for p, b in merge_blobs.items()}),
    )


def old_blobs(text: str, prefixes: Iterable[str]) -> dict[tuple[str, str], str]:
    """``(commit, path) -> blob before the commit`` from the same ``git log`` text as
    ``parse_log``, for the single-parent raw lines of paths under ``prefixes`` (40 zeros: the
    file was added). The gate never needs it; the audit counts what each change added and
    removed from the two versions."""
    wanted = tuple(prefixes)
    found: dict[tuple[str, str], str] = {}
    sha = ""
    for line in text.split("\n"):
        if line.startswith(HEADER):
            sha = line[1:41]
        elif line.startswith(":") and not line.startswith("::"):
            meta, _, path = line.partition("\t")
            if path.startswith(wanted):
                found[(sha, path)] = meta.split()[2]
    return found


def merges_with_own_text(text: str, parents: Mapping[str, int]) -> set[tuple[str, str]]:
    """``(merge, path)`` pairs whose dense combined diff (``git diff-tree --cc -p --stdin``)
    has a line in none of the parents (``++``) or removed from all of them (``--``).

    A merge that only joins two drafts shows each side's lines with one ``+`` column; those
    lines have their own commits on the branches. ``parents`` gives each merge's parent count.
    """
    found: set[tuple[str, str]] = set()
    merge, path, width = "", "", 0
    for line in text.split("\n"):
        if len(line) == 40 and all(c in "0123456789abcdef" for c in line):
            merge, path, width = line, "", parents.get(line, 2)
        elif line.startswith("diff --cc "):
            path = line.removeprefix("diff --cc ")
        elif path and line[:1] in "+-" and not line.startswith(("+++ ", "--- ")):
            marks = line[:width]
            if len(marks) == width and (set(marks) == {"+"} or set(marks) == {"-"}):
                found.add((merge, path))
    return found


class Dag:
    """Ancestry over the walk's commits: the only order of events that nobody can declare.

    Commit dates are whatever the committer's clock (or ``GIT_COMMITTER_DATE``) said; the
    parent links are fixed by the commit ids. ``is_ancestor`` walks parents from the later
    commit, pruned by generation number (a commit's generation is one more than its parents'
    highest), so the common question "is the reviewed commit the parent of the commit that
    added its record?" costs a step or two, whatever the size of the history.
    """

    def __init__(self, commits: Mapping[str, Commit]) -> None:
        self._parents = {sha: c.parents for sha, c in commits.items()}
        self._gen: dict[str, int] = {}
        for sha in reversed(list(commits)):  # parents before children (topological order)
            self._gen[sha] = 1 + max((self._gen.get(p, 0) for p in self._parents[sha]), default=0)
        self._memo: dict[tuple[str, str], bool] = {}
        self._children: dict[str, list[str]] | None = None
        self._below: dict[str, frozenset[str]] = {}  # commit -> all its descendants
        self._above: dict[str, frozenset[str]] = {}  # commit -> itself and its ancestors

    def __contains__(self, sha: object) -> bool:
        return sha in self._gen

    def generation(self, sha: str) -> int:
        """1 for a root commit, one more than the highest parent otherwise; 0 if unknown.
        A commit's generation is higher than every ancestor's (used to pick the newest)."""
        return self._gen.get(sha, 0)

    # A backward walk from ``newer`` stops at ``older``'s generation, so it costs about the
    # generations in between: nothing when a record was committed on top of the commit it
    # reviewed, but a whole history when many records review one old commit. Past this gap
    # the descendants of ``older`` are computed once and shared by every later question.
    _NEAR = 64

    def is_ancestor(self, older: str, newer: str) -> bool:
        """True when ``older`` is ``newer`` or one of its ancestors (both in the walk)."""
        if older not in self._gen or newer not in self._gen:
            return False
        if older == newer:
            return True
        if self._gen[newer] <= self._gen[older]:
            return False
        if self._gen[newer] - self._gen[older] > self._NEAR:
            return newer in self._descendants(older)
        key = (older, newer)
        if key not in self._memo:
            floor = self._gen[older]
            seen: set[str] = set()
            todo = [newer]
            found = False
            while todo and not found:
                sha = todo.pop()
                for parent in self._parents.get(sha, ()):
                    if parent == older:
                        found = True
                        break
                    if parent not in seen and self._gen.get(parent, 0) > floor:
                        seen.add(parent)
                        todo.append(parent)
            self._memo[key] = found
        return self._memo[key]

    def _descendants(self, sha: str) -> frozenset[str]:
        if sha not in self._below:
            if self._children is None:
                self._children = {}
                for child, parents in self._parents.items():
                    for parent in parents:
                        self._children.setdefault(parent, []).append(child)
            seen: set[str] = set()
            todo = [sha]
            while todo:
                for child in self._children.get(todo.pop(), ()):
                    if child not in seen:
                        seen.add(child)
                        todo.append(child)
            self._below[sha] = frozenset(seen)
        return self._below[sha]

    def ancestors(self, sha: str) -> frozenset[str]:
        """``sha`` and every commit in its history (empty if ``sha`` is not in the walk):
        what a reviewer who signed ``sha`` had before them, for separation of duties. One walk
        per reviewed commit, memoized; the ledger's records mostly review a few commits."""
        if sha not in self._gen:
            return frozenset()
        if sha not in self._above:
            seen = {sha}
            todo = [sha]
            while todo:
                for parent in self._parents.get(todo.pop(), ()):
                    if parent not in seen and parent in self._gen:
                        seen.add(parent)
                        todo.append(parent)
            self._above[sha] = frozenset(seen)
        return self._above[sha]
