"""Signature checks remembered inside one process: for the review server, which decides at
every new HEAD and would otherwise verify every record of the ledger again each time.

A passkey assertion costs ~2 ms to verify (``webauthn``), and at a HEAD the server's own
commit made, all records but the new ones were verified at the HEAD before: with 100 records,
two thirds of a decision (bench/bench_serve.py). The answer is a pure function of the record
(its digest covers every field, signature included) and of the keys it is checked against,
so it is kept by both. Only in memory, only answers this process computed: the cache on
disk that once stood here was writable by anyone with the clone (issue 11, family 9), and
nothing read from a file is evidence.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence

from reportflow.signoff import ledger
from reportflow.signoff.ledger import SignoffRecord, Verification


class Remembered:
    """``ledger.verify_many`` with this process's earlier answers kept (at most ``size``)."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._known: OrderedDict[tuple[str, tuple[str, ...], str], Verification] = OrderedDict()
        self._lock = threading.Lock()
        self.verified = 0  # signatures actually checked (the tests count them)

    def __call__(
        self, records: Iterable[SignoffRecord], keys_of: Mapping[str, Sequence[str]]
    ) -> dict[str, Verification]:
        how = os.environ.get("REPORTFLOW_VERIFIER", "")
        results: dict[str, Verification] = {}
        ask: list[SignoffRecord] = []
        keyed: dict[str, tuple[str, tuple[str, ...], str]] = {}
        with self._lock:
            for rec in records:
                key = (rec.digest, tuple(keys_of.get(rec.reviewer, ())), how)
                found = self._known.get(key)
                if found is None:
                    ask.append(rec)
                    keyed[rec.digest] = key
                else:
                    results[rec.digest] = found
        if ask:
            fresh = ledger.verify_many(ask, keys_of)
            with self._lock:
                self.verified += sum(r.signature is not None for r in ask)
                for digest, answer in fresh.items():
                    self._known[keyed[digest]] = answer
                while len(self._known) > self.size:
                    self._known.popitem(last=False)
            results.update(fresh)
        return results
