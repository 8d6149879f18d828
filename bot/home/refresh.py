"""Keeping Home tabs current: an outbox row of kind `home` per person, coalesced.

Whatever a transaction changes on someone's Home is noticed where it is written, whatever the
feature: a message to the person (their card, their status, a page, a hand-off), a decision
(for the request's approvers and the item's submitter), an item or request changing state (a
withdrawal, a time-out), a crisis opening or closing (everyone). At commit, one statement adds
a `home` row for each of those people who ever opened their Home, unless one is waiting
already: the dispatcher renders the Home as it is when it sends (bot/home/delivery.py), so a
waiting row covers every change made before it goes out. A row already leased may have been
rendered, so it does not count as waiting; nor, for someone who just acted, does a row in the
bulk lane, which may wait behind a fan-out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    String,
    cast,
    event,
    exists,
    insert,
    inspect,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from bot.outbox.service import BULK, INTERACTIVE
from storage.models import (
    ApprovalRequest,
    ContentItem,
    Crisis,
    Decision,
    MeetingTopic,
    OutboxMessage,
    PlatformIdentity,
    RequestApprover,
)

KIND = "home"
KEY_PREFIX = "home:"
# Ids per statement: far below SQLite's and asyncpg's limits on bound parameters.
CHUNK = 500
_WANTED = "home_refresh"  # Session.info key: what this transaction changed on Homes


def key(person_id: int) -> str:
    return f"{KEY_PREFIX}{person_id}"


@dataclass
class Wanted:
    people: set[int] = field(default_factory=set)
    requests: set[int] = field(default_factory=set)  # their approvers and submitters
    items: set[int] = field(default_factory=set)  # their submitters
    everyone: bool = False
    interactive: bool = False  # the transaction answers someone who just acted
    # The transaction's time, as its rows carry it (a test's clock may not be the wall's).
    now: datetime | None = None

    def saw(self, at: datetime | None) -> None:
        if at is not None and (self.now is None or at > self.now):
            self.now = at

    def __bool__(self) -> bool:
        return bool(self.people or self.requests or self.items or self.everyone)


async def enqueue(
    session: AsyncSession, person_ids: Iterable[int], *, now: datetime, lane: str
) -> None:
    """A refresh for these people (those who opened their Home), coalesced."""
    ids = set(person_ids)
    if ids:
        await session.execute(_refresh(PlatformIdentity.person_id.in_(ids), now, lane))


def notice(
    session: AsyncSession | Session,
    person_ids: Iterable[int],
    *,
    now: datetime,
    interactive: bool = False,
) -> None:
    """Note a change on these people's Homes, refreshed at commit. Changes made through ORM
    objects are noticed by themselves (below); this is for rows written with a plain INSERT."""
    wanted: Wanted = session.info.setdefault(_WANTED, Wanted())
    wanted.people.update(person_ids)
    wanted.interactive |= interactive
    wanted.saw(now)


def waiting(row_key: ColumnElement[str] | str) -> list[ColumnElement[bool]]:
    """A refresh under this key that no dispatcher has taken: not rendered yet, whatever it
    shows will be read when it is sent. A taken one may be rendering right now, even when
    its lease looks run out (a slow send, a clock moved on): a change after it needs a row
    of its own. (A row whose dispatcher died is sent again when its lease runs out.)"""
    return [
        OutboxMessage.key == row_key,
        OutboxMessage.kind == KIND,
        OutboxMessage.status == "pending",
        OutboxMessage.leased_until.is_(None),
    ]


def _refresh(who: ColumnElement[bool], now: datetime, lane: str) -> Insert:
    """INSERT … SELECT: a `home` row per person matched by `who` who opened their Home and
    has none waiting."""
    row_key = literal(KEY_PREFIX) + cast(PlatformIdentity.person_id, String)
    waiting_now = waiting(row_key)
    if lane == INTERACTIVE:
        waiting_now.append(OutboxMessage.lane == INTERACTIVE)
    when = OutboxMessage.__table__.c.created_at.type
    rows = select(
        literal(KIND),
        PlatformIdentity.person_id,
        PlatformIdentity.platform,
        row_key,
        literal({}, JSON),
        literal(lane),
        literal("pending"),
        literal(0),
        literal(now, when),
        literal(now, when),
    ).where(PlatformIdentity.home_opened_at.is_not(None), who, ~exists().where(*waiting_now))
    columns = [
        "kind",
        "person_id",
        "platform",
        "key",
        "payload",
        "lane",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
    ]
    return insert(OutboxMessage).from_select(columns, rows)


def _concerned(wanted: Wanted) -> list[ColumnElement[bool]]:
    """The people a transaction's changes concern, as conditions on their identity: one for
    all of them, or (a fan-out to thousands) one per chunk, within the drivers' limits on
    bound parameters."""
    sets = (wanted.people, wanted.requests, wanted.items)
    if sum(map(len, sets)) <= CHUNK:
        return [or_(*_conditions(*sets))]
    out = []
    for kind, ids in enumerate(sets):
        ordered = sorted(ids)
        for start in range(0, len(ordered), CHUNK):
            chunk = set(ordered[start : start + CHUNK])
            only = [chunk if n == kind else set() for n in range(len(sets))]
            out.append(or_(*_conditions(*only)))
    return out


def _conditions(people: set[int], requests: set[int], items: set[int]) -> list[ColumnElement[bool]]:
    person = PlatformIdentity.person_id
    out: list[ColumnElement[bool]] = []
    if people:
        out.append(person.in_(people))
    if requests:
        approvers = select(RequestApprover.person_id).where(
            RequestApprover.request_id.in_(requests)
        )
        submitters = (
            select(ContentItem.submitter_id)
            .join(ApprovalRequest, ApprovalRequest.item_id == ContentItem.id)
            .where(ApprovalRequest.id.in_(requests))
        )
        out += [person.in_(approvers), person.in_(submitters)]
    if items:
        out.append(person.in_(select(ContentItem.submitter_id).where(ContentItem.id.in_(items))))
    return out


# --- noticing changes: session events ----------------------------------------------------------


def _changed(obj: object, attribute: str) -> bool:
    return bool(inspect(obj).attrs[attribute].history.has_changes())


@event.listens_for(Session, "after_flush")
def _notice(session: Session, _context: Any) -> None:
    """Runs while the flushed objects still show what changed (new rows, old values)."""
    wanted: Wanted = session.info.setdefault(_WANTED, Wanted())
    for obj in session.new:
        if isinstance(obj, OutboxMessage):
            if obj.kind != KIND and obj.person_id is not None:
                wanted.people.add(obj.person_id)
            wanted.interactive |= obj.lane == INTERACTIVE
            wanted.saw(obj.created_at)
        elif isinstance(obj, Decision):
            wanted.requests.add(obj.request_id)
            wanted.saw(obj.decided_at)
        elif isinstance(obj, MeetingTopic):
            wanted.people.add(obj.person_id)
            wanted.saw(obj.created_at)
        elif isinstance(obj, Crisis):
            wanted.everyone = True
            wanted.saw(obj.declared_at)
    for obj in session.dirty:
        if isinstance(obj, ApprovalRequest) and _changed(obj, "status"):
            wanted.requests.add(obj.id)
            wanted.saw(obj.decided_at)
        elif isinstance(obj, ContentItem) and _changed(obj, "status"):
            wanted.items.add(obj.id)
            wanted.saw(obj.updated_at)
        elif isinstance(obj, Crisis) and _changed(obj, "status"):
            wanted.everyone = True
            wanted.saw(obj.resolved_at)


@event.listens_for(Session, "before_commit")
def _enqueue_at_commit(session: Session) -> None:
    """One statement per transaction that changed someone's Home (one per chunk of a large
    fan-out; one more when a crisis opened or closed: everyone's refresh, in the bulk lane)."""
    session.flush()  # what is still unflushed is noticed too
    wanted: Wanted | None = session.info.pop(_WANTED, None)
    if not wanted:
        return
    now = wanted.now or datetime.now(UTC)
    lane = INTERACTIVE if wanted.interactive else BULK
    if wanted.people or wanted.requests or wanted.items:
        for who in _concerned(wanted):
            session.execute(_refresh(who, now, lane))
    if wanted.everyone:
        session.execute(_refresh(true(), now, BULK))


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous: Any) -> None:
    if not session.in_transaction():
        session.info.pop(_WANTED, None)
