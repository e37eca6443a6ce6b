"""The history walk started before the rest of reportflow is imported.

``git log`` over the whole history is the slowest single step of ``reportflow gate`` (about
0.2 s on 5,000 commits), and importing the gate's modules (GitPython, the schemas, sshsig)
costs about 0.12 s during which git has nothing to do. A command that knows it will decide
starts the walk first, with nothing but ``subprocess`` and ``threading``, and hands it to
``approval.load_context``, which uses its output only if it walked the very commit it resolves
(a commit made in between is walked again, never guessed).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import threading
from pathlib import Path

from reportflow.core.history import HEADER, LOG_FORMAT

#: ``v<N>``, a release named by its number (``versions.resolve`` reads it as the tag
#: ``<report>/<year>/v<N>``); here, with nothing imported, for the walks and keys read early
RELEASE_REV = re.compile(r"^v([1-9][0-9]*)$")

LOG_ARGS = ("-c", "core.quotePath=false", "log", "--topo-order", "--no-renames", "--raw")
LOG_ARGS += ("--no-abbrev", "-c", LOG_FORMAT)


class Prewalk:
    """git writes to an unlinked temporary file, not a pipe: a pipe needs a Python thread to
    drain it 64 KB at a time, and each read waits for the importing (busy) main thread to
    let go of the GIL, so the 2 MB of a 10,000-commit walk came late (see
    ``gitio._through_files``). ``output_for`` waits for git without holding the GIL."""

    def __init__(self, folder: Path, rev: str) -> None:
        self._out: str | None = None
        self._lock = threading.Lock()  # the walk's thread and the main one may both ask
        self._sink = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _read, after git)
        try:
            self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                ["git", "-C", str(folder), *LOG_ARGS, rev, "--"],
                stdout=self._sink,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
            )
        except OSError:  # no git, no folder: the real walk reports it properly
            self._proc = None
            self._sink.close()

    def _read(self) -> str | None:
        assert self._proc is not None
        with self._lock:
            if self._sink.closed:
                return self._out
            code = self._proc.wait()
            self._sink.seek(0)
            raw = self._sink.read()
            self._sink.close()
            self._out = raw.decode("utf-8", "surrogateescape") if code == 0 else None
            return self._out

    def cancel(self) -> None:
        """Stop the walk (the audit's memo answered instead): git killed, its file closed."""
        if self._proc is None:
            return
        with self._lock:
            if not self._sink.closed:
                self._proc.kill()
                self._proc.wait()
                self._sink.close()

    def output_for(self, commit: str) -> str | None:
        """The log text if it starts at ``commit`` (the newest commit comes first), else None."""
        if self._proc is None:
            return None
        out = self._read()
        if out is None or not out.startswith(f"{HEADER}{commit}"):
            return None
        return out


class RangeWalk:
    """``diff``'s walk of the range between two versions (who made each change), started
    before reportflow's modules are imported, as ``Prewalk`` is for the gate: the revisions
    are resolved by git first and kept with the output, and ``output_for`` gives the output
    only for the very two commits ``diff`` resolves (a tag moved in between, or a name read
    wrongly from report.yaml, is walked again, never guessed)."""

    def __init__(self, folder: Path, old: str, new: str) -> None:
        from reportflow.core.history import range_log_args

        self._commits: tuple[str, ...] = ()
        self._out: str | None = None
        self._args = (str(folder), old, new, range_log_args)
        self._thread = threading.Thread(target=self._walk, daemon=True)
        self._thread.start()

    def _git(self, *args: str) -> str | None:
        # into a file, not a pipe this thread would drain beside the importing one (``Prewalk``)
        with tempfile.TemporaryFile() as sink:
            try:
                proc = subprocess.run(
                    ["git", "-C", self._args[0], *args],
                    stdout=sink,
                    stderr=subprocess.DEVNULL,
                    stdin=subprocess.DEVNULL,
                )
            except OSError:
                return None
            sink.seek(0)
            out = sink.read()
        return out.decode("utf-8", "surrogateescape") if proc.returncode == 0 else None

    def _walk(self) -> None:
        _folder, old, new, log_args = self._args
        found = self._git("rev-parse", "-q", f"{old}^{{commit}}", f"{new}^{{commit}}")
        commits = tuple(found.split()) if found else ()
        if len(commits) != 2:
            return
        self._commits = commits
        self._out = self._git(*log_args(f"{commits[0]}..{commits[1]}"))

    def output_for(self, old_commit: str, new_commit: str) -> str | None:
        self._thread.join()
        return self._out if self._commits == (old_commit, new_commit) else None


def state(folder: Path, rev: str) -> tuple[str, str, bytes] | None:
    """(HEAD's commit, ``rev``'s commit, everything else that decides what git shows of
    them: where the repository is, every ref with its object, the config, grafts and the
    shallow list), read with nothing but ``subprocess``: the audit's memo key
    (``audit/memo.py``), computed before anything else is imported. None when git cannot
    say (no commit yet, an unknown revision): the audit itself then says what is wrong."""
    if rev.startswith("-"):
        return None

    def git(*args: str) -> bytes | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(folder), *args],
                capture_output=True,
                stdin=subprocess.DEVNULL,
            )
        except OSError:
            return None
        return done.stdout if done.returncode == 0 else None

    parsed = git("rev-parse", "--absolute-git-dir", "HEAD^{commit}", f"{rev}^{{commit}}")
    refs = git("for-each-ref", "--format=%(objectname) %(refname)")
    config = git("config", "--list", "-z")
    if parsed is None or refs is None or config is None:
        return None
    git_dir, head, commit = parsed.decode("utf-8", "surrogateescape").split("\n")[:3]
    extra = []
    for name in ("info/grafts", "shallow"):
        try:
            extra.append(Path(git_dir, name).read_bytes())
        except OSError:
            extra.append(b"")
    return head, commit, b"\0\0".join([parsed, refs, config, *extra])
