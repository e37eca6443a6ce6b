"""Files that only make later runs faster: losing or damaging one costs time, never a result.

Per-user caches live under ``$XDG_CACHE_HOME/reportflow`` (``~/.cache/reportflow``), next to
the error log; per-repository ones under ``.git/reportflow`` (``gitio.cache_dir``).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def user_dir() -> Path | None:
    """None when there is no home folder to keep a cache in (a service account without
    one): then nothing is cached, and nothing fails for it. A relative ``XDG_CACHE_HOME`` is
    ignored, as the XDG specification asks, so a cache never lands in the working folder."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):
            return None
        if not os.path.isabs(base):
            return None
    return Path(base) / "reportflow"


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
