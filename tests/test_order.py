"""Which decision came after which, from a commit graph given by hand (``DagOrder``), and the
time order kept for records built by hand (issue 17: the order's mutants had no in-process
test; its git-backed tests run in a subprocess)."""

from __future__ import annotations

from test_ledger import record

from reportflow.core.history import Commit, Dag
from reportflow.signoff.order import TIME_ORDER, DagOrder

# r -- a -- m      two branches from r that meet in m
#  \-- b --/
SHAS = {"r": "1" * 40, "a": "2" * 40, "b": "3" * 40, "m": "4" * 40}
GRAPH = Dag(
    {  # newest first, as git log lists them
        SHAS["m"]: Commit(SHAS["m"], (SHAS["a"], SHAS["b"]), "x", ()),
        SHAS["b"]: Commit(SHAS["b"], (SHAS["r"],), "x", ()),
        SHAS["a"]: Commit(SHAS["a"], (SHAS["r"],), "x", ()),
        SHAS["r"]: Commit(SHAS["r"], (), "x", ()),
    }
)


def test_a_record_sees_what_its_reviewed_commit_holds() -> None:
    reject = record(decision="reject", commit=SHAS["r"], time="2999-01-01T00:00:00.000Z")
    on_a = record(commit=SHAS["a"], comment="a")
    on_b = record(commit=SHAS["b"], comment="b")
    on_m = record(commit=SHAS["m"], comment="m")
    unknown = record(commit="9" * 40, comment="?")
    # the reject was added in a, on one branch only; the approvals' adding commits are theirs
    order = DagOrder(
        GRAPH, {reject.digest: SHAS["a"], on_a.digest: SHAS["a"], on_b.digest: SHAS["b"]}
    )
    assert order.sees(on_a, reject)  # a holds the commit that added it
    assert not order.sees(on_b, reject)  # b is on the other branch: the reject stands
    assert order.sees(on_m, reject)  # the merge holds both branches
    assert not order.sees(reject, on_b)
    assert not order.sees(unknown, reject)  # a reviewed commit outside the graph sees nothing
    assert not order.sees(on_m, on_m)  # a record whose adding commit is unknown is seen by none
    # the record's own time (2999) plays no part
    assert order.sees(on_m, on_b) and not order.sees(on_a, on_b)


def test_time_order_is_by_time_then_digest() -> None:
    early, late = record(time="2023-01-01T00:00:00.000Z"), record(time="2023-01-02T00:00:00.000Z")
    assert TIME_ORDER.sees(late, early) and not TIME_ORDER.sees(early, late)
    assert not TIME_ORDER.sees(early, early)
