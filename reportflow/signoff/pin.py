"""Where the pinned trust root comes from: anywhere but the content repository.

The pin is the digest of a trust root version (``trust.py``), given out of band: the approval
sheet, the records office, a CI secret. Anything inside the repository is written by its
authors, so nothing there is ever read as a pin (no ``.reportflow/``, no ``trust/``, no
report.yaml field). Precedence, first found wins:

1. ``--trust sha256:…`` on gate, status, signoff, release, verify (``set_override``);
2. ``$REPORTFLOW_TRUST``;
3. ``$XDG_CONFIG_HOME/reportflow/trust.toml`` (default ``~/.config``);
4. ``/etc/reportflow/trust.toml`` (CI runners, Prefect workers).

A config file holds a default ``root`` and/or ``[[repository]]`` entries matched by the
repository's ``remote.origin.url`` or its absolute path; ``[repository.seen]`` keeps the highest
root version this machine trusted (``trust pin``, ``trust show``), so an older root chain
replayed later is refused as a rollback.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reportflow.core.errors import InputError, Refused
from reportflow.core.i18n import _

ENV = "REPORTFLOW_TRUST"
PIN_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
SYSTEM_CONFIG = Path("/etc/reportflow/trust.toml")

_override: str | None = None


@dataclass(frozen=True)
class Pin:
    digest: str
    source: str  # where it was found, for messages
    seen: int = 0  # highest root version this machine trusted (0: none recorded)
    seen_when: str = ""  # when it was recorded (``seen.py``), for the rollback message


def set_override(value: str | None) -> None:
    """``--trust`` on the command line: wins over every other source for this process."""
    global _override
    _override = check(value, "--trust") if value else None


def check(value: str, source: str) -> str:
    value = value.strip()
    if not PIN_RE.match(value):
        raise InputError(
            _("{source}: {value!r} is not a trust root digest").format(source=source, value=value),
            hint=_("expected sha256:<64 hex digits>, as 'reportflow trust show' prints it"),
        )
    return value


def user_config() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "reportflow" / "trust.toml"


def _read(path: Path) -> dict[str, Any] | None:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        detail = _("cannot read the trust config: {detail}").format(detail=exc)
        raise InputError(detail, file=path) from None


def _entry(doc: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any] | None:
    for entry in doc.get("repository", ()):
        if isinstance(entry, dict) and entry.get("match") in names:
            return entry
    return None


def find(names: Callable[[], tuple[str, ...]] = tuple) -> Pin | None:
    """The pin for a repository known by ``names()`` (its absolute path, its remote URL:
    asked only when a config file is read), with the highest root version this machine saw
    (the config's, or the state file's: ``seen.py``)."""
    found = _find(names)
    if found is None:
        return None
    from reportflow.signoff import seen

    state = seen.load_root(found.digest, names)
    if state.root_version > found.seen:
        return replace(found, seen=state.root_version, seen_when=state.root_when)
    return found


def _find(names: Callable[[], tuple[str, ...]]) -> Pin | None:
    if _override:
        return Pin(_override, "--trust")
    env = os.environ.get(ENV, "").strip()
    if env:
        return Pin(check(env, f"${ENV}"), f"${ENV}")
    known: tuple[str, ...] | None = None
    for path in (user_config(), SYSTEM_CONFIG):
        doc = _read(path)
        if doc is None:
            continue
        known = names() if known is None else known
        entry = _entry(doc, known)
        if entry is not None and entry.get("root"):
            seen = entry.get("seen", {})
            version = seen.get("root_version", 0) if isinstance(seen, dict) else 0
            return Pin(check(str(entry["root"]), str(path)), str(path), int(version))
        if doc.get("root"):
            return Pin(check(str(doc["root"]), str(path)), str(path))
    return None


def not_pinned() -> Refused:
    return Refused(
        _(
            "trust root not pinned: set REPORTFLOW_TRUST=sha256:… or run 'reportflow trust pin' "
            "(the digest is on the approval sheet; ask the records office)"
        )
    )


def _toml_string(value: str) -> str:
    # TOML basic strings take JSON's escapes for what we write (paths, URLs, digests).
    import json

    return json.dumps(value, ensure_ascii=False)


def write(digest: str, match: str, seen: int = 0, path: Path | None = None) -> Path:
    """Pin ``digest`` for the repository ``match`` in the user's config (other entries kept).

    Written by hand, not with a TOML library: the file has one shape (strings and one integer
    per entry), reading it back with tomllib checks the result, and it saves a dependency."""
    path = path or user_config()
    doc = _read(path) or {}
    entries = [e for e in doc.get("repository", ()) if isinstance(e, dict)]
    entries = [e for e in entries if e.get("match") != match]
    entries.append({"match": match, "root": check(digest, "pin"), "seen": {"root_version": seen}})
    lines = ["# reportflow: pinned trust roots (reportflow trust pin); never kept in a repository"]
    if doc.get("root"):
        lines.append(f"root = {_toml_string(str(doc['root']))}")
    for e in entries:
        lines += ["", "[[repository]]"]
        for key in ("match", "root", "archive"):
            if e.get(key):
                lines.append(f"{key} = {_toml_string(str(e[key]))}")
        version = e.get("seen", {}).get("root_version", 0) if isinstance(e.get("seen"), dict) else 0
        if version:
            lines += ["[repository.seen]", f"root_version = {int(version)}"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))  # what we wrote reads back
    return path


def record_seen(names: tuple[str, ...], version: int) -> None:
    """Raise the seen root version of the user config's entry for this repository."""
    path = user_config()
    doc = _read(path)
    entry = _entry(doc, names) if doc else None
    if entry is None:
        return
    seen = entry.get("seen", {})
    if isinstance(seen, dict) and int(seen.get("root_version", 0)) >= version:
        return
    write(str(entry["root"]), str(entry["match"]), version, path)
