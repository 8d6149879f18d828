"""People and how to reach them: synced from the organisation file, learned from platforms."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.util import identity_key

from bot.events import Actor
from bot.i18n import Reader
from bot.orgconfig import OrgConfig
from storage.db import one_of
from storage.models import (
    Department,
    DepartmentMember,
    OutboxMessage,
    Person,
    PersonRole,
    PlatformIdentity,
)

# A Person's roles and identities in the query that reads the person: one statement where
# the models' selectin loading takes three (a decision reads people three times).
WITH_DETAILS = (joinedload(Person.roles), joinedload(Person.identities))


async def sync_organisation(session: AsyncSession, org: OrgConfig) -> None:
    """Make the database match the organisation file; people who left become inactive."""
    existing = {p.handle: p for p in (await session.scalars(select(Person))).all()}
    for cfg in org.people:
        person = existing.get(cfg.handle) or Person(handle=cfg.handle)
        person.name, person.email, person.active = cfg.name, cfg.email.lower(), cfg.active
        person.locale, person.preferred_platform = cfg.locale, cfg.preferred_platform
        if person.id is None:
            session.add(person)
            person.roles, person.identities = [], []
        person.roles = [PersonRole(role=r) for r in sorted(set(cfg.roles))]
        await session.flush()
        for platform, user_id in (("slack", cfg.slack_id), ("teams", cfg.teams_id)):
            if user_id:
                await _ensure_identity(session, person, platform, user_id)
    for handle, person in existing.items():
        if org.person(handle) is None:
            person.active = False
    await session.flush()
    await _sync_departments(session, org)


async def _sync_departments(session: AsyncSession, org: OrgConfig) -> None:
    ids = await handle_ids(session)
    await session.execute(delete(DepartmentMember))
    known = {d.id: d for d in (await session.scalars(select(Department))).all()}
    for cfg in org.departments:
        dept = known.get(cfg.id) or Department(id=cfg.id)
        dept.name, dept.lead_id, dept.approval_path = cfg.name, ids[cfg.lead], cfg.approval_path
        session.add(dept)
        await session.flush()
        for member in cfg.members:
            session.add(DepartmentMember(department_id=cfg.id, person_id=ids[member]))
    await session.flush()


async def handle_ids(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Person.handle, Person.id))
    return {handle: pid for handle, pid in rows.all()}


async def _ensure_identity(
    session: AsyncSession, person: Person, platform: str, user_id: str
) -> PlatformIdentity:
    """Find or create; a concurrent first contact (two replicas, a double send) may have
    created it a moment ago, so a unique-key clash means: read theirs."""
    identity = await identity_for(session, platform, user_id)
    if identity is None:
        try:
            async with session.begin_nested():
                identity = PlatformIdentity(person_id=person.id, platform=platform, user_id=user_id)
                session.add(identity)
        except IntegrityError:
            identity = await identity_for(session, platform, user_id)
            if identity is None:
                raise
    identity.person_id = person.id
    await session.flush()
    return identity


async def identity_for(
    session: AsyncSession, platform: str, user_id: str
) -> PlatformIdentity | None:
    return await session.scalar(
        select(PlatformIdentity).where(
            PlatformIdentity.platform == platform, PlatformIdentity.user_id == user_id
        )
    )


async def person_by_email(session: AsyncSession, email: str) -> Person | None:
    return await session.scalar(
        select(Person).where(func.lower(Person.email) == email.lower(), Person.active)
    )


async def person_by_handle(session: AsyncSession, handle: str) -> Person | None:
    return await session.scalar(select(Person).where(Person.handle == handle, Person.active))


async def person_for_reference(
    session: AsyncSession, ref: str, *, platform: str, mentions: dict[str, str]
) -> Person | None:
    """Who `@anna`, `anna`, `Anna Schmidt` or a platform mention (`@<user id>`, see
    `Command.mentions`) names; None if nobody, or more than one person, fits."""
    ref = ref.strip()
    user_id = ref.removeprefix("@")
    if user_id in mentions:
        identity = await identity_for(session, platform, user_id)
        if identity is not None:
            person = await session.get(Person, identity.person_id)
            return person if person is not None and person.active else None
        ref = mentions[user_id]  # not seen on this platform yet: the shown name may fit
    handle = ref.removeprefix("@").strip()
    if not handle:
        return None
    found = await person_by_handle(session, handle.lower())
    if found is not None:
        return found
    matches = (
        await session.scalars(
            select(Person).where(Person.active, func.lower(Person.name) == handle.lower())
        )
    ).all()
    return matches[0] if len(matches) == 1 else None


async def people_by_id(session: AsyncSession, ids: Iterable[int]) -> list[Person]:
    """One unit of work asks for the same people again and again (the actor, the submitter,
    the approvers): those the session holds already cost no query (a Person's roles and
    identities are three statements)."""
    wanted = set(ids)
    held = [p for pid in wanted if (p := _held(session, pid)) is not None]
    missing = wanted - {p.id for p in held}
    if missing:
        found = await session.scalars(
            select(Person).options(*WITH_DETAILS).where(one_of(session, Person.id, missing))
        )
        rows = found.unique().all()
        keep(session, rows)
        held += rows
    return sorted(held, key=lambda p: p.id)


def keep(session: AsyncSession, people: Iterable[Person]) -> None:
    """The session's identity map holds objects only while something else does: the people
    a unit of work read stay with it until it ends, so asking again costs no query."""
    kept: list[Person] = session.info.setdefault("socialdesk.people", [])
    kept.extend(people)


def _held(session: AsyncSession, person_id: int) -> Person | None:
    held = session.identity_map.get(identity_key(Person, person_id))
    return held if isinstance(held, Person) and not inspect(held).expired_attributes else None


async def people_map(session: AsyncSession, ids: Iterable[int]) -> dict[int, Person]:
    return {p.id: p for p in await people_by_id(session, ids)}


async def people_for(session: AsyncSession, refs: Iterable[str]) -> list[Person]:
    """The active people a list of handles and `role:NAME`s names, in order, each once."""
    ids = await people_ids_for(session, refs)
    people = await people_map(session, ids)
    return [people[pid] for pid in ids]


async def people_ids_for(session: AsyncSession, refs: Iterable[str]) -> list[int]:
    """`people_for` as ids, without loading anyone: the handles in one query, however long
    the list (a meeting's contributors, a crisis team), and one per role."""
    refs = list(refs)
    handles = {ref for ref in refs if not ref.startswith("role:")}
    rows = await session.execute(
        select(Person.handle, Person.id).where(Person.handle.in_(handles), Person.active)
    )
    by_handle: dict[str, int] = dict(rows.all())
    found: dict[int, None] = {}
    for ref in refs:
        if ref.startswith("role:"):
            ids: Sequence[int] = (
                await session.scalars(
                    select(Person.id)
                    .join(PersonRole)
                    .where(PersonRole.role == ref.removeprefix("role:"), Person.active)
                    .order_by(Person.id)
                )
            ).all()
        else:
            ids = [by_handle[ref]] if ref in by_handle else []
        found.update(dict.fromkeys(ids))
    return list(found)


async def people_with_role(session: AsyncSession, role: str) -> Sequence[Person]:
    return (
        await session.scalars(
            select(Person)
            .join(PersonRole)
            .where(PersonRole.role == role, Person.active)
            .order_by(Person.id)
        )
    ).all()


# `last_seen_at` answers "is this person still around" (/desk people, leavers): a minute's
# precision spares a write on every click of someone who is busy deciding.
SEEN_PRECISION = timedelta(minutes=1)


async def identify(session: AsyncSession, actor: Actor, *, now: datetime) -> Person | None:
    """The organisation's person behind a platform user, learning the identity on first contact."""
    person = await _person_behind(session, actor.platform, actor.user_id)
    if person is not None:
        identity = next(
            i
            for i in person.identities
            if (i.platform, i.user_id) == (actor.platform, actor.user_id)
        )
    else:
        person = await person_by_email(session, actor.email) if actor.email else None
        if person is None:
            return None
        identity = await _ensure_identity(session, person, actor.platform, actor.user_id)
        await requeue_unreachable(session, person.id, now=now)
    if identity.last_seen_at is None or now - identity.last_seen_at >= SEEN_PRECISION:
        identity.last_seen_at = now
    if actor.conversation_ref and actor.conversation_ref != identity.conversation_ref:
        identity.conversation_ref = actor.conversation_ref
    return person if person.active else None


async def _person_behind(session: AsyncSession, platform: str, user_id: str) -> Person | None:
    """The person with this identity, with their identities and roles, in one query."""
    found = await session.scalars(
        select(Person)
        .options(*WITH_DETAILS)
        .join(PlatformIdentity)
        .where(PlatformIdentity.platform == platform, PlatformIdentity.user_id == user_id)
    )
    return found.unique().one_or_none()


async def learn_identity(
    session: AsyncSession,
    person: Person,
    platform: str,
    user_id: str,
    conversation_ref: dict[str, Any] | None = None,
) -> PlatformIdentity:
    identity = await _ensure_identity(session, person, platform, user_id)
    if conversation_ref:
        identity.conversation_ref = conversation_ref
    return identity


async def requeue_unreachable(session: AsyncSession, person_id: int, *, now: datetime) -> None:
    """Messages that waited for a way to reach this person go out now that we have one."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.person_id == person_id, OutboxMessage.status == "unreachable")
        .values(status="pending", next_attempt_at=now, attempts=0)
    )


def reader_for(person: Person, org: OrgConfig) -> Reader:
    return Reader(locale=locale_of(person, org), tz=org.organization.tz)


def locale_of(person: Person | None, org: OrgConfig) -> str:
    return (person.locale if person else None) or org.organization.locale
