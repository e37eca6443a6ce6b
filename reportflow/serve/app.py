"""The Starlette application of ``reportflow serve``: configuration, state, templates.

One process over one report folder of the office's content repository. Decisions are
committed by one writer thread (``serve/writer.py``), several to a commit, under
``State.commit_lock`` (git has one index; passkey registrations take the same lock), each
record's text checked to still be HEAD's before it is committed.

Why one process, and what a restart loses. What lives only in memory is what may be lost:
the decisions prepared and waiting for their passkey signature (the reviewer is told to open
the page again; nothing was signed), the confirmations' lookup, the rate limits (they start
afresh: a restart is the operator's act, not a visitor's) and, without ``--secret-file``, the
sessions. What must not be lost is on disk: a decision is confirmed only after its commit,
the personal links used are in ``.git/reportflow/used-links`` before anything is written,
and on shutdown the writer's queue is drained (``_lifespan``). Two processes over one work
tree would commit through one git index at once and keep two sets of rate limits and
pending decisions, so ``serve`` runs as one process (its threads share the writer).
"""

from __future__ import annotations

import contextlib
import gettext
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from reportflow.core import i18n, safe_text
from reportflow.serve import linkpages, pages
from reportflow.serve.ceremony import RelyingParty
from reportflow.serve.fragments import Fragments
from reportflow.serve.security import SecurityHeaders
from reportflow.serve.state import Config, State

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "reportflow_session"
SESSION_AGE = 8 * 3600  # a working day; then the passkey again


def _visible(value: object) -> object:
    """Every value a page prints, with bidi controls (U+202E ...) and other control
    characters shown as their escapes (``safe_text.visible``): one in a section, a comment or
    a name would otherwise reverse what the reviewer reads beside the button that approves
    it. The section as it will print (Markup, ``|safe``) too: its text is the repository's."""
    if isinstance(value, Markup):
        return Markup(safe_text.visible(str(value)))
    if isinstance(value, str):
        return safe_text.visible(value)
    return value


def templates(lang: str) -> Environment:
    """Jinja2 with autoescape on for every template (all page text is escaped) and the
    report's message catalogue, so pages read in the same Chinese as the CLI."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,  # the package's own files: no stat of each template per page
        finalize=_visible,
    )
    if lang == i18n.ENGLISH:
        catalogue: gettext.NullTranslations = gettext.NullTranslations()
    else:
        catalogue = gettext.translation(
            i18n.DOMAIN, i18n.locale_dir(), languages=[lang], fallback=True
        )
    env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
    env.globals["lang"] = "zh-CN" if lang == i18n.CHINESE else "en"
    env.globals["parts"] = Fragments(env)  # lists rendered once per what they show
    return env


def _lifespan(state: State) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """On shutdown (SIGTERM, Ctrl-C) uvicorn stops taking requests and lets the running ones
    finish; then the writer's queue is drained (``Writer.drain``), so no decision it took is
    left uncommitted when the process ends."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(state.writer.drain, 60.0)

    return lifespan


def create_app(config: Config) -> Starlette:
    state = State(config, templates(config.lang))
    static = Mount("/static", StaticFiles(directory=HERE / "static"))
    routes = [*pages.routes(), *linkpages.routes(), static]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=config.secret,
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_AGE,
            same_site="strict",
            https_only=config.secure_cookies,
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=_lifespan(state))
    app.state.reportflow = state
    return app


__all__ = ["Config", "RelyingParty", "create_app"]
