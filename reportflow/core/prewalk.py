"""The history walk started before the rest of reportflow is imported.

``git log`` over the whole history is the slowest single step of ``reportflow gate`` (about
0.2 s on 5,000 commits), and importing the gate's modules (GitPython, the schemas, sshsig)
costs about 0.12 s during which git has nothing to do. A command that knows it will decide
starts the walk first, with nothing but ``subprocess`` and ``threading``, and hands it to
``approval.load_context``, which uses its output only if it walked the very commit it resolves
(a commit made in between is walked again, never guessed).
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from reportflow.core.history import HEADER, LOG_FORMAT

LOG_ARGS = ("-c", "core.quotePath=false", "log", "--topo-order", "--no-renames", "--raw")
LOG_ARGS += ("--no-abbrev", "-c", LOG_FORMAT)


class Prewalk:
    def __init__(self, folder: Path, rev: str) -> None:
        self._out: str | None = None
        try:
            self._proc: subprocess.Popen[str] | None = subprocess.Popen(
                ["git", "-C", str(folder), *LOG_ARGS, rev, "--"],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                errors="surrogateescape",
            )
        except OSError:  # no git, no folder: the real walk reports it properly
            self._proc = None
            return
        # read while git writes, or it blocks on a full pipe
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc is not None
        out, _ = self._proc.communicate()
        self._out = out if self._proc.returncode == 0 else None

    def output_for(self, commit: str) -> str | None:
        """The log text if it starts at ``commit`` (the newest commit comes first), else None."""
        if self._proc is None:
            return None
        self._reader.join()
        out = self._out
        if out is None or not out.startswith(f"{HEADER}{commit}"):
            return None
        return out
