"""*Zahlen*: how long approvals take per stage and department, week by week (the median, so
one forgotten item does not hide how fast the rest went), who has approvals waiting, and how
much went out per channel — as server-drawn SVG charts, each with its table beside it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from aiohttp import web
from markupsafe import Markup

from adapters.web.board import charts
from adapters.web.board.charts import Series
from adapters.web.board.context import Viewer, board_of, render
from bot.i18n import Reader
from bot.reporting import format_number
from bot.reporting.sql import Median
from bot.reporting.trends import (
    WEEKS,
    lead_times,
    postings_per_week,
    waiting_per_person,
    window_start,
)


async def page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    board = board_of(request)
    org = board.org()
    reader = viewer.reader
    start = window_start(_this_monday(board.clock.now(), reader))
    async with board.sessions() as session:
        lead = await lead_times(session, start)
        waiting = await waiting_per_person(session)
        posted = await postings_per_week(session, start)
    labels = _week_labels(reader, start)
    names = {c.id: c.name for c in org.channels}
    no_department = reader.t("board.numbers.no_department")
    departments = {name or no_department: weeks for name, weeks in lead.by_department.items()}
    channels = {names.get(c, c): weeks for c, weeks in sorted(posted.items())}
    return render(
        request,
        "numbers.html",
        viewer,
        weeks=labels,
        by_stage=_lead_chart(reader, "board.numbers.by_stage", labels, lead.by_stage),
        by_department=_lead_chart(reader, "board.numbers.by_department", labels, departments),
        stage_table=_lead_table(reader, lead.by_stage),
        department_table=_lead_table(reader, departments),
        waiting=charts.bar_chart(
            reader.t("board.numbers.waiting"),
            waiting,
            fmt=lambda v: format_number(int(v), reader.locale),
            empty=reader.t("board.numbers.nothing_waiting"),
        ),
        waiting_rows=[(name, format_number(n, reader.locale)) for name, n in waiting],
        postings=charts.stacked_bars(
            reader.t("board.numbers.postings"),
            labels,
            [
                Series(name, [weeks.get(k) for k in range(WEEKS)])
                for name, weeks in channels.items()
            ],
            fmt=lambda v: format_number(int(v), reader.locale),
            empty=reader.t("board.numbers.no_postings"),
        ),
        posting_rows=[
            (name, [format_number(weeks.get(k, 0), reader.locale) for k in range(WEEKS)])
            for name, weeks in channels.items()
        ],
    )


def _this_monday(now: datetime, reader: Reader) -> datetime:
    """Monday 00:00 of this week in the organisation's timezone, as an aware datetime."""
    local = now.astimezone(reader.tz).date()
    monday = local - timedelta(days=local.weekday())
    return datetime.combine(monday, time(), tzinfo=reader.tz)


def _week_labels(reader: Reader, start: datetime) -> list[str]:
    """ "KW 48" / "W48": the ISO week, as the desk says it."""
    return [
        reader.t("board.numbers.week", n=(start + timedelta(weeks=k)).isocalendar().week)
        for k in range(WEEKS)
    ]


def _hours(reader: Reader) -> charts.Format:
    """Hours with the reader's decimal mark: "1,5 h" in German, "1.5 h" in English."""
    mark = "," if reader.locale == "de" else "."
    return lambda value: f"{value:g}".replace(".", mark) + " h"


def _lead_chart(
    reader: Reader, key: str, labels: list[str], groups: dict[Any, dict[int, Median]]
) -> Markup:
    """Median hours per group and week, a line per group."""
    series = [
        Series(
            str(name),
            [_in_hours(weeks[k].median) if k in weeks else None for k in range(WEEKS)],
        )
        for name, weeks in sorted(groups.items(), key=lambda kv: str(kv[0]))
    ]
    return charts.line_chart(
        reader.t(key),
        labels,
        series,
        fmt=_hours(reader),
        empty=reader.t("board.numbers.no_decisions"),
    )


def _in_hours(value: timedelta) -> float:
    return round(value.total_seconds() / 3600, 1)


def _lead_table(
    reader: Reader, groups: dict[Any, dict[int, Median]]
) -> list[tuple[str, list[str]]]:
    """The chart's numbers: per group, each week's median (and how many), "–" for none."""
    return [
        (
            str(name),
            [
                reader.t(
                    "board.numbers.cell",
                    hours=_hours(reader)(_in_hours(weeks[k].median)),
                    n=format_number(weeks[k].n, reader.locale),
                )
                if k in weeks
                else "–"
                for k in range(WEEKS)
            ],
        )
        for name, weeks in sorted(groups.items(), key=lambda kv: str(kv[0]))
    ]
