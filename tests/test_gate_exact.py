"""The gate's whole answer, compared field by field (issue 17).

The other gate tests ask one question each (is it approved? does a note name the reason?), so a
mutant that changes a message, drops a note, counts the wrong records or reorders ``missing``
passed them all. Here every scenario states the complete ``GateResult``: what ``status``,
``gate --format json``, the approval sheet and the manifest are built from.
"""

from __future__ import annotations

from types import MappingProxyType

from test_gate import FACTS, PEOPLE, POLICY, full, make_roster, rec, run

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


# --- messages, notes and exclusions in every branch of the tally ------------------------------

D1_WROTE_A = {"a": [gate.Change("3" * 40, "d1@x.cn", A)]}
D1_REASON = f"authored commit 3333333333 {SOD}"


def test_plural_and_everyone_kept_out_are_named() -> None:
    three = {**POLICY, "sections": {"default": {"approvals": 3, "roles": ["deputy-head"]}}}
    result = run([rec("section:a", A, "deputy-head-1")], policy=three)
    assert result.sections["a"].still_needed == "2 more approvals from role deputy-head"
    assert result.sections["b"].still_needed == "3 more approvals from role deputy-head"
    people = {
        **PEOPLE,
        "deputy-head-3": {"roles": ["deputy-head"], "email": "d3@x.cn", "keys": ["ssh-ed25519 C"]},
    }
    both = {"a": [gate.Change("3" * 40, "d1@x.cn", A), gate.Change("2" * 40, "d2@x.cn", "9" * 40)]}
    rv = gate.RosterVerdict(make_roster(POLICY, people), "unchanged")
    a = gate.evaluate(FACTS, rv, [], both, {}).sections["a"]
    assert (
        a.still_needed == "1 more approval from role deputy-head (not deputy-head-1, deputy-head-2)"
    )


def test_a_reject_with_its_reason_stands_against_the_authors_own_approval() -> None:
    reject = gate.SignoffRecord(
        "r", 2022, "section:a", A, "c" * 40, "deputy-head-2", "reject",
        "2023-01-01T00:00:05.000Z", comment="数字不对", signature="sig",
    )  # fmt: skip
    own = rec("section:a", A, "deputy-head-1", t=6)  # after the reject, but it cannot count
    assert run([reject, own], D1_WROTE_A).sections["a"] == verdict(
        "section:a",
        "rejected",
        needed="rejected by deputy-head-2: 数字不对; needs a new approval from role deputy-head",
        notes=(f"deputy-head-1's approval does not count: {D1_REASON}",),
        excl=(("deputy-head-1", D1_REASON),),
    )


def test_an_approved_text_keeps_who_was_kept_out() -> None:
    own = rec("section:a", A, "deputy-head-1", t=1)
    other = rec("section:a", A, "deputy-head-2", t=2)
    assert run([own, other, *full()[1:]], D1_WROTE_A).sections["a"] == verdict(
        "section:a",
        "approved",
        approvers=("deputy-head-2",),
        counted=(other,),
        excl=(("deputy-head-1", D1_REASON),),
    )


# --- the final approver who changed the text --------------------------------------------------

PS_WROTE_A = {"a": [gate.Change("3" * 40, "ps@x.cn", A)]}
TWO_PS = {
    **PEOPLE,
    "party-secretary-2": {
        "roles": ["party-secretary"],
        "email": "ps2@x.cn",
        "keys": ["ssh-ed25519 D"],
    },
}
PS_REASON = "authored commit 3333333333 since the last approved report (separation of duties)"


def test_the_only_final_approver_changed_the_text_a_dead_end_is_named() -> None:
    a, b, final = full()
    report = run([a, b, final], PS_WROTE_A).report
    assert report == verdict(
        "report",
        "pending",
        needed=(
            "no eligible reviewer left for the report: party-secretary authored a change since "
            "the last approved report; change the policy (report.yaml policy, a roster change "
            "the final approvers sign off) or ask another person with role party-secretary who "
            "did not change it to approve"
        ),
        notes=(f"party-secretary's approval does not count: {PS_REASON}",),
        excl=(("party-secretary", PS_REASON),),
    )
    # a second final approver approves: while a section still waits, the final approval
    # waits too, and keeps who is kept out (an approved tally carries no notes)
    rv = gate.RosterVerdict(make_roster(POLICY, TWO_PS), "unchanged")
    ps2 = rec("report", FP, "party-secretary-2", t=5)
    records = [b, final, ps2]
    waiting = gate.evaluate(FACTS, rv, records, PS_WROTE_A, {r.digest: "valid" for r in records})
    assert waiting.report == verdict(
        "report",
        "pending",
        needed="final approval counts only once every section is approved (a)",
        excl=(("party-secretary", PS_REASON),),
    )


def test_report_changes_given_by_the_edge_decide_the_final_exclusion() -> None:
    """The edge passes every change to the report, report.yaml's included: a change to
    report.yaml alone (no section history) keeps its author from the final approval."""
    a, b, final = full()
    rv = gate.RosterVerdict(make_roster(), "unchanged")
    verified = {r.digest: "valid" for r in (a, b, final)}
    yaml_change = [gate.Change("5" * 40, "ps@x.cn", "y" * 40)]
    result = gate.evaluate(FACTS, rv, [a, b, final], {}, verified, report_changes=yaml_change)
    assert result.report.status == "pending"
    assert result.report.excluded == (
        ("party-secretary", "authored commit 5555555555 since the last approved report "
         "(separation of duties)"),
    )  # fmt: skip
    assert gate.evaluate(FACTS, rv, [a, b, final], {}, verified, report_changes=[]).passed


class _Graph:
    """A commit graph as the gate reads it (``ancestors``), given by hand."""

    def __init__(self, ancestors: dict[str, set[str]]) -> None:
        self._ancestors = ancestors

    def ancestors(self, sha: str) -> frozenset[str]:
        return frozenset(self._ancestors.get(sha, {sha}))


def test_what_the_last_approved_report_had_seen_comes_from_the_graph() -> None:
    """ps changed section a (c1) before ps2 approved the report at c2; od changed it since
    (c3). Only od is kept from the final approval: ps's change had been approved."""
    rv = gate.RosterVerdict(make_roster(POLICY, TWO_PS), "unchanged")
    changes = {
        "a": [gate.Change("3" * 40, "od@x.cn", A), gate.Change("1" * 40, "ps@x.cn", "9" * 40)]
    }
    graph = _Graph({"2" * 40: {"1" * 40, "2" * 40}})
    old = gate.SignoffRecord(
        "r", 2022, "report", "sha256:" + "0" * 64, "2" * 40, "party-secretary-2", "approve",
        "2023-01-01T00:00:01.000Z", signature="sig",
    )  # fmt: skip
    a, b = full()[:2]
    final = rec("report", FP, "party-secretary", t=4)
    records = [old, a, b, final]
    verified = {r.digest: "valid" for r in records}
    result = gate.evaluate(FACTS, rv, records, changes, verified, ancestry=graph)
    assert result.report.approvers == ("party-secretary",) and result.passed
    assert result.report.excluded == (
        ("office-director", "authored commit 3333333333 since the last approved report "
         "(separation of duties)"),
    )  # fmt: skip
    # without the graph nothing says what ps2's approval had seen: every author is kept out
    blind = gate.evaluate(FACTS, rv, records, changes, verified)
    assert blind.report.status == "stale" and "party-secretary" in dict(blind.report.excluded)


# --- the roster ---------------------------------------------------------------------------------

IN_FORCE = make_roster()
CHANGED = make_roster(people={**PEOPLE, "clerk": {"roles": ["author"], "email": "c@x.cn"}})


def _roster_rec(decision: str, t: int) -> gate.SignoffRecord:
    return gate.SignoffRecord(
        "r", 2022, "roster", CHANGED.digest, "c" * 40, "party-secretary", decision,
        f"2023-01-01T00:00:0{t}.000Z", signature="sig",
    )  # fmt: skip


class _NoneSeen:
    """Two decisions on branches that never met: neither saw the other."""

    def sees(self, later: gate.SignoffRecord, earlier: gate.SignoffRecord) -> bool:
        return False


def test_roster_verdicts() -> None:
    yes, no = _roster_rec("approve", 5), _roster_rec("reject", 4)
    valid = {yes.digest: "valid", no.digest: "valid"}
    assert gate.effective_roster(None, CHANGED, [yes], valid) == gate.RosterVerdict(None, "missing")
    assert gate.effective_roster(IN_FORCE, None, [yes], valid) == UNCHANGED
    assert gate.effective_roster(IN_FORCE, IN_FORCE, [yes], valid) == UNCHANGED
    assert gate.effective_roster(IN_FORCE, CHANGED, [yes], valid) == gate.RosterVerdict(
        CHANGED,
        "approved",
        verdict("roster", "approved", approvers=("party-secretary",), counted=(yes,)),
    )
    rejected = "rejected by party-secretary; needs a new approval from role party-secretary"
    assert gate.effective_roster(IN_FORCE, CHANGED, [no], valid) == gate.RosterVerdict(
        IN_FORCE, "rejected", verdict("roster", "rejected", needed=rejected)
    )
    # the approval came after the reject by time, but on a branch that never saw it
    assert gate.effective_roster(
        IN_FORCE, CHANGED, [no, yes], valid, _NoneSeen()
    ) == gate.RosterVerdict(IN_FORCE, "rejected", verdict("roster", "rejected", needed=rejected))
    assert gate.effective_roster(IN_FORCE, CHANGED, [], {}) == gate.RosterVerdict(
        IN_FORCE,
        "pending",
        verdict("roster", "pending", needed="1 more approval from role party-secretary"),
    )


def test_roster_records_to_verify() -> None:
    yes, no = _roster_rec("approve", 5), _roster_rec("reject", 4)
    clerk = gate.SignoffRecord(
        "r", 2022, "roster", CHANGED.digest, "c" * 40, "office-director", "approve",
        "2023-01-01T00:00:06.000Z", signature="sig",
    )  # fmt: skip
    assert gate.roster_checks(None, CHANGED, [yes]) == ()
    assert gate.roster_checks(IN_FORCE, None, [yes]) == ()
    assert gate.roster_checks(IN_FORCE, IN_FORCE, [yes]) == ()
    assert gate.roster_checks(IN_FORCE, CHANGED, [yes, no, clerk]) == (yes, no)


def test_the_roster_status_decides_the_gate() -> None:
    a, b, final = full()
    approved = gate.RosterVerdict(CHANGED, "approved", verdict("roster", "approved"))
    assert _with_roster([a, b, final], approved).passed
    for status in ("rejected", "pending"):
        shut = _with_roster([a, b, final], gate.RosterVerdict(IN_FORCE, status))
        assert not shut.passed
        assert shut.missing == (
            "roster change (people, keys or policy in report.yaml differ from the roster in "
            f"force, test): {status}, ; sign it off with: reportflow signoff <dir> --roster "
            "--as <person> --key <key>",
        )


# --- which signatures the decision needs --------------------------------------------------------


def test_records_to_verify_for_the_sections_and_the_report() -> None:
    own_a = {**POLICY, "sections": {**POLICY["sections"], "a": {"approvals": 1,
             "roles": ["party-secretary"]}}}  # fmt: skip
    ps_a, d1_a, d2_b = (
        rec("section:a", A, "party-secretary", t=1),
        rec("section:a", A, "deputy-head-1", t=2),  # not eligible for a
        rec("section:b", B, "deputy-head-2", t=3),
    )
    final = rec("report", FP, "party-secretary", t=4)
    assert gate.checks(FACTS, make_roster(own_a), [ps_a, d1_a, d2_b, final], {}) == (
        ps_a, d2_b, final,
    )  # fmt: skip
    # a's own policy decides whether its author may approve it: ps wrote a, so ps's approval
    # of an older text of a is needed too (for the default policy ps is nobody)
    old_ps_a = rec("section:a", "9" * 40, "party-secretary", t=0)
    found = gate.checks(FACTS, make_roster(own_a), [old_ps_a, ps_a, d2_b, final], PS_WROTE_A)
    assert found[:2] == (ps_a, old_ps_a)
    # an eligible author: the older texts' approvals are needed to find the last approved one
    old_a = rec("section:a", "9" * 40, "deputy-head-2", t=0)
    new_a = rec("section:a", A, "deputy-head-2", t=5)
    old_final = rec("report", "sha256:" + "0" * 64, "party-secretary", t=0)
    records = [old_a, new_a, d2_b, old_final, final]
    assert gate.checks(FACTS, make_roster(), records, {}) == (new_a, d2_b, final)
    assert gate.checks(FACTS, make_roster(), records, D1_WROTE_A) == (new_a, old_a, d2_b, final)
    assert gate.checks(FACTS, make_roster(), records, PS_WROTE_A) == (
        new_a, d2_b, final, old_final,
    )  # fmt: skip
    yaml_change = [gate.Change("5" * 40, "ps@x.cn", "y" * 40)]
    assert gate.checks(FACTS, make_roster(), records, {}, yaml_change) == (
        new_a, d2_b, final, old_final,
    )  # fmt: skip
