"""The order of decisions: which sign-off came after which.

A reject must outrank the approvals made before it, and a new approval must answer a reject;
"before" cannot come from the records' ``time`` fields, which their signers write (an
approval dated 2999 outranked every later reject, issue 11). ``DagOrder`` takes it from the
commit graph: a record *sees* another when the commit its reviewer reviewed (the signed
``commit`` field) has the commit that added the other in its history. That is a partial order,
the same in every clone, whatever the file names, dates or the order git lists things in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from reportflow.core.history import Dag
from reportflow.signoff.ledger import SignoffRecord


class Order(Protocol):
    """Which decision came after which: ``sees(later, earlier)`` when the reviewer of ``later``
    had ``earlier`` before them. The records' own times are whatever their signer wrote (an
    approval dated 2999 would outrank every reject, issue 11), so ``approval.py`` answers from
    the commit graph: ``later``'s reviewed commit has the commit that added ``earlier`` in its
    history. Two decisions may see neither each other (two branches): then a reject stays
    unanswered, and the reject wins.
    """

    def sees(self, later: SignoffRecord, earlier: SignoffRecord) -> bool: ...


class TimeOrder:
    """Records ordered by (time, digest): for pure tests that build records by hand, and for
    record sets whose adding commits are unknown."""

    def sees(self, later: SignoffRecord, earlier: SignoffRecord) -> bool:
        return earlier.order < later.order


TIME_ORDER = TimeOrder()


class DagOrder:
    """``later`` sees ``earlier`` when ``earlier``'s adding commit is in the history of the
    commit ``later``'s reviewer signed. Records without a known adding commit see nothing and
    are seen by nothing (the edge refuses them before they get here)."""

    def __init__(self, dag: Dag, added_in: Mapping[str, str]) -> None:
        self._dag = dag
        self._added_in = added_in  # record digest -> the commit that added it

    def sees(self, later: SignoffRecord, earlier: SignoffRecord) -> bool:
        added = self._added_in.get(earlier.digest)
        return added is not None and self._dag.is_ancestor(added, later.commit)
