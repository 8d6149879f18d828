"""What every board page gets: who is looking, and how a page is rendered.

The board is an adapter like Slack and Teams: pages read through the features' query
functions (bot/<feature>/…) and render; they never write state except through the engine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.clock import Clock
from bot.i18n import Reader
from bot.orgconfig import OrgConfig
from storage.db import SessionMaker


@dataclass(frozen=True)
class Viewer:
    """The signed-in person a page is rendered for (from the session cookie)."""

    person_id: int
    handle: str
    name: str
    roles: frozenset[str]
    reader: Reader  # their language and the organisation's timezone
    csrf: str  # the token the sign-out form posts back
    crisis: bool = False  # may see the crisis pages (bot/crisis/timeline.py `may_see`)


@dataclass
class Board:
    """What the board's pages share; `org` is a callable because a reload replaces it."""

    sessions: SessionMaker
    org: Callable[[], OrgConfig]
    clock: Clock
    public_url: str | None


BOARD: web.AppKey[Board] = web.AppKey("board")

Page = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


class NotFound(Exception):
    """The page's subject does not exist (or the viewer may not know that it does)."""


class Forbidden(Exception):
    """The viewer may not see this page (e.g. a crisis, for someone outside the crisis team)."""


def board_of(request: web.Request) -> Board:
    return request.app[BOARD]


def render(
    request: web.Request, template: str, viewer: Viewer, **context: Any
) -> web.StreamResponse:
    """A page in the viewer's language: every template gets `viewer`, `t` (the catalog) and
    `here` (the path, for the navigation)."""
    return aiohttp_jinja2.render_template(
        template, request, {"viewer": viewer, "t": viewer.reader.t, "here": request.path, **context}
    )
