"""The audit of a state already audited, given again from a sealed memo.

An inspector asks one repository many questions in a row (each person, each section, the
page, the CSV), and the audit of 10,000 commits reads and verifies everything each time
(0.8 s, four times ``git log``). What it shows is a function of what it reads, so the
timeline of one state is kept and given again while every input is the same:

- the audited commit and HEAD: a commit id names its whole history, contents included;
- every ref with its object (tags are anyone's to move), the git config, grafts and the
  shallow list (``prewalk.state``); ``refs/replace`` is among the refs;
- the environment that reportflow or git read (``GIT_*``, ``REPORTFLOW_*``, ``XDG_*``, the
  locale, ``TZ``, ``FSSPEC_*``), the working folder and the report folder as given;
- the trust pin (``pin.find``: the digest, where it came from, the highest root version
  this machine saw) and the language messages are shown in;
- reportflow's own files, Python, git, sshsig and cryptography (size and time of each);
- the archive: every read the audit made of it (``archive.watch``) is made again and must
  find the same location, listings and bytes (``archive.replay``);
- the clock: date flags compare dates with the auditor's clock, so a timeline in which a date
  was ahead of it (``Timeline.clock_bound``) is not kept, and a memo is not used when the
  clock reads earlier than when it was made.

A memo is one file per repository and report folder in the user's cache, sealed with the
user's key (``cache.seal``): a cache folder restored by a CI job from another branch, or
shared, cannot put a timeline in front of this user. ``--memo off`` reads everything again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from reportflow.core import cache, prewalk

FORMAT = b"reportflow-audit-memo/1"
_ENV = ("GIT_", "REPORTFLOW_", "XDG_", "LANG", "LC_", "TZ", "FSSPEC_", "HOME")
_PACKAGE = Path(__file__).resolve().parent.parent


def _code() -> list[str]:
    """Size and modification time of every file of reportflow (code, schemas, catalogues)
    and of the tools whose answers the timeline holds."""
    import importlib.util
    import shutil

    from reportflow.core import resources

    found = []
    # the schemas, templates and lists: in a checkout they are outside the package's folder
    places = dict.fromkeys([_PACKAGE, resources.data_path().resolve()])
    for top, dirs, files in (entry for place in places for entry in os.walk(place)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            info = os.stat(os.path.join(top, name))
            found.append(f"{top}/{name} {info.st_size} {info.st_mtime_ns}")
    tools = [shutil.which("git") or "git"]
    for module in ("sshsig", "cryptography"):
        spec = importlib.util.find_spec(module)
        tools.append(spec.origin if spec is not None and spec.origin else module)
    for path in tools:
        try:
            info = os.stat(path)
            found.append(f"{path} {info.st_size} {info.st_mtime_ns}")
        except OSError:
            found.append(path)
    return found


def key(report_dir: Path, rev: str) -> tuple[str, Path] | None:
    """(the key of everything the audit of ``rev`` reads outside the archive, the memo's
    file); None when the audit of ``rev`` is not kept (a release name, no cache, git cannot
    resolve it)."""
    folder = cache.user_dir()
    # v<N> is resolved from the working tree's report.yaml and the archive
    # (``versions.resolve_at``): such an audit is not kept
    if folder is None or prewalk.RELEASE_REV.match(rev) or not Path(report_dir).is_dir():
        return None
    found = prewalk.state(Path(report_dir), rev)
    if found is None:
        return None
    head, commit, git_state = found
    from reportflow.core import gitio, i18n
    from reportflow.signoff import chainio, pin

    repo = gitio.require_repo(Path(report_dir))
    trusted = pin.find(chainio.repo_names(repo))
    env = sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith(_ENV))
    parts = [
        FORMAT.decode(),
        sys.version,
        sys.executable,
        os.getcwd(),
        str(report_dir),
        os.path.realpath(report_dir),
        head,
        commit,
        i18n.language(),
        repr(trusted),
        *env,
        *_code(),
    ]
    digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape"))
    digest.update(git_state)
    place = hashlib.sha256(f"{repo.git_dir}\0{os.path.realpath(report_dir)}".encode()).hexdigest()
    return digest.hexdigest(), folder / "audit" / f"{place[:32]}.memo"


def load(found: tuple[str, Path]) -> str | None:
    """The kept audit (its JSON, unfiltered) if it was made for this very key, is sealed by
    this user, the clock has not gone back and the archive reads the same; else None."""
    from reportflow.release import archive

    digest, path = found
    try:
        data = cache.unseal(path.read_bytes())
    except OSError:
        return None
    if data is None:
        return None
    head, _sep, body = data.partition(b"\n")
    try:
        meta: dict[str, Any] = json.loads(head)
    except ValueError:
        return None
    if meta.get("format") != FORMAT.decode() or meta.get("key") != digest:
        return None
    if not isinstance(meta.get("clock"), (int, float)) or time.time() < meta["clock"]:
        return None
    if not archive.replay(meta.get("reads", [])):
        return None
    return body.decode("utf-8")


def store(found: tuple[str, Path], text: str, reads: list[Any], made: float) -> None:
    """Keep ``text`` (the unfiltered audit JSON) for ``found``'s key; nothing when it cannot
    be sealed (no key of the user's own) or written."""
    digest, path = found
    meta = {"format": FORMAT.decode(), "key": digest, "clock": made, "reads": reads}
    sealed = cache.seal(json.dumps(meta).encode() + b"\n" + text.encode("utf-8"))
    if sealed is not None:
        try:  # the timeline names people and their records: the user's eyes only
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError:
            return
        cache.write_atomic(path, sealed)
