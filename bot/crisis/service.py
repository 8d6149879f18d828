"""The crisis protocol's state changes. Every function takes `*, session`, writes its messages
to the outbox in the same transaction, and never commits."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.approvals import notify as approval_notify
from bot.approvals import service as approvals
from bot.approvals import states
from bot.approvals import views as approval_views
from bot.crisis import views
from bot.crisis.holds import HELD
from bot.crisis.views import Facts, Reader
from bot.orgconfig import CrisisConfig, OrgConfig
from bot.outbox import service as outbox
from bot.people.service import locale_of, people_for, people_map, reader_for
from bot.publishing import holds as publishing_holds
from bot.timers import service as timers
from storage import blobs
from storage.models import (
    ApprovalRequest,
    ContentItem,
    Crisis,
    CrisisCheck,
    CrisisContent,
    CrisisEvent,
    CrisisMember,
    Decision,
    Person,
)

OPEN, RESOLVED = "open", "resolved"
FROZEN, STATEMENT = "frozen", "statement"
RESUMED, KEPT, RELEASED = "resumed", "kept", "released"
PAUSED = "paused"  # a content item's status while a crisis freezes it
# What became of a statement still in approval when its crisis was resolved.
WITHDRAWN, HANDED_OVER = "withdrawn", "handed_over"

REPAGE, UPDATE_DUE = "crisis.repage", "crisis.update_due"


class Refused(Exception):
    """Why a crisis operation cannot happen: a message key and its parameters."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


# --- who ---------------------------------------------------------------------------------


async def may_declare(session: AsyncSession, cfg: CrisisConfig, person: Person) -> bool:
    return person in await people_for(session, cfg.may_declare)


async def may_act(session: AsyncSession, cfg: CrisisConfig, person: Person) -> bool:
    """Team, declarers and managers may use the crisis commands."""
    return person in await people_for(session, [*cfg.may_declare, *cfg.team, *cfg.managers])


def report_file(r: Reader, f: Facts) -> str | None:
    """The report as a Markdown file in the blob store; its link, or None where chat users
    cannot reach this server (no SOCIALDESK_PUBLIC_URL)."""
    if not blobs.has_public_url():
        return None
    sha256 = blobs.store().put(views.report_markdown(r, f).encode())
    return blobs.public_link(sha256, r.t("crisis.report.filename", id=f.crisis.id))


# --- lookups -----------------------------------------------------------------------------


async def open_crises(session: AsyncSession) -> Sequence[Crisis]:
    return (
        await session.scalars(select(Crisis).where(Crisis.status == OPEN).order_by(Crisis.id))
    ).all()


async def find(session: AsyncSession, crisis_id: int | None, *, open_only: bool) -> Crisis | None:
    """The crisis by number, or the latest (open one, if `open_only`)."""
    query = select(Crisis)
    if crisis_id is not None:
        query = query.where(Crisis.id == crisis_id)
    if open_only:
        query = query.where(Crisis.status == OPEN)
    return await session.scalar(query.order_by(Crisis.id.desc()).limit(1))


async def members_of(session: AsyncSession, crisis: Crisis) -> list[CrisisMember]:
    return list(
        (
            await session.scalars(
                select(CrisisMember)
                .where(CrisisMember.crisis_id == crisis.id)
                .order_by(CrisisMember.id)
            )
        ).all()
    )


async def member(session: AsyncSession, crisis: Crisis, person: Person) -> CrisisMember | None:
    return await session.scalar(
        select(CrisisMember).where(
            CrisisMember.crisis_id == crisis.id, CrisisMember.person_id == person.id
        )
    )


async def facts(session: AsyncSession, org: OrgConfig, crisis: Crisis, now: datetime) -> Facts:
    """Everything the views show about a crisis, loaded once."""
    members = await members_of(session, crisis)
    checks = list(
        (
            await session.scalars(
                select(CrisisCheck)
                .where(CrisisCheck.crisis_id == crisis.id)
                .order_by(CrisisCheck.done_at)
            )
        ).all()
    )
    events = list(
        (
            await session.scalars(
                select(CrisisEvent)
                .where(CrisisEvent.crisis_id == crisis.id)
                .order_by(CrisisEvent.at, CrisisEvent.id)
            )
        ).all()
    )
    content = list(
        (
            await session.scalars(
                select(CrisisContent)
                .where(CrisisContent.crisis_id == crisis.id)
                .order_by(CrisisContent.id)
            )
        ).all()
    )
    items = {
        i.id: i
        for i in (
            await session.scalars(
                select(ContentItem).where(ContentItem.id.in_({c.item_id for c in content}))
            )
        ).all()
    }
    ids = [crisis.declared_by_id, *(m.person_id for m in members)]
    ids += [c.done_by_id for c in checks] + [e.actor_id for e in events if e.actor_id]
    ids += [c.decided_by_id for c in content if c.decided_by_id]
    if crisis.resolved_by_id:
        ids.append(crisis.resolved_by_id)
    return Facts(
        crisis=crisis,
        members=members,
        checks=checks,
        events=events,
        content=content,
        items=items,
        people=await people_map(session, ids),
        now=now,
        role_names={role: org.role_name(role) for m in members for role in m.roles or []},
    )


def reader(org: OrgConfig, person: Person | None = None) -> Reader:
    locale = locale_of(person, org) if person else org.organization.locale
    return Reader(locale=locale, tz=org.organization.tz)


# --- keys --------------------------------------------------------------------------------


def protocol_key(crisis: Crisis) -> str:
    return f"crisis:{crisis.id}:protocol"


def page_key(crisis: Crisis, person_id: int, n: int) -> str:
    return f"crisis:{crisis.id}:page:{person_id}:{n}"


def freeze_card_key(crisis: Crisis, person_id: int) -> str:
    return f"crisis:{crisis.id}:freeze:{person_id}"


def resume_card_key(crisis: Crisis, item_id: int, person_id: int) -> str:
    return f"crisis:{crisis.id}:resume:{item_id}:{person_id}"


def room_name(cfg: CrisisConfig, description: str, now: datetime, tz: object) -> str:
    """krise-2026-11-22-rueckruf: prefix, local date, an ASCII slug of the first words."""
    date = now.astimezone(tz).strftime("%Y-%m-%d")  # type: ignore[arg-type]
    return f"{cfg.channel_prefix}-{date}-{slug(description)}".strip("-")[:80].rstrip("-")


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def slug(text: str, max_length: int = 40) -> str:
    text = text.lower().translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w]
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > max_length:
            break
        out = candidate
    return out or (words[0][:max_length] if words else "lage")


# --- the timeline ------------------------------------------------------------------------


def event(
    session: AsyncSession,
    crisis: Crisis,
    kind: str,
    *,
    now: datetime,
    actor: Person | None = None,
    text: str | None = None,
    **details: object,
) -> None:
    session.add(
        CrisisEvent(
            crisis_id=crisis.id,
            at=now,
            kind=kind,
            actor_id=actor.id if actor else None,
            text=text,
            details=details,
        )
    )


# --- the room ----------------------------------------------------------------------------


async def post_to_room(
    session: AsyncSession,
    org: OrgConfig,
    crisis: Crisis,
    build: views.Builder,
    *,
    now: datetime,
    key: str | None = None,
) -> None:
    """Into the crisis room; without a room, to every team member by DM."""
    if crisis.room_platform == "slack":
        channel = outbox.ROOM_PREFIX + protocol_key(crisis)
        outbox.post_to_channel(session, "slack", channel, build(reader(org)), now=now, key=key)
    elif crisis.room_platform and crisis.room_name:
        outbox.post_to_channel(
            session, crisis.room_platform, crisis.room_name, build(reader(org)), now=now, key=key
        )
    else:
        people = await people_map(session, [m.person_id for m in await members_of(session, crisis)])
        for person in people.values():
            person_key = f"{key}:{person.id}" if key else None
            outbox.post_to_person(
                session, person, build(reader(org, person)), now=now, key=person_key
            )


async def refresh_protocol(
    session: AsyncSession, org: OrgConfig, crisis: Crisis, *, now: datetime
) -> None:
    """The protocol card, updated in place wherever it was posted."""
    await session.flush()
    f = await facts(session, org, crisis, now)
    if crisis.room_platform:
        await outbox.update(session, protocol_key(crisis), views.protocol(reader(org), f), now=now)
        return
    for m in f.members:
        person = f.people[m.person_id]
        card = views.protocol(reader(org, person), f)
        await outbox.update(session, f"{protocol_key(crisis)}:{person.id}", card, now=now)


# --- declare -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Declared:
    crisis: Crisis
    team: list[Person]
    frozen: int
    held: int
    # The room's platform when it is not switched on here: the protocol went by DM instead.
    room_off: str | None = None


async def declare(
    *,
    session: AsyncSession,
    org: OrgConfig,
    person: Person,
    description: str,
    now: datetime,
    parallel: bool = False,
    platforms: Collection[str] | None = None,
) -> Declared:
    """`platforms`: those this server delivers to (None: all). A room on another one would
    never be created, so the protocol goes to the team by direct message instead."""
    cfg = _cfg(org)
    if not await may_declare(session, cfg, person):
        audit.record(
            session,
            action="crisis.refused",
            subject="crisis",
            now=now,
            actor_id=person.id,
            description=description,
        )
        raise Refused("crisis.refused")
    running = await open_crises(session)
    if running and not parallel:
        raise Refused("crisis.already_open", id=running[-1].id, what=running[-1].description)
    team = await people_for(session, cfg.team)
    if person not in team:
        team.insert(0, person)
    crisis = Crisis(
        description=description,
        status=OPEN,
        declared_by_id=person.id,
        declared_at=now,
        parallel=parallel,
    )
    room_off = _place_room(cfg, crisis, platforms, description, now, org)
    session.add(crisis)
    await session.flush()
    for p in team:
        session.add(
            CrisisMember(
                crisis_id=crisis.id,
                person_id=p.id,
                roles=sorted(p.role_names),
                pages=0,
                acked_at=now if p.id == person.id else None,
            )
        )
    event(session, crisis, "declared", now=now, actor=person, text=description)
    audit.record(
        session,
        action="crisis.declared",
        subject=f"crisis:{crisis.id}",
        now=now,
        actor_id=person.id,
        parallel=parallel,
    )
    await session.flush()
    frozen = await _freeze(session=session, org=org, crisis=crisis, now=now)
    held = await _hold(session=session, org=org, crisis=crisis, now=now)
    for m in await members_of(session, crisis):
        if m.acked_at is None:
            await page(session=session, org=org, crisis=crisis, member=m, now=now)
    await _post_protocol(session, org, crisis, team, now=now)
    await _schedule_update_reminder(session, org, crisis, now=now)
    return Declared(crisis, team, frozen, held, room_off)


def _place_room(
    cfg: CrisisConfig,
    crisis: Crisis,
    platforms: Collection[str] | None,
    description: str,
    now: datetime,
    org: OrgConfig,
) -> str | None:
    """Set the crisis room where the configuration puts it and that platform is on; return
    the configured platform if it is off (the protocol then goes by DM, or into the Teams
    channel when one is configured and Teams is on)."""

    def on(platform: str) -> bool:
        return platforms is None or platform in platforms

    if cfg.room_platform == "slack" and on("slack"):
        crisis.room_platform = "slack"
        crisis.room_name = room_name(cfg, description, now, org.organization.tz)
        return None
    if cfg.teams_channel and on("teams"):
        crisis.room_platform, crisis.room_name = "teams", cfg.teams_channel
        return None
    return None if on(cfg.room_platform) else cfg.room_platform


async def report_suspicion(
    *, session: AsyncSession, org: OrgConfig, person: Person, note: str, now: datetime
) -> list[Person]:
    """Someone who may not declare suspects a crisis: everyone who may declare hears it with
    their note, and decides. Returns who was told."""
    cfg = _cfg(org)
    declarers = [p for p in await people_for(session, cfg.may_declare) if p.id != person.id]
    if not declarers:
        raise Refused("crisis.suspect.nobody")
    for declarer in declarers:
        message = views.suspicion(reader(org, declarer), person, note)
        outbox.post_to_person(session, declarer, message, now=now)
    audit.record(
        session,
        action="crisis.suspected",
        subject="crisis",
        now=now,
        actor_id=person.id,
        note=note,
        told=[p.handle for p in declarers],
    )
    return declarers


def _cfg(org: OrgConfig) -> CrisisConfig:
    if org.crisis is None:
        raise Refused("crisis.not_configured")
    return org.crisis


async def _post_protocol(
    session: AsyncSession, org: OrgConfig, crisis: Crisis, team: list[Person], *, now: datetime
) -> None:
    await session.flush()
    f = await facts(session, org, crisis, now)
    if crisis.room_platform == "slack" and crisis.room_name:
        outbox.create_room(
            session,
            "slack",
            crisis.room_name,
            [p.id for p in team],
            views.protocol(reader(org), f),
            now=now,
            key=protocol_key(crisis),
        )
    else:
        await post_to_room(
            session, org, crisis, lambda r: views.protocol(r, f), now=now, key=protocol_key(crisis)
        )


# --- paging ------------------------------------------------------------------------------


async def page(
    *, session: AsyncSession, org: OrgConfig, crisis: Crisis, member: CrisisMember, now: datetime
) -> None:
    """Page by DM, and again every `repage_every` until acknowledged or resolved."""
    cfg = _cfg(org)
    person = await session.get_one(Person, member.person_id)
    declarer = await session.get_one(Person, crisis.declared_by_id)
    member.pages += 1
    member.last_paged_at = now
    card = views.page(reader(org, person), crisis, declarer, member.pages)
    outbox.post_to_person(
        session, person, card, now=now, key=page_key(crisis, person.id, member.pages)
    )
    kind = "paged" if member.pages == 1 else "repaged"
    event(session, crisis, kind, now=now, actor=person, n=member.pages)
    await timers.schedule(
        session,
        kind=REPAGE,
        key=f"crisis:{crisis.id}:repage:{person.id}:{member.pages + 1}",
        due_at=now + cfg.repage_every,
        now=now,
        payload={"crisis_id": crisis.id, "person_id": person.id},
    )


async def repage_due(
    *, session: AsyncSession, org: OrgConfig, crisis_id: int, person_id: int, now: datetime
) -> None:
    crisis = await session.get(Crisis, crisis_id)
    if crisis is None or crisis.status != OPEN:
        return
    m = await session.scalar(
        select(CrisisMember).where(
            CrisisMember.crisis_id == crisis_id, CrisisMember.person_id == person_id
        )
    )
    if m is None or m.acked_at is not None:
        return
    await page(session=session, org=org, crisis=crisis, member=m, now=now)


async def acknowledge(
    *, session: AsyncSession, org: OrgConfig, crisis_id: int, person: Person, now: datetime
) -> tuple[Crisis, CrisisMember]:
    crisis = await session.get(Crisis, crisis_id)
    if crisis is None:
        raise Refused("crisis.unknown")
    m = await member(session, crisis, person)
    if m is None:
        raise Refused("crisis.not_on_team", id=crisis.id)
    if crisis.status != OPEN:
        raise Refused("crisis.is_resolved", id=crisis.id)
    if m.acked_at is not None:
        return crisis, m
    m.acked_at = now
    event(session, crisis, "ack", now=now, actor=person)
    await timers.cancel(session, key_prefix=f"crisis:{crisis.id}:repage:{person.id}:", now=now)
    r = reader(org, person)
    for n in range(1, m.pages + 1):
        declarer = await session.get_one(Person, crisis.declared_by_id)
        card = views.page_acknowledged(r, crisis, declarer, now)
        await outbox.update(session, page_key(crisis, person.id, n), card, now=now)
    await refresh_protocol(session, org, crisis, now=now)
    return crisis, m


# --- checklist, updates, statements --------------------------------------------------------


async def check(
    *,
    session: AsyncSession,
    org: OrgConfig,
    crisis_id: int | None,
    person: Person,
    item: str,
    now: datetime,
    value: str | None = None,
) -> tuple[Crisis, CrisisCheck]:
    """Tick `item` of crisis `crisis_id` (None: the open one)."""
    crisis = await _open_for(session, org, crisis_id, person)
    done = await session.scalar(
        select(CrisisCheck).where(CrisisCheck.crisis_id == crisis.id, CrisisCheck.item == item)
    )
    if done is not None:
        return crisis, done
    done = CrisisCheck(
        crisis_id=crisis.id, item=item, value=value, done_by_id=person.id, done_at=now
    )
    session.add(done)
    if item == views.SEVERITY and value:
        crisis.severity = int(value)
    event(session, crisis, "check", now=now, actor=person, item=item, value=value)
    await refresh_protocol(session, org, crisis, now=now)
    return crisis, done


async def _open_for(
    session: AsyncSession, org: OrgConfig, crisis_id: int | None, person: Person
) -> Crisis:
    cfg = _cfg(org)
    if not await may_act(session, cfg, person):
        raise Refused("crisis.not_allowed")
    crisis = await find(session, crisis_id, open_only=False)
    if crisis is None or (crisis_id is None and crisis.status != OPEN):
        raise Refused("crisis.none_open")
    if crisis.status != OPEN:
        raise Refused("crisis.is_resolved", id=crisis.id)
    return crisis


async def post_update(
    *, session: AsyncSession, org: OrgConfig, person: Person, text: str, now: datetime
) -> Crisis:
    crisis = await _open_for(session, org, None, person)
    event(session, crisis, "update", now=now, actor=person, text=text)
    await post_to_room(
        session, org, crisis, lambda r: views.update_posted(r, crisis, person, text), now=now
    )
    await _schedule_update_reminder(session, org, crisis, now=now)
    return crisis


async def _schedule_update_reminder(
    session: AsyncSession, org: OrgConfig, crisis: Crisis, *, now: datetime
) -> None:
    every = _cfg(org).update_every
    if not every:
        return
    await timers.cancel(session, key_prefix=f"crisis:{crisis.id}:update:", now=now)
    due = now + every
    await timers.schedule(
        session,
        kind=UPDATE_DUE,
        key=f"crisis:{crisis.id}:update:{due:%Y%m%dT%H%M%S%f}",
        due_at=due,
        now=now,
        payload={"crisis_id": crisis.id},
    )


async def update_due(
    *, session: AsyncSession, org: OrgConfig, crisis_id: int, now: datetime
) -> None:
    crisis = await session.get(Crisis, crisis_id)
    if crisis is None or crisis.status != OPEN:
        return
    last = await session.scalar(
        select(CrisisEvent.at)
        .where(CrisisEvent.crisis_id == crisis.id, CrisisEvent.kind.in_(("update", "declared")))
        .order_by(CrisisEvent.at.desc())
        .limit(1)
    )
    await post_to_room(
        session, org, crisis, lambda r: views.update_reminder(r, crisis, last or now), now=now
    )
    await _schedule_update_reminder(session, org, crisis, now=now)


async def submit_statement(
    *, session: AsyncSession, org: OrgConfig, person: Person, text: str, now: datetime
) -> tuple[Crisis, ContentItem, ApprovalRequest]:
    crisis = await _open_for(session, org, None, person)
    item, request, _ = await approvals.submit(
        session=session,
        org=org,
        submitter=person,
        text=text,
        now=now,
        path=_cfg(org).approval_path,
    )
    session.add(
        CrisisContent(
            crisis_id=crisis.id, item_id=item.id, kind=STATEMENT, state="submitted", created_at=now
        )
    )
    event(session, crisis, "statement", now=now, actor=person, text=text, item_id=item.id)
    approvers = await people_map(session, request.approver_ids)
    await post_to_room(
        session,
        org,
        crisis,
        lambda r: views.statement_submitted(r, item, person, list(approvers.values())),
        now=now,
    )
    return crisis, item, request


async def follow_statements(session: AsyncSession, org: OrgConfig, now: datetime) -> None:
    """Planner: a statement whose approval finished enters the timeline and the room."""
    rows = (
        await session.execute(
            select(CrisisContent, ContentItem, Crisis)
            .join(ContentItem, ContentItem.id == CrisisContent.item_id)
            .join(Crisis, Crisis.id == CrisisContent.crisis_id)
            .where(
                CrisisContent.kind == STATEMENT,
                CrisisContent.state == "submitted",
                ContentItem.status.in_(states.ITEM_FINAL),
            )
        )
    ).all()
    for link, item, crisis in rows:
        link.state, link.decided_at = item.status, item.decided_at or now
        decider = await _last_decider(session, item)
        link.decided_by_id = decider.id if decider else None
        at = item.decided_at or now
        kind = "statement_approved" if item.status == states.ITEM_APPROVED else "statement_rejected"
        event(session, crisis, kind, now=at, actor=decider, item_id=item.id, text=item.title)
        if item.status == states.ITEM_APPROVED and decider is not None:
            exists = await session.scalar(
                select(CrisisCheck.id).where(
                    CrisisCheck.crisis_id == crisis.id, CrisisCheck.item == views.APPROVED_CHECK
                )
            )
            if exists is None:
                session.add(
                    CrisisCheck(
                        crisis_id=crisis.id,
                        item=views.APPROVED_CHECK,
                        done_by_id=decider.id,
                        done_at=at,
                    )
                )
        await post_to_room(
            session,
            org,
            crisis,
            lambda r, i=item, d=decider: views.statement_decided(r, i, d),  # type: ignore[misc]
            now=now,
        )
        if crisis.status == OPEN:
            await refresh_protocol(session, org, crisis, now=now)


async def _last_decider(session: AsyncSession, item: ContentItem) -> Person | None:
    decision = await session.scalar(
        select(Decision)
        .join(ApprovalRequest, ApprovalRequest.id == Decision.request_id)
        .where(ApprovalRequest.item_id == item.id)
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
        .limit(1)
    )
    return await session.get(Person, decision.person_id) if decision else None


# --- freeze and hold -----------------------------------------------------------------------


async def _freeze(*, session: AsyncSession, org: OrgConfig, crisis: Crisis, now: datetime) -> int:
    """Approved, scheduled content pauses; its submitter and approvers hear why."""
    items = (
        await session.scalars(
            select(ContentItem)
            .where(
                ContentItem.status == states.ITEM_APPROVED,
                (ContentItem.publish_at > now)
                | ContentItem.id.in_(publishing_holds.planned_item_ids()),
            )
            .order_by(ContentItem.publish_at, ContentItem.id)
        )
    ).all()
    await _pause(session=session, org=org, crisis=crisis, items=items, now=now)
    return len(items)


async def hold_back(
    *, session: AsyncSession, org: OrgConfig, item: ContentItem, now: datetime
) -> bool:
    """A posting falls due while a crisis is open: its item pauses as those did when the
    crisis began (it was planned during the crisis, or approved without a date then), and
    the managers decide on it at resolve. True if so; the crisis's own statements go out.
    The room hears of it too: the team saw the count at declaration, not this one."""
    if org.crisis is None or item.approval_path == org.crisis.approval_path:
        return False
    crises = await open_crises(session)
    if not crises or item.status != states.ITEM_APPROVED:
        return False
    crisis = crises[-1]
    await _pause(session=session, org=org, crisis=crisis, items=[item], now=now)
    await post_to_room(session, org, crisis, lambda r: views.item_frozen(r, crisis, item), now=now)
    return True


async def _pause(
    *,
    session: AsyncSession,
    org: OrgConfig,
    crisis: Crisis,
    items: Sequence[ContentItem],
    now: datetime,
) -> None:
    for item in items:
        item.status, item.updated_at = PAUSED, now
        await publishing_holds.freeze(session, item.id, now=now)
        session.add(
            CrisisContent(
                crisis_id=crisis.id, item_id=item.id, kind=FROZEN, state=FROZEN, created_at=now
            )
        )
        audit.record(
            session,
            action="content.paused",
            subject=f"content:{item.id}",
            now=now,
            crisis=crisis.id,
        )
        for person in await _concerned(session, item, approved_only=True):
            msg = views.item_frozen(reader(org, person), crisis, item)
            outbox.post_to_person(session, person, msg, now=now)
    if items:
        event(session, crisis, "frozen", now=now, n=len(items), items=[i.id for i in items])


async def _hold(*, session: AsyncSession, org: OrgConfig, crisis: Crisis, now: datetime) -> int:
    """Approvals in flight wait: their decisions are held until the crisis is resolved."""
    items = (
        await session.scalars(
            select(ContentItem)
            .where(
                ContentItem.status == states.ITEM_IN_REVIEW,
                ContentItem.approval_path != _cfg(org).approval_path,
            )
            .order_by(ContentItem.id)
        )
    ).all()
    for item in items:
        session.add(
            CrisisContent(
                crisis_id=crisis.id, item_id=item.id, kind=HELD, state=HELD, created_at=now
            )
        )
        pending = await _pending_requests(session, item)
        approver_ids = {pid for r in pending for pid in r.approver_ids}
        people = await people_map(session, [item.submitter_id, *approver_ids])
        for person in people.values():
            outbox.post_to_person(
                session, person, views.item_held(reader(org, person), crisis, item), now=now
            )
        for request in pending:
            await _show_held(session, org, crisis, item, request, now=now)
    if items:
        event(session, crisis, "held", now=now, n=len(items), items=[i.id for i in items])
    return len(items)


async def _pending_requests(session: AsyncSession, item: ContentItem) -> list[ApprovalRequest]:
    return list(
        (
            await session.scalars(
                select(ApprovalRequest)
                .where(ApprovalRequest.item_id == item.id, ApprovalRequest.status == states.PENDING)
                .order_by(ApprovalRequest.id)
            )
        ).all()
    )


async def _show_held(
    session: AsyncSession,
    org: OrgConfig,
    crisis: Crisis,
    item: ContentItem,
    request: ApprovalRequest,
    *,
    now: datetime,
) -> None:
    """Every approval card of a held request, in place: marked held, its buttons gone (a click
    could only be refused). `approval_notify.refresh_cards` brings the buttons back."""
    facts = await approval_notify.facts_for(session, org, item, request)
    for pid in approval_notify.watchers(request):
        person = facts.people[pid]
        card = approval_views.request_card(reader_for(person, org), facts, pid)
        held = views.held_card(reader(org, person), crisis, card)
        await outbox.update(session, approval_notify.card_key(request, pid), held, now=now)


async def _release(
    session: AsyncSession, org: OrgConfig, crisis: Crisis, link: CrisisContent, *, now: datetime
) -> None:
    """A held approval is free again: its cards get their buttons back, and whoever still has
    to decide (and the submitter) hears so."""
    link.state, link.decided_at = RELEASED, now
    item = await session.get_one(ContentItem, link.item_id)
    waiting: list[int] = []
    for request in await _pending_requests(session, item):
        await approval_notify.refresh_cards(session, org, item, request, now)
        decided = {d.person_id for d in request.decisions}
        waiting += [pid for pid in request.approver_ids if pid not in decided]
    people = await people_map(session, [*waiting, item.submitter_id])
    for pid, person in people.items():
        key = "crisis.released.approver" if pid in waiting else "crisis.released.submitter"
        message = views.item_released(reader(org, person), crisis, item, key)
        outbox.post_to_person(session, person, message, now=now)


async def _concerned(
    session: AsyncSession, item: ContentItem, *, approved_only: bool
) -> list[Person]:
    """The submitter and everyone who approved the item."""
    query = (
        select(Decision.person_id)
        .join(ApprovalRequest, ApprovalRequest.id == Decision.request_id)
        .where(ApprovalRequest.item_id == item.id)
    )
    if approved_only:
        query = query.where(Decision.outcome == states.APPROVED)
    ids = [item.submitter_id, *(await session.scalars(query)).all()]
    people = await people_map(session, ids)
    return [people[i] for i in dict.fromkeys(ids) if i in people]


# --- resolve and resume --------------------------------------------------------------------


async def resolve(
    *, session: AsyncSession, org: OrgConfig, person: Person, summary: str, now: datetime
) -> Crisis:
    cfg = _cfg(org)
    crisis = await _open_for(session, org, None, person)
    crisis.status, crisis.resolved_at = RESOLVED, now
    crisis.resolved_by_id, crisis.summary = person.id, summary
    await timers.cancel(session, key_prefix=f"crisis:{crisis.id}:", now=now)
    held = (
        await session.scalars(
            select(CrisisContent).where(
                CrisisContent.crisis_id == crisis.id,
                CrisisContent.kind == HELD,
                CrisisContent.state == HELD,
            )
        )
    ).all()
    for link in held:
        await _release(session, org, crisis, link, now=now)
    if held:
        event(session, crisis, "released", now=now, n=len(held))
    event(session, crisis, "resolved", now=now, actor=person, text=summary)
    audit.record(
        session,
        action="crisis.resolved",
        subject=f"crisis:{crisis.id}",
        now=now,
        actor_id=person.id,
    )
    await session.flush()
    await refresh_protocol(session, org, crisis, now=now)
    f = await facts(session, org, crisis, now)
    await post_to_room(session, org, crisis, lambda r: views.report_message(r, f), now=now)
    managers = await people_for(session, cfg.managers)
    in_room = {m.person_id for m in f.members} if crisis.room_platform is None else set()
    frozen = [c for c in f.content if c.kind == FROZEN and c.state == FROZEN]
    for manager in managers:
        r = reader(org, manager)
        if manager.id not in in_room:
            outbox.post_to_person(session, manager, views.report_message(r, f), now=now)
        if frozen:
            outbox.post_to_person(
                session,
                manager,
                views.freeze_decision(r, f),
                now=now,
                key=freeze_card_key(crisis, manager.id),
            )
    return crisis


async def open_statements(session: AsyncSession, crisis: Crisis) -> list[ContentItem]:
    """Statements of the crisis still in approval: they outlive it unless someone decides."""
    return list(
        (
            await session.scalars(
                select(ContentItem)
                .join(CrisisContent, CrisisContent.item_id == ContentItem.id)
                .where(
                    CrisisContent.crisis_id == crisis.id,
                    CrisisContent.kind == STATEMENT,
                    CrisisContent.state == "submitted",
                    ContentItem.status.in_(states.WITHDRAWABLE),
                )
                .order_by(ContentItem.id)
            )
        ).all()
    )


async def settle_statement(
    *,
    session: AsyncSession,
    org: OrgConfig,
    crisis_id: int,
    item_id: int,
    person: Person,
    withdraw: bool,
    now: datetime,
) -> tuple[Crisis, ContentItem]:
    """After resolve, an open statement is withdrawn (its approval closes, every card says so)
    or handed over: its approval goes on as any other, outside the crisis."""
    cfg = _cfg(org)
    if not await may_act(session, cfg, person):
        raise Refused("crisis.not_allowed")
    crisis = await session.get(Crisis, crisis_id)
    if crisis is None:
        raise Refused("crisis.unknown")
    if crisis.status == OPEN:
        raise Refused("crisis.still_open_statement", id=crisis.id)
    link = await session.scalar(
        select(CrisisContent).where(
            CrisisContent.crisis_id == crisis.id,
            CrisisContent.item_id == item_id,
            CrisisContent.kind == STATEMENT,
        )
    )
    item = await session.get(ContentItem, item_id)
    if link is None or item is None or link.state != "submitted":
        raise Refused("crisis.statement.settled", id=item_id)
    if withdraw:
        submitter = await session.get_one(Person, item.submitter_id)
        result = await approvals.withdraw(
            session=session, org=org, item_id=item.id, person=submitter, now=now
        )
        if result.status != "withdrawn":
            raise Refused("crisis.statement.settled", id=item_id)
    state = WITHDRAWN if withdraw else HANDED_OVER
    link.state, link.decided_at, link.decided_by_id = state, now, person.id
    event(session, crisis, f"statement_{state}", now=now, actor=person, item_id=item.id)
    audit.record(
        session,
        action=f"crisis.statement_{state}",
        subject=f"content:{item.id}",
        now=now,
        actor_id=person.id,
        crisis=crisis.id,
    )
    return crisis, item


async def _manager_crisis(
    session: AsyncSession, org: OrgConfig, crisis_id: int, person: Person
) -> Crisis:
    cfg = _cfg(org)
    crisis = await session.get(Crisis, crisis_id)
    if crisis is None:
        raise Refused("crisis.unknown")
    if person not in await people_for(session, cfg.managers):
        raise Refused("crisis.not_manager")
    if crisis.status == OPEN:
        raise Refused("crisis.still_open", id=crisis.id)
    return crisis


async def frozen_links(
    session: AsyncSession, crisis: Crisis, states_: tuple[str, ...] = (FROZEN,)
) -> list[tuple[CrisisContent, ContentItem]]:
    rows = await session.execute(
        select(CrisisContent, ContentItem)
        .join(ContentItem, ContentItem.id == CrisisContent.item_id)
        .where(
            CrisisContent.crisis_id == crisis.id,
            CrisisContent.kind == FROZEN,
            CrisisContent.state.in_(states_),
        )
        .order_by(ContentItem.publish_at, ContentItem.id)
    )
    return [(link, item) for link, item in rows.all()]


async def resume(
    *,
    session: AsyncSession,
    org: OrgConfig,
    crisis_id: int,
    person: Person,
    now: datetime,
    item_id: int | None = None,
) -> tuple[Crisis, list[ContentItem]]:
    """Resume one frozen (or kept) item, or with `item_id=None` every one still frozen."""
    crisis = await _manager_crisis(session, org, crisis_id, person)
    wanted = (FROZEN,) if item_id is None else (FROZEN, KEPT)
    resumed: list[ContentItem] = []
    for link, item in await frozen_links(session, crisis, wanted):
        if item_id is not None and item.id != item_id:
            continue
        link.state, link.decided_at, link.decided_by_id = RESUMED, now, person.id
        if item.status == PAUSED:
            item.status, item.updated_at = states.ITEM_APPROVED, now
            await publishing_holds.resume(session, item.id, now=now)
        audit.record(
            session,
            action="content.resumed",
            subject=f"content:{item.id}",
            now=now,
            actor_id=person.id,
            crisis=crisis.id,
        )
        for concerned in await _concerned(session, item, approved_only=True):
            msg = views.item_resumed(reader(org, concerned), crisis, item)
            outbox.post_to_person(session, concerned, msg, now=now)
        resumed.append(item)
    if resumed:
        event(
            session,
            crisis,
            "resumed",
            now=now,
            actor=person,
            n=len(resumed),
            items=[i.id for i in resumed],
        )
        if item_id is not None:
            r = reader(org, person)
            await outbox.update(
                session,
                resume_card_key(crisis, item_id, person.id),
                views.resume_item_done(r, resumed[0], person, now),
                now=now,
            )
    await refresh_freeze_cards(session, org, crisis, now=now)
    return crisis, resumed


async def keep_frozen(
    *, session: AsyncSession, org: OrgConfig, crisis_id: int, person: Person, now: datetime
) -> tuple[Crisis, int]:
    crisis = await _manager_crisis(session, org, crisis_id, person)
    links = await frozen_links(session, crisis)
    for link, _item in links:
        link.state, link.decided_at, link.decided_by_id = KEPT, now, person.id
    if links:
        event(session, crisis, "kept", now=now, actor=person, n=len(links))
    await refresh_freeze_cards(session, org, crisis, now=now)
    return crisis, len(links)


async def refresh_freeze_cards(
    session: AsyncSession, org: OrgConfig, crisis: Crisis, *, now: datetime
) -> None:
    await session.flush()
    f = await facts(session, org, crisis, now)
    for manager in await people_for(session, _cfg(org).managers):
        card = views.freeze_decision(reader(org, manager), f)
        await outbox.update(session, freeze_card_key(crisis, manager.id), card, now=now)
