"""The meeting's state: its schedule, one-off changes, topics, and reminder bookkeeping.

Functions take `*, session`, never commit, and write messages through the outbox in the
caller's transaction. Timers for reminders are kept in step by `sync_timers`, which the
scheduler's planner calls each round and every change calls at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.meeting.schedule import (
    Occurrence,
    Override,
    Schedule,
    build_schedule,
    next_occurrence,
    occurrence,
    upcoming,
)
from bot.orgconfig import WEEKDAYS, OrgConfig
from bot.people.service import people_for, people_ids_for
from bot.timers import service as timers
from bot.timers.runner import MAX_ATTEMPTS
from storage.db import insert_for
from storage.models import (
    MeetingOverride,
    MeetingReminderSent,
    MeetingSettings,
    MeetingTopic,
    Person,
    Timer,
)

TIMER_KIND = "meeting.reminder"
TIMER_PREFIX = "meeting:"
MANAGER_ROLE = "social_media_manager"
TOPIC_MAX = 500
# How far ahead reminder timers exist: the longest offset plus a little more than a week.
PLAN_AHEAD = timedelta(days=8)


class MeetingError(Exception):
    """A change that cannot be made; `key` names the message that explains why."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def timer_key(occ_id: str, offset: timedelta) -> str:
    return f"{TIMER_PREFIX}{occ_id}:{int(offset.total_seconds())}"


def may_manage(person: Person) -> bool:
    return MANAGER_ROLE in person.role_names


async def load_schedule(*, session: AsyncSession, org: OrgConfig) -> Schedule | None:
    if org.meeting is None:
        return None
    stored = await session.get(MeetingSettings, 1)
    if stored is None:
        return build_schedule(org, org.meeting)
    return build_schedule(org, org.meeting, stored.weekday, stored.time)


async def load_overrides(*, session: AsyncSession) -> dict[str, Override]:
    rows = (await session.scalars(select(MeetingOverride))).all()
    return {r.occurrence: Override(r.action, r.moved_to) for r in rows}


async def next_meeting(
    *, session: AsyncSession, org: OrgConfig, now: datetime
) -> tuple[Schedule, Occurrence | None] | None:
    schedule = await load_schedule(session=session, org=org)
    if schedule is None:
        return None
    overrides = await load_overrides(session=session)
    return schedule, next_occurrence(schedule, overrides, now=now)


async def find_occurrence(
    *, session: AsyncSession, org: OrgConfig, occ_id: str
) -> Occurrence | None:
    schedule = await load_schedule(session=session, org=org)
    if schedule is None:
        return None
    overrides = await load_overrides(session=session)
    return occurrence(schedule, date.fromisoformat(occ_id), overrides)


# --- changes by the social media managers ----------------------------------------------------


async def set_schedule(
    *,
    session: AsyncSession,
    org: OrgConfig,
    person: Person,
    weekday: int,
    at: time,
    now: datetime,
) -> Schedule:
    stored = await session.get(MeetingSettings, 1)
    if stored is None:
        stored = MeetingSettings(id=1, weekday="", time="", updated_at=now)
        session.add(stored)
    stored.weekday, stored.time = WEEKDAYS[weekday], at.strftime("%H:%M")
    stored.updated_by_id, stored.updated_at = person.id, now
    await session.flush()
    audit.record(
        session,
        action="meeting.schedule_set",
        subject="meeting",
        now=now,
        actor_id=person.id,
        weekday=stored.weekday,
        time=stored.time,
    )
    await sync_timers(session=session, org=org, now=now, include_past=True)
    schedule = await load_schedule(session=session, org=org)
    assert schedule is not None
    return schedule


async def _regular_ahead(
    session: AsyncSession, org: OrgConfig, day: date, now: datetime
) -> Schedule:
    schedule = await load_schedule(session=session, org=org)
    if schedule is None:
        raise MeetingError("meeting.not_configured")
    if not schedule.is_regular(day):
        raise MeetingError(
            "meeting.error.not_a_meeting_day",
            date=day.isoformat(),
            weekday=WEEKDAYS[schedule.weekday],
        )
    return schedule


async def _put_override(
    session: AsyncSession,
    occ_id: str,
    action: str,
    moved_to: datetime | None,
    person: Person,
    now: datetime,
) -> None:
    row = await session.scalar(select(MeetingOverride).where(MeetingOverride.occurrence == occ_id))
    if row is None:
        row = MeetingOverride(occurrence=occ_id, created_at=now, action=action)
        session.add(row)
    row.action, row.moved_to, row.created_by_id, row.created_at = action, moved_to, person.id, now
    await session.flush()


async def skip(
    *, session: AsyncSession, org: OrgConfig, person: Person, day: date, now: datetime
) -> str:
    """Skip the occurrence on a regular date; its reminders are cancelled."""
    schedule = await _regular_ahead(session, org, day, now)
    overrides = await load_overrides(session=session)
    occ = occurrence(schedule, day, overrides)
    if occ is None:
        raise MeetingError("meeting.error.already_skipped", date=day.isoformat())
    if occ.start <= now:
        raise MeetingError("meeting.error.past", date=day.isoformat())
    await _put_override(session, occ.id, "skip", None, person, now)
    await timers.cancel(session, key_prefix=f"{TIMER_PREFIX}{occ.id}:", now=now)
    audit.record(
        session, action="meeting.skipped", subject=f"meeting:{occ.id}", now=now, actor_id=person.id
    )
    return occ.id


async def move(
    *,
    session: AsyncSession,
    org: OrgConfig,
    person: Person,
    day: date,
    at: time,
    now: datetime,
    source: date | None = None,
) -> Occurrence:
    """Move one occurrence to `day` at `at` (local). Which one: `source`, or the regular
    date nearest to `day` (the same day when the meeting stays on its day)."""
    schedule = await load_schedule(session=session, org=org)
    if schedule is None:
        raise MeetingError("meeting.not_configured")
    original = source or schedule.nearest_regular(day)
    await _regular_ahead(session, org, original, now)
    target = datetime.combine(day, at, tzinfo=schedule.tz).astimezone(now.tzinfo)
    if target <= now:
        raise MeetingError("meeting.error.target_past")
    overrides = await load_overrides(session=session)
    regular = schedule.start_on(original)
    current = overrides.get(original.isoformat())
    current_start = current.moved_to if current and current.moved_to else regular
    if current_start <= now and (current is None or current.action != "skip"):
        raise MeetingError("meeting.error.past", date=original.isoformat())
    await _put_override(session, original.isoformat(), "move", target, person, now)
    audit.record(
        session,
        action="meeting.moved",
        subject=f"meeting:{original.isoformat()}",
        now=now,
        actor_id=person.id,
        to=target.isoformat(),
    )
    await sync_timers(session=session, org=org, now=now, include_past=True)
    occ = occurrence(schedule, original, await load_overrides(session=session))
    assert occ is not None
    return occ


# --- topics ------------------------------------------------------------------------------------


async def add_topic(
    *, session: AsyncSession, org: OrgConfig, person: Person, text: str, now: datetime
) -> tuple[MeetingTopic, Occurrence]:
    found = await next_meeting(session=session, org=org, now=now)
    if found is None:
        raise MeetingError("meeting.not_configured")
    occ = found[1]
    if occ is None:
        raise MeetingError("meeting.none_ahead")
    if len(text) > TOPIC_MAX:
        raise MeetingError("meeting.topic.too_long", max=TOPIC_MAX, length=len(text))
    department = org.department_of(person.handle)
    topic = MeetingTopic(
        occurrence=occ.id,
        person_id=person.id,
        department_id=department.id if department else None,
        text=text,
        created_at=now,
    )
    session.add(topic)
    await session.flush()
    return topic, occ


async def topics_for(*, session: AsyncSession, occ_id: str) -> Sequence[MeetingTopic]:
    return (
        await session.scalars(
            select(MeetingTopic)
            .where(MeetingTopic.occurrence == occ_id)
            .order_by(MeetingTopic.created_at, MeetingTopic.id)
        )
    ).all()


# --- who is reminded -----------------------------------------------------------------------------


async def contributors(*, session: AsyncSession, org: OrgConfig) -> list[Person]:
    """The configured list (handles, role:NAME), or every department member and lead."""
    return await people_for(session, _contributor_refs(org))


async def contributor_ids(*, session: AsyncSession, org: OrgConfig) -> list[int]:
    """`contributors` without loading them: a fan-out in batches loads only each batch."""
    return await people_ids_for(session, _contributor_refs(org))


def _contributor_refs(org: OrgConfig) -> list[str]:
    if org.meeting is not None and org.meeting.contributors is not None:
        return list(org.meeting.contributors)
    refs: list[str] = []
    for dept in org.departments:
        refs += [dept.lead, *dept.members]
    return refs


async def reminded(*, session: AsyncSession, occ_id: str, offset: timedelta) -> set[int]:
    """Who has had this reminder already (a fan-out in batches skips them in one query)."""
    rows = await session.scalars(
        select(MeetingReminderSent.person_id).where(
            MeetingReminderSent.occurrence == occ_id,
            MeetingReminderSent.offset_seconds == int(offset.total_seconds()),
        )
    )
    return set(rows.all())


async def claim_reminder(
    *, session: AsyncSession, person: Person, occ_id: str, offset: timedelta, now: datetime
) -> bool:
    """Record that this person got this reminder; False if they already had it."""
    claimed = await session.scalar(
        insert_for(session)(MeetingReminderSent)
        .values(
            person_id=person.id,
            occurrence=occ_id,
            offset_seconds=int(offset.total_seconds()),
            sent_at=now,
        )
        .on_conflict_do_nothing(index_elements=["person_id", "occurrence", "offset_seconds"])
        .returning(MeetingReminderSent.id)
    )
    return claimed is not None


# --- timers --------------------------------------------------------------------------------------


async def sync_timers(
    *, session: AsyncSession, org: OrgConfig, now: datetime, include_past: bool = False
) -> None:
    """Make the reminder timers match the schedule: one per upcoming occurrence and offset.

    Unfired timers of occurrences that no longer exist (skipped, or the weekday changed) are
    cancelled; moved occurrences move their timers. Fired timers are left alone, so nothing
    fires twice, and a timer given up after repeated failures is not revived.

    Timers are planned more than a week ahead, so a server that was down at reminder time
    finds them due when it starts. The planner does not create a timer whose time has already
    passed (a fresh installation does not send 'missed' reminders it never planned); a change
    by a person (`include_past`) does, so moving a meeting to tomorrow still reminds today.
    """
    schedule = await load_schedule(session=session, org=org)
    wanted: dict[str, tuple[Occurrence, timedelta]] = {}
    if schedule is not None:
        overrides = await load_overrides(session=session)
        until = now + schedule.reminders[0] + PLAN_AHEAD
        for occ in upcoming(schedule, overrides, now=now, until=until):
            for offset in schedule.reminders:
                wanted[timer_key(occ.id, offset)] = (occ, offset)
    existing = {
        t.key: t
        for t in (
            await session.scalars(
                select(Timer).where(
                    timers.key_starts_with(TIMER_PREFIX),  # the meeting's, not every pending timer
                    Timer.kind == TIMER_KIND,
                    timers.PENDING | Timer.key.in_(list(wanted)),
                )
            )
        ).all()
    }
    for key, stale in existing.items():
        if key not in wanted and stale.fired_at is None and stale.cancelled_at is None:
            stale.cancelled_at = now
    for key, (occ, offset) in wanted.items():
        due = occ.reminder_at(offset)
        found = existing.get(key)
        if found is not None and (
            found.fired_at is not None
            or (found.cancelled_at is not None and found.attempts >= MAX_ATTEMPTS)
            or (found.due_at == due and found.cancelled_at is None)
        ):
            continue
        if due <= now and not include_past and (found is None or found.cancelled_at is not None):
            continue
        await timers.schedule(
            session,
            kind=TIMER_KIND,
            key=key,
            due_at=due,
            now=now,
            payload={"occurrence": occ.id, "offset": int(offset.total_seconds())},
        )
    await session.flush()
