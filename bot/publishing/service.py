"""Postings from approval to live: create, plan, hand off at the time, mark the outcome.

Service functions take `*, session`, write outbox rows in the caller's transaction and never
commit. A change to a posting is a compare-and-set on its `revision`: of two people acting on
the same posting at once, one wins and the other is refused with who was first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any, NoReturn

import holidays as holiday_lib
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.approvals import states as item_states
from bot.orgconfig import ChannelConfig, OrgConfig
from bot.outbox import service as outbox
from bot.people.service import person_by_handle, reader_for
from bot.publishing import states, views
from bot.publishing.holds import schedule_handoff
from bot.publishing.who import channels_of, may_handle
from bot.timers import service as timers
from storage.models import ApprovalRequest, ContentItem, Decision, Person, Posting

REMIND_AFTER = timedelta(minutes=30)
PAUSED = "paused"  # the item's status while a crisis freezes it (bot/crisis)


class Refused(Exception):
    """Why a publishing operation cannot happen: a message key and its parameters."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Notice:
    """A warning for the planner (a catalog key and its parameters): planning goes ahead."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Planned:
    posting: Posting
    item: ContentItem
    channel: ChannelConfig
    warnings: list[Notice]


# --- who and what --------------------------------------------------------------------------


def channel_for(org: OrgConfig, ref: str) -> ChannelConfig | None:
    """A channel by id or by name, as people type it (`linkedin`, `LinkedIn`)."""
    folded = ref.strip().casefold()
    return next((c for c in org.channels if folded in (c.id.casefold(), c.name.casefold())), None)


async def ensure_postings(
    session: AsyncSession, item: ContentItem, *, now: datetime
) -> list[Posting]:
    """A posting for every channel the item targets; those still in review become approved
    when the item is."""
    existing = {
        p.channel: p
        for p in await session.scalars(select(Posting).where(Posting.item_id == item.id))
    }
    approved = item.status == item_states.ITEM_APPROVED
    for channel in dict.fromkeys(item.channels):
        posting = existing.get(channel)
        if posting is None:
            posting = Posting(
                item_id=item.id,
                channel=channel,
                status=states.APPROVED if approved else states.IN_REVIEW,
                wished_at=item.publish_at,
                revision=0,
                created_at=now,
                updated_at=now,
            )
            session.add(posting)
            existing[channel] = posting
        elif approved and posting.status in (states.DRAFT, states.IN_REVIEW):
            posting.status, posting.updated_at = states.APPROVED, now
    await session.flush()
    return [existing[c] for c in dict.fromkeys(item.channels)]


async def item_approved(
    *, session: AsyncSession, org: OrgConfig, item: ContentItem, now: datetime
) -> None:
    """The approval hook: the item's postings become approved and each channel owner (other
    than the submitter, who is told by the approval) hears there is something to plan."""
    await ensure_postings(session, item, now=now)
    by_owner: dict[str, list[ChannelConfig]] = {}
    for channel in channels_of(org, item):
        by_owner.setdefault(channel.owner, []).append(channel)
    for handle, channels in by_owner.items():
        owner = await person_by_handle(session, handle)
        if owner is None or owner.id == item.submitter_id:
            continue
        message = views.ready_to_plan(reader_for(owner, org), item, channels)
        outbox.post_to_person(session, owner, message, now=now)


async def posting_for(
    session: AsyncSession, org: OrgConfig, *, item_id: int, channel_ref: str, now: datetime
) -> tuple[ContentItem, ChannelConfig, Posting]:
    """The posting of an item on a channel it targets, or why there is none."""
    item = await session.get(ContentItem, item_id)
    if item is None or item.status == item_states.ITEM_DRAFT:
        raise Refused("publishing.unknown_item", id=item_id)
    channel = channel_for(org, channel_ref)
    if channel is None or channel.id not in item.channels:
        names = {c.id: c.name for c in org.channels}
        targets = ", ".join(names.get(c, c) for c in item.channels) or "–"
        raise Refused(
            "publishing.plan.not_targeted", id=item.id, channel=channel_ref, channels=targets
        )
    postings = await ensure_postings(session, item, now=now)
    posting = next(p for p in postings if p.channel == channel.id)
    return item, channel, posting


def check_may_plan(
    item: ContentItem, channel: ChannelConfig, posting: Posting, person: Person, owner: str
) -> None:
    """Refuse, saying which: not theirs to plan, frozen, done already, or not approved."""
    if not may_handle(person, channel):
        raise Refused("publishing.not_allowed", channel=channel.name, owner=owner)
    if item.status == PAUSED or posting.status == states.FROZEN:
        raise Refused("publishing.plan.frozen", id=item.id, channel=channel.name)
    if posting.status in states.DONE or item.status == states.ITEM_PUBLISHED:
        raise Refused("publishing.plan.done", id=item.id, channel=channel.name)
    if item.status != item_states.ITEM_APPROVED or posting.status not in states.PLANNABLE:
        raise Refused("publishing.plan.not_approved", id=item.id)


async def owner_name(session: AsyncSession, channel: ChannelConfig) -> str:
    owner = await person_by_handle(session, channel.owner)
    return owner.name if owner else channel.owner


# --- planning --------------------------------------------------------------------------------


async def plan(
    *,
    session: AsyncSession,
    org: OrgConfig,
    person: Person,
    item_id: int,
    channel_ref: str,
    at: datetime,
    now: datetime,
    expected_revision: int | None = None,
) -> Planned:
    """Plan (or move) a posting. `expected_revision` is the revision a form was opened on: if
    someone changed the posting since, nothing changes and the refusal names them."""
    item, channel, posting = await posting_for(
        session, org, item_id=item_id, channel_ref=channel_ref, now=now
    )
    if expected_revision is not None and posting.revision != expected_revision:
        await conflict(session, posting)
    check_may_plan(item, channel, posting, person, await owner_name(session, channel))
    if at <= now:
        raise Refused("publishing.plan.past")
    was_due, old_revision = posting.status == states.DUE, posting.revision
    await _claim(
        session,
        posting,
        person,
        now,
        status=states.PLANNED,
        planned_at=at,
        handed_off_at=None,
    )
    await schedule_handoff(session, posting, now=now)
    audit.record(
        session,
        action="posting.planned",
        subject=f"content:{item.id}",
        now=now,
        actor_id=person.id,
        channel=channel.id,
        at=at.isoformat(),
    )
    if was_due:
        await _close_card(session, org, item, channel, posting, old_revision, now)
    warnings = await warnings_for(session, org, channel, posting, at)
    return Planned(posting, item, channel, warnings)


async def _claim(
    session: AsyncSession, posting: Posting, person: Person, now: datetime, **values: Any
) -> None:
    """Change the posting if nobody did since we read it; else refuse with who was first."""
    result = await session.execute(
        update(Posting)
        .where(Posting.id == posting.id, Posting.revision == posting.revision)
        .values(revision=posting.revision + 1, changed_by_id=person.id, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(posting)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await conflict(session, posting)


async def conflict(session: AsyncSession, posting: Posting) -> NoReturn:
    """Refuse: someone changed the posting first; the refusal names them."""
    first = await session.get(Person, posting.changed_by_id) if posting.changed_by_id else None
    raise Refused("publishing.conflict", name=first.name if first else "?", state=posting.status)


async def warnings_for(
    session: AsyncSession, org: OrgConfig, channel: ChannelConfig, posting: Posting, at: datetime
) -> list[Notice]:
    """What the planner should know, never a reason to refuse."""
    tz = org.organization.tz
    local = at.astimezone(tz)
    out: list[Notice] = []
    if channel.min_gap:
        near = (
            await session.execute(
                select(Posting, ContentItem)
                .join(ContentItem, ContentItem.id == Posting.item_id)
                .where(
                    Posting.channel == channel.id,
                    Posting.id != posting.id,
                    Posting.status.in_(states.ON_THE_PLAN),
                    Posting.planned_at > at - channel.min_gap,
                    Posting.planned_at < at + channel.min_gap,
                )
                .order_by(Posting.planned_at)
                .limit(1)
            )
        ).first()
        if near is not None:
            other, other_item = near
            out.append(
                Notice(
                    "publishing.warn.gap",
                    {
                        "channel": channel.name,
                        "id": other_item.id,
                        "title": other_item.title,
                        "at": other.planned_at,
                        "gap": channel.min_gap,
                    },
                )
            )
    holiday = holiday_on(org, local.date())
    if holiday:
        out.append(Notice("publishing.warn.holiday", {"day": local.date(), "name": holiday}))
    if channel.posting_hours and not within_hours(channel.posting_hours, local.time()):
        out.append(
            Notice(
                "publishing.warn.hours",
                {
                    "time": local.strftime("%H:%M"),
                    "channel": channel.name,
                    "hours": channel.posting_hours.replace("-", "–"),
                },
            )
        )
    return out


@cache
def _holidays(code: str, year: int) -> dict[date, str]:
    country, _, subdiv = code.partition("-")
    return dict(holiday_lib.country_holidays(country, subdiv=subdiv or None, years=year))


def holiday_on(org: OrgConfig, day: date) -> str | None:
    code = org.organization.holidays
    return _holidays(code, day.year).get(day) if code else None


def within_hours(hours: str, at: time) -> bool:
    start, _, end = hours.partition("-")
    begin = time.fromisoformat(start)
    finish = time(23, 59, 59) if end == "24:00" else time.fromisoformat(end)
    return begin <= at <= finish


# --- the hand-off ------------------------------------------------------------------------------


async def hand_off(
    *, session: AsyncSession, org: OrgConfig, posting_id: int, revision: int, now: datetime
) -> None:
    """At the planned time the channel owner gets the final text to post; a timer for a plan
    that changed since (moved, frozen) does nothing."""
    found = await _timer_target(session, org, posting_id, revision, states.PLANNED)
    if found is None:
        return
    posting, item, channel, owner = found
    claimed = await session.execute(
        update(Posting)
        .where(
            Posting.id == posting.id,
            Posting.revision == revision,
            Posting.status == states.PLANNED,
        )
        .values(status=states.DUE, handed_off_at=now, updated_at=now, revision=revision + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return  # moved or frozen a moment ago: that change has its own timer
    await session.refresh(posting)
    facts = await handoff_facts(session, item, channel, posting)
    message = views.handoff(reader_for(owner, org), facts)
    outbox.post_to_person(
        session, owner, message, now=now, key=states.card_key(posting.id, posting.revision)
    )
    await timers.schedule(
        session,
        kind=states.REMIND,
        key=f"{states.timer_prefix(posting.id)}remind:{posting.revision}",
        due_at=now + REMIND_AFTER,
        now=now,
        payload={"posting_id": posting.id, "revision": posting.revision},
    )


async def remind(
    *, session: AsyncSession, org: OrgConfig, posting_id: int, revision: int, now: datetime
) -> None:
    """Still not marked 30 minutes after the hand-off: one reminder to the channel owner."""
    found = await _timer_target(session, org, posting_id, revision, states.DUE)
    if found is None:
        return
    posting, item, channel, owner = found
    outbox.post_to_person(
        session, owner, views.reminder(reader_for(owner, org), item, channel, posting), now=now
    )


async def handoff_facts(
    session: AsyncSession, item: ContentItem, channel: ChannelConfig, posting: Posting
) -> views.HandoffFacts:
    approvers = (
        await session.scalars(
            select(Person.name)
            .join(Decision, Decision.person_id == Person.id)
            .join(ApprovalRequest, ApprovalRequest.id == Decision.request_id)
            .where(ApprovalRequest.item_id == item.id, Decision.outcome == item_states.APPROVED)
            .order_by(Decision.decided_at)
        )
    ).all()
    return views.HandoffFacts(item, channel, posting, list(dict.fromkeys(approvers)))


# --- the outcome ---------------------------------------------------------------------------------


async def mark(
    *,
    session: AsyncSession,
    org: OrgConfig,
    person: Person,
    posting_id: int,
    revision: int,
    posted: bool,
    now: datetime,
    url: str | None = None,
    reason: str | None = None,
) -> tuple[ContentItem, ChannelConfig, Posting]:
    """Gepostet (with the post's URL, optional) or Nicht posten (with why); the submitter
    hears it, and the item is published once every posting is done."""
    posting = await session.get(Posting, posting_id)
    if posting is None:
        raise Refused("publishing.unknown_posting")
    item = await session.get_one(ContentItem, posting.item_id)
    channel = next((c for c in org.channels if c.id == posting.channel), None)
    if channel is None:
        raise Refused("publishing.unknown_posting")
    if posting.revision != revision:
        await conflict(session, posting)
    if not may_handle(person, channel):
        raise Refused(
            "publishing.not_allowed", channel=channel.name, owner=await owner_name(session, channel)
        )
    if posting.status not in (states.DUE, states.PLANNED):
        raise Refused("publishing.mark.not_due", id=item.id, channel=channel.name)
    status = states.POSTED if posted else states.NOT_POSTED
    await _claim(session, posting, person, now, status=status, done_at=now, url=url, reason=reason)
    await timers.cancel(session, key_prefix=states.timer_prefix(posting.id), now=now)
    audit.record(
        session,
        action=f"posting.{status}",
        subject=f"content:{item.id}",
        now=now,
        actor_id=person.id,
        channel=channel.id,
        url=url,
    )
    await _close_card(session, org, item, channel, posting, revision, now)
    submitter = await session.get_one(Person, item.submitter_id)
    told = views.live(reader_for(submitter, org), item, channel, posting)
    outbox.post_to_person(session, submitter, told, now=now)
    await _finish_item(session, item, now)
    return item, channel, posting


async def _close_card(
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    channel: ChannelConfig,
    posting: Posting,
    card_revision: int,
    now: datetime,
) -> None:
    """The hand-off message shows what became of it, without its buttons."""
    owner = await person_by_handle(session, channel.owner)
    if owner is None:
        return
    facts = await handoff_facts(session, item, channel, posting)
    closed = views.handoff_closed(reader_for(owner, org), facts)
    await outbox.update(session, states.card_key(posting.id, card_revision), closed, now=now)


async def _finish_item(session: AsyncSession, item: ContentItem, now: datetime) -> None:
    postings = (await session.scalars(select(Posting).where(Posting.item_id == item.id))).all()
    if all(p.status in states.DONE for p in postings) and any(
        p.status == states.POSTED for p in postings
    ):
        item.status, item.updated_at = states.ITEM_PUBLISHED, now
        audit.record(session, action="content.published", subject=f"content:{item.id}", now=now)


# --- the read side -------------------------------------------------------------------------------

PLANNABLE_LISTED = 10


async def to_plan(
    session: AsyncSession, org: OrgConfig, person: Person
) -> list[tuple[Posting, ContentItem]]:
    """Approved postings nobody planned yet, on the channels this person may plan, oldest
    wish first (`/plan` without arguments, `/desk plan`)."""
    channels = [c.id for c in org.channels if may_handle(person, c)]
    if not channels:
        return []
    rows = await session.execute(
        select(Posting, ContentItem)
        .join(ContentItem, ContentItem.id == Posting.item_id)
        .where(
            Posting.status == states.APPROVED,
            Posting.channel.in_(channels),
            ContentItem.status == item_states.ITEM_APPROVED,
        )
        .order_by(Posting.wished_at, Posting.id)
        .limit(PLANNABLE_LISTED)
    )
    return [(p, i) for p, i in rows.all()]


async def overdue(session: AsyncSession, *, now: datetime) -> list[tuple[Posting, ContentItem]]:
    """Handed off and not marked within the reminder time: shown to social media managers."""
    rows = await session.execute(
        select(Posting, ContentItem)
        .join(ContentItem, ContentItem.id == Posting.item_id)
        .where(Posting.status == states.DUE, Posting.handed_off_at <= now - REMIND_AFTER)
        .order_by(Posting.planned_at, Posting.id)
    )
    return [(p, i) for p, i in rows.all()]


async def planned_item(session: AsyncSession, posting_id: int, revision: int) -> ContentItem | None:
    """The item whose posting a hand-off timer was set for; None when the plan changed since."""
    found = await _timer_posting(session, posting_id, revision, states.PLANNED)
    return found[1] if found else None


async def _timer_posting(
    session: AsyncSession, posting_id: int, revision: int, status: str
) -> tuple[Posting, ContentItem] | None:
    """The posting a timer was set for and its item; None when the plan changed since (moved,
    frozen, marked)."""
    posting = await session.get(Posting, posting_id)
    if posting is None or posting.status != status or posting.revision != revision:
        return None
    return posting, await session.get_one(ContentItem, posting.item_id)


async def _timer_target(
    session: AsyncSession, org: OrgConfig, posting_id: int, revision: int, status: str
) -> tuple[Posting, ContentItem, ChannelConfig, Person] | None:
    """The posting a hand-off or reminder timer was set for, its item, channel and owner; None
    when the plan changed since or nobody owns the channel."""
    found = await _timer_posting(session, posting_id, revision, status)
    if found is None:
        return None
    posting, item = found
    channel = next((c for c in org.channels if c.id == posting.channel), None)
    owner = await person_by_handle(session, channel.owner) if channel else None
    if channel is None or owner is None:
        return None
    return posting, item, channel, owner
