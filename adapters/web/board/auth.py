"""Who is looking: the sign-in exchange, the session cookie, sign-out, and the rules every
board response follows (security headers, a session for every page but the exchange).

Sign-in is two steps on purpose. GET /board/signin/<token> only shows a button; the POST it
sends uses the link up. Chat apps and mail scanners fetch links to preview them, and a GET
that used the link would sign the preview bot in and leave the person with a dead link.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from adapters.web.board import errors
from adapters.web.board.context import (
    BOARD,
    Board,
    Forbidden,
    NotFound,
    Page,
    Viewer,
    board_of,
)
from bot.board import signin
from bot.board.signin import Signer
from bot.crisis import timeline
from bot.i18n import LOCALES, Reader
from bot.people.service import locale_of
from storage.models import Person

COOKIE = "socialdesk_board"
PATH = "/board"
VIEWER: web.RequestKey[Viewer] = web.RequestKey("board_viewer")
CSP = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        # Scripts only from the board's own files: no inline script, so no injected one runs.
        "script-src 'self'",
        # Inline style attributes are allowed for server-drawn charts and widths (no script).
        "style-src 'self' 'unsafe-inline'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # The sign-in token is in the URL: no page passes its address on.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
PUBLIC = (f"{PATH}/signin/", f"{PATH}/static/")


@dataclass(frozen=True)
class Auth:
    signer: Signer
    secure: bool  # the Secure flag: the public URL is https


AUTH: web.AppKey[Auth] = web.AppKey("board_auth")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def reader_of(request: web.Request, person: Person | None = None) -> Reader:
    """The person's language where known, else the browser's (Accept-Language), else the
    organisation's."""
    org = board_of(request).org()
    locale = locale_of(person, org) if person is not None else _accepted(request)
    return Reader(locale=locale or org.organization.locale, tz=org.organization.tz)


def _accepted(request: web.Request) -> str | None:
    wanted: list[tuple[float, str]] = []
    for part in request.headers.get("Accept-Language", "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        language = tag.strip().split("-")[0].lower()
        if language in LOCALES:
            wanted.append((quality, language))
    return max(wanted, key=lambda w: w[0])[1] if wanted else None


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    # What the board shows is private and current: no copy in a shared cache or, after
    # signing out, behind the back button (a thumbnail says otherwise for itself).
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@web.middleware
async def require_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every page but the sign-in exchange and the stylesheet needs a live session; a page
    that raises NotFound or Forbidden (or a path that does not exist) gets the board's 404 or
    403 page, in the viewer's language."""
    if request.path.startswith(PUBLIC):
        return await handler(request)
    if request.path == PATH:
        return web.Response(status=308, headers={"Location": f"{PATH}/"})
    viewer = await _viewer(request)
    if viewer is None:
        response = errors.sign_in_needed(request, reader_of(request))
        if COOKIE in request.cookies:
            response.del_cookie(COOKIE, path=PATH)
        return response
    request[VIEWER] = viewer
    try:
        return await handler(request)
    except (NotFound, web.HTTPNotFound):
        return errors.not_found(request, viewer)
    except Forbidden:
        return errors.forbidden(request, viewer)


def session_token(request: web.Request) -> str | None:
    cookie = request.cookies.get(COOKIE)
    return request.app[AUTH].signer.token_of(cookie) if cookie else None


async def _viewer(request: web.Request) -> Viewer | None:
    token = session_token(request)
    if token is None:
        return None
    board = board_of(request)
    async with board.sessions() as session:
        person = await signin.person_of_session(session, token, now=board.clock.now())
        if person is None:
            return None
        crisis = await timeline.may_see(session, board.org(), person.id)
    return Viewer(
        person_id=person.id,
        handle=person.handle,
        name=person.name,
        roles=frozenset(person.role_names),
        reader=reader_of(request, person),
        csrf=request.app[AUTH].signer.csrf(token),
        crisis=crisis,
    )


def page(handler: Page) -> Handler:
    """A board page as aiohttp calls it: with the viewer the session middleware found."""

    async def call(request: web.Request) -> web.StreamResponse:
        return await handler(request, request[VIEWER])

    return call


async def show_sign_in(request: web.Request) -> web.StreamResponse:
    """The link's confirmation: one button that uses it (see the module's docstring)."""
    board = board_of(request)
    async with board.sessions() as session:
        state = await signin.look_at_link(
            session, request.match_info["token"], now=board.clock.now()
        )
    if not state.usable:
        return errors.link_expired(request, reader_of(request, state.person))
    assert state.person is not None
    return errors.page(
        request, "signin.html", reader_of(request, state.person), name=state.person.name
    )


async def sign_in(request: web.Request) -> web.StreamResponse:
    """The button's POST: uses the link up and sets the session cookie, or says it expired."""
    board = board_of(request)
    token = request.match_info["token"]
    now = board.clock.now()
    async with board.sessions.begin() as session:
        opened = await signin.exchange(session, token, now=now)
        owner = None if opened else (await signin.look_at_link(session, token, now=now)).person
    if opened is None:
        return errors.link_expired(request, reader_of(request, owner))
    auth = request.app[AUTH]
    response = web.Response(status=303, headers={"Location": f"{PATH}/"})
    response.set_cookie(
        COOKIE,
        auth.signer.cookie(opened),
        max_age=int(signin.SESSION_LIFETIME.total_seconds()),
        path=PATH,
        httponly=True,
        samesite="Lax",
        secure=auth.secure,
    )
    response.headers.update(errors.NO_STORE)
    return response


async def sign_out(request: web.Request) -> web.StreamResponse:
    """*Abmelden*: needs the form's CSRF token; ends the session in the database."""
    viewer = request[VIEWER]
    token = session_token(request)
    form = await request.post()
    sent = form.get("csrf")
    if (
        token is None
        or not isinstance(sent, str)
        or not request.app[AUTH].signer.csrf_ok(token, sent)
    ):
        raise Forbidden()
    board = board_of(request)
    async with board.sessions.begin() as session:
        await signin.end_session(session, token, now=board.clock.now())
    response = errors.page(request, "signed_out.html", viewer.reader)
    response.del_cookie(COOKIE, path=PATH)
    return response


def install(board_app: web.Application, board: Board, auth: Auth) -> None:
    board_app[BOARD] = board
    board_app[AUTH] = auth
    board_app.router.add_get("/signin/{token}", show_sign_in)
    board_app.router.add_post("/signin/{token}", sign_in)
    board_app.router.add_post("/signout", sign_out)
