"""The sign-off form in the Prefect UI, in a real browser (issue 14): Debian's Chromium through
Playwright opens the waiting release run on a real ``prefect server start`` (PostgreSQL, our
worker, prefect.yaml's deployments, a bare remote), resumes it through the UI's form, whose
fields are drop-downs of the people and sections still open, and the unsigned sign-off lands
in git on the remote and the release completes. Screenshots in the test's folder
(``form.png``, ``choices.png``, ``chosen.png``; also copied to $REPORTFLOW_SHOTS). Slow by
nature (one office, ~2 minutes)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import git
from prefect_office import wait_state
from test_prefect_office import FAR, REPORT, Office

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
SHOTS = Path(os.environ.get("REPORTFLOW_SHOTS", "")) if os.environ.get("REPORTFLOW_SHOTS") else None

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory):
    # the deputy heads must sign with a key; the party secretary may approve in the UI
    root = tmp_path_factory.mktemp("ui-office")
    off = Office(root, ui=True, required_for={"roles": ["deputy-head"]})
    try:
        off.start()
        yield off
    finally:
        off.stop()


def _shot(page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SHOTS / path.name)


def test_the_resume_form_offers_choices_and_records_the_signoff_in_git(
    office: Office, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    # the deputy head signs every section on their PC (with a key) and pushes
    pc = office.clone("pc-deputy-head-1")
    for n, sid in enumerate(("preface", "situation", "problems", "measures")):
        extra = ["--push"] if n == 3 else []
        done = office.cli(
            "deputy-head-1", "signoff", pc / REPORT, "--section", sid, "--as", "deputy-head-1",
            "--key", office.keys["deputy-head-1"][0], *extra, cwd=pc,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    run_id = office.run("release-report/political-ecology", deadline=FAR)
    run = wait_state(office.api, run_id, {"PAUSED"}, timeout=120)
    assert run["state"]["name"] == "Suspended", run["state"]
    assert run["name"].startswith("审批发布："), run["name"]

    secretary = "区政府党组书记（party-secretary）"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
        page.goto(f"http://127.0.0.1:{office.port}/runs/flow-run/{run_id}")
        page.get_by_role("button", name="Resume").first.click()
        dialog = page.get_by_role("dialog")
        reviewer = dialog.locator(".p-select-button__control").first
        reviewer.wait_for()
        _shot(page, tmp_path / "form.png")
        # the fields are drop-downs of the choices (no free text), in the report's language
        assert dialog.get_by_text("签批人").count() and dialog.get_by_text("签批事项").count()
        # what is still needed, as the gate says it, in the report's language too
        assert "报告（终审）：待审批，还需角色 party-secretary 审批 1 次" in dialog.inner_text()
        assert "无人：重新检查（其他渠道的签批）" in reviewer.inner_text()
        # the select opens from the keyboard (a click in headless Chromium opened and closed it)
        reviewer.focus()
        reviewer.press("ArrowDown")
        options = page.get_by_role("option")
        options.first.wait_for()
        shown = [options.nth(i).inner_text().strip() for i in range(options.count())]
        assert shown == ["无人：重新检查（其他渠道的签批）", secretary], shown
        _shot(page, tmp_path / "choices.png")
        options.filter(has_text=secretary).click()
        assert secretary in reviewer.inner_text()
        scope = dialog.locator(".p-select-button__control").nth(1)
        assert "报告全文（report）" in scope.inner_text()
        dialog.locator("textarea").fill("同意发布。")
        _shot(page, tmp_path / "chosen.png")
        # the UI sends the resume as a fetch after the click: wait for Prefect's answer, or
        # closing the browser at once can cancel it (the run then stays Suspended; seen once in
        # ten fresh-clone runs on a loaded machine)
        with page.expect_response(
            lambda r: r.url.endswith(f"/flow_runs/{run_id}/resume") and r.request.method == "POST",
            timeout=60_000,
        ) as resumed:
            dialog.get_by_role("button", name="Submit").click()
        assert resumed.value.ok, (resumed.value.status, resumed.value.text())
        browser.close()

    run = wait_state(office.api, run_id, {"COMPLETED", "FAILED", "CRASHED"}, timeout=180)
    assert run["state"]["type"] == "COMPLETED", run["state"]
    # the UI's sign-off is in git on the remote: authored by the party secretary, unsigned,
    # channel prefect-ui, with the comment; and the release tag beside it
    log = git(office.remote, "log", "--format=%an|%s", "-4", "main")
    assert "区政府党组书记|signoff: party-secretary approves report" in log, log
    check = office.clone("auditor")
    records = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in (check / REPORT / "signoffs").glob("*.json")
    ]
    ui = [r for r in records if r.get("channel") == "prefect-ui"]
    assert len(ui) == 1 and ui[0]["reviewer"] == "party-secretary", ui
    assert ui[0]["comment"] == "同意发布。" and not ui[0].get("signature")
    assert "political-ecology/2022/v1" in git(office.remote, "tag", "-l")
