from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import commit_all

from reportflow.content import model


def _edit(path: Path, extra: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


def test_status_json_lists_sections_with_last_git_change(cli, repo: Path, report_dir: Path):
    _edit(report_dir / "sections" / "02-problems.md", "\n四是补充一点。\n")
    commit_all(repo, "problems: add a point", person="deputy-head-1")
    _edit(report_dir / "sections" / "03-measures.md", "\n未提交的修改。\n")

    result = cli("status", report_dir, "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    rows = {r["id"]: r for r in data["sections"]}
    assert list(rows) == ["preface", "situation", "problems", "measures"]
    assert rows["problems"]["last_change"]["author"] == "常务副区长"
    assert rows["problems"]["last_change"]["email"] == "deputy-head-1@example.gov.cn"
    assert rows["situation"]["last_change"]["author"] == "区政府办公室主任"
    assert rows["measures"]["modified"] is True
    assert rows["problems"]["modified"] is False
    assert rows["preface"]["characters"] == 51  # escaped *** counts as three characters
    assert rows["problems"]["title"] == "二、存在的问题"


def test_status_table_outside_git(cli, tmp_path: Path, report_dir: Path) -> None:
    result = cli("status", report_dir)
    assert result.code == 0
    assert "situation" in result.out and "office-director" in result.out


def test_new_from_template(cli, tmp_path: Path) -> None:
    result = cli(
        "new",
        "political-ecology",
        "2024",
        "--template",
        "political-ecology-self-assessment",
        "--into",
        tmp_path,
        "--title",
        "区政府党组2024年政治生态自评情况报告",
    )
    assert result.code == 0, result.err
    report = model.load_report(tmp_path / "political-ecology" / "2024")
    assert [s.id for s in report.sections] == ["preface", "situation", "problems", "measures"]
    assert report.sections[1].title == "一、政治生态建设情况"
    assert report.sections[0].path == "sections/00-preface.md"
    assert all(s.body == "" for s in report.sections)


def test_new_from_last_year(cli, repo: Path, report_dir: Path) -> None:
    (report_dir / "signoffs" / "x.json").write_text("{}", encoding="utf-8")
    into = repo / "content"
    result = cli("new", "political-ecology", "2023", "--from", report_dir, "--into", into)
    assert result.code == 0, result.err
    new = model.load_report(into / "political-ecology" / "2023")
    old = model.load_report(report_dir)
    assert new.year == 2023
    assert new.title == "区政府党组2023年政治生态自评情况报告"
    assert new.dates["due"] == "2024-01-10"
    assert [(s.id, s.body) for s in new.sections] == [(s.id, s.body) for s in old.sections]
    assert new.people == old.people
    assert [p.name for p in (into / "political-ecology" / "2023" / "signoffs").iterdir()] == [
        ".gitkeep"
    ]


def test_new_from_last_year_moves_render_date_and_title_lines(
    cli, repo: Path, report_dir: Path
) -> None:
    """render.date (成文日期) moves forward with the year, and so does the year in
    title_lines:, which must still be the title's lines."""
    with (report_dir / "report.yaml").open("a", encoding="utf-8") as f:
        f.write(
            "addressee: 区委\ntitle_lines:\n- 区政府党组2022年\n- 政治生态自评情况报告\n"
            "render:\n  date: '2023-01-10'\n"
        )
    into = repo / "content"
    result = cli("new", "political-ecology", "2023", "--from", report_dir, "--into", into)
    assert result.code == 0, result.err
    new = model.load_report(into / "political-ecology" / "2023")
    assert new.render["date"] == "2024-01-10"
    assert new.title_lines == ("区政府党组2023年", "政治生态自评情况报告")
    assert new.addressee == "区委"


def test_new_refuses_existing_folder_and_bad_ids(cli, repo: Path, report_dir: Path) -> None:
    result = cli("new", "political-ecology", "2022", "--into", repo / "content")
    assert result.code == 2 and "already exists" in result.err
    result = cli("new", "../evil", "2023", "--into", repo / "content")
    assert result.code == 2 and "'../evil'" in result.err
    assert not (repo / "evil").exists()


def test_status_shows_errors_and_warnings_beside_the_approval(
    cli, repo: Path, report_dir: Path, monkeypatch
):
    from releasing import fill_figures

    monkeypatch.setenv("COLUMNS", "250")  # one table row per section, nothing folded

    fill_figures(report_dir)
    _edit(report_dir / "sections" / "02-problems.md", "\n共开展___次，认真贯彻,严格落实。\n")
    result = cli("status", report_dir, "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    counts = {r["id"]: (r["errors"], r["warnings"], r["approval"]) for r in data["sections"]}
    assert counts == {
        "preface": (0, 0, "pending"),
        "situation": (0, 1, "pending"),  # 权利在阳光下运行: a near-miss warning
        "problems": (1, 1, "pending"),
        "measures": (0, 0, "pending"),
    }
    assert data["validation"] == {
        "errors": 1,
        "warnings": 2,
        "report.yaml": {"errors": 0, "warnings": 0},
    }
    table = cli("status", report_dir)
    assert table.code == 0
    header = next(line for line in table.out.splitlines() if "errors" in line)
    assert header.index("errors") < header.index("warnings") < header.index("approval")
    problems = next(line for line in table.out.splitlines() if "problems" in line)
    assert [c.strip() for c in problems.split("│")][6:8] == ["1", "1"]


def test_new_from_moves_the_years_around_the_report_year_and_says_what_it_moved(
    cli, repo: Path, report_dir: Path
) -> None:
    measures = report_dir / "sections" / "03-measures.md"
    text = measures.read_text(encoding="utf-8")
    text = text.replace("title: 三、提升政治生态建设的措施和打算", "title: 三、2023年工作打算")
    plan = (
        "\n\n2023年，我们将坚持以习近平新时代中国特色社会主义思想为指导，"
        "到2035年基本实现目标，持续巩固2022年以来的成果。\n"
    )
    measures.write_text(text + plan, encoding="utf-8")
    yaml_path = report_dir / "report.yaml"
    yaml_path.write_text(
        yaml_path.read_text(encoding="utf-8") + "render:\n  date: 2023-01-20\n", encoding="utf-8"
    )
    into = repo / "content"
    result = cli("new", "political-ecology", "2023", "--from", report_dir, "--into", into)
    assert result.code == 0, result.err
    assert "section measures: 三、2023年工作打算 -> 三、2024年工作打算" in result.out
    assert "render.date: 2023-01-20 -> 2024-01-20" in result.out
    title = "title: 区政府党组2022年政治生态自评情况报告 -> 区政府党组2023年政治生态自评情况报告"
    assert title in result.out
    new = model.load_report(into / "political-ecology" / "2023")
    assert new.section("measures").title == "三、2024年工作打算"
    assert new.render["date"] == "2024-01-20"
    assert plan.strip() in new.section("measures").body  # years in the text stay as written

    found = cli("validate", into / "political-ecology" / "2023", "--format", "json")
    stale = [f for f in json.loads(found.out)["findings"] if f["rule"] == "carryover.stale-year"]
    body = new.section("measures").body.splitlines()
    line = (
        next(i for i, t in enumerate(body) if t.startswith("2023年，我们将"))
        + new.section("measures").body_line
    )
    assert [(f["file"], f["line"], f["column"]) for f in stale] == [
        ("sections/00-preface.md", 7, 37),  # 现将区政府党组2022年政治生态自评情况报告如下
        ("sections/03-measures.md", line, 1),  # 2023: last year's "next year"
        ("sections/03-measures.md", line, plan.strip().index("2022") + 1),  # last year itself
    ]
    assert "2035" not in " ".join(f["message"] for f in stale)  # a target, not a stale year


def test_new_from_last_year_says_the_roster_is_carried_over(
    cli, repo: Path, report_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The roster chain keeps last year's roster in force whatever the new report.yaml says,
    so ``new --from`` says so, and who signs off a change, in English and in Chinese."""
    into = repo / "content"
    result = cli("new", "political-ecology", "2023", "--from", report_dir, "--into", into)
    assert result.code == 0, result.err
    said = " ".join(result.out.split())
    assert "roster carried over from political-ecology/2022:" in said, result.out
    assert "take effect once party-secretary sign off the change" in said, result.out
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    result = cli("new", "political-ecology", "2024", "--from", report_dir, "--into", into)
    assert result.code == 0, result.err
    assert "名册沿用 political-ecology/2022" in result.out, result.out
    assert "须经 party-secretary 签核" in result.out, result.out


def test_new_from_a_template_carries_no_roster(cli, repo: Path) -> None:
    result = cli("new", "budget", "2023", "--into", repo / "content")
    assert result.code == 0, result.err
    assert "carried over" not in result.out
