"""The review page in a real browser: Debian's Chromium driven by Playwright, with Chromium's
virtual authenticator (CDP ``WebAuthn.addVirtualAuthenticator``: CTAP2, internal, resident
key, user verification) as the reviewer's passkey, against ``reportflow serve`` started as a
user starts it. Register, have the roster change signed off with the CLI, sign in, approve a
section, and see the record in git pass ``reportflow gate`` in a subprocess; a refused
approval shown on the page; a POST without the CSRF token refused. Screenshots of the inbox
and a section page are kept under build/test-artifacts/. And a personal link: opened,
decided once, refused the second time, the server-attested record counted by the gate."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import commit_all, git
from signoff_support import edit, make_keys, make_repo, section_file

ARTIFACTS = Path(__file__).resolve().parents[1] / "build" / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path):
    keys = make_keys(tmp_path / "keys")
    rdir = make_repo(tmp_path / "reports", keys)
    yield from serving(tmp_path, rdir, keys)


def serving(tmp_path: Path, rdir: Path, keys, *extra: str):
    """``reportflow serve`` on a free port, as a user starts it; stopped afterwards."""
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "reportflow", "serve", str(rdir), "--port", str(port), *extra],
        stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy(),
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
    try:
        yield rdir, keys, f"http://localhost:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reportflow", *map(str, args)],
        capture_output=True, text=True, env=os.environ.copy(),
    )  # fmt: skip


def test_passkey_register_sign_in_approve_and_verify_offline(server) -> None:
    from playwright.sync_api import sync_playwright

    rdir, keys, base = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 900})
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
            "hasUserVerification": True, "isUserVerified": True,
        }})  # fmt: skip

        page.goto(f"{base}/register")
        page.fill("input[name=person]", "deputy-head-1")
        page.click("#register button[type=submit]")
        page.wait_for_url(f"{base}/register/done")
        assert page.text_content("#reg-state").strip() == "等待名单变更签批"  # type: ignore[union-attr]

        page.goto(f"{base}/login")  # before the roster sign-off: refused, and said why
        page.fill("input[name=person]", "deputy-head-1")
        page.click("#login button[type=submit]")
        page.wait_for_selector("#message:not([hidden])")
        assert "名单变更签批" in page.text_content("#message")  # type: ignore[operator]

        signed = cli("signoff", rdir, "--roster", "--as", "party-secretary",
                     "--key", keys["party-secretary"][0])  # fmt: skip
        assert signed.returncode == 0, signed.stderr

        page.goto(f"{base}/login")
        page.fill("input[name=person]", "deputy-head-1")
        page.click("#login button[type=submit]")
        page.wait_for_url(f"{base}/")
        assert page.locator("#inbox a[href='/section/situation']").count() == 1
        page.screenshot(path=str(ARTIFACTS / "review-inbox.png"), full_page=True)

        page.goto(f"{base}/section/situation")
        assert page.locator("article.print p").count() > 0
        page.screenshot(path=str(ARTIFACTS / "review-section.png"), full_page=True)
        page.fill("textarea[name=comment]", "同意。")
        page.click("button[value=approve]")
        page.wait_for_url(f"{base}/done/**")
        record = page.text_content("#done-file").strip()  # type: ignore[union-attr]
        commit = page.text_content("#done-commit").strip()  # type: ignore[union-attr]

        # a POST without the CSRF token, with the signed-in session's cookie: refused
        forged = context.request.post(
            f"{base}/api/decide/options",
            data=json.dumps({"scope": "section:problems", "decision": "approve"}),
            headers={"Content-Type": "application/json"},
        )
        assert forged.status == 403

        # the author of a change may not approve it: refused, and the page says why
        repo = rdir.parents[2]
        edit(section_file(rdir, "problems"), "\n深化整改，补充一句。\n")
        commit_all(repo, "problems: a sentence by deputy-head-1", person="deputy-head-1")
        page.goto(f"{base}/section/problems")
        page.click("button[value=approve]")
        page.wait_for_selector("#message:not([hidden])")
        refusal = page.text_content("#message") or ""
        page.screenshot(path=str(ARTIFACTS / "review-refused.png"), full_page=True)
        browser.close()

    assert "deputy-head-1" in refusal and "problems" in refusal, refusal
    assert git(repo, "log", "-1", "--format=%H", "--", record).strip() == commit
    stored = json.loads((repo / record).read_text(encoding="utf-8"))
    assert stored["signature_kind"] == "webauthn" and stored["channel"] == "web"
    gate = cli("gate", rdir, "--format", "json")
    assert json.loads(gate.stdout)["sections"]["situation"]["status"] == "approved", gate.stdout
    assert json.loads(gate.stdout)["sections"]["situation"]["approvers"] == ["deputy-head-1"]


def _with_links(tmp_path: Path, kinds: str):
    """A repository whose policy holds the server's own SSH key and ``kinds`` (the policy
    change signed off with the CLI); (report folder, people's keys, server key file)."""
    keys = make_keys(tmp_path / "keys")
    rdir = make_repo(tmp_path / "reports", keys)
    server_key = tmp_path / "server-key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(server_key)],
                   check=True)  # fmt: skip
    public = " ".join(server_key.with_suffix(".pub").read_text().split()[:2])
    yaml_path = rdir / "report.yaml"
    policy = (f"  signatures:\n    required_for: everyone\n"
              f"    kinds: {kinds}\n"
              f"    server_keys: [{public}]\n")  # fmt: skip
    text = yaml_path.read_text(encoding="utf-8")
    yaml_path.write_text(text.replace("  signatures: {required_for: everyone}\n", policy), "utf-8")
    commit_all(rdir.parents[2], "policy: the review server's key")
    signed = cli("signoff", rdir, "--roster", "--as", "party-secretary",
                 "--key", keys["party-secretary"][0])  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    return rdir, keys, server_key


@pytest.fixture
def link_server(tmp_path: Path):
    """The server with its own SSH key in the roster's policy, and personal links on for
    deputy-head-1."""
    rdir, keys, server_key = _with_links(tmp_path, "{deputy-head-1: [ssh, server-attested]}")
    secret = tmp_path / "secret"
    secret.write_text("k" * 48)
    extra = ("--server-key", str(server_key), "--secret-file", str(secret))
    for rdir_, _keys, base in serving(tmp_path, rdir, keys, *extra):
        yield rdir_, secret, base


@pytest.fixture
def final_link_server(tmp_path: Path):
    """Every section approved (CLI, SSH), links on for the party secretary, the repository
    with a bare ``origin`` remote: the server pushes by default."""
    rdir, keys, server_key = _with_links(tmp_path, "{party-secretary: [ssh, server-attested]}")
    for sid in ("preface", "situation", "problems", "measures"):
        done = cli("signoff", rdir, "--section", sid, "--as", "deputy-head-1",
                   "--key", keys["deputy-head-1"][0])  # fmt: skip
        assert done.returncode == 0, done.stderr
    repo, bare = rdir.parents[2], tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    git(repo, "remote", "add", "origin", str(bare))
    secret = tmp_path / "secret"
    secret.write_text("k" * 48)
    extra = ("--server-key", str(server_key), "--secret-file", str(secret))
    for rdir_, _keys, base in serving(tmp_path, rdir, keys, *extra):
        yield rdir_, secret, base, bare


def test_a_final_approval_link_in_the_browser_is_pushed(final_link_server) -> None:
    from playwright.sync_api import sync_playwright

    rdir, secret, base, bare = final_link_server
    made = cli("link", rdir, "--as", "party-secretary", "--report", "--secret-file", secret,
               "--base-url", base)  # fmt: skip
    assert made.returncode == 0, made.stderr
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(locale="zh-CN", viewport={"width": 1100, "height": 900})
        page.goto(made.stdout.strip())
        assert "通过个人链接签批" in (page.text_content("form.decision") or "")
        assert page.locator("#report tr").count() == 6  # the head, four sections, the final
        page.screenshot(path=str(ARTIFACTS / "review-final-link.png"), full_page=True)
        page.click("button[value=approve]")
        page.wait_for_url(f"{base}/link-done/**")
        record = (page.text_content("#done-file") or "").strip()
        for _ in range(100):
            if page.locator("#pushed").count():
                break
            time.sleep(0.1)
            page.reload()
        pushed = page.text_content("#pushed") or ""
        page.screenshot(path=str(ARTIFACTS / "review-done-pushed.png"), full_page=True)
        browser.close()
    assert "已推送到 origin/main" in pushed
    assert record in git(bare, "ls-tree", "-r", "--name-only", "main")
    stored = json.loads((rdir.parents[2] / record).read_text(encoding="utf-8"))
    assert stored["scope"] == "report" and stored["signature_kind"] == "server-attested"
    gate = cli("gate", rdir)
    assert gate.returncode == 0 and "APPROVED" in gate.stdout, gate.stdout + gate.stderr


def test_a_personal_link_in_the_browser_decides_once(link_server) -> None:
    from playwright.sync_api import sync_playwright

    rdir, secret, base = link_server
    made = cli("link", rdir, "--as", "deputy-head-1", "--section", "situation",
               "--secret-file", secret, "--base-url", base)  # fmt: skip
    assert made.returncode == 0, made.stderr
    url = made.stdout.strip()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(locale="zh-CN")
        page.goto(url)
        assert "通过个人链接签批" in (page.text_content("form.decision") or "")
        page.click("button[value=approve]")
        page.wait_for_url(f"{base}/link-done/**")
        record = (page.text_content("#done-file") or "").strip()
        page.goto(url)  # the same link again
        again = page.text_content("main") or ""
        browser.close()
    assert "此链接已使用过" in again
    stored = json.loads((rdir.parents[2] / record).read_text(encoding="utf-8"))
    assert stored["signature_kind"] == "server-attested"
    gate = cli("gate", rdir, "--format", "json")
    assert json.loads(gate.stdout)["sections"]["situation"]["status"] == "approved", gate.stdout
