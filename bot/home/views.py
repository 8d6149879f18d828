"""A person's Home as a neutral page, in their language: the read side of every feature that
puts something on their desk."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.approvals import views as approval_views
from bot.home import queries
from bot.home.page import OPEN_BOARD, Entry, HomePage, Part
from bot.i18n import Reader
from bot.meeting import service as meeting
from bot.meeting import views as meeting_views
from bot.messages import Button
from bot.orgconfig import OrgConfig
from bot.people.service import reader_for
from storage.models import Person

# Entries read per list; the renderer may show fewer (Block Kit's block limit), the rest is
# counted either way.
WAITING_LIMIT = 30
SUBMISSIONS_LIMIT = 10
TO_POST_LIMIT = 10
TOPICS_LIMIT = 10
_DECIDE_HERE = (approval_views.APPROVE, approval_views.CHANGES)


async def home_page(
    session: AsyncSession, org: OrgConfig, person: Person, now: datetime
) -> HomePage:
    reader = reader_for(person, org)
    parts = [
        await _waiting(session, reader, org, person, now),
        await _submissions(session, reader, person, now),
        await _to_post(session, reader, org, person, now),
    ]
    meeting_part = await _meeting(session, reader, org, person, now)
    if meeting_part is not None:
        parts.append(meeting_part)
    return HomePage(
        locale=reader.locale,
        title=reader.t("home.title", name=person.name),
        parts=tuple(parts),
        banner=await _banner(session, reader, now),
        buttons=(Button(label=reader.t("home.board"), action=OPEN_BOARD, value=""),),
        context=reader.t("home.updated", when=reader.when(now)),
    )


def _age(reader: Reader, value: timedelta) -> i18n.Age:
    return i18n.format_age(max(value, timedelta()), reader.locale)


async def _waiting(
    session: AsyncSession, reader: Reader, org: OrgConfig, person: Person, now: datetime
) -> Part:
    """Approve and Request changes as on the card: the same actions, values and engine path."""
    rows, total = await queries.waiting_for(session, person.id, WAITING_LIMIT)
    crisis_path = org.crisis.approval_path if org.crisis else None
    entries = []
    for row in rows:
        text = reader.t(
            "home.waiting.line",
            id=row.item_id,
            title=row.title,
            stage=row.stage,
            submitter=row.submitter,
            age=_age(reader, now - row.created_at),
        )
        if row.approval_path == crisis_path:
            text = reader.t("crisis.urgent") + " " + text
        if row.due_at is not None:
            text += " – " + reader.t("home.waiting.due", when=reader.when(row.due_at))
        if row.held:
            entries.append(Entry(text + "\n" + reader.t("home.waiting.held")))
            continue
        buttons = approval_views.decision_buttons(reader, row.request_id)
        entries.append(Entry(text, tuple(b for b in buttons if b.action in _DECIDE_HERE)))
    return Part(
        title=reader.t("home.waiting.title", n=total),
        entries=tuple(entries),
        total=total,
        empty=reader.t("home.waiting.empty"),
    )


async def _submissions(
    session: AsyncSession, reader: Reader, person: Person, now: datetime
) -> Part:
    rows, total = await queries.submissions_of(session, person.id, now, SUBMISSIONS_LIMIT)
    entries = []
    for row in rows:
        state = _state(reader, row.status)
        if row.waiting_on and row.stage:
            names = ", ".join(row.waiting_on)
            state += " – " + reader.t("home.mine.with", names=names, stage=row.stage)
        text = reader.t("home.mine.line", id=row.item_id, title=row.title, state=state)
        entries.append(Entry(text))
    return Part(
        title=reader.t("home.mine.title"),
        entries=tuple(entries),
        total=total,
        empty=reader.t("home.mine.empty"),
    )


def _state(reader: Reader, status: str) -> str:
    key = f"home.state.{status}"
    return reader.t(key) if key in i18n.catalog() else status


async def _to_post(
    session: AsyncSession, reader: Reader, org: OrgConfig, person: Person, now: datetime
) -> Part:
    """The hand-offs this person has yet to mark, and what is planned for today on the
    channels they own."""
    names = {c.id: c.name for c in org.channels}
    owned = [c.id for c in org.channels if c.owner == person.handle]
    today = now.astimezone(org.organization.tz).date()
    start = datetime.combine(today, time(0), tzinfo=org.organization.tz)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=org.organization.tz)
    rows, total = await queries.to_post(session, owned, start, end, TO_POST_LIMIT)
    entries = [
        Entry(
            reader.t(
                "home.post.line",
                time=reader.time(row.planned_at) if row.planned_at else "–",
                channel=names.get(row.channel, row.channel),
                id=row.item_id,
                title=row.title,
                state=reader.t(f"publishing.state.{row.status}"),
            )
        )
        for row in rows
    ]
    return Part(
        title=reader.t("home.post.title"),
        entries=tuple(entries),
        total=total,
        empty=reader.t("home.post.empty"),
    )


async def _meeting(
    session: AsyncSession, reader: Reader, org: OrgConfig, person: Person, now: datetime
) -> Part | None:
    """The next editorial meeting and the topics this person brings; None without meetings."""
    found = await meeting.next_meeting(session=session, org=org, now=now)
    if found is None:
        return None
    schedule, occ = found
    if occ is None:
        title = reader.t("meeting.none_ahead")
        return Part(title=title, entries=(), total=0, empty=reader.t("home.meeting.no_topics"))
    topics, total = await queries.topics_of(session, person.id, occ.id, TOPICS_LIMIT)
    starts = meeting_views.starts(reader.locale, schedule, occ)
    return Part(
        title=reader.t("home.meeting.title", starts=starts),
        entries=tuple(Entry(text) for text in topics),
        total=total,
        empty=reader.t("home.meeting.no_topics"),
        note=reader.t("home.meeting.topics", n=total),
    )


async def _banner(session: AsyncSession, reader: Reader, now: datetime) -> str | None:
    crises = await queries.open_crises(session)
    if not crises:
        return None
    return "\n".join(
        reader.t(
            "home.crisis",
            id=crisis_id,
            description=description,
            age=_age(reader, now - declared_at),
        )
        for crisis_id, description, declared_at in crises
    )
