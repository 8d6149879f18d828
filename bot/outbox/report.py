"""Nothing undeliverable is silent: the social media managers hear of it, once per batch.

A summary names, per recipient, how many messages did not go out and why; `/desk outbox`
shows them and offers to send them again. Summaries are themselves outbox rows; one that
cannot be delivered is not summarised again (it shows in `/desk outbox`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Reader
from bot.messages import Message, Section
from bot.orgconfig import OrgConfig
from bot.outbox.service import GIVEN_UP, SUMMARY_PREFIX, managers, post_to_person
from bot.people.service import reader_for
from storage.models import OutboxMessage, Person

log = logging.getLogger(__name__)
BATCH = 500
RECIPIENTS_SHOWN = 20


async def report_failures(session: AsyncSession, org: OrgConfig, *, now: datetime) -> int:
    """One summary to each manager for the rows given up since the last one; returns how
    many rows it covered (0: nothing new)."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status.in_(GIVEN_UP),
            OutboxMessage.reported_at.is_(None),
            or_(OutboxMessage.key.is_(None), ~OutboxMessage.key.startswith(SUMMARY_PREFIX)),
        )
        .order_by(OutboxMessage.id)
        .limit(BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.scalars(query)).all())
    if not rows:
        return 0
    for row in rows:
        row.reported_at = now
    people = await _people(session, rows)
    told = await managers(session, org)
    if not told:
        log.warning("%d messages could not be delivered and nobody manages them", len(rows))
    for manager in told:
        message = summary(reader_for(manager, org), rows, people)
        post_to_person(
            session, manager, message, now=now, key=f"{SUMMARY_PREFIX}{rows[0].id}:{manager.id}"
        )
    return len(rows)


def summary(reader: Reader, rows: list[OutboxMessage], people: dict[int, Person]) -> Message:
    groups: dict[str, list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        groups[recipient(reader, row, people)].append(row)
    sections = [
        Section(text=_line(reader, name, group))
        for name, group in list(groups.items())[:RECIPIENTS_SHOWN]
    ]
    rest = len(groups) - RECIPIENTS_SHOWN
    if rest > 0:
        sections.append(Section(text=reader.t("outbox.summary.more", n=rest)))
    plural = "one" if len(rows) == 1 else "other"
    return Message(
        text=reader.t(f"outbox.summary.title.{plural}", n=len(rows)),
        sections=sections,
        context=reader.t("outbox.summary.hint"),
    )


def _line(reader: Reader, name: str, group: list[OutboxMessage]) -> str:
    plural = "one" if len(group) == 1 else "other"
    return reader.t(
        f"outbox.summary.line.{plural}",
        n=len(group),
        recipient=name,
        reason=reason(reader, group[-1]),
    )


def reason(reader: Reader, row: OutboxMessage) -> str:
    """Why a row is stuck, in words, with the platform's own error where there is one."""
    error = (row.last_error or "").strip()[:200] or "–"
    if row.status == "expired":
        return reader.t("outbox.reason.expired", error=error)
    if row.status == "unreachable":
        return reader.t("outbox.reason.unreachable", error=error)
    if row.status == "failed":
        return reader.t("outbox.reason.failed", error=error)
    return reader.t("outbox.reason.pending", attempts=row.attempts, error=error)


def recipient(reader: Reader, row: OutboxMessage, people: dict[int, Person]) -> str:
    person = people.get(row.person_id or 0)
    if person is not None:
        return person.name
    if row.channel:
        return reader.t("outbox.recipient.channel", channel=row.channel, platform=row.platform)
    if row.kind == "update":
        return reader.t("outbox.recipient.update", card=row.key or "")
    return reader.t("outbox.recipient.unknown")


async def _people(session: AsyncSession, rows: list[OutboxMessage]) -> dict[int, Person]:
    ids = {r.person_id for r in rows if r.person_id is not None}
    if not ids:
        return {}
    return {p.id: p for p in await session.scalars(select(Person).where(Person.id.in_(ids)))}
