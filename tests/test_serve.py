"""The review page in process (Starlette's TestClient over the real app, a real repository,
real P-256 passkeys from ``webauthn_support``): nothing readable without a passkey session,
the security headers and cookie flags, CSRF, rate limits, the registration waiting for the
roster sign-off, and an approval whose record verifies from git. The browser path is
test_serve_browser.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import commit_all, git
from signoff_support import edit, section_file
from starlette.testclient import TestClient
from webauthn_support import SoftAuthenticator, credential, registration

from reportflow.serve.app import Config, RelyingParty, create_app
from reportflow.signoff import approval, ledger
from reportflow.signoff.passkeys import unb64url

ORIGIN = "http://localhost:8123"


@pytest.fixture
def client(rdir: Path):
    app = create_app(Config(rdir, RelyingParty("localhost", ORIGIN), lang="en"))
    with TestClient(app, base_url="https://localhost") as c:
        yield c


def csrf(client: TestClient, page: str = "/login") -> str:
    html = client.get(page).text
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found, html[:500]
    return found[1]


def post(client: TestClient, url: str, body: dict, page: str = "/login"):
    return client.post(url, json=body, headers={"X-CSRF-Token": csrf(client, page)})


def register(client: TestClient, auth: SoftAuthenticator, person: str):
    started = post(client, "/api/register/options", {"person": person})
    assert started.status_code == 200, started.text
    challenge = unb64url(started.json()["options"]["challenge"])
    return post(client, "/api/register/verify", {"credential": registration(auth, challenge)})


def login(client: TestClient, auth: SoftAuthenticator, person: str):
    started = post(client, "/api/login/options", {"person": person})
    if started.status_code != 200:
        return started
    challenge = unb64url(started.json()["options"]["challenge"])
    return post(client, "/api/login/verify", {"credential": credential(auth.sign(challenge))})


def enrolled(cli, keys, rdir: Path, client: TestClient, person: str) -> SoftAuthenticator:
    auth = SoftAuthenticator(origin=ORIGIN)
    assert register(client, auth, person).status_code == 200
    done = cli("signoff", rdir, "--roster", "--as", "party-secretary",
               "--key", keys["party-secretary"][0])  # fmt: skip
    assert done.code == 0, done.err
    return auth


def decide(client: TestClient, auth: SoftAuthenticator, scope: str, decision: str = "approve"):
    page = "/section/" + scope.split(":")[1] if scope.startswith("section:") else "/report"
    seen = re.search(r'name="seen" value="([^"]*)"', client.get(page).text)
    body = {
        "scope": scope,
        "decision": decision,
        "comment": "同意。",
        "seen": seen[1] if seen else "",
    }
    started = post(client, "/api/decide/options", body, page)
    if started.status_code != 200:
        return started, None
    token = started.json()["token"]
    challenge = unb64url(started.json()["options"]["challenge"])
    signed = {"token": token, "credential": credential(auth.sign(challenge))}
    return post(client, "/api/decide/sign", signed, page), signed


def test_an_unauthenticated_visitor_reads_nothing(client: TestClient) -> None:
    for page in ("/", "/report", "/section/situation", "/done/x"):
        got = client.get(page, follow_redirects=False)
        assert got.status_code == 303 and got.headers["location"] == "/login", page
    login_page = client.get("/login").text
    assert "总体情况" not in login_page and "deputy-head" not in login_page
    for api in ("/api/decide/options", "/api/decide/sign"):
        got = client.post(api, json={}, headers={"X-CSRF-Token": csrf(client)},
                          follow_redirects=False)  # fmt: skip
        assert got.status_code == 303, api


def test_headers_and_cookie_flags(client: TestClient) -> None:
    got = client.get("/login")
    csp = got.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert got.headers["x-content-type-options"] == "nosniff"
    cookie = got.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "<script>" not in got.text and 'src="/static/webauthn.js"' in got.text


def test_a_post_without_the_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    for api in ("/api/login/options", "/api/register/options"):
        assert client.post(api, json={"person": "deputy-head-1"}).status_code == 403
        wrong = client.post(api, json={"person": "deputy-head-1"},
                            headers={"X-CSRF-Token": "forged"})  # fmt: skip
        assert wrong.status_code == 403
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403


def test_registration_waits_for_the_roster_then_an_approval_verifies(
    cli, keys, rdir: Path, client: TestClient
) -> None:
    auth = SoftAuthenticator(origin=ORIGIN)
    done = register(client, auth, "deputy-head-1")
    assert done.json() == {"redirect": "/register/done"}
    page = client.get("/register/done").text
    assert "waiting for the roster sign-off" in page and "party-secretary" in page
    assert "reportflow signoff content/political-ecology/2022 --roster" in page
    assert str(rdir) not in page  # the server's own paths are nobody's business
    text = (rdir / "report.yaml").read_text(encoding="utf-8")
    assert auth.credential_id in text and "# " in text  # the comments of report.yaml stay
    refused = login(client, auth, "deputy-head-1")
    assert refused.status_code == 409 and "waits for the roster sign-off" in refused.json()["error"]

    signed = cli("signoff", rdir, "--roster", "--as", "party-secretary",
                 "--key", keys["party-secretary"][0])  # fmt: skip
    assert signed.code == 0, signed.err
    assert login(client, auth, "deputy-head-1").json() == {"redirect": "/"}
    inbox = client.get("/").text
    assert "/section/situation" in inbox
    section = client.get("/section/situation").text
    assert "No earlier text to compare with" in section and '<article class="print">' in section

    answer, replay = decide(client, auth, "section:situation")
    assert answer.status_code == 200, answer.text
    confirm = client.get(answer.json()["redirect"]).text
    file = re.search(r'id="done-file">([^<]+)<', confirm)[1]  # type: ignore[index]
    commit = re.search(r'id="done-commit">([^<]+)<', confirm)[1]  # type: ignore[index]
    repo = rdir.parents[2]
    assert git(repo, "rev-parse", "HEAD").strip() == commit
    assert git(repo, "log", "-1", "--format=%an", "--", file).strip() == "常务副区长"
    stored = json.loads((repo / file).read_text(encoding="utf-8"))
    assert stored["channel"] == "web" and stored["signature_kind"] == "webauthn"
    verdict = approval.evaluate_at(rdir).sections["situation"]
    assert verdict.status == "approved" and verdict.approvers == ("deputy-head-1",)
    record = ledger.parse_file((repo / file).read_bytes(), file)
    assert record in verdict.counted

    again = post(client, "/api/decide/sign", replay, "/section/situation")  # replayed token
    assert again.status_code == 409 and "expired or was made already" in again.json()["error"]


def test_the_author_of_a_change_is_refused_on_the_page(
    cli, keys, rdir: Path, client: TestClient
) -> None:
    auth = enrolled(cli, keys, rdir, client, "deputy-head-2")
    edit(section_file(rdir, "problems"), "\n深化整改，补充一句。\n")
    commit_all(rdir.parents[2], "problems: a sentence by deputy-head-2", person="deputy-head-2")
    assert login(client, auth, "deputy-head-2").status_code == 200
    page = client.get("/section/problems").text
    assert 'id="excluded"' in page
    answer, _signed = decide(client, auth, "section:problems")
    assert answer.status_code == 409
    assert "deputy-head-2 may not approve section problems" in answer.json()["error"]


def test_login_is_rate_limited(client: TestClient) -> None:
    codes = [post(client, "/api/login/options", {"person": "deputy-head-1"}).status_code
             for _ in range(12)]  # fmt: skip
    assert codes[0] == 404 and codes[-1] == 429


def test_section_text_is_escaped(cli, keys, rdir: Path, client: TestClient) -> None:
    auth = enrolled(cli, keys, rdir, client, "deputy-head-1")
    edit(section_file(rdir, "situation"), '\n<script>alert("x")</script>\n')
    commit_all(rdir.parents[2], "situation: a script in the text")
    assert login(client, auth, "deputy-head-1").status_code == 200
    page = client.get("/section/situation").text
    assert '<script>alert("x")</script>' not in page and "&lt;script&gt;" in page


def test_bidi_controls_in_the_text_are_shown_not_obeyed(
    cli, keys, rdir: Path, client: TestClient
) -> None:
    """A U+202E in a section reverses what follows it on screen: "同意" typed as U+202E
    "意同" reads "同意". The page shows the escape in the text as it will print (rendered
    HTML, passed ``|safe``), as it does in every other value."""
    auth = enrolled(cli, keys, rdir, client, "deputy-head-1")
    edit(section_file(rdir, "situation"), "\n本段\u202e意同\u202c完。\n")
    commit_all(rdir.parents[2], "situation: a bidi override")
    assert login(client, auth, "deputy-head-1").status_code == 200
    page = client.get("/section/situation").text
    assert "\u202e" not in page and "\u202c" not in page
    assert "<p>本段\\u202e意同\\u202c完。</p>" in page


def test_the_diff_starts_at_the_reviewers_last_verified_approval(
    cli, keys, rdir: Path, client: TestClient
) -> None:
    auth = enrolled(cli, keys, rdir, client, "deputy-head-1")
    assert login(client, auth, "deputy-head-1").status_code == 200
    answer, _signed = decide(client, auth, "section:situation")
    assert answer.status_code == 200, answer.text
    repo = rdir.parents[2]
    real = next(p for p in (rdir / "signoffs").glob("*deputy-head-1-section-situation.json"))
    edit(section_file(rdir, "situation"), "\n第一处修改。\n")
    first = commit_all(repo, "situation: first edit")
    # a record no passkey signed, claiming deputy-head-1 approved the first edit: not evidence
    forged = json.loads(real.read_text(encoding="utf-8"))
    blob = git(repo, "rev-parse", f"{first}:{section_file(rdir, 'situation').relative_to(repo)}")
    forged.update(commit=first, fingerprint=blob.strip(), time=ledger.now_utc())
    fake = ledger.parse_record(forged, "forged.json")
    (rdir / "signoffs" / ledger.file_name(fake)).write_text(ledger.to_json(fake), "utf-8")
    edit(section_file(rdir, "situation"), "\n第二处修改。\n")
    commit_all(repo, "situation: second edit and a forged approval", person="deputy-head-2")
    page = client.get("/section/situation").text
    assert "Changes since the text you last approved" in page
    assert "<ins>第一处修改。</ins>" in page and "<ins>第二处修改。</ins>" in page
    assert "副区长" in page  # who wrote the second edit


def test_every_section_then_the_final_approval_on_the_report_page(
    cli, keys, rdir: Path, client: TestClient
) -> None:
    reviewer = enrolled(cli, keys, rdir, client, "deputy-head-1")
    secretary = enrolled(cli, keys, rdir, client, "party-secretary")
    assert login(client, reviewer, "deputy-head-1").status_code == 200
    assert 'name="scope" value="report"' not in client.get("/report").text
    for sid in ("preface", "situation", "problems", "measures"):
        answer, _signed = decide(client, reviewer, f"section:{sid}")
        assert answer.status_code == 200, (sid, answer.text)
    early, _signed = decide(client, reviewer, "report")  # not a final approver
    assert early.status_code == 409 and "may not sign off the whole report" in early.json()["error"]
    assert login(client, secretary, "party-secretary").status_code == 200
    assert 'name="scope" value="report"' in client.get("/report").text
    final, _signed = decide(client, secretary, "report")
    assert final.status_code == 200, final.text
    gate = cli("gate", rdir)
    assert gate.code == 0 and "APPROVED" in gate.out, gate.out + gate.err


def test_an_approval_names_the_text_its_page_showed(
    cli, keys, rdir: Path, client: TestClient
) -> None:
    auth = enrolled(cli, keys, rdir, client, "deputy-head-1")
    assert login(client, auth, "deputy-head-1").status_code == 200
    shown = re.search(r'name="seen" value="([0-9a-f]{40})"', client.get("/section/problems").text)
    assert shown, "the section page carries the blob it shows"
    edit(section_file(rdir, "problems"), "\n读者打开页面之后改的一句。\n")
    commit_all(rdir.parents[2], "problems: changed after the page was opened")
    body = {"scope": "section:problems", "decision": "approve", "seen": shown[1]}
    got = post(client, "/api/decide/options", body, "/section/situation")
    assert got.status_code == 409 and "changed since you opened the page" in got.json()["error"]
    assert not list((rdir / "signoffs").glob("*-section-problems.json"))


def test_an_uncommitted_edit_in_the_servers_tree_is_not_what_the_reviewer_approves(
    cli, keys, rdir: Path, client: TestClient
) -> None:
    """The page shows HEAD's text from git, so the record names HEAD's blob and the commit
    holds the record only: the server's working tree is nobody's reading (``prepare``'s
    ``worktree=False``); at the terminal the same edit refuses the sign-off."""
    auth = enrolled(cli, keys, rdir, client, "deputy-head-1")
    assert login(client, auth, "deputy-head-1").status_code == 200
    repo = rdir.parents[2]
    path = section_file(rdir, "problems")
    head_blob = git(repo, "rev-parse", f"HEAD:{path.relative_to(repo).as_posix()}").strip()
    edit(path, "\n没有提交的一句。\n")
    at_terminal = cli("signoff", rdir, "--section", "problems", "--as", "deputy-head-1",
                      "--key", keys["deputy-head-1"][0])  # fmt: skip
    assert at_terminal.code == 1 and "uncommitted changes" in at_terminal.err
    page = client.get("/section/problems").text
    assert "没有提交的一句" not in page
    answer, _signed = decide(client, auth, "section:problems")
    assert answer.status_code == 200, answer.text
    confirm = client.get(answer.json()["redirect"]).text
    file = re.search(r'id="done-file">([^<]+)<', confirm)[1]  # type: ignore[index]
    assert json.loads((repo / file).read_text(encoding="utf-8"))["fingerprint"] == head_blob
    committed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert committed == [file]
    assert "没有提交的一句" in path.read_text(encoding="utf-8")  # left as it was
    assert path.relative_to(repo).as_posix() in git(repo, "status", "--porcelain")


def test_each_reviewers_inbox_is_their_own_with_the_lists_kept(
    cli, keys, rdir: Path, client: TestClient
) -> None:
    """The inbox's table and the section list are rendered once per what they show
    (``serve/fragments.py``) and reused: two people at one commit still see their own items,
    and a page made from kept parts is the page made afresh."""
    head = enrolled(cli, keys, rdir, client, "deputy-head-1")
    secretary = enrolled(cli, keys, rdir, client, "party-secretary")

    def inbox_table(c: TestClient, auth: SoftAuthenticator, person: str) -> str:
        assert login(c, auth, person).status_code == 200
        page = c.get("/").text
        return page[page.index('<table id="inbox">') : page.index("</table>")]

    mine = inbox_table(client, head, "deputy-head-1")
    with TestClient(client.app, base_url="https://localhost") as other:
        theirs = inbox_table(other, secretary, "party-secretary")
        assert inbox_table(other, head, "deputy-head-1") == mine  # kept, and the same
    assert '<a href="/section/situation">' in mine and "final approval" not in mine
    assert "final approval" in theirs and '<a href="/section/situation">' not in theirs


def test_a_fragment_without_its_key_is_refused() -> None:
    from jinja2 import Environment, Undefined

    from reportflow.serve.fragments import Fragments

    parts = Fragments(Environment())
    with pytest.raises(TypeError):
        parts.render("x.html", Undefined())
