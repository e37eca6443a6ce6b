"""The routes of the review page: login and registration by passkey, the inbox, the report,
a section, a decision and its confirmation.

Every page but login and registration needs a session that a passkey in the roster in force
opened; every POST needs the session's CSRF token. A decision is two requests: ``options``
runs every check of ``reportflow signoff`` (``signoff/request.py``: ``prepare``) and answers
with a WebAuthn challenge that *is* the record's digest; ``sign`` takes the assertion, verifies
it as the gate will, and commits the record. What the library refuses is shown as it says it,
on the page.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from reportflow.core import gitio
from reportflow.core.errors import ReportflowError
from reportflow.core.i18n import _
from reportflow.cycle import review, sectionview
from reportflow.serve import ceremony, writer
from reportflow.serve.security import CSRF_FIELD, CSRF_HEADER, RateLimit, csrf_ok, csrf_token
from reportflow.serve.state import Pending, State
from reportflow.signoff import approval, enrol, passkeys, websign
from reportflow.signoff import request as signoff_request
from reportflow.signoff.passkeys import b64url, unb64url

PENDING_AGE = 300.0  # seconds a prepared decision waits for its passkey
MAX_BODY = 64_000  # a WebAuthn answer is a few kB


def _state(request: Request) -> State:
    return request.app.state.reportflow  # type: ignore[no-any-return]


def _person(request: Request) -> str | None:
    return request.session.get("person")


def _sid(request: Request) -> str:
    """An id of this session (for binding prepared decisions to it), made on first use."""
    sid = request.session.get("sid")
    if not sid:
        sid = request.session["sid"] = secrets.token_urlsafe(16)
    return str(sid)


def _page(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    env = _state(request).templates
    html = env.get_template(name).render(
        csrf=csrf_token(request.session), person=_person(request), **values
    )
    return HTMLResponse(html, status_code=status)


def _fail(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _message(exc: ReportflowError) -> str:
    return f"{exc.message} ({exc.hint})" if exc.hint else exc.message


Endpoint = Callable[[Request], Awaitable[Response]]


def signed_in(endpoint: Endpoint) -> Endpoint:
    """An unauthenticated visitor reads nothing: pages send them to the login."""

    async def guarded(request: Request) -> Response:
        if _person(request) is None:
            return RedirectResponse("/login", status_code=303)
        return await endpoint(request)

    return guarded


async def _body(request: Request) -> dict[str, Any] | Response:
    """A script request's JSON, once its CSRF token matched; else the refusal to send."""
    if not csrf_ok(request.session, request.headers.get(CSRF_HEADER)):
        return _fail(_("the form has expired or did not come from this page; reload it"), 403)
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return _fail(_("request too large"), 413)
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return _fail(_("the browser sent no valid JSON"))
    return data if isinstance(data, dict) else _fail(_("the browser sent no valid JSON"))


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _allowed(state: State, limit: RateLimit, request: Request, person: str) -> bool:
    """One more login or registration attempt for ``person`` from this client, or not."""
    return state.client_limit.allow(_client(request)) and limit.allow(person)


# --- login and registration -------------------------------------------------------------------


async def login_page(request: Request) -> Response:
    return _page(request, "login.html")


async def register_page(request: Request) -> Response:
    return _page(request, "register.html")


def _rosters(state: State) -> approval.Context:
    """The context at HEAD (rosters in force and in report.yaml), from the decision kept."""
    return review.decision(state.config.report_dir).ctx


def _prepare(state: State, req: signoff_request.Request) -> signoff_request.Prepared:
    d = review.decision(state.config.report_dir)
    return signoff_request.prepare(
        state.config.report_dir, req, (d.ctx, d.result), d.findings, worktree=False
    )


async def login_options(request: Request) -> Response:
    body = await _body(request)
    if isinstance(body, Response):
        return body
    state, person = _state(request), str(body.get("person", "")).strip()
    if not _allowed(state, state.login_limit, request, person):
        return _fail(_("too many attempts; wait a minute and try again"), 429)
    ctx = await run_in_threadpool(_rosters, state)
    member = ctx.in_force.people.get(person) if ctx.in_force else None
    if member is None or not member.passkeys:
        waiting = enrol.state(ctx.in_force, ctx.candidate, person)
        if "pending" in waiting.values():
            return _fail(_("your passkey is registered and waits for the roster sign-off"), 409)
        return _fail(_("no passkey of this person is in the roster; register one first"), 404)
    nonce = secrets.token_bytes(32)
    request.session["login"] = {"person": person, "nonce": b64url(nonce)}
    challenge = passkeys.challenge(b"reportflow-login\n" + nonce)
    options = ceremony.assertion_options(state.config.rp, challenge, member.passkeys)
    return JSONResponse({"options": ceremony.options_dict(options)})


async def login_verify(request: Request) -> Response:
    body = await _body(request)
    if isinstance(body, Response):
        return body
    state, started = _state(request), request.session.pop("login", None)
    if not started:
        return _fail(_("start the login again"), 400)
    person = started["person"]
    ctx = await run_in_threadpool(_rosters, state)
    member = ctx.in_force.people.get(person) if ctx.in_force else None
    try:
        assertion = ceremony.assertion_of(body.get("credential") or {})
    except ReportflowError as exc:
        return _fail(_message(exc))
    payload = b"reportflow-login\n" + unb64url(started["nonce"])
    if member is None or passkeys.verify(payload, assertion, member.passkeys) != "valid":
        return _fail(_("this passkey did not verify for {person}").format(person=person), 403)
    request.session.clear()
    request.session["person"] = person
    return JSONResponse({"redirect": "/"})


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form, parsed by the standard library: Starlette's ``request.form()``
    needs python-multipart, one more dependency for the one plain form we have."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return {}
    return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}


async def logout(request: Request) -> Response:
    form = await _form(request)
    if not csrf_ok(request.session, form.get(CSRF_FIELD)):
        return HTMLResponse(_("the form has expired; reload it"), status_code=403)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


async def register_options(request: Request) -> Response:
    body = await _body(request)
    if isinstance(body, Response):
        return body
    state, person = _state(request), str(body.get("person", "")).strip()
    if not _allowed(state, state.register_limit, request, person):
        return _fail(_("too many registrations; wait ten minutes and try again"), 429)
    ctx = await run_in_threadpool(_rosters, state)
    roster = ctx.candidate or ctx.in_force
    member = roster.people.get(person) if roster else None
    if member is None:
        return _fail(_("{person} is not a person of this report's roster").format(person=person))
    name = ctx.report.people[person].name if person in ctx.report.people else person
    options, challenge = ceremony.registration_options(
        state.config.rp, person, name, member.passkeys
    )
    request.session["register"] = {"person": person, "challenge": b64url(challenge)}
    return JSONResponse({"options": ceremony.options_dict(options)})


def _enrol(state: State, person: str, pk: passkeys.Passkey) -> str:
    """Commit the registration as the server (its git identity), not as the person: the
    server wrote the file on a browser's request, and a change to report.yaml authored by a
    final approver would keep them from the final approval (separation of duties)."""
    repo = _rosters(state).repo
    with state.commit_lock:
        return enrol.register(state.config.report_dir, person, pk, gitio.committer(repo))


async def register_verify(request: Request) -> Response:
    body = await _body(request)
    if isinstance(body, Response):
        return body
    state, started = _state(request), request.session.pop("register", None)
    if not started:
        return _fail(_("start the registration again"), 400)
    try:
        pk = ceremony.registered(
            state.config.rp, body.get("credential") or {}, unb64url(started["challenge"])
        )
        commit = await run_in_threadpool(_enrol, state, started["person"], pk)
    except ReportflowError as exc:
        return _fail(_message(exc))
    request.session["registered"] = {
        "person": started["person"], "credential": pk.credential_id, "commit": commit,
    }  # fmt: skip
    return JSONResponse({"redirect": "/register/done"})


async def register_done(request: Request) -> Response:
    done = request.session.get("registered")
    if not done:
        return RedirectResponse("/register", status_code=303)
    ctx = await run_in_threadpool(_rosters, _state(request))
    found = enrol.state(ctx.in_force, ctx.candidate, done["person"])
    who = ctx.in_force.policy.report.describe() if ctx.in_force else ""
    return _page(
        request, "registered.html", done=done, state=found.get(done["credential"], "pending"),
        signers=who, folder=gitio.relpath(ctx.repo, _state(request).config.report_dir),
    )  # fmt: skip


# --- the reviewer's pages ---------------------------------------------------------------------


def _inbox(report_dir: Path, person: str) -> dict[str, Any]:
    d, at_head = review.current(report_dir)
    items = review.inbox(report_dir, person, d=d)
    view = review.report_view(report_dir, d)
    # what the inbox's table shows of each item: every reviewer's is the same at one commit
    shown = tuple((i.kind, i.target, i.title, i.due, i.overdue, i.blocked) for i in items)
    return {"items": items, "items_key": shown, "view": view, "stale": _stale(d, at_head)}


def _report(report_dir: Path) -> dict[str, Any]:
    d, at_head = review.current(report_dir)
    return {"view": review.report_view(report_dir, d), "stale": _stale(d, at_head)}


def _section(report_dir: Path, sid: str, person: str) -> dict[str, Any]:
    d, at_head = review.current(report_dir)
    page = sectionview.section_page(report_dir, sid, person, d)
    return {"page": page, "stale": _stale(d, at_head)}


def _stale(d: review.Decision, at_head: bool) -> str:
    """The commit a page was decided at when HEAD has moved on (``review.current``), else "":
    the page says so; what it shows is checked again at HEAD before anything is signed."""
    return "" if at_head else d.ctx.commit


@signed_in
async def inbox_page(request: Request) -> Response:
    state, person = _state(request), _person(request) or ""
    values = await run_in_threadpool(_inbox, state.config.report_dir, person)
    return _page(request, "inbox.html", **values)


@signed_in
async def report_page(request: Request) -> Response:
    values = await run_in_threadpool(_report, _state(request).config.report_dir)
    return _page(request, "report.html", **values)


@signed_in
async def section_page(request: Request) -> Response:
    state, person = _state(request), _person(request) or ""
    sid = request.path_params["sid"]
    try:
        values = await run_in_threadpool(_section, state.config.report_dir, sid, person)
    except ReportflowError as exc:
        return _page(request, "error.html", 404, message=_message(exc))
    return _page(request, "section.html", **values)


@signed_in
async def decide_options(request: Request) -> Response:
    body = await _body(request)
    if isinstance(body, Response):
        return body
    state, person = _state(request), _person(request) or ""
    req = signoff_request.Request(
        str(body.get("scope", "")), person, str(body.get("decision", "")),
        str(body.get("comment", ""))[:4000], channel="web", signature_kind=passkeys.KIND,
    )  # fmt: skip
    try:
        ready = await run_in_threadpool(_prepare, state, req)
    except ReportflowError as exc:
        return _fail(_message(exc), 409)
    if not ready.new:
        return _fail(_("you have decided this already: {file}").format(file=ready.record.source))
    if str(body.get("seen", "")) != ready.record.fingerprint:  # not the text the page showed
        return _fail(_("the text has changed since you opened the page; open it again"), 409)
    member = ready.judge.people.get(person)
    if member is None or not member.passkeys:
        return _fail(_("no passkey of yours is in the roster in force"), 409)
    token = secrets.token_urlsafe(24)
    now = time.monotonic()
    for old in [t for t, p in state.pending.items() if now - p.created > PENDING_AGE]:
        state.pending.pop(old, None)
    state.pending[token] = Pending(person, _sid(request), ready, now)
    challenge = passkeys.challenge(ready.record.payload())
    options = ceremony.assertion_options(state.config.rp, challenge, member.passkeys)
    return JSONResponse({"token": token, "options": ceremony.options_dict(options)})


def _commit(state: State, pending: Pending, assertion: passkeys.Assertion) -> dict[str, str]:
    """Sign, then hand the record to the server's single writer (``serve/writer.py``), which
    commits it with the others queued meanwhile once its text is checked to still be HEAD's."""
    record = websign.sign(pending.ready.record, pending.ready.judge, assertion)
    ctx = pending.ready.ctx
    return state.writer.submit(writer.Job(ctx, record))


@signed_in
async def decide_sign(request: Request) -> Response:
    body = await _body(request)
    if isinstance(body, Response):
        return body
    state = _state(request)
    pending = state.pending.pop(str(body.get("token", "")), None)  # single use
    if pending is None or pending.person != _person(request) or pending.session != _sid(request):
        return _fail(_("this decision has expired or was made already; open the page again"), 409)
    if time.monotonic() - pending.created > PENDING_AGE:
        return _fail(_("this decision has expired; open the page again"), 409)
    try:
        assertion = ceremony.assertion_of(body.get("credential") or {})
        done = await run_in_threadpool(_commit, state, pending, assertion)
    except ReportflowError as exc:
        return _fail(_message(exc), 409)
    key = secrets.token_urlsafe(12)
    state.done[key] = done
    return JSONResponse({"redirect": f"/done/{key}"})


@signed_in
async def done_page(request: Request) -> Response:
    done = _state(request).done.get(request.path_params["key"])
    if done is None or done["person"] != _person(request):
        return _page(request, "error.html", 404, message=_("no such decision"))
    return _page(request, "done.html", done=done, **done_values(_state(request), done))


def done_values(state: State, done: dict[str, str]) -> dict[str, Any]:
    """What the confirmation says after the commit: whether the decision reached the shared
    remote and woke the waiting release runs (``--push``), or is being pushed still, and the
    commit it became when the push rebased it onto what others pushed meanwhile."""
    lines = state.writer.pushed.get(done["commit"])
    return {
        "push_lines": lines or [],
        "pushing": state.config.push and lines is None,
        "moved": state.writer.moved.get(done["commit"], ""),
    }


def routes() -> list[Route]:
    return [
        Route("/", inbox_page),
        Route("/login", login_page),
        Route("/register", register_page),
        Route("/register/done", register_done),
        Route("/report", report_page),
        Route("/section/{sid}", section_page),
        Route("/done/{key}", done_page),
        Route("/logout", logout, methods=["POST"]),
        Route("/api/login/options", login_options, methods=["POST"]),
        Route("/api/login/verify", login_verify, methods=["POST"]),
        Route("/api/register/options", register_options, methods=["POST"]),
        Route("/api/register/verify", register_verify, methods=["POST"]),
        Route("/api/decide/options", decide_options, methods=["POST"]),
        Route("/api/decide/sign", decide_sign, methods=["POST"]),
    ]
