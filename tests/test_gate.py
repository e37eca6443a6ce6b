"""The pure gate: records, roster and history in, verdicts out (no git, no keys needed)."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import given, settings

from reportflow.core import history
from reportflow.signoff import gate, roster
from reportflow.signoff.ledger import SignoffRecord

PEOPLE = {
    "office-director": {"roles": ["author"], "email": "od@x.cn", "keys": ["ssh-ed25519 AAAA1"]},
    "deputy-head-1": {"roles": ["deputy-head"], "email": "d1@x.cn", "keys": ["ssh-ed25519 AAAA2"]},
    "deputy-head-2": {"roles": ["deputy-head"], "email": "d2@x.cn", "keys": ["ssh-ed25519 AAAA3"]},
    "party-secretary": {
        "roles": ["party-secretary"],
        "email": "ps@x.cn",
        "keys": ["ssh-ed25519 B"],
    },
}
POLICY = {
    "sections": {"default": {"approvals": 1, "roles": ["deputy-head"]}},
    "report": {"approvals": 1, "roles": ["party-secretary"]},
}
FACTS = gate.Facts(
    "r",
    2022,
    (gate.SectionFacts("a", "一、甲", "a" * 40), gate.SectionFacts("b", "二、乙", "b" * 40)),
    "sha256:" + "f" * 64,
)


def make_roster(policy=POLICY, people=PEOPLE) -> roster.Roster:
    found = roster.from_doc({"people": people, "policy": policy}, "test")
    assert found is not None
    return found


def rec(scope, fp, who, decision="approve", t=1, signed=True) -> SignoffRecord:
    return SignoffRecord(
        "r",
        2022,
        scope,
        fp,
        "c" * 40,
        who,
        decision,
        f"2023-01-01T00:00:{t:02d}.000Z",
        signature="sig" if signed else None,
    )


def run(records, history=None, policy=POLICY, valid=None):
    r = make_roster(policy)
    rv = gate.RosterVerdict(r, "unchanged")
    verified = {x.digest: ("unsigned" if x.signature is None else "valid") for x in records}
    verified.update(valid or {})
    return gate.evaluate(FACTS, rv, records, history or {}, verified)


def full() -> list[SignoffRecord]:
    return [
        rec("section:a", "a" * 40, "deputy-head-1", t=1),
        rec("section:b", "b" * 40, "deputy-head-2", t=2),
        rec("report", FACTS.report_fingerprint, "party-secretary", t=3),
    ]


def test_all_approved_passes_and_counts_every_record() -> None:
    result = run(full())
    assert result.passed
    assert [r.scope for r in result.counted] == ["section:a", "section:b", "report"]
    assert result.missing == ()


def test_stale_reject_and_pending() -> None:
    records = [
        rec("section:a", "0" * 40, "deputy-head-1", t=1),  # an older text of a
        rec("section:b", "b" * 40, "deputy-head-2", t=2),
        rec("section:b", "b" * 40, "deputy-head-1", "reject", t=3),
    ]
    result = run(records)
    assert result.sections["a"].status == "stale"
    assert result.sections["b"].status == "rejected"
    assert "rejected by deputy-head-1" in result.sections["b"].still_needed
    assert not result.passed
    later = [*records, rec("section:b", "b" * 40, "deputy-head-2", t=4)]
    assert run(later).sections["b"].status == "approved"


def test_report_not_approved_before_sections_even_with_a_record() -> None:
    records = [rec("report", FACTS.report_fingerprint, "party-secretary")]
    result = run(records)
    assert result.report.status == "pending"
    assert "once every section is approved" in result.report.still_needed


def test_invalid_and_ineligible_records_do_not_count() -> None:
    records = full()
    result = run(records, valid={records[0].digest: "invalid"})
    assert result.sections["a"].status == "pending" and not result.passed
    assert result.invalid == (records[0],)
    wrong = [rec("section:a", "a" * 40, "office-director"), *full()[1:]]
    assert run(wrong).sections["a"].status == "pending"


def test_unsigned_counts_only_where_policy_allows() -> None:
    records = [rec("section:a", "a" * 40, "deputy-head-1", signed=False), *full()[1:]]
    assert run(records).sections["a"].status == "pending"
    lax = {**POLICY, "signatures": {"required_for": {"roles": ["party-secretary"]}}}
    assert run(records, policy=lax).passed
    unsigned_final = [
        *full()[:2],
        rec("report", FACTS.report_fingerprint, "party-secretary", signed=False),
    ]
    assert not run(unsigned_final, policy=lax).passed


def test_separation_of_duties_from_history() -> None:
    history = {
        "a": [
            gate.Change("3" * 40, "d1@x.cn", "a" * 40),  # deputy-head-1 made the current text
            gate.Change("2" * 40, "od@x.cn", "9" * 40),
        ]
    }
    records = [rec("section:a", "a" * 40, "deputy-head-1"), *full()[1:]]
    result = run(records, history)
    assert result.sections["a"].status == "pending"
    assert "separation of duties" in result.sections["a"].notes[0]
    # deputy-head-1's change came before the last approved version: it no longer excludes them
    history = {
        "a": [
            gate.Change("4" * 40, "od@x.cn", "a" * 40),
            gate.Change("3" * 40, "d1@x.cn", "9" * 40),
        ]
    }
    old = rec("section:a", "9" * 40, "deputy-head-2", t=0)
    assert run([old, *records], history).sections["a"].status == "approved"
    off = {**POLICY, "separation_of_duties": False}
    assert run(records, {"a": [gate.Change("3" * 40, "d1@x.cn", "a" * 40)]}, off).passed


def test_two_approvals_from_named_people() -> None:
    policy = {
        **POLICY,
        "sections": {
            "default": POLICY["sections"]["default"],
            "b": {"approvals": 2, "people": ["deputy-head-1", "deputy-head-2"]},
        },
    }
    records = full()
    assert run(records, policy=policy).sections["b"].status == "pending"
    records.append(rec("section:b", "b" * 40, "deputy-head-1", t=5))
    assert run(records, policy=policy).sections["b"].status == "approved"


def test_roster_change_needs_final_approver_of_roster_in_force() -> None:
    in_force = make_roster()
    people = {**PEOPLE, "office-director": {**PEOPLE["office-director"], "roles": ["deputy-head"]}}
    candidate = make_roster(people=people)
    attacker = rec("roster", candidate.digest, "office-director")
    assert gate.roster_checks(in_force, candidate, [attacker]) == ()
    rv = gate.effective_roster(in_force, candidate, [attacker], {attacker.digest: "valid"})
    assert rv.status == "pending" and rv.roster is in_force
    ok = rec("roster", candidate.digest, "party-secretary")
    assert gate.roster_checks(in_force, candidate, [ok]) == (ok,)
    rv = gate.effective_roster(in_force, candidate, [ok], {ok.digest: "valid"})
    assert rv.status == "approved" and rv.roster is candidate


def test_checks_skip_stale_records() -> None:
    records = [rec("section:a", f"{i:040d}", "deputy-head-1", t=i % 60) for i in range(50)]
    records += full()
    needed = gate.checks(FACTS, make_roster(), records, {})
    assert set(needed) == set(full())


decisions = st.lists(
    st.tuples(
        st.sampled_from(["section:a", "section:b", "report"]),
        st.sampled_from(["deputy-head-1", "deputy-head-2", "party-secretary", "office-director"]),
        st.sampled_from(["approve", "reject"]),
        st.integers(0, 59),
        st.booleans(),  # current text or an older one
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(decisions, st.randoms())
def test_verdict_independent_of_record_order(items, rnd) -> None:
    fps = {"section:a": "a" * 40, "section:b": "b" * 40, "report": FACTS.report_fingerprint}
    records = [
        rec(scope, fps[scope] if current else "0" * 40, who, decision, t)
        for scope, who, decision, t, current in items
    ]
    shuffled = records[:]
    rnd.shuffle(shuffled)
    first, second = run(records), run(shuffled)
    assert first.passed == second.passed
    assert dict(first.sections) == dict(second.sections)
    assert first.report == second.report
    assert first.counted == second.counted
    assert first.missing == second.missing


def test_an_excluded_approval_does_not_make_an_approved_version() -> None:
    """Family 5: deputy-head-1 wrote text 9 and approved it (excluded, so not counted); the
    office director's edit to a must not make deputy-head-1 eligible again."""
    history = {
        "a": [
            gate.Change("4" * 40, "od@x.cn", "a" * 40),
            gate.Change("3" * 40, "d1@x.cn", "9" * 40),
        ]
    }
    own = rec("section:a", "9" * 40, "deputy-head-1", t=0)
    now = rec("section:a", "a" * 40, "deputy-head-1", t=5)
    result = run([own, now, *full()[1:]], history)
    assert result.sections["a"].status == "stale"  # not approved
    assert dict(result.sections["a"].excluded)["deputy-head-1"].startswith("authored commit 3333")
    # the same history with a counted approval of 9 by someone else: that one resets it
    other = rec("section:a", "9" * 40, "deputy-head-2", t=1)
    assert run([own, other, now, *full()[1:]], history).sections["a"].status == "approved"


def test_final_approver_who_changed_the_report_is_excluded() -> None:
    """Family 10: party-secretary changed section b; their final approval does not count."""
    history = {"b": [gate.Change("5" * 40, "ps@x.cn", "b" * 40)]}
    result = run(full(), history)
    assert result.sections["b"].status == "approved"
    assert result.report.status == "pending" and not result.passed
    assert "party-secretary's approval does not count" in result.report.notes[0]
    assert "no eligible reviewer left for the report: party-secretary" in (
        result.report.still_needed
    )
    off = {**POLICY, "separation_of_duties": False}
    assert run(full(), history, off).passed


def test_dead_end_names_everyone_excluded() -> None:
    history = {
        "a": [
            gate.Change("6" * 40, "d2@x.cn", "a" * 40),
            gate.Change("5" * 40, "d1@x.cn", "8" * 40),
        ]
    }
    needed = run(full()[1:], history).sections["a"].still_needed
    assert needed.startswith(
        "no eligible reviewer left for section a: deputy-head-1 and deputy-head-2 authored "
        "changes since the last approved version"
    ), needed
    # only one of them edited: the other is still asked for, by the usual message
    one = {"a": [gate.Change("6" * 40, "d2@x.cn", "a" * 40)]}
    assert run(full()[1:], one).sections["a"].still_needed == (
        "1 more approval from role deputy-head (not deputy-head-2)"
    )


def test_since_comes_from_the_commit_graph() -> None:
    """With the DAG, an approval saw the changes in the history of the commit it reviewed:
    deputy-head-1's change on a branch the counted approval never saw still excludes them."""
    commits = {
        "m" * 40: history.Commit("m" * 40, ("2" * 40, "3" * 40), "x", ("od@x.cn",)),
        "3" * 40: history.Commit("3" * 40, ("1" * 40,), "x", ("d1@x.cn",)),
        "2" * 40: history.Commit("2" * 40, ("1" * 40,), "x", ("od@x.cn",)),
        "1" * 40: history.Commit("1" * 40, (), "x", ("od@x.cn",)),
    }
    dag = history.Dag(commits)
    changes = {
        "a": [
            gate.Change("3" * 40, "d1@x.cn", "a" * 40),  # the branch's text was merged in
            gate.Change("2" * 40, "od@x.cn", "9" * 40),
        ]
    }
    seen = SignoffRecord(
        "r", 2022, "section:a", "9" * 40, "2" * 40, "deputy-head-2", "approve",
        "2023-01-01T00:00:00.000Z", signature="sig",
    )  # fmt: skip
    records = [seen, rec("section:a", "a" * 40, "deputy-head-1", t=5), *full()[1:]]
    verified = {x.digest: "valid" for x in records}
    rv = gate.RosterVerdict(make_roster(), "unchanged")
    result = gate.evaluate(FACTS, rv, records, changes, verified, ancestry=dag)
    assert result.sections["a"].status == "stale"  # deputy-head-1's approval did not count
    assert "authored commit 3333333333" in dict(result.sections["a"].excluded)["deputy-head-1"]
