"""Validation of the sample report, the filled-in fixture, the CLI and its output formats."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import ROOT, SAMPLE_REPORT

from reportflow.content.model import load_report
from reportflow.content.schema import load_schema
from reportflow.validate import ERROR, WARNING, check
from reportflow.validate.formulations import dictionary, find
from reportflow.validate.registry import all_rules, family_names

FILLED = ROOT / "tests" / "data" / "filled" / "2022"


def _redactions(folder: Path) -> set[tuple[str, int, int]]:
    """Every escaped asterisk run in the section files, found independently of the rules."""
    spots = set()
    for path in sorted((folder / "sections").glob("*.md")):
        for n, line in enumerate(path.read_text("utf-8").split("\n"), 1):
            for m in re.finditer(r"(?:\\\*)+", line):
                spots.add((f"sections/{path.name}", n, m.start() + 1))
    return spots


def test_sample_errors_are_exactly_its_redactions() -> None:
    result = check(load_report(SAMPLE_REPORT))
    errors = [f for f in result.findings if f.severity == ERROR]
    assert {f.rule for f in errors} == {"placeholders.asterisks"}
    spots = {(f.file, f.line, f.column) for f in errors}
    assert spots == _redactions(SAMPLE_REPORT)
    assert len(spots) == 26
    assert ("sections/01-situation.md", 18, 245) in spots  # 城镇新增就业\*\*\*8人
    assert ("sections/01-situation.md", 14, 19) in spots  # 《\*\*区政府常务会议……》


def test_sample_warnings_are_real_problems() -> None:
    result = check(load_report(SAMPLE_REPORT))
    warnings = [f for f in result.findings if f.severity == WARNING]
    # The sample writes 权利 for 权力 in "让权力在阳光下运行": a true catch, nothing else.
    assert [(w.rule, w.file, w.line, w.column, w.fix) for w in warnings] == [
        ("formulations.near-miss", "sections/01-situation.md", 16, 231, "权力在阳光下运行")
    ]
    line = (SAMPLE_REPORT / "sections" / "01-situation.md").read_text("utf-8").split("\n")[15]
    assert line[230:238] == "权利在阳光下运行"


def test_filled_fixture_has_no_errors() -> None:
    result = check(load_report(FILLED))
    assert result.errors == 0
    assert result.summary() == {"errors": 0, "warnings": 1}


def test_cli_exit_codes_and_text_output(cli, report_dir: Path) -> None:
    res = cli("validate", report_dir)
    assert res.code == 1
    assert "sections/01-situation.md" in res.out
    assert "8:168" in res.out and "placeholders.asterisks" in res.out
    assert res.out.index("00-preface.md") < res.out.index("01-situation.md")
    assert "26 个错误 errors, 1 个警告 warnings" in res.out
    ok = cli("validate", FILLED)
    assert ok.code == 0, ok.out
    assert "0 个错误 errors" in ok.out
    missing = cli("validate", report_dir.parent / "1999")
    assert missing.code == 2
    assert "no such report folder" in missing.err


def test_cli_json_shape(cli, report_dir: Path) -> None:
    res = cli("validate", report_dir, "--format", "json")
    assert res.code == 1
    doc = json.loads(res.out)
    assert set(doc) == {"findings", "summary"}
    assert doc["summary"] == {"errors": 26, "warnings": 1}
    first = doc["findings"][0]
    assert list(first) == ["rule", "severity", "file", "line", "column", "message", "fix"]
    assert (first["file"], first["line"], first["column"]) == ("sections/00-preface.md", 7, 4)


def test_cli_sarif_structure(cli, repo: Path, report_dir: Path) -> None:
    res = cli("validate", report_dir, "--format", "sarif")
    assert res.code == 1
    log = json.loads(res.out)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "reportflow"
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted(all_rules())
    assert all(r["defaultConfiguration"]["level"] in ("error", "warning") for r in driver["rules"])
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    assert len(run["results"]) == 27
    result = run["results"][0]
    assert set(result) == {"ruleId", "ruleIndex", "level", "message", "locations"}
    assert ids[result["ruleIndex"]] == result["ruleId"] == "placeholders.asterisks"
    assert result["level"] == "error" and result["message"]["text"]
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {
        "uri": "content/political-ecology/2022/sections/00-preface.md",
        "uriBaseId": "%SRCROOT%",
    }
    assert loc["region"] == {"startLine": 7, "startColumn": 4}


def test_cli_accepts_files_inside_a_report_like_pre_commit(cli, report_dir: Path) -> None:
    res = cli("validate", report_dir / "sections" / "03-measures.md", report_dir / "report.yaml")
    assert res.code == 1
    assert res.out.count("26 个错误 errors") == 1  # one report, validated once
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text("utf-8")
    assert "entry: reportflow validate" in hooks


def test_rules_schema_lists_exactly_the_registered_rules() -> None:
    sub = load_schema("report.schema.json")["properties"]["rules"]
    assert set(sub["propertyNames"]["enum"]) == set(all_rules()) | set(family_names())


def test_readme_documents_every_rule() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for rule in all_rules():
        assert f"`{rule}`" in readme, rule


def test_formulations_list_never_flags_its_own_phrases() -> None:
    dic = dictionary()
    assert len(dic.phrases) >= 40
    for p in dic.phrases:
        assert find(p.text, dic) == [], p.text
        assert find(f"认真学习{p.text}，全面贯彻{p.text}。", dic) == [], p.text
    everything = "，".join(p.text for p in dic.phrases)
    assert find(everything, dic) == []
    for a in dic.phrases:  # two canonical phrases next to each other, in either order
        for b in dic.phrases:
            assert find(a.text + b.text, dic) == [], (a.text, b.text)


def test_formulations_catch_one_wrong_character_in_every_long_phrase() -> None:
    dic = dictionary()
    for p in dic.phrases:
        if p.k == 0:
            continue
        middle = len(p.text) // 2
        wrong = p.text[:middle] + "囧" + p.text[middle + 1 :]
        assert find(f"认真{wrong}。", dic) == [
            (2, 2 + len(wrong), "formulations.near-miss", p.text)
        ]
