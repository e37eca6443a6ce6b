"""What this machine has seen: the highest trust root version and the latest release of each
report and year, recorded after a successful ``verify`` or ``release`` (design 3.5).

Deleting the newest version together with its tag, and rewriting the branch to drop its
release record, leaves a repository and an archive that agree with each other; so does
replaying an older root chain. Nothing in them can tell, so the verifier remembers: TUF keeps
the trusted root and the highest versions seen for the same reason. A later ``verify`` that
finds less than was seen refuses as a rollback, naming what was seen and when.

Where: ``$XDG_STATE_HOME/reportflow/seen.json`` (default ``~/.local/state``), not the
``trust.toml`` beside the pin. It is state the tool writes after every verify and release,
not configuration a person or the deployment writes: ``trust.toml`` may be read-only
(``/etc/reportflow`` on a worker), is often managed by hand or by configuration management, and
is absent when the pin comes from ``$REPORTFLOW_TRUST`` or ``--trust`` (CI, the Prefect
workers, the tests), which must remember too. The XDG base directory specification puts such
state in ``XDG_STATE_HOME``. Never in the content repository or its ``.git``: those are the
authors'. Entries are keyed by the pinned root and the repository (its ``remote.origin.url``,
else its path), so every clone of one remote shares what the machine saw.

JSON with the standard library (``tomllib`` only reads); written to a temporary file and
renamed, so a crash never leaves half a state file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportflow.core.errors import InputError
from reportflow.core.i18n import _

FORMAT = "reportflow-seen/1"


@dataclass(frozen=True)
class SeenRelease:
    version: int
    manifest: str  # sha256 hex of the manifest
    when: str  # UTC, when this machine saw it


@dataclass(frozen=True)
class Seen:
    root_version: int = 0
    root_when: str = ""
    releases: Mapping[str, SeenRelease] | None = None  # "<report>/<year>" -> the latest seen

    def release(self, report: str, year: int) -> SeenRelease | None:
        return (self.releases or {}).get(f"{report}/{year}")


def state_file() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "reportflow" / "seen.json"


def _key(pin: str, repository: str) -> str:
    return f"{pin} {repository}"


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"format": FORMAT, "entries": {}}
    except (OSError, ValueError) as exc:
        raise InputError(
            _("cannot read what this machine has seen: {detail}").format(detail=exc),
            file=path,
            hint=_("fix or remove the file (rollback detection starts again from nothing)"),
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), dict):
        raise InputError(
            _("not a reportflow state file (no entries)"),
            file=path,
            hint=_("fix or remove the file (rollback detection starts again from nothing)"),
        )
    return doc


def load(pin: str, repository: str) -> Seen:
    entry = _read(state_file())["entries"].get(_key(pin, repository))
    if not isinstance(entry, dict):
        return Seen()
    releases = {
        name: SeenRelease(int(r["version"]), str(r["manifest"]), str(r.get("when", "")))
        for name, r in entry.get("releases", {}).items()
        if isinstance(r, dict) and "version" in r and "manifest" in r
    }
    return Seen(int(entry.get("root_version", 0)), str(entry.get("root_when", "")), releases)


def load_root(pin: str, names: Any) -> Seen:
    """``load`` for ``pin.find``: the repository's names are asked of git only when the state
    file has an entry for this pin (the gate pays nothing on a machine that saw nothing)."""
    path = state_file()
    if not path.exists():
        return Seen()
    entries = _read(path)["entries"]
    if not any(k.startswith(pin + " ") for k in entries):
        return Seen()
    return load(pin, repository_key(names))


def record(
    pin: str,
    repository: str,
    when: str,
    root_version: int | None = None,
    release: tuple[str, int, int, str] | None = None,
) -> None:
    """Raise what was seen: the root version, and ``release`` = (report, year, version,
    manifest sha256) as the latest of its report and year. Never lowers anything."""
    path = state_file()
    doc = _read(path)
    entry = doc["entries"].setdefault(_key(pin, repository), {})
    if root_version is not None and root_version > int(entry.get("root_version", 0)):
        entry["root_version"], entry["root_when"] = root_version, when
    if release is not None:
        report, year, version, manifest = release
        releases = entry.setdefault("releases", {})
        known = releases.get(f"{report}/{year}")
        if not isinstance(known, dict) or version >= int(known.get("version", 0)):
            releases[f"{report}/{year}"] = {"version": version, "manifest": manifest, "when": when}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".seen-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=2, sort_keys=True)
    os.replace(tmp, path)


def rollback(
    seen: SeenRelease | None, report: str, year: int, latest: int, digest: str | None
) -> str | None:
    """Why the latest version found (``latest``, its manifest ``digest``) is older than, or
    another than, what this machine saw; None when it is not."""
    if seen is None:
        return None
    name = f"{report}/{year}"
    if latest < seen.version:
        return _(
            "rollback: this machine saw {name} v{seen} (manifest sha256 {manifest}…) on {when}; "
            "the repository and the archive now end at v{latest}"
        ).format(
            name=name, seen=seen.version, manifest=seen.manifest[:12], when=seen.when, latest=latest
        )
    if latest == seen.version and digest is not None and digest != seen.manifest:
        return _(
            "this machine saw {name} v{seen} with manifest sha256 {manifest}… on {when}; the "
            "archive now has {found}… (replaced)"
        ).format(
            name=name, seen=seen.version, manifest=seen.manifest[:12], when=seen.when,
            found=digest[:12],
        )  # fmt: skip
    return None


def repository_key(names: Any) -> str:
    """How a repository is named here: its remote URL, else its path (``names()``, as
    ``chainio.repo_names`` gives them)."""
    known = names()
    return known[-1] if known else ""


def latest_problem(
    names: Any, pin: str, report: str, year: int, latest: int, digest: str | None
) -> str | None:
    """``rollback`` against what this machine saw for the repository's report and year."""
    last = load(pin, repository_key(names)).release(report, year)
    return rollback(last, report, year, latest, digest)


def remember(
    names: Any,
    pin: str,
    report: str,
    year: int,
    version: int,
    digest: str | None,
    root_version: int | None,
) -> None:
    """Record ``version`` (manifest sha256 ``digest``) as the latest seen of the report and
    year, and the root version, after a verify or a release that found everything in order."""
    from datetime import UTC, datetime

    if digest is None:
        return
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    record(pin, repository_key(names), when, root_version, (report, year, version, digest))
