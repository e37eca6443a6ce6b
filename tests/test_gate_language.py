"""The gate's "still needed" sentences in the reader's language (issue 14): English msgids,
Chinese from the catalogue, for the pure gate, a refusal with the dead-end hint (found by
asking ``duties.dead_end`` again, not by reading the English words), and the Prefect UI
form's description; the review page in Chinese in Chromium is in test_serve_browser_zh.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import commit_all
from signoff_support import edit, section_file
from test_gate import FACTS, make_roster, rec, run

from reportflow.core import i18n
from reportflow.cycle import flowtext
from reportflow.signoff import approval, gate


def _cases() -> gate.GateResult:
    return run([
        rec("section:a", "a" * 40, "deputy-head-1", "reject"),
        rec("section:b", "0" * 40, "deputy-head-2"),  # an older text of b: stale
    ])  # fmt: skip


def test_still_needed_in_english() -> None:
    result = _cases()
    assert result.sections["a"].still_needed == (
        "rejected by deputy-head-1; needs a new approval from role deputy-head"
    )
    assert result.sections["b"].still_needed == "1 more approval from role deputy-head"
    assert result.missing[0] == (
        "section a (一、甲): rejected, rejected by deputy-head-1; needs a new approval from "
        "role deputy-head"
    )


def test_still_needed_in_chinese() -> None:
    with i18n.speaking("zh-CN"):
        result = _cases()
    assert result.sections["a"].still_needed == "deputy-head-1 退回；需要角色 deputy-head 重新审批"
    assert result.sections["b"].still_needed == "还需角色 deputy-head 审批 1 次"
    assert result.missing == (
        "部分 a（一、甲）：已退回，deputy-head-1 退回；需要角色 deputy-head 重新审批",
        "部分 b（二、乙）：已过期，还需角色 deputy-head 审批 1 次",
        "报告（终审）：待审批，还需角色 party-secretary 审批 1 次",
    )
    # the statuses stay machine words: only the sentences for people are translated
    assert result.sections["a"].status == "rejected"


def test_two_more_approvals_and_a_dead_end_in_both_languages() -> None:
    policy = {
        "sections": {"default": {"approvals": 2, "roles": ["deputy-head"]}},
        "report": {"approvals": 1, "roles": ["party-secretary"]},
    }
    assert run([], policy=policy).sections["a"].still_needed == (
        "2 more approvals from role deputy-head"
    )
    with i18n.speaking("zh"):
        assert run([], policy=policy).sections["a"].still_needed == "还需角色 deputy-head 审批 2 次"
    roster = make_roster()
    who = roster.policy.for_section("a")
    shut = {"deputy-head-1": "x", "deputy-head-2": "y"}
    from reportflow.signoff import duties

    english = duties.dead_end("section a", "version", who, roster, shut, (), 1)
    assert english.startswith(
        "no eligible reviewer left for section a: deputy-head-1 and deputy-head-2 authored "
        "changes since the last approved version"
    )
    with i18n.speaking("zh"):
        chinese = duties.dead_end("部分 a", "version", who, roster, shut, (), 1)
    assert chinese.startswith(
        "部分 a 已没有可以审批的人：deputy-head-1和deputy-head-2 自上次审批通过的版本以来修改过文本"
    ), chinese
    assert FACTS.sections[0].id == "a"


def test_a_refusal_names_the_dead_end_in_chinese(
    cli, keys, rdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both deputy heads edited a section: the refusal's hint is the gate's dead-end sentence,
    in Chinese too (it used to be found by its English words, so a Chinese refusal lost it)."""
    repo = rdir.parents[2]
    for person in ("deputy-head-1", "deputy-head-2"):
        edit(section_file(rdir, "problems"), f"\n{person} 补充一句。\n")
        commit_all(repo, f"problems: {person}", person)
    monkeypatch.setenv("LANGUAGE", "zh_CN")
    refused = cli("signoff", rdir, "--section", "problems", "--as", "deputy-head-2",
                  "--key", keys["deputy-head-2"][0])  # fmt: skip
    assert refused.code == 1
    assert "部分 problems 已没有可以审批的人" in refused.err, refused.err
    gate_out = cli("gate", rdir)
    assert "部分 problems（" in gate_out.out and "已没有可以审批的人" in gate_out.out, gate_out.out


def test_the_prefect_form_description_speaks_the_report_language(rdir: Path) -> None:
    """The release flow decides inside ``i18n.speaking(report.language)``: the UI form's
    description (``flowtext.form_description``) lists what is still needed in Chinese."""
    with i18n.speaking("zh-CN"):
        verdict = approval.evaluate_at(rdir)
        text = flowtext.form_description(verdict.missing)
    assert text.startswith("尚需：")
    assert "- 部分 preface（" in text and "还需角色 deputy-head 审批 1 次" in text, text
    english = flowtext.form_description(approval.evaluate_at(rdir).missing)
    assert "1 more approval from role deputy-head" in english, english
