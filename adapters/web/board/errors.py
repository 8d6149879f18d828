"""The board's own pages for what went wrong: in the reader's language, revealing nothing.

An expired, used or made-up sign-in link and a missing, forged or ended session all get the
same words (how to get a new link: `/desk board`), so a guess learns nothing from the answer.
"""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from adapters.web.board.context import Viewer
from bot.i18n import Reader

# Every page the board answers is private and current: nothing is kept by a proxy or the back
# button's cache after signing out.
NO_STORE = {"Cache-Control": "no-store"}


def page(
    request: web.Request,
    template: str,
    reader: Reader,
    *,
    status: int = 200,
    viewer: Viewer | None = None,
    **context: Any,
) -> web.Response:
    response = aiohttp_jinja2.render_template(
        template,
        request,
        {
            "viewer": viewer,
            "t": reader.t,
            "lang": reader.locale,
            "here": request.path,
            **context,
        },
        status=status,
    )
    response.headers.update(NO_STORE)
    return response


def link_expired(request: web.Request, reader: Reader) -> web.Response:
    """A sign-in link that is expired, used or unknown; 410: it will never work again."""
    return page(request, "expired.html", reader, status=410, reason="link")


def sign_in_needed(request: web.Request, reader: Reader) -> web.Response:
    """No session (none, forged, ended, expired): the same page, with how to get in."""
    return page(request, "expired.html", reader, status=401, reason="session")


def forbidden(request: web.Request, viewer: Viewer) -> web.Response:
    return page(request, "error.html", viewer.reader, status=403, viewer=viewer, code=403)


def not_found(request: web.Request, viewer: Viewer) -> web.Response:
    return page(request, "error.html", viewer.reader, status=404, viewer=viewer, code=404)
