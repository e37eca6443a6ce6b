"""What the review server keeps between requests: its configuration and, in memory, the
decisions prepared and waiting for their passkey signature, the confirmations, the rate
limits, and the single writer that commits decisions (``serve/writer.py``)."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment

from reportflow.core import i18n
from reportflow.serve.ceremony import RelyingParty
from reportflow.serve.security import RateLimit
from reportflow.serve.writer import Writer


@dataclass(frozen=True)
class Config:
    report_dir: Path
    rp: RelyingParty
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(48), repr=False)
    lang: str = i18n.CHINESE  # Chinese first; "en" for the English msgids
    #: Secure cookies; off only for a plain-http test against 127.0.0.1 (not a secure context)
    secure_cookies: bool = True
    #: the server's SSH key (``keys.SigningKey``) that signs personal-link decisions; None:
    #: personal links are off
    server_key: Any = None
    #: push every decision to ``origin`` and wake the release runs waiting on the report
    push: bool = False


@dataclass
class Pending:
    """A prepared decision waiting for its passkey signature (single use, one session)."""

    person: str
    session: str
    ready: Any  # signoff.request.Prepared
    created: float


@dataclass
class State:
    config: Config
    templates: Environment
    pending: dict[str, Pending] = field(default_factory=dict)
    done: dict[str, dict[str, str]] = field(default_factory=dict)
    commit_lock: threading.Lock = field(default_factory=threading.Lock)
    #: per person: a passkey is tried a few times, not guessed at
    login_limit: RateLimit = field(default_factory=lambda: RateLimit(10, 60.0))
    register_limit: RateLimit = field(default_factory=lambda: RateLimit(5, 600.0))
    #: per client address: an office behind one NAT or proxy address is many people
    client_limit: RateLimit = field(default_factory=lambda: RateLimit(120, 60.0))
    #: personal links opened, per client address: a token is not guessed, but still
    link_limit: RateLimit = field(default_factory=lambda: RateLimit(30, 60.0))
    used_links: Any = None  # links.Used, made when the first link is opened
    writer: Writer = field(init=False)

    def __post_init__(self) -> None:
        self.writer = Writer(self.config.report_dir, self.commit_lock, self.config.push)
