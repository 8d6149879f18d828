"""Delivers the outbox: leases due rows, sends them, records the platform's reference.

Several replicas may run a dispatcher: rows are leased (and on PostgreSQL claimed with
SKIP LOCKED), so each message goes out once. A 429 pauses the whole platform for its
Retry-After; a 5xx or network error backs off exponentially; nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from bot.clock import Clock
from bot.messages import Message
from bot.outbox.service import ROOM_PREFIX, load
from bot.people.service import learn_identity
from bot.platform import ChatPlatform, Recipient, RetryLater, Undeliverable
from storage.db import SessionMaker
from storage.models import OutboxMessage, Person, PlatformIdentity

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)


class Unreachable(Exception):
    """No platform knows this person yet; the row waits until they first talk to the bot."""


class Dispatcher:
    def __init__(
        self,
        sessionmaker: SessionMaker,
        platforms: Mapping[str, ChatPlatform],
        clock: Clock,
        *,
        retry_base: float = 2.0,
        max_attempts: int = 8,
        poll_interval: float = 1.0,
        batch_size: int = 50,
    ) -> None:
        self._sessions = sessionmaker
        self._platforms = platforms
        self._clock = clock
        self._retry_base = retry_base
        self._max_attempts = max_attempts
        self._poll_interval = poll_interval
        self._batch_size = batch_size
        self._wake = asyncio.Event()
        self._stopping = False
        self._attempting: str | None = None
        self._paused_until: dict[str, datetime] = {}
        self._postgres = False

    def notify(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """Finish the message in hand, then stop (a cancel could cut a delivery in half)."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        self._postgres = self._sessions.kw["bind"].dialect.name == "postgresql"
        self._stopping = False
        while not self._stopping:
            try:
                delivered = await self.deliver_due()
            except Exception:
                log.exception("outbox delivery round failed")
                delivered = 0
            if delivered:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_interval)
            self._wake.clear()

    async def deliver_due(self) -> int:
        """One round: lease what is due, deliver it, record the outcome. Returns rows handled."""
        rows = await self._lease()
        for row in rows:
            await self._deliver(row)
        return len(rows)

    async def _lease(self) -> list[OutboxMessage]:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            query = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.next_attempt_at <= now,
                    or_(OutboxMessage.leased_until.is_(None), OutboxMessage.leased_until < now),
                )
                .order_by(OutboxMessage.id)
                .limit(self._batch_size)
            )
            if self._postgres:
                query = query.with_for_update(skip_locked=True)
            rows = list((await session.scalars(query)).all())
            for row in rows:
                row.leased_until = now + LEASE
        return rows

    async def _deliver(self, row: OutboxMessage) -> None:
        self._attempting = None
        try:
            platform_name, ref = await self._send(row)
        except RetryLater as exc:
            await self._retry(row, str(exc), exc.retry_after, self._attempting)
        except _NotYet as exc:
            await self._finish(row, next_attempt_in=exc.wait, attempts=row.attempts)
        except Unreachable as exc:
            await self._finish(row, status="unreachable", error=str(exc))
        except Undeliverable as exc:
            log.warning("outbox %s undeliverable: %s", row.id, exc)
            await self._finish(row, status="failed", error=str(exc))
        except Exception as exc:
            log.exception("outbox %s failed", row.id)
            await self._retry(row, f"{type(exc).__name__}: {exc}", None)
        else:
            await self._finish(row, status="sent", platform=platform_name, ref=ref)

    async def _send(self, row: OutboxMessage) -> tuple[str, dict[str, Any]]:
        message = load(row.payload)
        if row.kind == "update":
            original = await self._original(row)
            platform = self._platform(original.platform)
            return platform.name, await platform.update(original.platform_ref or {}, message)
        if row.kind == "reply":
            platform = self._platform(row.platform)
            return platform.name, await platform.reply(row.reply_context or {}, message)
        if row.kind == "room":
            return await self._create_room(row, message)
        if row.channel is not None:
            platform = self._platform(row.platform)
            channel = await self._channel(row.channel)
            return platform.name, await platform.post_to_channel(channel, message)
        if row.person_id is None:
            raise Undeliverable("post without person or channel")
        platform, recipient = await self._recipient(row.person_id)
        return platform.name, await platform.post_to_person(recipient, message)

    def _platform(self, name: str | None) -> ChatPlatform:
        """The platform to deliver on, remembered so a 429 pauses that one and no other."""
        platform = self._platforms.get(name or "")
        if platform is None:
            raise _NotYet(30.0) if name else Undeliverable("no platform named")
        paused = self._paused_until.get(platform.name)
        if paused and paused > self._clock.now():
            raise _NotYet((paused - self._clock.now()).total_seconds())
        self._attempting = platform.name
        return platform

    async def _original(self, row: OutboxMessage) -> OutboxMessage:
        async with self._sessions() as session:
            original = await session.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.key == row.key, OutboxMessage.kind.in_(("post", "room")))
                .order_by(OutboxMessage.id.desc())
            )
        if original is None or original.status == "failed":
            raise Undeliverable(f"nothing was posted under key {row.key!r}")
        if original.status != "sent":
            raise _NotYet(1.0)
        return original

    async def _create_room(
        self, row: OutboxMessage, message: Message
    ) -> tuple[str, dict[str, Any]]:
        """A `room` row: create the room with its members (once, even when the first post
        into it must be retried), then post the message there."""
        platform = self._platform(row.platform)
        spec = row.reply_context or {}
        room = (row.platform_ref or {}).get("room")
        if room is None:
            members = [await self._user_on(platform, pid) for pid in spec.get("person_ids", [])]
            room = await platform.create_room(
                row.channel or "room",
                [m for m in members if m is not None],
                private=bool(spec.get("private", True)),
            )
            if room is None:
                raise Undeliverable(f"{platform.name} cannot create rooms")
            async with self._sessions.begin() as session:
                fresh = await session.get(OutboxMessage, row.id)
                if fresh is not None:
                    fresh.platform_ref = {"room": room}
            row.platform_ref = {"room": room}
        ref = await platform.post_to_channel(room, message)
        return platform.name, {**ref, "room": room}

    async def _user_on(self, platform: ChatPlatform, person_id: int) -> str | None:
        """This person's user id on this platform, asking it by e-mail if we do not know it."""
        async with self._sessions() as session:
            person = await session.get(Person, person_id)
            if person is None:
                return None
            for identity in person.identities:
                if identity.platform == platform.name:
                    return identity.user_id
            found = await platform.find_user_by_email(person.email)
            if found is None:
                return None
            await learn_identity(
                session, person, platform.name, found.user_id, found.conversation_ref
            )
            await session.commit()
            return found.user_id

    async def _channel(self, channel: str) -> str:
        """`@room:KEY` names the room created by the `room` row under KEY, once it exists."""
        if not channel.startswith(ROOM_PREFIX):
            return channel
        async with self._sessions() as session:
            room_row = await session.scalar(
                select(OutboxMessage).where(
                    OutboxMessage.key == channel.removeprefix(ROOM_PREFIX),
                    OutboxMessage.kind == "room",
                )
            )
        if room_row is None or room_row.status == "failed":
            raise Undeliverable(f"no room was created for {channel}")
        if room_row.status != "sent" or not (room_row.platform_ref or {}).get("room"):
            raise _NotYet(1.0)
        return str((room_row.platform_ref or {})["room"])

    async def _recipient(self, person_id: int) -> tuple[ChatPlatform, Recipient]:
        """Preferred platform first, then the one last used; ask platforms by e-mail if none."""
        async with self._sessions() as session:
            person = await session.get(Person, person_id)
            if person is None:
                raise Undeliverable(f"person {person_id} does not exist")
            identities = [i for i in person.identities if i.platform in self._platforms]
            # Where the person talked to us (or we hold their chat) beats an id that only the
            # organisation file names: that one waits until the platforms were asked by e-mail.
            reachable = [i for i in identities if i.platform == person.preferred_platform] or [
                i for i in identities if i.last_seen_at is not None or i.conversation_ref
            ]
            if reachable:
                chosen = _choose(reachable, person.preferred_platform)
                return self._platform(chosen.platform), Recipient(
                    chosen.user_id, chosen.conversation_ref
                )
            for platform in self._platforms.values():
                if any(i.platform == platform.name for i in identities):
                    continue
                found = await platform.find_user_by_email(person.email)
                if found is not None:
                    await learn_identity(
                        session, person, platform.name, found.user_id, found.conversation_ref
                    )
                    await session.commit()
                    return self._platform(platform.name), found
            if identities:
                order = list(self._platforms)
                chosen = min(identities, key=lambda i: order.index(i.platform))
                return self._platform(chosen.platform), Recipient(
                    chosen.user_id, chosen.conversation_ref
                )
        raise Unreachable(f"no platform knows {person.email} yet")

    async def _retry(
        self,
        row: OutboxMessage,
        error: str,
        retry_after: float | None,
        platform: str | None = None,
    ) -> None:
        attempts = row.attempts + 1
        if retry_after is not None and (platform or row.platform):
            self._pause(platform or row.platform or "", retry_after)
        if attempts >= self._max_attempts:
            log.error("outbox %s gave up after %d attempts: %s", row.id, attempts, error)
            await self._finish(row, status="failed", error=error, attempts=attempts)
            return
        wait = retry_after if retry_after is not None else self._retry_base * 2 ** (attempts - 1)
        await self._finish(row, next_attempt_in=wait, error=error, attempts=attempts)

    def _pause(self, platform: str, seconds: float) -> None:
        self._paused_until[platform] = self._clock.now() + timedelta(seconds=seconds)

    async def _finish(
        self,
        row: OutboxMessage,
        *,
        status: str = "pending",
        error: str | None = None,
        attempts: int | None = None,
        next_attempt_in: float | None = None,
        platform: str | None = None,
        ref: dict[str, Any] | None = None,
    ) -> None:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            fresh = await session.get(OutboxMessage, row.id)
            if fresh is None:
                return
            fresh.status, fresh.leased_until = status, None
            fresh.attempts = attempts if attempts is not None else fresh.attempts + 1
            if error is not None:
                fresh.last_error = error[:2000]
            if next_attempt_in is not None:
                fresh.next_attempt_at = now + timedelta(seconds=next_attempt_in)
            if status == "sent":
                fresh.sent_at, fresh.platform_ref = now, ref
                fresh.platform_message_id = _message_id(ref)
                fresh.platform = platform or fresh.platform
                if fresh.kind == "post" and fresh.person_id and (ref or {}).get("conversation_ref"):
                    # The chat a platform opened to reach the person: next time, write there.
                    await session.execute(
                        update(PlatformIdentity)
                        .where(
                            PlatformIdentity.person_id == fresh.person_id,
                            PlatformIdentity.platform == fresh.platform,
                        )
                        .values(conversation_ref=(ref or {})["conversation_ref"])
                    )


class _NotYet(Exception):
    """Not an error: the row waits (platform paused, the message to update not sent yet)."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"waiting {wait:.1f}s")
        self.wait = wait


def _choose(identities: list[PlatformIdentity], preferred: str | None) -> PlatformIdentity:
    for identity in identities:
        if identity.platform == preferred:
            return identity
    epoch = datetime.min.replace(tzinfo=None)
    return max(
        identities,
        key=lambda i: i.last_seen_at.replace(tzinfo=None) if i.last_seen_at else epoch,
    )


def _message_id(ref: dict[str, Any] | None) -> str | None:
    value = (ref or {}).get("ts") or (ref or {}).get("activity_id")
    return str(value) if value else None
