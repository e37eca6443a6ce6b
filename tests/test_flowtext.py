"""What the flows show in the Prefect UI, in the report's language whatever the worker's
locale (issue 13): run names, the validation table, the gate, who the run waits for, the
release summary, notification titles. No Prefect here: the words are the library's."""

from __future__ import annotations

import dataclasses
import os
from types import SimpleNamespace

import pytest
from conftest import SAMPLE_REPORT

from reportflow.content import model
from reportflow.core import i18n
from reportflow.cycle import flowtext
from reportflow.validate.findings import Finding


@pytest.fixture
def report() -> model.Report:
    return model.load_report(SAMPLE_REPORT)


def test_a_chinese_report_speaks_chinese_on_an_english_worker(report: model.Report) -> None:
    assert os.environ["LANG"] == "C.UTF-8" and i18n.language() == i18n.ENGLISH
    assert report.language == "zh-CN"
    with i18n.speaking(report.language):
        name = flowtext.run_name("release", report)
        opened = flowtext.run_name("open", report)
        titles = [flowtext.title(k, title=report.title) for k in flowtext.TITLES]
    assert name == f"审批发布：{report.title}（{report.year}年）"
    assert opened == f"开启新年度：{report.title}（{report.year}年）"
    assert titles[0] == "待签批" and f"待办提醒：{report.title}" in titles
    # the block ends: the worker's language again, nothing leaks to the next run
    assert flowtext.run_name("release", report).startswith("approve and release ")


def test_an_english_report_speaks_english_on_a_chinese_worker(
    report: model.Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    english = dataclasses.replace(report, language="en")
    with i18n.speaking(english.language):
        assert flowtext.title("signoff") == "sign-off needed"
    assert flowtext.title("signoff") == "待签批"


def test_the_validation_table_is_headed_in_chinese() -> None:
    found = [
        Finding(
            "placeholders.asterisks", "error", "sections/01-situation.md", 3, 7, "占位符", "12"
        ),
        Finding("typography.comma", "warning", "sections/02-problems.md", 9, 1, "半角逗号"),
    ]
    with i18n.speaking("zh-CN"):
        rows = flowtext.validation_rows(found)
        empty = flowtext.validation_rows([])
        counts = flowtext.counts(1, 1)
    assert rows[0] == {
        "级别": "错误",
        "规则": "placeholders.asterisks",
        "位置": "sections/01-situation.md:3:7",
        "问题": "占位符",
        "改法": "12",
    }
    assert rows[1]["级别"] == "警告" and rows[1]["改法"] == ""
    assert empty == [{"结果": "未发现问题"}]
    assert counts == "1 个错误，1 个警告"


def test_gate_waiting_and_release_artifacts_in_chinese(report: model.Report) -> None:
    verdict = SimpleNamespace(
        report_status="pending",
        sections={"preface": SimpleNamespace(status="approved")},
        missing=["report: party-secretary"],
        problems=[],
    )
    done = {"tag": "political-ecology/2022/v1", "commit": "0123456789abcdef", "entry": "e/1"}
    with i18n.speaking("zh-CN"):
        gate = flowtext.gate_markdown(verdict)
        waiting = flowtext.waiting_markdown(report, {"party-secretary": ["终审：报告"]})
        nobody = flowtext.waiting_markdown(report, {})
        released = flowtext.release_markdown({**done, "manifest_sha256": "ab" * 32})
        form = flowtext.form_description(verdict.missing)
    assert gate.splitlines()[:3] == ["**报告: 待审批**", "", "- preface: 已批准"]
    assert "尚需：" in gate and "- report: party-secretary" in gate
    secretary = report.people["party-secretary"].name
    assert waiting.splitlines() == [
        "### 等待签批",
        "",
        f"- **{secretary}（party-secretary）**",
        "  - 终审：报告",
    ]
    assert nobody == "目前无人可签批"
    assert released.startswith("**political-ecology/2022/v1** 已发布，提交 `0123456789`")
    assert "归档：`e/1`" in released
    assert form == "尚需：\n\n- report: party-secretary"
