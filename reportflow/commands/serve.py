"""``reportflow serve``: the review page over one report folder (``reportflow.serve``).

Listens on 127.0.0.1 by default: the office puts it behind its HTTPS reverse proxy (README,
Review page), which terminates TLS and passes requests on; ``--origin`` is then the address
people open (``https://review.example.gov.cn``) and ``--rp-id`` its host name, which every
passkey is bound to. The web parts are the ``serve`` extra; without it the command says so.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from reportflow.core import gitio, i18n
from reportflow.core.errors import InputError, ToolError
from reportflow.core.i18n import _
from reportflow.signoff import keys


def origin_for(host: str, port: int, origin: str | None, rp_id: str | None) -> tuple[str, str]:
    """(rp id, origin): ``http://localhost:<port>`` unless told (a browser treats localhost
    as a secure context, where WebAuthn works; 127.0.0.1 is one as well for Chromium, but a
    passkey's rp id must be a domain name, never an IP address)."""
    origin = origin or f"http://localhost:{port}"
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise InputError(
            _("--origin must be the address people open, e.g. https://review.example.gov.cn"),
            hint=_("scheme and host (and port), no path"),
        )
    if parts.scheme == "http" and parts.hostname != "localhost":
        raise InputError(
            _("passkeys need HTTPS outside localhost: --origin {origin}").format(origin=origin),
            hint=_("put reportflow serve behind the office's HTTPS reverse proxy (README)"),
        )
    return rp_id or parts.hostname, origin.rstrip("/")


def read_secret(path: Path) -> str:
    """The server's secret (sessions, personal links) from a file the office keeps."""
    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
    except OSError:
        raise InputError(_("cannot read the secret file"), file=path) from None
    if len(secret) < 32:
        raise InputError(_("the secret must be at least 32 characters"), file=path)
    return secret


def run(
    report_dir: Path,
    host: str,
    port: int,
    origin: str | None,
    rp_id: str | None,
    lang: str,
    secret_file: Path | None,
    server_key: Path | None = None,
    push: bool | None = None,
) -> int:
    try:
        import uvicorn

        from reportflow.serve.app import Config, RelyingParty, create_app
    except ImportError:
        raise ToolError(
            _("reportflow serve needs the serve extra"), hint="pip install 'reportflow[serve]'"
        ) from None
    repo = gitio.require_repo(Path(report_dir))
    if push is None:  # on where there is a shared remote to push to
        push = "origin" in gitio.run(repo, "remote").split()
    rp, origin = origin_for(host, port, origin, rp_id)
    if lang == i18n.CHINESE:
        os.environ["LANGUAGE"] = "zh_CN"  # the library's refusals in the pages' language
    config = Config(Path(report_dir).resolve(), RelyingParty(rp, origin), lang=lang, push=push)
    if server_key is not None and secret_file is None:
        raise InputError(
            _("--server-key needs --secret-file: personal links are made with that secret"),
            hint=_("reportflow link … --secret-file <the same file>"),
        )
    if secret_file is not None:
        signing = keys.resolve(server_key) if server_key is not None else None
        config = Config(config.report_dir, config.rp, read_secret(secret_file), lang,
                        server_key=signing, push=push)  # fmt: skip
    uvicorn.run(
        create_app(config), host=host, port=port, log_level="warning", proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
    )  # fmt: skip
    return 0
