"""What people read in the calendar: the week in chat, and the feed's events in their words.

The feed is described here as neutral events (summaries already in the reader's language);
adapters/web/ical.py turns them into iCalendar, as the chat renderers turn Messages into
Block Kit and Adaptive Cards.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.i18n import Reader
from bot.messages import Message, Section
from bot.orgconfig import WEEKDAYS, OrgConfig
from bot.publishing import states
from bot.publishing.calendar import Day, Deadline, Entry, MeetingSeries, PlanVersion, Week

# Entries listed per day before "… und N weitere" (a renderer limit is never the first cut).
PER_DAY = 20
POSTING_LENGTH = timedelta(minutes=15)
DEADLINE_LENGTH = timedelta(minutes=15)
MEETING_LENGTH = timedelta(hours=1)
SUMMARY_MAX = 80
# Bumped whenever the feed's wording or shape changes, so ETags change with it.
FEED_FORMAT = "1"


# --- the week in chat ----------------------------------------------------------------------


def week_message(reader: Reader, org: OrgConfig, week: Week, *, next_week: bool) -> Message:
    names = {c.id: c.name for c in org.channels}
    first, last = week.days[0].day, week.days[-1].day
    key = "publishing.calendar.title.next" if next_week else "publishing.calendar.title"
    title = reader.t(
        key,
        week=first.isocalendar().week,
        start=_short(reader, first),
        end=_short(reader, last),
    )
    if len(week.channels) == 1:
        title += reader.t("publishing.calendar.only", channel=names.get(week.channels[0], "?"))
    sections = [_day_section(reader, names, d) for d in week.days]
    if week.gaps:
        sections.append(
            Section(
                text=reader.t("publishing.calendar.gaps"),
                items=[
                    reader.t("publishing.calendar.gap", channel=names.get(c, c), n=n)
                    for c, n in week.gaps
                ],
            )
        )
    return Message(text=title, sections=sections, context=reader.t("publishing.calendar.hint"))


def _short(reader: Reader, day: date) -> str:
    return day.strftime("%d.%m." if reader.locale == "de" else "%d %b")


def _day_section(reader: Reader, names: dict[str, str], day: Day) -> Section:
    heading = reader.t(
        "publishing.calendar.day",
        weekday=reader.t(f"meeting.weekday.{WEEKDAYS[day.day.weekday()]}"),
        date=_short(reader, day.day),
    )
    items = []
    if day.holiday:
        items.append(reader.t("publishing.calendar.holiday", name=day.holiday))
    items += [
        reader.t(
            "publishing.calendar.meeting.moved" if m.moved else "publishing.calendar.meeting",
            time=reader.time(m.start),
        )
        for m in day.meetings
    ]
    items += [_entry_line(reader, names, e) for e in day.entries[:PER_DAY]]
    if len(day.entries) > PER_DAY:
        items.append(reader.t("publishing.calendar.more", n=len(day.entries) - PER_DAY))
    if not day.entries:
        items.append(reader.t("publishing.calendar.nothing"))
    return Section(text=heading, items=items)


def _entry_line(reader: Reader, names: dict[str, str], entry: Entry) -> str:
    return reader.t(
        "publishing.calendar.entry",
        time=reader.time(entry.at),
        channel=names.get(entry.channel, entry.channel),
        id=entry.item_id,
        title=entry.title,
        state=reader.t(f"publishing.state.{entry.status}"),
        icon=_ICONS.get(entry.status, ""),
    )


_ICONS = {
    states.PLANNED: "🗓️",
    states.DUE: "📣",
    states.POSTED: "✅",
    states.FROZEN: "🧊",
}


# --- the feed, neutral -----------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    summary: str
    start: datetime  # UTC
    end: datetime
    changed_at: datetime  # DTSTAMP and LAST-MODIFIED: stable while the event is unchanged
    description: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class FeedMeeting:
    uid: str
    summary: str
    series: MeetingSeries
    length: timedelta


@dataclass(frozen=True)
class Feed:
    name: str
    events: list[FeedEvent]
    meeting: FeedMeeting | None


def feed_name(reader: Reader, org: OrgConfig, channel: str | None) -> str:
    name = reader.t("publishing.feed.name", org=org.organization.name)
    if channel is None:
        return name
    names = {c.id: c.name for c in org.channels}
    return name + reader.t("publishing.calendar.only", channel=names.get(channel, channel))


def feed_tag(
    reader: Reader,
    org: OrgConfig,
    *,
    version: PlanVersion,
    deadlines: list[Deadline],
    series: MeetingSeries | None,
    channel: str | None,
) -> str:
    """The ETag: a digest of everything the feed is made from (the postings by their
    aggregate version, the few deadlines and the meeting in full, the words the reader
    reads), so an unchanged feed is recognised without reading or rendering it."""
    parts = (
        FEED_FORMAT,
        reader.locale,
        str(reader.tz),
        feed_name(reader, org, channel),
        repr([(c.id, c.name) for c in org.channels]),
        repr(version),
        repr(deadlines),
        repr(series),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def last_change(
    version: PlanVersion, deadlines: list[Deadline], series: MeetingSeries | None
) -> datetime | None:
    stamps = [s for s in (version.changed_at, version.items_changed_at) if s is not None]
    stamps += [d.changed_at for d in deadlines]
    if series is not None:
        stamps.append(series.changed_at)
    return max(stamps, default=None)


def feed(
    reader: Reader,
    org: OrgConfig,
    *,
    entries: list[Entry],
    deadlines: list[Deadline],
    series: MeetingSeries | None,
    channel: str | None,
) -> Feed:
    names = {c.id: c.name for c in org.channels}
    summaries = _SummaryTemplates(reader, names)
    events = [_posting_event(summaries, e) for e in entries]
    events += [_deadline_event(reader, d) for d in deadlines]
    meeting = (
        FeedMeeting(
            uid="meeting@socialdesk",
            summary=reader.t("publishing.feed.meeting"),
            series=series,
            length=MEETING_LENGTH,
        )
        if series is not None
        else None
    )
    return Feed(name=feed_name(reader, org, channel), events=events, meeting=meeting)


class _SummaryTemplates:
    """A posting's summary through the catalog once per channel and state, then filled in
    per posting: a feed of ten thousand postings reads the catalog a dozen times."""

    def __init__(self, reader: Reader, names: dict[str, str]) -> None:
        self._reader, self._names = reader, names
        self._templates: dict[tuple[str, str], str] = {}

    def summary(self, entry: Entry) -> str:
        key = (entry.channel, entry.status)
        template = self._templates.get(key)
        if template is None:
            template = self._reader.t(
                "publishing.feed.posting",
                channel=self._names.get(entry.channel, entry.channel),
                state=self._reader.t(f"publishing.state.{entry.status}"),
                id="\x00id\x00",
                title="\x00title\x00",
            )
            self._templates[key] = template
        # The id first: a title that happens to contain the marker is left as it is.
        return template.replace("\x00id\x00", str(entry.item_id)).replace(
            "\x00title\x00", _clip(entry.title)
        )


def _posting_event(summaries: _SummaryTemplates, entry: Entry) -> FeedEvent:
    return FeedEvent(
        uid=f"posting-{entry.posting_id}@socialdesk",
        summary=summaries.summary(entry),
        start=entry.at,
        end=entry.at + POSTING_LENGTH,
        changed_at=entry.updated_at,
        url=entry.url,
    )


def _deadline_event(reader: Reader, deadline: Deadline) -> FeedEvent:
    if deadline.kind == "approval":
        summary = reader.t(
            "publishing.feed.approval",
            id=deadline.item_id,
            title=_clip(deadline.title),
            stage=deadline.detail,
        )
        description = None
    else:
        summary = reader.t("publishing.feed.request", what=_clip(deadline.title))
        description = deadline.title + (f"\n\n{deadline.detail}" if deadline.detail else "")
    return FeedEvent(
        uid=f"{deadline.kind}-{deadline.id}@socialdesk",
        summary=summary,
        start=deadline.at,
        end=deadline.at + DEADLINE_LENGTH,
        changed_at=deadline.changed_at,
        description=description,
    )


def _clip(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= SUMMARY_MAX else line[: SUMMARY_MAX - 1] + "…"
