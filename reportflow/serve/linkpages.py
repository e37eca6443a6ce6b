"""The personal-link pages: a reviewer without a passkey opens the link sent to them, reads
the section as every reviewer does, and decides; the server signs the record with its own key
(``server-attested``, ``signoff/links.py`` and ``signoff/websign.attest``).

A link opens no session: it shows and decides the one scope it names, once, while the text is
the one it was sent for. The nonce is used up before the record is committed, so a replayed
link is refused even while the first decision is being written.
"""

from __future__ import annotations

import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from reportflow.core import gitio
from reportflow.core.errors import Refused, ReportflowError
from reportflow.core.i18n import _
from reportflow.cycle import review, sectionview
from reportflow.serve import writer
from reportflow.serve.pages import _client, _form, _message, _page, _state, done_values
from reportflow.serve.security import CSRF_FIELD, csrf_ok
from reportflow.serve.state import State
from reportflow.signoff import links, passkeys, websign
from reportflow.signoff import request as signoff_request


def _used(state: State) -> links.Used:
    if state.used_links is None:
        repo = gitio.require_repo(state.config.report_dir)
        state.used_links = links.Used(gitio.cache_dir(repo) / "used-links")
    return state.used_links  # type: ignore[no-any-return]


def _current(state: State, text: str) -> tuple[links.Link, review.Decision]:
    """The link, checked: mac, expiry, unused, and the text still the one it was sent for;
    with the decision it was checked against, which the page then lays out: a second read of
    HEAD could show a text committed in between, while the approval binds the link's."""
    if state.config.server_key is None:
        raise Refused(_("personal links are not enabled on this server"))
    link = links.read(state.config.secret.encode(), text)
    if _used(state).seen(link.nonce):
        raise Refused(_("this link has been used already"), hint=_("ask for a new link"))
    d = review.decision(state.config.report_dir)
    facts = d.ctx.facts
    if link.scope == "report":
        now = facts.report_fingerprint
    else:
        now = next((s.blob for s in facts.sections if f"section:{s.id}" == link.scope), "")
    if now != link.fingerprint:
        raise Refused(
            _("the text has changed since this link was sent: the link no longer holds"),
            hint=_("ask for a new link to read the new text"),
        )
    return link, d


async def open_link(request: Request) -> Response:
    state = _state(request)
    if not state.link_limit.allow(_client(request)):
        return _page(request, "error.html", 429, message=_("too many links opened; wait a minute"))
    text = request.path_params["token"]
    try:
        link, d = await run_in_threadpool(_current, state, text)
        if link.scope == "report":  # the final approval: the report page, with the link's form
            view = await run_in_threadpool(review.report_view, state.config.report_dir, d)
            request.session["link"] = text
            return _page(request, "report.html", view=view, link=True, link_person=link.person)
        sid = link.scope.split(":", 1)[1]
        page = await run_in_threadpool(
            sectionview.section_page, state.config.report_dir, sid, link.person, d
        )
    except ReportflowError as exc:
        return _page(request, "error.html", 403, message=_message(exc))
    request.session["link"] = text
    return _page(request, "section.html", page=page, link=True, link_person=link.person)


def _decide(state: State, text: str, decision: str, comment: str) -> dict[str, str]:
    link, _checked = _current(state, text)
    _used(state).use(link.nonce)  # single use, before anything is written
    d = review.decision(state.config.report_dir)
    req = signoff_request.Request(link.scope, link.person, decision, comment[:4000], channel="web",
                          signature_kind=passkeys.SERVER_KIND)  # fmt: skip
    ready = signoff_request.prepare(
        state.config.report_dir, req, (d.ctx, d.result), d.findings, worktree=False
    )
    if not ready.new:
        raise Refused(_("you have decided this already: {file}").format(file=ready.record.source))
    if ready.record.fingerprint != link.fingerprint:
        raise Refused(_("the text has changed since this link was sent: the link no longer holds"))
    record = websign.attest(ready.record, ready.judge, state.config.server_key)
    ctx = ready.ctx
    return state.writer.submit(writer.Job(ctx, record))


async def decide_link(request: Request) -> Response:
    form = await _form(request)
    if not csrf_ok(request.session, form.get(CSRF_FIELD)):
        return _page(request, "error.html", 403, message=_("the form has expired; reload it"))
    text = request.session.pop("link", None)
    if not text:
        return _page(request, "error.html", 403, message=_("open the link again"))
    state = _state(request)
    try:
        done = await run_in_threadpool(
            _decide, state, text, form.get("decision", ""), form.get("comment", "")
        )
    except ReportflowError as exc:
        return _page(request, "error.html", 409, message=_message(exc))
    key = secrets.token_urlsafe(12)
    state.done[key] = done
    request.session["done_link"] = key
    return RedirectResponse(f"/link-done/{key}", status_code=303)


async def link_done(request: Request) -> Response:
    key = request.path_params["key"]
    done = _state(request).done.get(key)
    if done is None or request.session.get("done_link") != key:
        return _page(request, "error.html", 404, message=_("no such decision"))
    return _page(request, "done.html", done=done, **done_values(_state(request), done))


def routes() -> list[Route]:
    return [
        Route("/link/{token}", open_link),
        Route("/link-decide", decide_link, methods=["POST"]),
        Route("/link-done/{key}", link_done),
    ]
