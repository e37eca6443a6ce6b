"""The choices of the sign-off form in the Prefect UI (issue 14): only the people the gate
still needs who may sign off unsigned, only what each may approve now; ids findable in the
labels. Pure; the form itself is driven in tests/test_flows.py and tests/test_prefect_ui.py."""

from __future__ import annotations

import yaml
from conftest import SAMPLE_REPORT

from reportflow.content import model
from reportflow.core import i18n
from reportflow.cycle import uiform
from reportflow.cycle.todo import Item


def _doc(required_for: object) -> dict:
    doc = yaml.safe_load((SAMPLE_REPORT / "report.yaml").read_text(encoding="utf-8"))
    doc["policy"]["signatures"] = {"required_for": required_for}
    return doc


def test_who_may_sign_unsigned_follows_the_policy() -> None:
    assert uiform.unsigned_signers(_doc("everyone")) == set()
    assert uiform.unsigned_signers(_doc({"roles": ["deputy-head"]})) == {
        "office-director",
        "party-secretary",
    }
    assert uiform.unsigned_signers({"people": {}}) == set()  # no policy: everyone signs


def test_the_form_offers_the_open_items_of_the_unsigned_signers_only() -> None:
    report = model.load_report(SAMPLE_REPORT)
    items = [
        Item("deputy-head-1", "signoff", "preface", "前言"),  # must sign: not offered
        Item("office-director", "signoff", "situation", "一、基本情况"),
        Item("office-director", "signoff", "problems", "二、存在问题", blocked="draft"),
        Item("party-secretary", "final", "report", report.title, blocked="sections"),
        Item("office-director", "fix", "measures", "三、措施"),  # not a sign-off
    ]
    unsigned = {"office-director", "party-secretary"}
    with i18n.speaking("zh-CN"):
        ch = uiform.choices(report, items, unsigned)
    director = report.people["office-director"].name
    assert list(ch.reviewers.items()) == [
        ("无人：重新检查（其他渠道的签批）", uiform.NOBODY),
        (f"{director}（office-director）", "office-director"),
    ]
    assert ch.scopes == {"一、基本情况（section:situation）": "section:situation"}
    assert ch.decisions == {"同意（approve）": "approve", "退回（reject）": "reject"}
    # once the sections are approved the final approval is offered, to the final approver
    final = [Item("party-secretary", "final", "report", report.title)]
    with i18n.speaking("zh-CN"):
        ch = uiform.choices(report, final, unsigned)
    assert list(ch.scopes.values()) == ["report"]
    assert list(ch.reviewers.values()) == ["", "party-secretary"]
    # nothing to offer: only "nobody", and a scope that says so
    ch = uiform.choices(report, items[:1], unsigned)
    assert list(ch.reviewers.values()) == [""] and list(ch.scopes.values()) == [""]


def test_a_choice_is_found_by_its_id() -> None:
    options = ["无人：重新检查（其他渠道的签批）", "区政府党组书记（party-secretary）"]
    assert uiform.find(options, "party-secretary") == options[1]
    assert uiform.find(options, options[1]) == options[1]
    assert uiform.find(options, "secretary") is None  # a suffix of an id is not the id
    assert uiform.find(["前言（section:preface）"], "section:preface") == "前言（section:preface）"
