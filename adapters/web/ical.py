"""GET /ical/{token}.ics: a person's calendar subscription, rendered with `icalendar`.

What the feed shows comes from bot/publishing (calendar.py, calendar_views.py); this adapter
only renders it. Calendar apps poll, so the ETag is a digest of what the feed shows, computed
before any rendering: If-None-Match answers 304 at the cost of the queries alone. Rendering a
VEVENT with `icalendar` is slow next to the queries, so each event's bytes are kept (keyed by
everything the event shows) and a changed plan re-renders only what changed.

An unknown, revoked or malformed token gets the same 404 as a path that never existed.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime as http_date
from functools import lru_cache
from zoneinfo import ZoneInfo

from aiohttp import web
from icalendar import Calendar, Event, Timezone

from bot.clock import Clock
from bot.orgconfig import OrgConfig
from bot.people.service import reader_for
from bot.publishing import calendar, calendar_views, feeds
from bot.publishing.calendar_views import Feed, FeedEvent, FeedMeeting
from bot.publishing.service import channel_for
from storage.db import SessionMaker

ROUTE = "/ical/{token}.ics"
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
END = b"END:VCALENDAR\r\n"
# Whole feeds kept by ETag: a few people polling the same plan share nothing else.
BODIES_KEPT = 32
HEADERS = {
    "Cache-Control": "private, max-age=300",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def mount(app: web.Application, *, sessions: SessionMaker, org: OrgConfig, clock: Clock) -> None:
    bodies: OrderedDict[str, bytes] = OrderedDict()

    async def serve(request: web.Request) -> web.StreamResponse:
        async with sessions() as session:
            person = await feeds.person_for(session, request.match_info["token"])
            if person is None:
                raise web.HTTPNotFound()
            channel = _channel(request, org)
            reader = reader_for(person, org)
            start = clock.now() - calendar.FEED_HISTORY
            version = await calendar.plan_version(session, start=start, channel=channel)
            deadlines = await calendar.deadlines_of(session, person)
            series = await calendar.meeting_series(session, org, now=clock.now())
            tag = calendar_views.feed_tag(
                reader, org, version=version, deadlines=deadlines, series=series, channel=channel
            )
            headers = dict(HEADERS, ETag=f'"{tag}"')
            if changed := calendar_views.last_change(version, deadlines, series):
                headers["Last-Modified"] = http_date(changed.astimezone(UTC), usegmt=True)
            if _matches(request, headers["ETag"]):
                return web.Response(status=304, headers=headers)
            body = bodies.get(tag)
            if body is None:
                entries = await calendar.entries_between(
                    session, start=start, end=None, channel=channel
                )
                feed = calendar_views.feed(
                    reader,
                    org,
                    entries=entries,
                    deadlines=deadlines,
                    series=series,
                    channel=channel,
                )
                body = render(feed, org.organization.tz)
                bodies[tag] = body
                while len(bodies) > BODIES_KEPT:
                    bodies.popitem(last=False)
            bodies.move_to_end(tag)
        return web.Response(
            body=body, content_type="text/calendar", charset="utf-8", headers=headers
        )

    app.router.add_get(ROUTE, serve)


def _channel(request: web.Request, org: OrgConfig) -> str | None:
    """`?channel=linkedin`: one channel's postings (the deadlines and the meeting stay)."""
    ref = request.query.get("channel")
    if not ref:
        return None
    channel = channel_for(org, ref)
    if channel is None:
        raise web.HTTPBadRequest(text=f"unknown channel: {ref[:50]}")
    return channel.id


def _matches(request: web.Request, etag: str) -> bool:
    wanted = request.headers.get("If-None-Match", "")
    return wanted.strip() == "*" or etag in (t.strip() for t in wanted.split(","))


def render(feed: Feed, tz: ZoneInfo) -> bytes:
    """The whole feed: calendar properties, time zones and the meeting through `icalendar`,
    then every event's (kept) bytes."""
    cal = Calendar()
    cal.add("prodid", "-//socialdesk//calendar//DE")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", feed.name)
    cal.add("x-wr-timezone", str(tz))
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    zones = {str(tz)}
    if feed.meeting is not None:
        zones.add(str(feed.meeting.series.schedule.tz))
    for zone in sorted(zones):
        cal.add_component(_timezone(zone))
    if feed.meeting is not None:
        for component in _meeting(feed.meeting):
            cal.add_component(component)
    head = cal.to_ical()
    assert head.endswith(END)
    return b"".join([head[: -len(END)], *(_event(e, tz) for e in feed.events), END])


@lru_cache(maxsize=8)
def _timezone(tzid: str) -> Timezone:
    return Timezone.from_tzid(tzid)


@lru_cache(maxsize=50_000)
def _event(event: FeedEvent, tz: ZoneInfo) -> bytes:
    """One VEVENT; the UID is the posting's or deadline's id, so apps update, not duplicate."""
    component = Event()
    component.add("uid", event.uid)
    component.add("dtstamp", event.changed_at)
    component.add("last-modified", event.changed_at)
    component.add("dtstart", event.start.astimezone(tz))
    component.add("dtend", event.end.astimezone(tz))
    component.add("summary", event.summary)
    component.add("transp", "TRANSPARENT")  # a post or a deadline does not block the day
    if event.description:
        component.add("description", event.description)
    if event.url:
        component.add("url", event.url)
    rendered: bytes = component.to_ical()
    return rendered


def _meeting(meeting: FeedMeeting) -> list[Event]:
    """One recurring event: skipped dates as EXDATE, moved ones as overrides that name the
    regular start they replace (RECURRENCE-ID), all in the meeting's own time zone, so it
    stays at its local hour across daylight-saving changes."""
    series = meeting.series
    schedule = series.schedule

    def local(day: date) -> datetime:
        return datetime.combine(day, schedule.at, tzinfo=schedule.tz)

    master = Event()
    master.add("uid", meeting.uid)
    master.add("dtstamp", series.changed_at)
    master.add("last-modified", series.changed_at)
    master.add("dtstart", local(series.first))
    master.add("dtend", local(series.first) + meeting.length)
    master.add("rrule", {"FREQ": "WEEKLY", "BYDAY": BYDAY[schedule.weekday]})
    for day in series.skipped:
        master.add("exdate", local(day))
    master.add("summary", meeting.summary)
    found = [master]
    for day, moved_to in series.moved:
        start = moved_to.astimezone(schedule.tz)
        override = Event()
        override.add("uid", meeting.uid)
        override.add("recurrence-id", local(day))
        override.add("dtstamp", series.changed_at)
        override.add("dtstart", start)
        override.add("dtend", start + meeting.length)
        override.add("summary", meeting.summary)
        found.append(override)
    return found
