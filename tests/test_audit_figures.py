"""Last year's matching figure (``reportflow figures``): found by the text around each figure,
not by the six characters before it.

The reports are real ``model.Report`` values built from section bodies (the matching reads
nothing else); the command's path through git is in test_audit_diff.py."""

from __future__ import annotations

from pathlib import Path

from reportflow.audit import carryover
from reportflow.content.model import Report, Section


def _report(year: int, bodies: dict[str, str]) -> Report:
    sections = tuple(
        Section(sid, sid, "office-director", f"sections/{i:02d}-{sid}.md", body, 5)
        for i, (sid, body) in enumerate(bodies.items())
    )
    return Report(Path("."), "political-ecology", year, "报告", "区政府", {}, sections)


def _matches(last: dict[str, str], this: dict[str, str]) -> list[tuple[str, str, str | None]]:
    rows = carryover.figure_rows(_report(2023, this), _report(2022, last))
    return [(r["section"], r["number"] + r["unit"], r["last_year"]) for r in rows]


def test_a_figure_whose_six_characters_before_it_changed_keeps_its_match() -> None:
    last = {"situation": "全年召开区政府党组会议12次，研究重大事项30项。"}
    this = {"situation": "全年召开区政府党组扩大会议15次，研究重大事项28项。"}
    rows = carryover.figure_rows(_report(2023, this), _report(2022, last))
    # the label (six characters before the number) differs: the old matching found nothing
    assert [r["label"] for r in rows] == ["党组扩大会议", "研究重大事项"]
    assert [(r["number"], r["last_year"]) for r in rows] == [("15", "12"), ("28", "30")]
    assert rows[0]["last_year_sentence"] == "全年召开区政府党组会议12次，研究重大事项30项。"


def test_two_figures_sharing_a_label_each_find_their_own() -> None:
    last = {
        "ecology": "围绕中央环保督察反馈问题，开展专项督查10次，关停企业3家。",
        "safety": "围绕安全生产三年行动，开展专项督查6次，排查隐患40处。",
    }
    this = {
        "ecology": "围绕中央环保督察反馈问题，开展专项督查12次，关停企业5家。",
        "safety": "围绕安全生产三年行动，开展专项督查8次，排查隐患52处。",
    }
    assert {r[0]: r for r in _matches(last, this) if r[1].endswith("次")} == {
        "ecology": ("ecology", "12次", "10"),
        "safety": ("safety", "8次", "6"),
    }
    # the same, the two claims in one section and last year's in the other order
    last_one = {"work": last["safety"] + last["ecology"]}
    this_one = {"work": this["ecology"] + this["safety"]}
    got = [r for r in _matches(last_one, this_one) if r[1].endswith("次")]
    assert got == [("work", "12次", "10"), ("work", "8次", "6")]


def test_one_to_one_and_no_match_for_a_new_claim() -> None:
    last = {"situation": "接待群众来访120次。"}
    this = {"situation": "接待群众来访150次。接待群众来访的同时，组织党员志愿服务活动36次。"}
    assert _matches(last, this) == [
        ("situation", "150次", "120"),
        ("situation", "36次", None),  # another claim with the same unit: not last year's 120
    ]
    # a figure of another unit never matches, however alike its words
    assert _matches({"s": "完成投资12亿元。"}, {"s": "完成投资12万元。"}) == [("s", "12万元", None)]


def test_scores_are_by_characters_not_by_a_shared_full_stop() -> None:
    a, b = (
        carryover.figures(_report(2022, {"s": text}))[0]
        for text in ("全年召开区政府党组会议12次。", "组织党员志愿服务活动36次。")
    )
    assert carryover._score(a, b) < carryover.MATCH
    assert carryover._score(a, a) == 1.0


def test_alike_sentences_pair_in_order_same_section_first() -> None:
    """Identical text around figures (numbers masked) pairs in order, the same section's
    first; 3,000 alike sentences a year (the benchmark's kind of report) are matched without
    scoring every pair against every other."""
    line = "第{n}次修改：一是加强组织领导。\n\n"
    last = {"a": "".join(line.format(n=n) for n in range(1500)),
            "b": "".join(line.format(n=n) for n in range(1500, 3000))}  # fmt: skip
    this = {"b": "".join(line.format(n=n + 1) for n in range(1500, 3000)),
            "a": "".join(line.format(n=n + 1) for n in range(1500))}  # fmt: skip
    got = _matches(last, this)
    assert len(got) == 3000
    assert all(last_year is not None and int(number[:-1]) == int(last_year) + 1
               for _s, number, last_year in got)  # fmt: skip
    assert [s for s, _n, _l in got] == ["b"] * 1500 + ["a"] * 1500
