"""Personal links (issue 14): a single-use, expiring token bound to person, scope and text;
the decision signed by the review server's key and marked server-attested, counted only where
the policy accepts it. In process (TestClient over the real app), a real repository, a real
server key (ssh-keygen), the roster change signed off with the real CLI."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import commit_all
from signoff_support import edit, make_keys, make_repo, section_file
from starlette.testclient import TestClient

from reportflow.commands import link
from reportflow.serve.app import Config, RelyingParty, create_app
from reportflow.signoff import approval, duties, keys, ledger

SECRET = "s" * 48


@pytest.fixture(scope="session")
def people_keys(tmp_path_factory: pytest.TempPathFactory):
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def setup(cli, tmp_path: Path, people_keys):
    """A repository whose roster in force lists the server's key and lets deputy-head-1 (not
    deputy-head-2) decide by link; the app with that key; the secret file."""
    rdir = make_repo(tmp_path / "reports", people_keys)
    server = tmp_path / "server-key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(server)], check=True)
    public = " ".join(server.with_suffix(".pub").read_text().split()[:2])
    yaml_path = rdir / "report.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    policy = (f"  signatures:\n    required_for: everyone\n"
              f"    kinds: {{deputy-head-1: [ssh, webauthn, server-attested],\n"
              f"            party-secretary: [ssh, webauthn, server-attested]}}\n"
              f"    server_keys: [{public}]\n")  # fmt: skip
    assert "  signatures: {required_for: everyone}\n" in text
    yaml_path.write_text(text.replace("  signatures: {required_for: everyone}\n", policy), "utf-8")
    commit_all(rdir.parents[2], "policy: the review server's key, links for deputy-head-1")
    done = cli("signoff", rdir, "--roster", "--as", "party-secretary",
               "--key", people_keys["party-secretary"][0])  # fmt: skip
    assert done.code == 0, done.err
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET)
    config = Config(rdir, RelyingParty("localhost", "http://localhost:8123"), SECRET, "en",
                    server_key=keys.resolve(server))  # fmt: skip
    with TestClient(create_app(config), base_url="https://localhost") as client:
        yield rdir, client, secret_file


def make_link(setup, person: str, section: str, hours: float = 1) -> str:
    rdir, _client, secret_file = setup
    url = link.run(rdir, person, section, secret_file, "https://localhost", hours)
    return url.removeprefix("https://localhost")


def decide(client: TestClient, path: str, decision: str = "approve"):
    page = client.get(path)
    if page.status_code != 200:
        return page, page
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)[1]  # type: ignore[index]
    form = {"csrf": token, "decision": decision, "comment": "同意。"}
    return page, client.post("/link-decide", data=form)


def test_a_link_decides_once_and_the_record_verifies(setup) -> None:
    rdir, client, _secret = setup
    path = make_link(setup, "deputy-head-1", "situation")
    page, done = decide(client, path)
    assert "Deciding by personal link as" in page.text and "deputy-head-1" in page.text
    assert done.status_code == 200, done.text
    file = re.search(r'id="done-file">([^<]+)<', done.text)[1]  # type: ignore[index]
    stored = json.loads((rdir.parents[2] / file).read_text(encoding="utf-8"))
    assert stored["signature_kind"] == "server-attested" and stored["channel"] == "web"
    verdict = approval.evaluate_at(rdir).sections["situation"]
    assert verdict.status == "approved" and verdict.approvers == ("deputy-head-1",)

    again = client.get(path)  # the same link a second time
    assert again.status_code == 403 and "used already" in again.text

    record = ledger.parse_file((rdir.parents[2] / file).read_bytes(), file)
    eff = approval.load_context(rdir, "HEAD").in_force
    assert eff is not None
    listed = eff.keys_of()["deputy-head-1"]
    assert ledger.verify(record, listed) == "valid"
    assert ledger.verify(replace(record, comment="不同意。"), listed) == "invalid"
    assert ledger.verify(record, eff.people["deputy-head-1"].keys) == "invalid"  # no server key
    as_own = replace(record, signature_kind=None)  # the server's signature passed off as hers
    assert ledger.verify(as_own, listed) == "invalid"
    assert not duties.counts(record, replace(eff, policy=replace(eff.policy, kinds={})), {
        record.digest: "valid"
    })  # fmt: skip


def test_a_changed_text_invalidates_a_pending_link(setup) -> None:
    rdir, client, _secret = setup
    path = make_link(setup, "deputy-head-1", "problems")
    edit(section_file(rdir, "problems"), "\n补充一句。\n")
    commit_all(rdir.parents[2], "problems: one more sentence")
    got = client.get(path)
    assert got.status_code == 403 and "the text has changed since this link was sent" in got.text


def test_the_policy_decides_whom_a_link_counts_for(setup) -> None:
    rdir, client, _secret = setup
    _page, done = decide(client, make_link(setup, "deputy-head-2", "situation"))
    assert done.status_code == 409
    assert "does not count decisions by personal link for deputy-head-2" in done.text
    assert approval.evaluate_at(rdir).sections["situation"].status != "approved"


def test_a_forged_or_expired_link_is_refused(setup) -> None:
    _rdir, client, _secret = setup
    path = make_link(setup, "deputy-head-1", "situation")
    body, mac = path.removeprefix("/link/").split(".")
    other = make_link(setup, "deputy-head-2", "situation").removeprefix("/link/").split(".")[0]
    assert client.get(f"/link/{other}.{mac}").status_code == 403  # another body, this mac
    assert "not valid" in client.get(f"/link/{body}.{mac[:-2]}AA").text
    expired = client.get(make_link(setup, "deputy-head-1", "situation", hours=-1))
    assert expired.status_code == 403 and "expired" in expired.text
    assert client.post("/link-decide", data={"csrf": "x", "decision": "approve"}).status_code \
        == 403  # fmt: skip


def test_a_link_for_the_final_approval_shows_the_report_and_counts(cli, setup, people_keys) -> None:
    rdir, client, secret_file = setup
    refused = cli("link", rdir, "--as", "party-secretary", "--secret-file", secret_file)
    assert refused.code == 2 and "--section <id> or --report" in refused.err
    for sid in ("preface", "situation", "problems", "measures"):
        done = cli("signoff", rdir, "--section", sid, "--as", "deputy-head-1",
                   "--key", people_keys["deputy-head-1"][0])  # fmt: skip
        assert done.code == 0, done.err
    made = cli("link", rdir, "--as", "party-secretary", "--report", "--secret-file",
               secret_file, "--base-url", "https://localhost")  # fmt: skip
    assert made.code == 0, made.err
    path = made.out.strip().removeprefix("https://localhost")
    page, done = decide(client, path)
    assert page.status_code == 200 and 'action="/link-decide"' in page.text
    assert "Approve the report" in page.text and 'href="/section/' not in page.text
    assert done.status_code == 200, done.text
    file = re.search(r'id="done-file">([^<]+)<', done.text)[1]  # type: ignore[index]
    stored = json.loads((rdir.parents[2] / file).read_text(encoding="utf-8"))
    assert stored["scope"] == "report" and stored["signature_kind"] == "server-attested"
    gate = cli("gate", rdir)
    assert gate.code == 0 and "APPROVED" in gate.out, gate.out + gate.err
    assert client.get(path).status_code == 403  # used


def test_a_final_approval_link_does_not_hold_once_the_report_changed(cli, setup) -> None:
    rdir, client, secret_file = setup
    made = cli("link", rdir, "--as", "party-secretary", "--report", "--secret-file",
               secret_file, "--base-url", "https://localhost")  # fmt: skip
    yaml_path = rdir / "report.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8") + "# 改了\n", "utf-8")
    commit_all(rdir.parents[2], "report.yaml: a comment")
    got = client.get(made.out.strip().removeprefix("https://localhost"))
    assert got.status_code == 403 and "the text has changed since this link was sent" in got.text


def test_the_link_page_shows_the_text_its_link_was_checked_against(setup, monkeypatch) -> None:
    """An author's commit lands between the link's check and the page (helper review of
    46b97ea): the page must lay out the checked decision, the link's text, not a second read
    of HEAD; else an edit and its revert around one request let the approval name a text the
    reviewer never saw."""
    from reportflow.serve import linkpages

    rdir, client, _secret = setup
    path = make_link(setup, "deputy-head-1", "problems")
    checked = linkpages._current
    added = "\n作者在此期间补写的一句。\n"

    def then_an_author_commits(state, text):
        found = checked(state, text)
        edit(section_file(rdir, "problems"), added)
        commit_all(rdir.parents[2], "problems: written while the link opened")
        return found

    monkeypatch.setattr(linkpages, "_current", then_an_author_commits)
    page = client.get(path)
    monkeypatch.setattr(linkpages, "_current", checked)
    assert page.status_code == 200, page.text
    assert "作者在此期间补写的一句" not in page.text
    assert "Deciding by personal link as" in page.text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)[1]  # type: ignore[index]
    done = client.post("/link-decide", data={"csrf": token, "decision": "approve"})
    assert done.status_code == 409 and "the text has changed since this link was sent" in done.text
