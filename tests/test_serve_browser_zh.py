"""The gate's "still needed" sentence on the review page, in Chromium (issue 14): in Chinese
on a Chinese server (the default), in English with ``--lang en``. Opened by a personal link
(the shortest way to a section page); screenshots under build/test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_serve_browser import ARGS, ARTIFACTS, CHROMIUM, _with_links, cli, serving

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


def _needed(tmp_path: Path, *lang: str) -> str:
    """The still-needed sentence of the section page a personal link to section situation
    opens, on a server started with ``lang``."""
    from playwright.sync_api import sync_playwright

    rdir, keys, server_key = _with_links(tmp_path, "{deputy-head-1: [ssh, server-attested]}")
    secret = tmp_path / "secret"
    secret.write_text("k" * 48)
    extra = ("--server-key", str(server_key), "--secret-file", str(secret), *lang)
    name = "en" if lang else "zh"
    for _rdir, _keys, base in serving(tmp_path, rdir, keys, *extra):
        made = cli("link", rdir, "--as", "deputy-head-1", "--section", "situation",
                   "--secret-file", secret, "--base-url", base)  # fmt: skip
        assert made.returncode == 0, made.stderr
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(locale="zh-CN", viewport={"width": 1100, "height": 900})
            page.goto(made.stdout.strip())
            needed = (page.text_content("p.needed") or "").strip()
            page.screenshot(path=str(ARTIFACTS / f"review-needed-{name}.png"), full_page=True)
            browser.close()
    return needed


def test_the_section_page_says_what_is_still_needed_in_chinese(tmp_path: Path) -> None:
    needed = _needed(tmp_path)
    assert needed == "还需角色 deputy-head 审批 1 次", needed


def test_the_section_page_says_what_is_still_needed_in_english(tmp_path: Path) -> None:
    needed = _needed(tmp_path, "--lang", "en")
    assert needed == "1 more approval from role deputy-head", needed
