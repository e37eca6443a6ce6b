"""Personal links through the person's notification channel (issue 14, ``cycle/personal.py``):
``reportflow link --send`` delivers the link to a real apprise target (``json://`` to an HTTP
server on 127.0.0.1), the link that arrives decides once on the real app; a person the policy
does not count links for gets none; an address changed at HEAD by an author is not used (the
roster in force's report.yaml is); the weekly reminders' links go the same way."""

from __future__ import annotations

import json
import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from conftest import commit_all
from signoff_support import make_keys, make_repo
from starlette.testclient import TestClient

from reportflow.cycle import personal, todo
from reportflow.serve.app import Config, RelyingParty, create_app
from reportflow.signoff import approval, keys

SECRET = "t" * 48
BASE = "https://localhost"


class Inbox:
    """An HTTP server on a free port of 127.0.0.1 keeping what apprise's json:// posts."""

    def __init__(self) -> None:
        got: list[dict] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.received = got
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_port}/inbox"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def inboxes():
    made = [Inbox(), Inbox()]
    yield made
    for inbox in made:
        inbox.stop()


def _notify(text: str, person: str, url: str) -> str:
    head = f"  {person}:\n"
    assert head in text
    return text.replace(head, f'{head}    notify: ["{url}"]\n', 1)


@pytest.fixture
def office(cli, tmp_path: Path, inboxes):
    """The roster in force lists the server's key, counts links for deputy-head-1 only, and
    holds deputy-head-1's and deputy-head-2's addresses (the first inbox)."""
    people = make_keys(tmp_path / "keys")
    rdir = make_repo(tmp_path / "reports", people)
    server = tmp_path / "server-key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(server)], check=True)
    public = " ".join(server.with_suffix(".pub").read_text().split()[:2])
    yaml_path = rdir / "report.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    policy = (f"  signatures:\n    required_for: everyone\n"
              f"    kinds: {{deputy-head-1: [ssh, server-attested]}}\n"
              f"    server_keys: [{public}]\n")  # fmt: skip
    text = text.replace("  signatures: {required_for: everyone}\n", policy)
    for person in ("deputy-head-1", "deputy-head-2"):
        text = _notify(text, person, inboxes[0].url)
    yaml_path.write_text(text, encoding="utf-8")
    commit_all(rdir.parents[2], "policy: the review server's key; notify addresses")
    done = cli("signoff", rdir, "--roster", "--as", "party-secretary",
               "--key", people["party-secretary"][0])  # fmt: skip
    assert done.code == 0, done.err
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET)
    config = Config(rdir, RelyingParty("localhost", "http://localhost:8123"), SECRET, "en",
                    server_key=keys.resolve(server))  # fmt: skip
    with TestClient(create_app(config), base_url=BASE) as client:
        yield rdir, client, secret_file, server.with_suffix(".pub")


def _send(cli, office, person: str, section: str = "situation"):
    rdir, _client, secret_file, server_pub = office
    return cli("link", rdir, "--as", person, "--section", section, "--secret-file", secret_file,
               "--base-url", BASE, "--send", "--server-key", server_pub)  # fmt: skip


def _link_in(message: dict) -> str:
    found = re.search(rf"{BASE}(/link/\S+)", message["message"])
    assert found, message
    return found[1]


def _decide(client: TestClient, path: str):
    page = client.get(path)
    if page.status_code != 200:
        return page
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)[1]  # type: ignore[index]
    return client.post("/link-decide", data={"csrf": token, "decision": "approve"})


def test_a_sent_link_arrives_and_decides_once(cli, office, inboxes) -> None:
    rdir, client, _secret, _pub = office
    sent = _send(cli, office, "deputy-head-1")
    assert sent.code == 0, sent.err
    assert "personal link sent to deputy-head-1" in sent.out
    (message,) = inboxes[0].received
    assert message["title"] == "sign-off needed"
    path = _link_in(message)
    done = _decide(client, path)
    assert done.status_code == 200, done.text
    verdict = approval.evaluate_at(rdir).sections["situation"]
    assert verdict.status == "approved" and verdict.approvers == ("deputy-head-1",)
    again = client.get(path)
    assert again.status_code == 403 and "used already" in again.text


def test_no_link_is_sent_where_it_would_not_count(cli, office, inboxes) -> None:
    refused = _send(cli, office, "deputy-head-2")
    assert refused.code == 1
    assert "does not count decisions by personal link for deputy-head-2" in refused.err
    rdir, _client, secret_file, _pub = office
    other_key = rdir.parents[3] / "other-key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other_key)],
                   check=True)  # fmt: skip
    wrong = cli("link", rdir, "--as", "deputy-head-1", "--section", "situation",
                "--secret-file", secret_file, "--send", "--server-key",
                other_key.with_suffix(".pub"))  # fmt: skip
    assert wrong.code == 1 and "server's key is not in the policy" in wrong.err, wrong.err
    missing = cli("link", rdir, "--as", "deputy-head-1", "--section", "situation",
                  "--secret-file", secret_file, "--send")  # fmt: skip
    assert missing.code == 2 and "--send needs --server-key" in missing.err
    assert inboxes[0].received == []


def test_an_address_changed_at_head_gets_no_link(cli, office, inboxes) -> None:
    """An author puts their own inbox under deputy-head-1's notify: at HEAD (no roster change:
    notify is not in the roster's digest). The link still goes to the signed-off address."""
    rdir = office[0]
    yaml_path = rdir / "report.yaml"
    text = yaml_path.read_text(encoding="utf-8").replace(inboxes[0].url, inboxes[1].url)
    yaml_path.write_text(text, encoding="utf-8")
    commit_all(rdir.parents[2], "notify: my own inbox", "office-director")
    sent = _send(cli, office, "deputy-head-1")
    assert sent.code == 0, sent.err
    assert inboxes[1].received == []
    assert len(inboxes[0].received) == 1


def test_the_reminders_carry_links_for_those_they_count_for(office, inboxes) -> None:
    rdir, client, _secret, pub = office
    report, items = todo.gather(rdir)
    linked = personal.reminders(rdir, report, items, SECRET.encode(), BASE,
                                personal.server_public(pub))  # fmt: skip
    assert set(linked) == {"deputy-head-1"}  # deputy-head-2: the policy counts no link
    signed_off, lines = linked["deputy-head-1"]
    assert signed_off.people["deputy-head-1"].notify == (inboxes[0].url,)
    assert set(signed_off.people) == {"deputy-head-1"}
    sections = {i.target for i in items if i.person == "deputy-head-1" and i.kind == "signoff"}
    assert len(lines) == len(sections) > 0
    path = re.search(rf"{BASE}(/link/\S+)", lines[0])[1]  # type: ignore[index]
    assert _decide(client, path).status_code == 200


def test_the_reminders_flow_sends_the_links(office, inboxes) -> None:
    """The weekly flow on a real (test-harness) Prefect server, given the server's review
    address, secret and key: deputy-head-1's links arrive at the signed-off address and one
    of them decides; deputy-head-2 gets a reminder but no link."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    from reportflow.flows.cycle import reminders_flow

    rdir, client, secret_file, pub = office
    with prefect_test_harness(), temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        result = reminders_flow(repo=str(rdir.parents[2]), review_url=BASE,
                                secret_file=str(secret_file), server_key=str(pub))  # fmt: skip
    assert any(s.endswith("deputy-head-1 (personal links): sent") for s in result["sent"]), result
    assert not any("deputy-head-2 (personal links)" in s for s in result["sent"]), result
    linked = [m for m in inboxes[0].received if "/link/" in m["message"]]
    assert len(linked) == 1, inboxes[0].received
    assert _decide(client, _link_in(linked[0])).status_code == 200
