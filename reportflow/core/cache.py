"""Files that only make later runs faster: losing or damaging one costs time, never a result.

Per-user caches live under ``$XDG_CACHE_HOME/reportflow`` (``~/.cache/reportflow``), next to
the error log; per-repository ones under ``.git/reportflow`` (``gitio.cache_dir``). What a
later run takes from the user's cache as it is (a report.yaml's parse, the compiled schema
validators, the audit's memo) is sealed with the user's key (``seal``/``unseal``): a cache
folder is not always written by its user alone.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def _xdg(variable: str, fallback: str) -> Path | None:
    """``$<variable>/reportflow``, else ``~/<fallback>/reportflow``; None when there is no home
    folder (a service account without one). A relative value is ignored, as the XDG
    specification asks, so nothing lands in the working folder."""
    base = os.environ.get(variable, "")
    if not os.path.isabs(base):
        try:
            base = str(Path.home() / fallback)
        except (RuntimeError, KeyError):
            return None
        if not os.path.isabs(base):
            return None
    return Path(base) / "reportflow"


def user_dir() -> Path | None:
    """``$XDG_CACHE_HOME/reportflow`` (``~/.cache/reportflow``); None without a home folder:
    then nothing is cached, and nothing fails for it."""
    return _xdg("XDG_CACHE_HOME", ".cache")


def write_atomic(path: Path, data: bytes) -> bool:
    """Replace ``path`` in one step, so a concurrent reader sees the old or the new file and
    never half of one; False (and nothing written) when the folder is not writable."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")  # per writer
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        return False
    return True


def config_dir() -> Path | None:
    """``$XDG_CONFIG_HOME/reportflow`` (``~/.config/reportflow``), where the trust pin's
    config lives too; None without a home folder."""
    return _xdg("XDG_CONFIG_HOME", ".config")


SEAL_FILE = "cache-seal.key"
_SEAL_BYTES = 32


def _seal_key() -> bytes | None:
    """The user's sealing key, made on first use (random, 0600, beside the trust config).

    Why a key: a cache folder is not always the user's alone. CI systems save and restore
    ``~/.cache`` between jobs of different branches, and ``XDG_CACHE_HOME`` may point at a
    shared folder; a result kept there could have been written by anyone who could write
    that folder. The key lives with the trust config, which decides what the user trusts
    anyway: whoever can replace it can replace the pin. A key file that is not the user's
    own, or that others may read or write, seals nothing (the caller then keeps nothing)."""
    folder = config_dir()
    if folder is None:
        return None
    path = folder / SEAL_FILE
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return _new_seal_key(path)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if info.st_uid != os.geteuid() or info.st_mode & 0o077:
            return None
        key = os.read(fd, _SEAL_BYTES + 1)
    finally:
        os.close(fd)
    return key if len(key) == _SEAL_BYTES else None


def _new_seal_key(path: Path) -> bytes | None:
    """Written to a file of its own and linked into place, so a second process never reads
    a key file that exists but is still empty (it finds the whole key or none)."""
    key = os.urandom(_SEAL_BYTES)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, key)
        finally:
            os.close(fd)
        os.link(tmp, path)
    except FileExistsError:  # another process made it meanwhile: use theirs
        return _seal_key()
    except OSError:
        return None
    finally:
        tmp.unlink(missing_ok=True)
    return key


def seal(data: bytes) -> bytes | None:
    """``data`` with an HMAC-SHA256 of it in front (hex, one line); None when there is no
    sealing key (then nothing should be kept)."""
    import hmac

    key = _seal_key()
    if key is None:
        return None
    return hmac.new(key, data, "sha256").hexdigest().encode() + b"\n" + data


def unseal(blob: bytes) -> bytes | None:
    """The data ``seal`` sealed, or None if the seal does not match this user's key (made
    elsewhere, edited, cut short)."""
    import hmac

    key = _seal_key()
    mac, sep, data = blob.partition(b"\n")
    if key is None or not sep:
        return None
    if not hmac.compare_digest(hmac.new(key, data, "sha256").hexdigest().encode(), mac):
        return None
    return data
