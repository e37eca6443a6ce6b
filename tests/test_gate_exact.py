"""The gate's whole answer, compared field by field (issue 17).

The other gate tests ask one question each (is it approved? does a note name the reason?), so a
mutant that changes a message, drops a note, counts the wrong records or reorders ``missing``
passed them all. Here every scenario states the complete ``GateResult``: what ``status``,
``gate --format json``, the approval sheet and the manifest are built from.
"""

from __future__ import annotations

from types import MappingProxyType

from test_gate import FACTS, POLICY, full, make_roster, rec, run

from reportflow.signoff import gate

A, B, FP = "a" * 40, "b" * 40, FACTS.report_fingerprint
UNCHANGED = gate.RosterVerdict(make_roster(), "unchanged")
SOD = "since the last approved version (separation of duties)"


def verdict(scope, status, required=1, approvers=(), needed="", notes=(), counted=(), excl=()):
    return gate.SectionVerdict(scope, status, required, approvers, needed, notes, counted, excl)


def result(passed, a, b, report, missing=(), counted=(), roster=UNCHANGED, invalid=()):
    return gate.GateResult(
        passed, MappingProxyType({"a": a, "b": b}), report, roster, missing, counted, invalid
    )


def _with_roster(records, rv, blocking=()):
    return gate.evaluate(
        FACTS, rv, records, {}, {r.digest: "valid" for r in records}, blocking=blocking
    )


def _a_waits(b, invalid=()):
    """Section a has no approval that counts, b is approved by deputy-head-2."""
    needed = "1 more approval from role deputy-head"
    waits = "final approval counts only once every section is approved (a)"
    return result(
        False,
        verdict("section:a", "pending", needed=needed),
        verdict("section:b", "approved", approvers=("deputy-head-2",), counted=(b,)),
        verdict("report", "pending", needed=waits),
        missing=(
            f"section a (一、甲): pending, {needed}",
            f"report (final approval): pending, {waits}",
        ),
        counted=(b,),
        invalid=invalid,
    )


def test_everything_approved() -> None:
    a, b, final = full()
    assert run([a, b, final]) == result(
        True,
        verdict("section:a", "approved", approvers=("deputy-head-1",), counted=(a,)),
        verdict("section:b", "approved", approvers=("deputy-head-2",), counted=(b,)),
        verdict("report", "approved", approvers=("party-secretary",), counted=(final,)),
        counted=(a, b, final),
    )


def test_stale_rejected_and_a_final_approval_that_waits() -> None:
    records = [
        rec("section:a", "0" * 40, "deputy-head-1", t=1),  # an older text of a
        rec("section:b", B, "deputy-head-2", t=2),
        rec("section:b", B, "deputy-head-1", "reject", t=3),
        rec("report", FP, "party-secretary", t=4),
    ]
    needed_a = "1 more approval from role deputy-head"
    needed_b = "rejected by deputy-head-1; needs a new approval from role deputy-head"
    waits = "final approval counts only once every section is approved (a, b)"
    assert run(records) == result(
        False,
        verdict("section:a", "stale", needed=needed_a),
        verdict("section:b", "rejected", needed=needed_b),
        verdict("report", "pending", needed=waits),
        missing=(
            f"section a (一、甲): stale, {needed_a}",
            f"section b (二、乙): rejected, {needed_b}",
            f"report (final approval): pending, {waits}",
        ),
    )


def test_an_author_approving_their_own_text() -> None:
    history = {
        "a": [
            gate.Change("3" * 40, "d1@x.cn", A),  # deputy-head-1 wrote it
            gate.Change("2" * 40, "od@x.cn", "9" * 40),
        ]
    }
    own, b, final = rec("section:a", A, "deputy-head-1"), *full()[1:]
    needed = "1 more approval from role deputy-head (not deputy-head-1)"
    note = f"deputy-head-1's approval does not count: authored commit 3333333333 {SOD}"
    waits = "final approval counts only once every section is approved (a)"
    assert run([own, b, final], history) == result(
        False,
        verdict(
            "section:a",
            "pending",
            needed=needed,
            notes=(note,),
            excl=(
                ("deputy-head-1", f"authored commit 3333333333 {SOD}"),
                ("office-director", f"authored commit 2222222222 {SOD}"),
            ),
        ),
        verdict("section:b", "approved", approvers=("deputy-head-2",), counted=(b,)),
        verdict("report", "pending", needed=waits),
        missing=(
            f"section a (一、甲): pending, {needed}",
            f"section a: {note}",
            f"report (final approval): pending, {waits}",
        ),
        counted=(b,),
    )


def test_two_approvals_needed_and_one_given() -> None:
    two = {**POLICY, "sections": {"default": {"approvals": 2, "roles": ["deputy-head"]}}}
    a1 = rec("section:a", A, "deputy-head-1", t=1)
    not_eligible = rec("section:a", A, "office-director", t=2)
    b, final = full()[1:]
    needed = "1 more approval from role deputy-head"
    waits = "final approval counts only once every section is approved (a, b)"
    assert run([a1, not_eligible, b, final], policy=two) == result(
        False,
        verdict("section:a", "pending", 2, ("deputy-head-1",), needed),
        verdict("section:b", "pending", 2, ("deputy-head-2",), needed),
        verdict("report", "pending", needed=waits),
        missing=(
            f"section a (一、甲): pending, {needed}",
            f"section b (二、乙): pending, {needed}",
            f"report (final approval): pending, {waits}",
        ),
        roster=gate.RosterVerdict(make_roster(two), "unchanged"),
    )


def test_an_invalid_signature_is_named_and_counts_nothing() -> None:
    a, b, final = full()
    assert run([a, b, final], valid={a.digest: "invalid"}) == _a_waits(b, invalid=(a,))


def test_a_pending_roster_change_keeps_an_approved_report_shut() -> None:
    a, b, final = full()
    signed = rec("roster", "sha256:" + "e" * 64, "party-secretary", t=4)
    rv = gate.RosterVerdict(
        make_roster(),
        "pending",
        verdict("roster", "pending", 2, ("party-secretary",), "1 more approval", counted=(signed,)),
    )
    assert _with_roster([a, b, final], rv) == result(
        False,
        verdict("section:a", "approved", approvers=("deputy-head-1",), counted=(a,)),
        verdict("section:b", "approved", approvers=("deputy-head-2",), counted=(b,)),
        verdict("report", "approved", approvers=("party-secretary",), counted=(final,)),
        missing=(
            "roster change (people, keys or policy in report.yaml differ from the roster in "
            "force, test): pending, 1 more approval; sign it off with: reportflow signoff <dir> "
            "--roster --as <person> --key <key>",
        ),
        counted=(a, b, final, signed),
        roster=rv,
    )


def test_a_problem_found_at_the_edge_shuts_an_approved_report() -> None:
    a, b, final = full()
    assert _with_roster([a, b, final], UNCHANGED, ("a record was deleted",)) == result(
        False,
        verdict("section:a", "approved", approvers=("deputy-head-1",), counted=(a,)),
        verdict("section:b", "approved", approvers=("deputy-head-2",), counted=(b,)),
        verdict("report", "approved", approvers=("party-secretary",), counted=(final,)),
        missing=("a record was deleted",),
        counted=(a, b, final),
    )


def test_no_policy_nobody_can_approve() -> None:
    missing = gate.RosterVerdict(None, "missing")
    assert gate.evaluate(FACTS, missing, full(), {}, {}) == gate.GateResult(
        False,
        MappingProxyType({}),
        verdict("report", "pending", needed="a policy in report.yaml"),
        missing,
        ("report.yaml has no policy: nobody can approve (add policy: with sections and report)",),
        (),
    )
    blocked = gate.evaluate(FACTS, missing, full(), {}, {}, blocking=("deleted",))
    assert blocked.missing == ("deleted",)


def test_records_of_another_report_or_year_are_not_read() -> None:
    _, b, final = full()
    other = [
        gate.SignoffRecord("other", 2022, "section:a", A, "c" * 40, "deputy-head-1", "approve",
                           "2023-01-01T00:00:09.000Z", signature="sig"),
        gate.SignoffRecord("r", 2021, "section:a", A, "c" * 40, "deputy-head-1", "approve",
                           "2023-01-01T00:00:09.000Z", signature="sig"),
    ]  # fmt: skip
    assert run([*other, b, final]) == _a_waits(b)
