"""The organisation file changed: validate it, bring the database along, switch, in that
order; on any error the running organisation stays.

`serve` polls the file's mtime and size (no extra dependency) and reloads on SIGHUP;
`/desk reload` does the same on demand. A file that is still being written either fails
validation (kept, the next complete write applies) or is caught by waiting until its
stamp is the same on two polls in a row. Each replica reloads its own copy; nothing
depends on them switching at the same instant.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot import i18n
from bot.clock import Clock
from bot.messages import Message, Section
from bot.orgconfig import ConfigError, OrgConfig, load_config
from bot.outbox import service as outbox
from bot.people.leavers import hand_over
from bot.people.service import locale_of, sync_organisation
from storage.db import SessionMaker
from storage.models import OutboxMessage

log = logging.getLogger(__name__)
Stamp = tuple[int, int] | None
# The reloader of each database engine: how `/desk reload` finds the one of its server.
_BY_DATABASE: weakref.WeakKeyDictionary[AsyncEngine, OrgReloader] = weakref.WeakKeyDictionary()


@dataclass
class Changes:
    """What a new organisation changes, as the people who run it read it."""

    added: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    departments: int = 0

    @classmethod
    def between(cls, old: OrgConfig, new: OrgConfig) -> Changes:
        before = {p.handle: p for p in old.people if p.active}
        after = {p.handle: p for p in new.people if p.active}
        changed = [
            h
            for h in sorted(before.keys() & after.keys())
            if before[h] != after[h]
            or _dept(old, h) != _dept(new, h)
            or _leads(old, h) != _leads(new, h)
        ]
        return cls(
            added=sorted(after.keys() - before.keys()),
            left=sorted(before.keys() - after.keys()),
            changed=changed,
            departments=len(new.departments),
        )


def _dept(org: OrgConfig, handle: str) -> str | None:
    dept = org.department_of(handle)
    return dept.id if dept else None


def _leads(org: OrgConfig, handle: str) -> list[str]:
    return [d.id for d in org.departments if d.lead == handle]


def stamp_of(path: Path) -> Stamp:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


class OrgReloader:
    """Owns the switch: `use` is called with the new organisation after its transaction
    committed, and sets it on every holder at once (no await in between)."""

    def __init__(
        self,
        path: Path,
        *,
        sessions: SessionMaker,
        clock: Clock,
        current: Callable[[], OrgConfig],
        use: Callable[[OrgConfig], None],
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.path = path
        self._sessions = sessions
        self._clock = clock
        self._current = current
        self._use = use
        self._on_commit = on_commit
        self._seen = stamp_of(path)
        self._candidate: Stamp = self._seen
        _BY_DATABASE[sessions.kw["bind"]] = self

    async def poll(self) -> None:
        """One look at the file: reload when its stamp changed and then held still."""
        stamp = stamp_of(self.path)
        if stamp == self._seen:
            self._candidate = stamp
            return
        if stamp != self._candidate:
            self._candidate = stamp  # still moving: look again next time
            return
        self._seen = stamp
        await self.reload()

    async def watch(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.poll()
            except Exception:
                log.exception("%s: reload failed", self.path)

    async def reload(self) -> Changes | None:
        """Reload now (SIGHUP, a changed file). None: the file has problems, the running
        organisation stays, and the social media managers were told (once per problem)."""
        self._seen = stamp_of(self.path)
        try:
            async with self._sessions.begin() as session:
                try:
                    new, changes = await self.prepare(session)
                except ConfigError as exc:
                    await self._tell_managers(session, exc.problems)
                    return None
        except Exception:
            log.exception("%s: the organisation could not be applied; the old one stays", self.path)
            self._seen = None  # the watch tries again
            return None
        self.switch(new)
        log.info("%s: organisation reloaded (%s)", self.path, _log_line(changes))
        return changes

    async def prepare(self, session: AsyncSession) -> tuple[OrgConfig, Changes]:
        """Validate and write the new organisation into `session` (never commits): who left
        hands over in the same transaction. Raises ConfigError, its problems logged."""
        self._seen = stamp_of(self.path)
        try:
            new = load_config(self.path)
        except ConfigError as exc:
            for problem in exc.problems:
                log.error("%s: %s", self.path, problem.removeprefix(f"{self.path}: "))
            raise
        changes = Changes.between(self._current(), new)
        try:
            await self._write(session, new)
        except IntegrityError:
            # Another replica, or this one's file watch, wrote the same new people a moment
            # ago: now they are there to be read, and the second try updates them.
            await self._write(session, new)
        return new, changes

    async def _write(self, session: AsyncSession, new: OrgConfig) -> None:
        async with session.begin_nested():
            await sync_organisation(session, new)
            await hand_over(session, new, now=self._clock.now())

    def switch(self, new: OrgConfig) -> None:
        self._use(new)
        self._on_commit()

    async def _tell_managers(self, session: AsyncSession, problems: list[str]) -> None:
        digest = hashlib.sha256("\n".join(problems).encode()).hexdigest()[:16]
        key = f"org-broken:{digest}"
        told = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.key.like(f"{key}:%")).limit(1)
        )
        if told is not None:
            return  # told already (by this replica or another)
        org, now = self._current(), self._clock.now()
        for person in await outbox.managers(session, org):
            outbox.post_to_person(
                session,
                person,
                broken_message(locale_of(person, org), self.path, problems),
                now=now,
                key=f"{key}:{person.id}",
            )
        self._on_commit()


def reloader_for(session: AsyncSession) -> OrgReloader | None:
    bind = session.bind
    return _BY_DATABASE.get(bind) if isinstance(bind, AsyncEngine) else None


def broken_message(locale: str, path: Path, problems: list[str]) -> Message:
    return Message(
        text=i18n.t(locale, "org.broken", path=str(path)),
        sections=[Section(items=problems[:20])],
        context=i18n.t(locale, "org.broken_hint"),
        tone="attention",
    )


def changes_message(locale: str, changes: Changes) -> Message:
    def names(handles: list[str]) -> str:
        return ", ".join(handles[:20]) + (" …" if len(handles) > 20 else "")

    items = [
        i18n.t(locale, "org.added", n=len(changes.added), names=names(changes.added)),
        i18n.t(locale, "org.changed", n=len(changes.changed), names=names(changes.changed)),
        i18n.t(locale, "org.left", n=len(changes.left), names=names(changes.left)),
    ]
    return Message(text=i18n.t(locale, "org.reloaded"), sections=[Section(items=items)])


def _log_line(changes: Changes) -> str:
    return (
        f"{len(changes.added)} added, {len(changes.changed)} changed, "
        f"{len(changes.left)} left, {changes.departments} departments"
    )
