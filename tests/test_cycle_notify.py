from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import yaml
from conftest import commit_all, git

from reportflow.content import model
from reportflow.core.errors import ContentError
from reportflow.cycle import nextyear, notify


def test_open_next_year_from_the_last_released_version(repo: Path, report_dir: Path) -> None:
    git(repo, "tag", "-a", "political-ecology/2022/v1", "-m", "approved")
    section = report_dir / "sections" / "02-problems.md"
    section.write_text(section.read_text(encoding="utf-8") + "\n发布后的草稿。\n", "utf-8")
    commit_all(repo, "draft after release")

    opened = nextyear.open_next(report_dir.parent)
    assert opened.path == report_dir.parent / "2023"
    assert opened.source.startswith("v1 ")
    assert opened.owners == ("office-director",)
    new = model.load_report(opened.path)
    assert "发布后的草稿" not in new.section("problems").body  # the approved text, not the draft
    assert new.title == "区政府党组2023年政治生态自评情况报告"


def test_the_yearly_step_says_the_roster_is_carried_over(repo: Path, report_dir: Path) -> None:
    """The open-cycle flow opens the year with ``open_cycle``: like ``new --from`` it names the
    year whose roster stays in force and who signs off a change, and its artifact says so in
    the report's language (the flow composes exactly these calls)."""
    from reportflow.core import i18n
    from reportflow.cycle import flowtext

    opened = nextyear.open_cycle(report_dir.parent, 2023)
    assert (opened.carried, opened.approvers) == ("political-ecology/2022", ("party-secretary",))
    with i18n.speaking("zh-CN"):
        line = nextyear.carried_sentence(opened.carried, "content/pe/2023", opened.approvers)
        shown = flowtext.opened_markdown("content/pe/2023", opened.source, "abc", ["x: sent"], line)
    assert shown.split("\n\n")[1] == (
        "名册沿用 political-ecology/2022 的：content/pe/2023/report.yaml 中人员、密钥和审批规则的"
        "改动，须经 party-secretary 签核变更后才生效（reportflow signoff content/pe/2023 --roster）"
    )
    committed = nextyear.commit_opened(opened)
    assert committed.commit and committed.carried == opened.carried  # kept through the commit


def test_open_next_year_without_release_uses_working_tree(repo: Path, report_dir: Path) -> None:
    opened = nextyear.open_next(report_dir.parent)
    assert opened.source == "working tree"
    assert model.load_report(opened.path).year == 2023
    with pytest.raises(ContentError, match="2023 is not after the latest year 2023"):
        nextyear.open_next(report_dir.parent, 2023)


class _Inbox(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Inbox.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_notify_delivers_to_people_with_addresses(report_dir: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Inbox)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        doc = yaml.safe_load((report_dir / "report.yaml").read_text(encoding="utf-8"))
        doc["people"]["office-director"]["notify"] = [
            f"json://127.0.0.1:{server.server_port}/inbox"
        ]
        (report_dir / "report.yaml").write_text(
            yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8"
        )
        report = model.load_report(report_dir)
        sent = notify.send(report, ["office-director", "deputy-head-1"], "提醒", "请补充数字")
    finally:
        server.shutdown()
    assert [(d.person, d.sent) for d in sent] == [
        ("office-director", True),
        ("deputy-head-1", False),
    ]
    assert _Inbox.received[-1]["title"] == "提醒"
    assert _Inbox.received[-1]["message"] == "请补充数字"
