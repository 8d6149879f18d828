"""Reminders and the agenda, sent from a timer inside its unit of work."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.meeting import service, views
from bot.meeting.agenda import AgendaContext, build_agenda, items_of
from bot.meeting.schedule import Occurrence, Schedule
from bot.messages import Message
from bot.orgconfig import OrgConfig
from bot.outbox import service as outbox
from bot.people.service import locale_of, people_map
from storage.models import OutboxMessage

log = logging.getLogger(__name__)


def agenda_key(occ_id: str, platform: str) -> str:
    return f"meeting:agenda:{occ_id}:{platform}"


def _channels(org: OrgConfig) -> list[tuple[str, str]]:
    meeting = org.meeting
    if meeting is None:
        return []
    found = [("slack", meeting.slack_channel), ("teams", meeting.teams_channel)]
    return [(platform, channel) for platform, channel in found if channel]


def agenda_context(
    *,
    session: AsyncSession,
    org: OrgConfig,
    schedule: Schedule,
    occ: Occurrence,
    now: datetime,
    locale: str | None = None,
) -> AgendaContext:
    return AgendaContext(
        session=session,
        org=org,
        now=now,
        occurrence=occ,
        locale=locale or org.organization.locale,
        tz=schedule.tz,
    )


# Reminders written per transaction: the first batch is on its way while the next is built.
REMINDER_BATCH = 100
# … and at most about this long spent writing them: on SQLite the transaction holds the one
# connection, and a colleague's click waits behind it (a batch of 100 took 1.8 s).
REMINDER_BUDGET_SECONDS = 0.1


class Batch(NamedTuple):
    sent: int
    more: bool  # contributors are left for another round


async def send_reminders(
    *,
    session: AsyncSession,
    org: OrgConfig,
    schedule: Schedule,
    occ: Occurrence,
    offset: timedelta,
    now: datetime,
    batch: int = REMINDER_BATCH,
) -> Batch:
    """One DM per contributor, each at most once per occurrence and offset, at most `batch`
    of them in this transaction."""
    done = await service.reminded(session=session, occ_id=occ.id, offset=offset)
    waiting = [
        pid for pid in await service.contributor_ids(session=session, org=org) if pid not in done
    ]
    people = await people_map(session, waiting[:batch])
    sent = handled = 0
    started = time.monotonic()
    for person in (people[pid] for pid in waiting[:batch] if pid in people):
        if handled and time.monotonic() - started > REMINDER_BUDGET_SECONDS:
            break
        handled += 1
        if not await service.claim_reminder(
            session=session, person=person, occ_id=occ.id, offset=offset, now=now
        ):
            continue
        ctx = agenda_context(
            session=session,
            org=org,
            schedule=schedule,
            occ=occ,
            now=now,
            locale=locale_of(person, org),
        )
        message = views.reminder(ctx, schedule, await items_of(ctx, person))
        outbox.post_to_person(session, person, message, now=now)
        sent += 1
    return Batch(sent, more=len(waiting) > handled)


async def post_agenda(
    *, session: AsyncSession, org: OrgConfig, schedule: Schedule, occ: Occurrence, now: datetime
) -> None:
    ctx = agenda_context(session=session, org=org, schedule=schedule, occ=occ, now=now)
    message = await build_agenda(ctx)
    for platform, channel in _channels(org):
        outbox.post_to_channel(
            session, platform, channel, message, now=now, key=agenda_key(occ.id, platform)
        )


async def refresh_agenda(
    *, session: AsyncSession, org: OrgConfig, schedule: Schedule, occ: Occurrence, now: datetime
) -> None:
    """The agenda already posted for this occurrence is updated in place (a topic came in)."""
    channels = _channels(org)
    posted = await session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.key.in_([agenda_key(occ.id, p) for p, _ in channels]),
            OutboxMessage.kind == "post",
        )
    )
    if posted is None:
        return
    ctx = agenda_context(session=session, org=org, schedule=schedule, occ=occ, now=now)
    message = await build_agenda(ctx)
    for platform, _ in channels:
        await outbox.update(session, agenda_key(occ.id, platform), message, now=now)


def announce(*, session: AsyncSession, org: OrgConfig, message: Message, now: datetime) -> None:
    for platform, channel in _channels(org):
        outbox.post_to_channel(session, platform, channel, message, now=now)
