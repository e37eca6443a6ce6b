"""What keeps the review page safe to put in front of people: headers, CSRF, rate limits.

* Every response carries a Content-Security-Policy that allows scripts and styles from this
  server only (no inline script: the WebAuthn code is ``static/webauthn.js``), no framing, no
  foreign form targets, plus ``nosniff``, ``no-referrer`` and ``no-store``.
* Sessions are Starlette's signed cookies (itsdangerous) with ``Secure``, ``HttpOnly`` and
  ``SameSite=Strict``; ``http://localhost`` is a secure context, so browsers keep a Secure
  cookie there too. The key is random per server start unless ``--secret-file`` names one.
* CSRF: a random token per session, in a hidden field of every form and a header of every
  script request, compared in constant time; SameSite=Strict alone is not enough for older
  browsers and for a same-site attacker (another app on the office's domain).
* Rate limits: a sliding window per person (10 logins a minute, 5 registrations in ten) and
  per client address (120 a minute: an office behind one NAT address is many people) on
  login and registration, so a flood of ceremonies runs out quickly. Kept in memory: one server
  process is what ``reportflow serve`` runs; behind several, the reverse proxy limits too.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    b"content-security-policy": CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"x-frame-options": b"DENY",
    b"cache-control": b"no-store",
    b"cross-origin-opener-policy": b"same-origin",
}
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response, the app's own kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _v in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS.items() if k not in have]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return str(token)


def csrf_ok(session: MutableMapping[str, Any], sent: str | None) -> bool:
    expected = session.get(CSRF_FIELD)
    return bool(expected and sent) and hmac.compare_digest(str(expected), str(sent))


class RateLimit:
    """At most ``limit`` events per ``window`` seconds for each key (a client, a person)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, *keys: str) -> bool:
        """Count one event for every key; False (and nothing counted) once any is spent."""
        now = self.clock()
        with self._lock:
            queues = [self._events[k] for k in keys]
            for q in queues:
                while q and q[0] <= now - self.window:
                    q.popleft()
            if any(len(q) >= self.limit for q in queues):
                return False
            for q in queues:
                q.append(now)
            return True


Handler = Callable[..., Awaitable[Any]]
