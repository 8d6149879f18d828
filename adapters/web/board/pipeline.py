"""GET /board/: the pipeline, one column per state, filtered by department, channel, person.

The columns come from bot/approvals/pipeline.py (set-based); this page only picks the filters
from the query string and renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy import select

from adapters.web.board.context import Viewer, board_of, render
from bot.approvals import pipeline
from bot.i18n import Age, format_age
from bot.orgconfig import OrgConfig
from storage.models import Person


async def page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    board = board_of(request)
    org = board.org()
    async with board.sessions() as session:
        people = (
            await session.execute(
                select(Person.id, Person.handle, Person.name)
                .where(Person.active)
                .order_by(Person.name)
            )
        ).all()
        chosen = _chosen(request, org, {handle: pid for pid, handle, _ in people})
        filters = pipeline.Filters(
            department=chosen.department or None,
            channel=chosen.channel or None,
            person_id=chosen.person_id,
        )
        columns = await pipeline.pipeline(session, filters=filters)
    now = board.clock.now()
    names = {c.id: c.name for c in org.channels}
    return render(
        request,
        "pipeline.html",
        viewer,
        nav="pipeline",
        columns=columns,
        chosen=chosen,
        people=[(handle, name) for _, handle, name in people],
        departments=[(d.id, d.name) for d in org.departments],
        channels=[(c.id, c.name) for c in org.channels],
        channel_names=names,
        department_names={d.id: d.name for d in org.departments},
        channel_list=lambda ids: ", ".join(names.get(i, i) for i in ids),
        filtered=bool(chosen.department or chosen.channel or chosen.person),
        per_column=pipeline.PER_COLUMN,
        sla=lambda card: pipeline.sla_state(now, card.sla_started, card.due_at),
        when=viewer.reader.when,
        ago=lambda at: _ago(now, at, viewer.reader.locale),
        iso=lambda at: at.isoformat(),
    )


@dataclass(frozen=True)
class Chosen:
    """The filters as given, where they name something that exists ("" where not)."""

    department: str
    channel: str
    person: str  # a handle
    person_id: int | None


def _chosen(request: web.Request, org: OrgConfig, people: dict[str, int]) -> Chosen:
    department = request.query.get("department", "")
    channel = request.query.get("channel", "")
    person = request.query.get("person", "")
    return Chosen(
        department=department if department in {d.id for d in org.departments} else "",
        channel=channel if channel in {c.id for c in org.channels} else "",
        person=person if person in people else "",
        person_id=people.get(person),
    )


def _ago(now: datetime, at: datetime, locale: str) -> Age:
    """An Age, not a str: the catalog's `{age:seit _}` says "gerade eben" for a fresh one."""
    return format_age(max(now - at, timedelta(0)), locale)
