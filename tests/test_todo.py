"""``reportflow todo``: for a scripted report state, exactly what each person owes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from conftest import commit_all
from releasing import demo_key, fill_figures

from reportflow.cycle import todo


def _set_body(path: Path, body: str) -> None:
    text = path.read_text(encoding="utf-8")
    head = text[: text.index("---", 3) + 4]
    path.write_text(head + body, encoding="utf-8")


def _script(cli, repo: Path, report_dir: Path) -> None:
    """preface and situation approved by deputy-head-1; problems owned by deputy-head-2 with
    an error, last changed by deputy-head-1; measures holding only placeholders."""
    fill_figures(report_dir)
    sections = report_dir / "sections"
    problems = sections / "02-problems.md"
    problems.write_text(
        problems.read_text("utf-8").replace("owner: office-director", "owner: deputy-head-2"),
        "utf-8",
    )
    _set_body(sections / "03-measures.md", "XX\n\n\\*\\*\\*【待补充】\n")
    commit_all(repo, "figures, an owner, measures to draft")
    problems.write_text(problems.read_text("utf-8") + "\n办复率为102%。\n", "utf-8")
    commit_all(repo, "problems: a figure", person="deputy-head-1")
    for sid in ("preface", "situation"):
        done = cli(
            "signoff", report_dir, "--section", sid, "--as", "deputy-head-1",
            "--key", demo_key("deputy-head-1"),
        )  # fmt: skip
        assert done.code == 0, done.err


def _owed(items: list[todo.Item]) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for i in items:
        out.setdefault(i.person, []).append(
            (i.kind, i.target, i.due, i.overdue, i.blocked, i.errors, i.warnings)
        )
    return out


def test_todo_lists_exactly_what_each_person_owes(cli, repo: Path, report_dir: Path) -> None:
    _script(cli, repo, report_dir)
    report, items = todo.gather(report_dir, dt.date(2023, 1, 15))
    assert _owed(items) == {
        "office-director": [
            ("fix", "situation", "2023-01-10", True, "", 0, 1),  # a near-miss warning
            ("draft", "measures", "2023-01-10", True, "", 0, 0),
        ],
        "deputy-head-2": [
            ("fix", "problems", "2023-01-10", True, "", 1, 0),
            ("signoff", "problems", "2023-01-20", False, "errors", 1, 0),
            ("signoff", "measures", "2023-01-20", False, "draft", 3, 0),
        ],
        # not problems: deputy-head-1 changed it since (separation of duties)
        "deputy-head-1": [("signoff", "measures", "2023-01-20", False, "draft", 3, 0)],
        "party-secretary": [("final", "report", "2023-01-20", False, "sections", 4, 0)],
    }
    fix = next(i for i in items if i.kind == "fix" and i.target == "problems")
    assert fix.findings == ("sections/02-problems.md:14:5 figures.percent-over-100",)
    assert list(todo.by_person(report, items)) == [
        "office-director",
        "deputy-head-1",
        "deputy-head-2",
        "party-secretary",
    ]


def test_todo_cli_table_json_and_one_person(cli, repo: Path, report_dir: Path) -> None:
    _script(cli, repo, report_dir)
    data = json.loads(cli("todo", report_dir, "--format", "json").out)
    assert set(data["people"]) == {
        "office-director",
        "deputy-head-1",
        "deputy-head-2",
        "party-secretary",
    }
    mine = data["people"]["deputy-head-1"]
    assert mine["name"] == "常务副区长"
    assert [(i["kind"], i["target"], i["blocked"]) for i in mine["items"]] == [
        ("signoff", "measures", "draft")
    ]
    assert mine["items"][0]["overdue"] is True  # today is long after 2023-01-20
    one = cli("todo", report_dir, "--as", "deputy-head-2")
    assert one.code == 0, one.err
    lines = one.out.splitlines()
    assert lines[0] == "deputy-head-2 (副区长):"
    assert lines[1].startswith("  - fix findings: problems 二、存在的问题; 1 error(s)")
    assert "sections/02-problems.md:14:5 figures.percent-over-100" in lines[2]
    assert "waits for 1 validation error(s) to be fixed" in one.out
    assert "party-secretary" not in one.out
    unknown = cli("todo", report_dir, "--as", "nobody")
    assert unknown.code == 2 and "nobody" in unknown.err


def test_a_pending_roster_change_is_owed_by_the_final_approver(
    cli, repo: Path, report_dir: Path
) -> None:
    fill_figures(report_dir)
    yaml_path = report_dir / "report.yaml"
    text = yaml_path.read_text("utf-8").replace("roles: [author]", "roles: [author, deputy-head]")
    yaml_path.write_text(text, "utf-8")
    commit_all(repo, "the office director becomes a reviewer too")
    _report, items = todo.gather(report_dir, dt.date(2022, 12, 1))
    roster = [(i.person, i.kind, i.overdue) for i in items if i.kind == "roster"]
    assert roster == [("party-secretary", "roster", False)]
    assert not any(i.kind == "draft" for i in items)  # every section has text
