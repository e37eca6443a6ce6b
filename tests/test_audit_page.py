"""The audit page in a real browser: Chromium (Debian's, /usr/bin/chromium) through Playwright
opens the page as a person would from the archive, with the network cut off, and we read what
it shows and keep a screenshot (AUDIT_SCREENSHOT=<path> keeps a copy to look at)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from audit_support import FOLDER, SECTIONS, append, build, reportflow
from conftest import commit_all, isolate

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("home"))
        root = tmp_path_factory.mktemp("audit-page") / "reports"
        build(root)
        append(root / SECTIONS / "00-preface.md", "\n又一句。\n")
        commit_all(root, "<img src=x onerror=alert(1)> 标题<b>粗</b>", "deputy-head-2")
        return root


def test_the_audit_page_opens_offline_and_shows_every_event(history: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    proc = reportflow("audit", history / FOLDER, "--format", "html")
    assert proc.returncode == 0, proc.stderr
    page_file = tmp_path / "audit.html"
    page_file.write_text(proc.stdout, encoding="utf-8")
    requests: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900}, offline=True)
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(page_file.as_uri())
            rows = page.locator("tbody tr")
            assert rows.count() == 27
            assert page.locator("tr.release").count() == 2
            assert page.locator("tr.roster").count() == 2
            last = rows.nth(26).inner_text()
            assert "<img src=x onerror=alert(1)> 标题<b>粗</b>" in last  # shown as text
            assert page.locator("tbody img, tbody b").count() == 0
            assert "区政府党组2022年政治生态自评情况报告" in page.locator("h1").inner_text()
            # the Chinese text is laid out in a CJK font, not as missing-glyph boxes
            width = page.evaluate(
                "() => { const c = document.createElement('canvas').getContext('2d');"
                " c.font = '16px ' + getComputedStyle(document.body).fontFamily;"
                " return c.measureText('政治生态').width; }"
            )
            assert 60 <= width <= 68  # four full-width characters of 16 px
            shot = tmp_path / "audit.png"
            rows.nth(26).scroll_into_view_if_needed()
            page.screenshot(path=str(shot), full_page=False)
        finally:
            browser.close()
    assert shot.stat().st_size > 20_000
    assert requests == [page_file.as_uri()] and dialogs == []
    keep = os.environ.get("AUDIT_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)


def test_the_diff_redline_page_opens_offline(history: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    proc = reportflow("diff", history / FOLDER, "v1", "HEAD", "--format", "html")
    assert proc.returncode == 0, proc.stderr
    page_file = tmp_path / "diff.html"
    page_file.write_text(proc.stdout, encoding="utf-8")
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(offline=True).new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            # v1 -> HEAD: preface 又一句。 (deputy-head-2), situation 一 -> 两, nothing else
            assert [e.inner_text() for e in page.locator("del").all()] == ["一"]
            assert [e.inner_text() for e in page.locator("ins").all()] == ["又一句。", "两"]
            assert page.locator("section.changed").count() == 2
            assert page.locator("section.same").count() == 2
            shot = tmp_path / "diff.png"
            page.locator("ins").first.scroll_into_view_if_needed()
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert requests == [page_file.as_uri()] and shot.stat().st_size > 10_000
    keep = os.environ.get("AUDIT_SCREENSHOT")
    if keep:
        shutil.copy(shot, Path(keep).with_name("diff.png"))
