"""Personal links: a single-use, expiring token bound to a person, a scope and the exact text.

For reviewers without a passkey the office may send a link through their notification channel
(mail, DingTalk, WeCom). Opening it proves only that someone could read that message, so the
decision made through it is signed by the review server's own SSH key and marked
``server-attested``: it counts only for the people whose ``policy.signatures.kinds`` list that
kind, and only while the server's key is in the policy (both are roster changes, signed off
like any other). The token is ``<body>.<mac>``: the body is the canonical JSON of person,
scope, fingerprint, expiry and a nonce, the mac HMAC-SHA256 under the server's secret. A
changed text changes the fingerprint, so a pending link stops holding; a used nonce is kept
in ``.git/reportflow/used-links`` so a token works once, across restarts too. That file is a
replay guard, never evidence: what counts is the signed record in git.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from reportflow.core.errors import Refused
from reportflow.core.i18n import _
from reportflow.signoff.passkeys import b64url, unb64url

DEFAULT_HOURS = 72


@dataclass(frozen=True)
class Link:
    person: str
    scope: str  # section:<id> | report
    fingerprint: str  # the text's blob id (a section) or the report fingerprint
    expires: int  # unix seconds
    nonce: str

    def body(self) -> bytes:
        doc = {"e": self.expires, "f": self.fingerprint, "n": self.nonce, "p": self.person,
               "s": self.scope}  # fmt: skip
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def new(person: str, scope: str, fingerprint: str, hours: float = DEFAULT_HOURS) -> Link:
    return Link(person, scope, fingerprint, int(time.time() + hours * 3600),
                secrets.token_urlsafe(16))  # fmt: skip


def token(secret: bytes, link: Link) -> str:
    body = link.body()
    return f"{b64url(body)}.{b64url(hmac.new(secret, body, hashlib.sha256).digest())}"


def _broken() -> Refused:
    return Refused(_("this link is not valid"), hint=_("ask for a new link"))


def read(secret: bytes, text: str, now: float | None = None) -> Link:
    """The link a token carries, once its mac matches and it has not expired."""
    try:
        body_b64, mac_b64 = text.split(".", 1)
        body, mac = unb64url(body_b64), unb64url(mac_b64)
        doc = json.loads(body)
        link = Link(str(doc["p"]), str(doc["s"]), str(doc["f"]), int(doc["e"]), str(doc["n"]))
    except (ValueError, KeyError, TypeError):
        raise _broken() from None
    if not hmac.compare_digest(hmac.new(secret, body, hashlib.sha256).digest(), mac):
        raise _broken()
    if (now if now is not None else time.time()) > link.expires:
        raise Refused(_("this link has expired"), hint=_("ask for a new link"))
    return link


class Used:
    """The nonces of links used already, in a file (one a line) under ``.git/reportflow/``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _all(self) -> set[str]:
        try:
            return set(self.path.read_text(encoding="utf-8").split())
        except FileNotFoundError:
            return set()

    def seen(self, nonce: str) -> bool:
        return nonce in self._all()

    def use(self, nonce: str) -> None:
        """Mark ``nonce`` used; refused when it was already (a replayed link)."""
        with self._lock:
            if nonce in self._all():
                raise Refused(_("this link has been used already"), hint=_("ask for a new link"))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(nonce + "\n")
                fh.flush()
                os.fsync(fh.fileno())
