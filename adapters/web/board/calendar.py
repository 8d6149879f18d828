"""GET /board/calendar?view=month|week&date=YYYY-MM-DD: the plan as a grid of days.

The grid comes from bot/publishing/calendar_grid.py (on calendar.py's queries, so it agrees
with `/desk kalender` and the iCal feed); this page reads the query string and renders.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from aiohttp import web

from adapters.web.board.context import Viewer, board_of, render
from bot.orgconfig import WEEKDAYS, OrgConfig
from bot.publishing import calendar_grid
from bot.publishing.calendar_grid import MONTH, WEEK, GridFilters
from bot.publishing.calendar_views import PER_DAY

CHANNEL_COLOURS = 8  # .ch-0 … .ch-7 in board.css


async def page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    board = board_of(request)
    org = board.org()
    tz = org.organization.tz
    today = board.clock.now().astimezone(tz).date()
    view = WEEK if request.query.get("view") == WEEK else MONTH
    anchor = _date(request.query.get("date", ""), today)
    filters = _filters(request, org)
    async with board.sessions() as session:
        grid = await calendar_grid.grid(
            session, org, view=view, anchor=anchor, locale=viewer.reader.locale, filters=filters
        )
    return render(
        request,
        "calendar.html",
        viewer,
        nav="calendar",
        grid=grid,
        today=today,
        filters=filters,
        per_day=PER_DAY,
        weekdays=[viewer.reader.t(f"meeting.weekday.{d}") for d in WEEKDAYS],
        title=_title(viewer, view, anchor),
        query=lambda **change: _query(view, anchor, filters, change),
        previous=calendar_grid.step(view, anchor, -1),
        following=calendar_grid.step(view, anchor, +1),
        channels=[(c.id, c.name) for c in org.channels],
        channel_names={c.id: c.name for c in org.channels},
        colour={c.id: f"ch-{i % CHANNEL_COLOURS}" for i, c in enumerate(org.channels)},
        departments=[(d.id, d.name) for d in org.departments],
        states=calendar_grid.STATES,
        time=viewer.reader.time,
    )


def _date(text: str, today: date) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return today


def _filters(request: web.Request, org: OrgConfig) -> GridFilters:
    """Filters naming a channel, department or state that exists; anything else is off."""
    channel = request.query.get("channel", "")
    department = request.query.get("department", "")
    state = request.query.get("state", "")
    return GridFilters(
        channel=channel if channel in {c.id for c in org.channels} else None,
        department=department if department in {d.id for d in org.departments} else None,
        state=state if state in calendar_grid.STATES else None,
    )


def _title(viewer: Viewer, view: str, anchor: date) -> str:
    t = viewer.reader.t
    if view == WEEK:
        week = anchor.isocalendar()
        return t("board.calendar.week_title", week=week.week, year=week.year)
    return t("board.calendar.month_title", month=t(f"board.month.{anchor.month}"), year=anchor.year)


def _query(view: str, anchor: date, filters: GridFilters, change: dict[str, object]) -> str:
    """The page's query string with some parameters changed (navigation keeps the filters)."""
    params: dict[str, object] = {
        "view": view,
        "date": anchor.isoformat(),
        "channel": filters.channel,
        "department": filters.department,
        "state": filters.state,
        **change,
    }
    return "?" + urlencode({k: str(v) for k, v in params.items() if v})
