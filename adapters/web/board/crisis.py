"""*Krise*: the open and past crises, and one crisis with its timeline, checklist, who is on
it (and who has not answered yet) and its statements. Only for the crisis team and managers,
decided as the crisis commands decide it (bot/crisis/timeline.py `may_see`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from adapters.web.board.context import Forbidden, NotFound, Viewer, board_of, render
from adapters.web.board.item import state_label
from bot.crisis import views
from bot.crisis.timeline import CrisisDetail, crises, detail, may_see, was_paged
from bot.ids import parse_id


def _reader(viewer: Viewer) -> views.Reader:
    """The crisis texts' reader (it also says spans: "12 Min.")."""
    return views.Reader(locale=viewer.reader.locale, tz=viewer.reader.tz)


async def index(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    board = board_of(request)
    async with board.sessions() as session:
        if not await may_see(session, board.org(), viewer.person_id):
            raise Forbidden()
        rows = await crises(session)
    r, now = _reader(viewer), board.clock.now()
    shown = [
        {
            "id": c.id,
            "description": c.description,
            "open": c.status == "open",
            "declared": r.when(c.declared_at),
            "declared_by": c.declared_by,
            "span": r.span((c.resolved_at or now) - c.declared_at),
            "resolved": r.when(c.resolved_at) if c.resolved_at else None,
            "severity": c.severity,
            "acked": c.acked,
            "members": c.members,
            "checks": c.checks,
            "checklist": len(views.CHECKLIST),
            "statements": c.statements,
        }
        for c in rows
    ]
    return render(
        request,
        "crisis_index.html",
        viewer,
        open=[c for c in shown if c["open"]],
        past=[c for c in shown if not c["open"]],
    )


async def page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    crisis_id = parse_id(request.match_info["id"])
    board = board_of(request)
    org = board.org()
    async with board.sessions() as session:
        allowed = await may_see(session, org, viewer.person_id)
        if crisis_id is None:
            raise NotFound() if allowed else Forbidden()
        if not allowed and not await was_paged(session, crisis_id, viewer.person_id):
            raise Forbidden()
        found = await detail(session, org, crisis_id, board.clock.now())
    if found is None:
        raise NotFound()
    return render(request, "crisis.html", viewer, **_crisis(_reader(viewer), found))


@dataclass(frozen=True)
class CheckView:
    n: int
    label: str
    done: bool
    who: str | None
    when: str | None


def _crisis(r: views.Reader, found: CrisisDetail) -> dict[str, Any]:
    f = found.facts
    crisis = f.crisis
    end = crisis.resolved_at or f.now
    return {
        "crisis": {
            "id": crisis.id,
            "description": crisis.description,
            "open": crisis.status == "open",
            "declared": r.when(crisis.declared_at),
            "declared_by": f.name(crisis.declared_by_id),
            "resolved": r.when(crisis.resolved_at) if crisis.resolved_at else None,
            "resolved_by": f.name(crisis.resolved_by_id) if crisis.resolved_by_id else None,
            "span": r.span(end - crisis.declared_at),
            "severity": crisis.severity,
            "summary": crisis.summary,
            "room": crisis.room_name,
        },
        "team": _team(r, found),
        "checklist": _checklist(r, found),
        "statements": _statements(r, found),
        "timeline": [
            {"when": r.when(e.at), "text": views.event_line(r, f, e).removeprefix(_lead(r, e.at))}
            for e in reversed(f.events)
        ],
        "frozen": len([c for c in f.content if c.kind == "frozen"]),
        "held": len([c for c in f.content if c.kind == "held"]),
        "tz": str(r.tz),
    }


def _lead(r: views.Reader, at: Any) -> str:
    """What `views.event_line` puts before an event's text (its time, then a dash)."""
    return f"{r.when(at)} – "


def _team(r: views.Reader, found: CrisisDetail) -> list[dict[str, Any]]:
    f = found.facts
    return [
        {
            "name": f.name(m.person_id),
            "roles": ", ".join(f.role_names.get(role, role) for role in m.roles or []),
            "acked": r.when(m.acked_at) if m.acked_at else None,
            "took": r.span(m.acked_at - f.crisis.declared_at) if m.acked_at else None,
            "pages": m.pages,
            "last_paged": r.when(m.last_paged_at) if m.last_paged_at else None,
        }
        for m in sorted(f.members, key=lambda m: (m.acked_at is not None, f.name(m.person_id)))
    ]


def _checklist(r: views.Reader, found: CrisisDetail) -> list[CheckView]:
    f = found.facts
    out = []
    for n, item in enumerate(views.CHECKLIST, start=1):
        done = f.check(item)
        label = r.t(f"crisis.check.{item}")
        if done is not None and item == views.SEVERITY and done.value:
            label = r.t("crisis.check.severity_done", level=done.value)
        out.append(
            CheckView(
                n=n,
                label=label,
                done=done is not None,
                who=f.name(done.done_by_id) if done else None,
                when=r.when(done.done_at) if done else None,
            )
        )
    return out


def _statements(r: views.Reader, found: CrisisDetail) -> list[dict[str, Any]]:
    f = found.facts
    out = []
    for link in f.content:
        item = f.items.get(link.item_id)
        if link.kind != "statement" or item is None:
            continue
        out.append(
            {
                "id": item.id,
                "title": item.title,
                "text": item.latest.text,
                "submitted": r.when(link.created_at),
                "state": r.t(f"crisis.statement_state.{link.state}"),
                "item_state": state_label(r, item.status),
                "waiting_on": ", ".join(found.waiting_on.get(item.id, [])),
                "decided": r.when(link.decided_at) if link.decided_at else None,
                "decided_by": f.name(link.decided_by_id) if link.decided_by_id else None,
            }
        )
    return out
