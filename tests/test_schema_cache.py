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


def test_a_validator_in_the_cache_that_this_user_did_not_seal_is_not_run() -> None:
    """A cache folder can come from elsewhere (a CI job restoring ``~/.cache`` saved by
    another branch): marshalled code put there unsealed is never loaded."""
    import marshal

    name = "signoff.schema.json"
    genuine = schema._validator_code(name)
    assert isinstance(genuine, CodeType)
    folder = cache.user_dir()
    assert folder is not None
    place = hashlib.sha256(os.path.dirname(schema.__file__).encode()).hexdigest()[:8]
    (kept,) = (folder / "schemas").glob(f"{name}.{place}.*.bin")
    poisoned = compile("def validate(data, custom_formats={}, name_prefix=None):\n  return data\n",
                       "<poisoned>", "exec")  # fmt: skip
    kept.write_bytes(marshal.dumps(poisoned))  # what an unsealed cache held before
    again = schema._validator_code(name)
    assert isinstance(again, CodeType) and again.co_code == genuine.co_code
    assert again.co_filename != "<poisoned>"
    mac, _sep, data = kept.read_bytes().partition(b"\n")
    assert cache.unseal(kept.read_bytes()) == data and len(mac) == 64  # sealed again


def test_a_report_yaml_parse_in_the_cache_that_this_user_did_not_seal_is_not_used() -> None:
    """The kept parse of report.yaml is the roster the gate trusts: a forged one with the
    right text digest, unsealed or sealed by another key, is read afresh instead."""
    import json

    text = "report: x\nyear: 2022\ntitle: 真的\n"
    assert schema.parse_report_yaml(text, "report.yaml")["title"] == "真的"
    folder = cache.user_dir()
    assert folder is not None
    (kept,) = (folder / "yaml").iterdir()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    forged = json.dumps({"text": digest, "doc": {"report": "x", "year": 2022, "title": "假的"}})
    kept.write_text(forged, encoding="utf-8")
    assert schema.parse_report_yaml(text, "report.yaml")["title"] == "真的"
    kept.write_bytes(b"0" * 64 + b"\n" + forged.encode())  # a seal that is not this user's
    assert schema.parse_report_yaml(text, "report.yaml")["title"] == "真的"
    assert cache.unseal(kept.read_bytes()) is not None  # kept again, sealed
