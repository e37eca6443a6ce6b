"""The compiled schema validators cached in the user's cache folder: one file per checkout,
so that two checkouts (a worktree and the installed copy) do not remove each other's."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from types import CodeType

from reportflow.content import schema
from reportflow.core import cache


def test_a_checkout_keeps_its_own_validator_and_leaves_another_checkouts() -> None:
    name = "signoff.schema.json"
    folder = cache.user_dir()
    assert folder is not None and str(folder).startswith(os.environ["XDG_CACHE_HOME"])
    (folder / "schemas").mkdir(parents=True, exist_ok=True)
    theirs = folder / "schemas" / f"{name}.0badc0de.{'0' * 32}.bin"
    older = folder / "schemas" / f"{name}.{'1' * 32}.bin"  # the name before checkouts had one
    for path in (theirs, older):
        path.write_bytes(b"not marshal data")
    code = schema._validator_code(name)
    assert isinstance(code, CodeType)
    place = hashlib.sha256(os.path.dirname(schema.__file__).encode()).hexdigest()[:8]
    mine = sorted(p.name for p in (folder / "schemas").glob(f"{name}.{place}.*.bin"))
    assert len(mine) == 1
    assert theirs.exists() and not older.exists()
    # read back from the cache: the same code, nothing generated or removed
    stamp = (folder / "schemas" / mine[0]).stat().st_mtime_ns
    again = schema._validator_code(name)
    assert isinstance(again, CodeType) and again.co_code == code.co_code
    assert (folder / "schemas" / mine[0]).stat().st_mtime_ns == stamp and theirs.exists()
    assert Path(theirs).read_bytes() == b"not marshal data"
