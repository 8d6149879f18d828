"""The desk board under /board/: server-rendered pages on the bot's own aiohttp server.

A sub-application, so its middlewares (session, security headers) and its templates apply to
/board/ alone. Plain CSS and no script of its own beyond one small file: it works offline and
needs no build step. Autoescaping is on for every template, so people's text is only text.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from adapters.web.board import auth, calendar, crisis, item, numbers, pipeline, thumbs
from adapters.web.board.auth import Auth
from adapters.web.board.context import Board
from bot.board.signin import Signer
from bot.clock import Clock
from bot.orgconfig import OrgConfig
from storage.db import SessionMaker

HERE = Path(__file__).resolve().parent


def mount(
    app: web.Application,
    *,
    sessions: SessionMaker,
    org: Callable[[], OrgConfig],
    clock: Clock,
    public_url: str | None,
    key: bytes,
) -> None:
    board_app = web.Application(middlewares=[auth.security_headers, auth.require_session])
    secure = (public_url or "").lower().startswith("https://")
    auth.install(board_app, Board(sessions, org, clock, public_url), Auth(Signer(key), secure))
    aiohttp_jinja2.setup(
        board_app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    board_app.router.add_static("/static/", HERE / "static")
    board_app.router.add_get("/", auth.page(pipeline.page))
    board_app.router.add_get("/calendar", auth.page(calendar.page))
    board_app.router.add_get("/items/{id}", auth.page(item.page))
    board_app.router.add_get("/thumbs/{sha256}", auth.page(thumbs.thumbnail))
    board_app.router.add_get("/numbers", auth.page(numbers.page))
    board_app.router.add_get("/crisis", auth.page(crisis.index))
    board_app.router.add_get("/crisis/{id}", auth.page(crisis.page))
    app.add_subapp(auth.PATH, board_app)
