"""Delivers the outbox: leases due rows, sends them, records the platform's reference.

Several replicas may run a dispatcher: rows are leased (and on PostgreSQL claimed with
SKIP LOCKED), so each message goes out once. Rows are leased in small batches, people who
just acted (the interactive lane) first, and sent concurrently per platform, paced by a
rate limiter that learns from 429s per method and channel. Messages to one recipient keep
their order (a chain per recipient). Outcomes are recorded right after each send, batched
across the sends that finish together, so a database blip re-sends as little as possible;
leases are short and renewed while a send is in flight.

Retryable failures back off (capped, with jitter) until the message is older than its time
to live; then it expires. Nothing is dropped silently: the social media managers get one
summary per batch of failures (see bot/outbox/report.py) and `/desk outbox` lists them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.messages import Message
from bot.metrics import DELIVERIES, RATE_LIMITED, RETRY_AFTER_SECONDS
from bot.orgconfig import OrgConfig
from bot.outbox.at_send import PREPARERS, Send
from bot.outbox.ratelimit import NotYet, Paced, RateLimiter
from bot.outbox.report import report_failures
from bot.outbox.service import BULK, INTERACTIVE, KINDS, ROOM_PREFIX, load
from bot.people.service import WITH_DETAILS, learn_identity
from bot.platform import ChatPlatform, Recipient, RetryLater, Undeliverable
from bot.settings import Settings
from storage.db import SessionMaker, one_of
from storage.models import OutboxMessage, Person, PlatformIdentity

log = logging.getLogger(__name__)
# The managers' summary waits until no failure came for this long (one summary per wave) …
REPORT_QUIET = 30.0
# … but no longer than this after the first failure of the wave.
REPORT_AT_LATEST = 300.0


@dataclass(frozen=True)
class DeliveryOptions:
    """How the dispatcher paces and retries (SOCIALDESK_OUTBOX_* settings)."""

    retry_base: float = 2.0
    retry_cap: float = 300.0
    ttl: float = 86400.0
    unconfigured_grace: float = 300.0
    concurrency: int = 16
    rate: float = 50.0
    batch_size: int = 32
    lease: float = 30.0
    poll_interval: float = 1.0
    send_timeout: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryOptions:
        return cls(
            retry_base=settings.outbox_retry_base_seconds,
            retry_cap=settings.outbox_retry_cap_seconds,
            ttl=settings.outbox_ttl_seconds,
            unconfigured_grace=settings.outbox_unconfigured_grace_seconds,
            concurrency=settings.outbox_concurrency,
            rate=settings.outbox_rate_per_second,
            batch_size=settings.outbox_batch_size,
            lease=settings.outbox_lease_seconds,
            send_timeout=settings.outbox_send_timeout_seconds,
        )


class Unreachable(Exception):
    """No platform knows this person yet (or the row's platform is not configured); the row
    waits until they first talk to the bot, or a manager sends it again."""


@dataclass
class Outcome:
    """What one attempt did to its row, recorded in the next batch write."""

    row: OutboxMessage
    status: str
    attempts: int
    error: str | None = None
    next_attempt_at: datetime | None = None
    platform: str | None = None
    ref: dict[str, Any] | None = None

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "id": self.row.id,
            "status": self.status,
            "attempts": self.attempts,
            "leased_until": None,
            "last_error": (self.error or self.row.last_error or "")[:2000] or None,
            "next_attempt_at": self.next_attempt_at or self.row.next_attempt_at,
        }
        if self.status == "sent":
            values["platform"] = self.platform or self.row.platform
            values["platform_ref"] = self.ref
            values["platform_message_id"] = _message_id(self.ref)
        return values


@dataclass
class Batch:
    """What a leased batch needs from the database, loaded once for all its rows."""

    people: dict[int, Person] = field(default_factory=dict)
    originals: dict[str, OutboxMessage] = field(default_factory=dict)  # by key: post or room


class Dispatcher:
    def __init__(
        self,
        sessionmaker: SessionMaker,
        platforms: Mapping[str, ChatPlatform],
        clock: Clock,
        *,
        options: DeliveryOptions | None = None,
        org: OrgConfig | None = None,
    ) -> None:
        self._sessions = sessionmaker
        self._platforms = platforms
        self._clock = clock
        self._options = options or DeliveryOptions()
        self._org = org
        self.limiter = RateLimiter(clock, rate=self._options.rate)
        self._wake = asyncio.Event()
        self._slot = asyncio.Event()
        self._more = False  # the last lease may have left due rows behind
        self._stopping = False
        self._postgres = sessionmaker.kw["bind"].dialect.name == "postgresql"
        self._semaphores: dict[str, _Slots] = {}
        self._inflight: dict[int, asyncio.Task[None]] = {}  # row id -> its attempt
        self._held: set[int] = set()  # leased by this process, outcome not recorded yet
        self._leasing = asyncio.Lock()
        self._tails: dict[str, asyncio.Task[None]] = {}  # recipient chain -> its last attempt
        self._sent: dict[int, tuple[str, dict[str, Any]]] = {}  # sent, not yet recorded
        self._recorder = _Recorder(self)
        # Failures are summarised once they stop coming for a moment (one summary per wave),
        # or when the first has waited long enough; some may wait from before a restart.
        self._unreported = True
        self._first_failure: datetime | None = None
        self._last_failure: datetime | None = None
        self._next_due: datetime | None = None  # earliest retry this process scheduled

    def notify(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """Finish the messages in hand, then stop (a cancel could cut a delivery in half)."""
        self._stopping = True
        self._wake.set()

    # --- the loop -----------------------------------------------------------------------

    async def run(self) -> None:
        """Keep the send slots full: lease more whenever a slot frees, interactive first."""
        self._stopping = False
        renewer = asyncio.create_task(self._renew_leases(), name="outbox-lease-renewal")
        try:
            while not self._stopping:
                started = await self._fill_slots()
                await self._report_if_needed()
                if started:
                    continue
                await self._idle()
            if self._inflight:
                await asyncio.gather(*self._inflight.values(), return_exceptions=True)
            await self._recorder.drain()
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
            for platform in self._platforms.values():
                if isinstance(platform, Paced):
                    await platform.close()

    async def deliver_due(self) -> int:
        """One round: lease what is due, deliver it (and whatever else is in flight), record
        the outcomes. Returns the rows this round leased."""
        rows, batch = await self._lease(self._options.batch_size)
        if rows:
            self._start(rows, batch)
        if self._inflight:
            await asyncio.gather(*self._inflight.values(), return_exceptions=True)
        await self._recorder.drain()
        await self._report_if_needed()
        return len(rows)

    async def _fill_slots(self) -> int:
        free = self._capacity() - len(self._inflight)
        if free <= 0:
            self._more = True
            return 0
        limit = min(self._options.batch_size, free)
        try:
            rows, batch = await self._lease(limit)
            if rows:
                self._start(rows, batch)
        except Exception:
            log.exception("leasing outbox rows failed")
            await asyncio.sleep(self._options.poll_interval)
            return 0
        # A lease that took fewer rows than it could took all that were due: a freed slot
        # need not ask again (new rows notify, retries fall due on their own).
        self._more = len(rows) == limit
        return len(rows)

    async def _idle(self) -> None:
        """Wait for new rows (notify), a freed slot, a retry falling due, or the poll interval."""
        timeout = self._options.poll_interval
        if self._next_due is not None:
            until_due = (self._next_due - self._clock.now()).total_seconds()
            timeout = min(timeout, max(0.01, until_due))
            self._next_due = None
        waits = [asyncio.create_task(self._wake.wait()), asyncio.create_task(self._slot.wait())]
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()
        self._wake.clear()
        self._slot.clear()

    def _capacity(self) -> int:
        """Rows in flight at once: every platform's send slots, and as many waiting for one
        (leased a moment ahead, so a freed slot never idles)."""
        return self._options.concurrency * max(1, len(self._platforms)) * 2

    async def _report_if_needed(self) -> None:
        if not self._unreported or self._org is None:
            return
        now = self._clock.now()
        if self._first_failure is not None and self._last_failure is not None:
            quiet = now - self._last_failure >= timedelta(seconds=REPORT_QUIET)
            overdue = now - self._first_failure >= timedelta(seconds=REPORT_AT_LATEST)
            if not (quiet or overdue):
                return
        self._unreported = False
        self._first_failure = self._last_failure = None
        try:
            async with self._sessions.begin() as session:
                reported = await report_failures(session, self._org, now=self._clock.now())
        except Exception:
            log.exception("reporting undelivered messages failed")
            self._unreported = True
            return
        if reported:
            self._wake.set()

    # --- leasing ------------------------------------------------------------------------

    async def _lease(self, limit: int) -> tuple[list[OutboxMessage], Batch]:
        """Due rows nobody holds, interactive lane first, each held for a short lease, and
        what they need to be sent (one transaction). One lease at a time in this process,
        and what it leased counts as held at once: a lease that ran out under a slow send is
        never taken a second time here."""
        async with self._leasing:
            now = self._clock.now()
            held = list(self._held)
            async with self._sessions.begin() as session:
                query = (
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.status == "pending",
                        OutboxMessage.next_attempt_at <= now,
                        (OutboxMessage.leased_until.is_(None)) | (OutboxMessage.leased_until < now),
                    )
                    .order_by(
                        case((OutboxMessage.lane == INTERACTIVE, 0), else_=1), OutboxMessage.id
                    )
                    .limit(limit)
                )
                if held:
                    query = query.where(~one_of(session, OutboxMessage.id, held))
                if self._postgres:
                    query = query.with_for_update(skip_locked=True)
                rows = list((await session.scalars(query)).all())
                until = now + timedelta(seconds=self._options.lease)
                for row in rows:
                    row.leased_until = until
                batch = await self._load(session, rows) if rows else Batch()
            self._held.update(row.id for row in rows)
        return rows, batch

    async def _renew_leases(self) -> None:
        """Every third of a lease, extend the leases of the rows in flight (one UPDATE)."""
        while True:
            await asyncio.sleep(self._options.lease / 3)
            held = list(self._held)
            if not held:
                continue
            until = self._clock.now() + timedelta(seconds=self._options.lease)
            try:
                async with self._sessions.begin() as session:
                    await session.execute(
                        update(OutboxMessage)
                        .where(
                            one_of(session, OutboxMessage.id, held),
                            OutboxMessage.status == "pending",
                        )
                        .values(leased_until=until)
                    )
            except Exception as exc:
                log.warning("renewing outbox leases failed: %s", exc)

    def _start(self, rows: list[OutboxMessage], batch: Batch) -> list[asyncio.Task[None]]:
        """Start each row behind the earlier messages to the same recipient (in this batch
        or still in flight)."""
        tasks = []
        for row in rows:
            chain = _chain(row, batch)
            previous = self._tails.get(chain)
            task = asyncio.create_task(self._after(previous, row, batch))
            self._inflight[row.id] = task
            self._tails[chain] = task
            task.add_done_callback(functools.partial(self._done, row.id, chain))
            tasks.append(task)
        return tasks

    def _done(self, row_id: int, chain: str, task: asyncio.Task[None]) -> None:
        self._inflight.pop(row_id, None)
        if self._tails.get(chain) is task:
            del self._tails[chain]
        if self._more:
            self._slot.set()

    async def _load(self, session: AsyncSession, rows: list[OutboxMessage]) -> Batch:
        """What the batch's rows need, read once for all of them."""
        batch = Batch()
        person_ids = {r.person_id for r in rows if r.person_id is not None}
        keys = {r.key for r in rows if r.kind == "update" and r.key}
        keys |= {
            r.channel.removeprefix(ROOM_PREFIX)
            for r in rows
            if r.channel and r.channel.startswith(ROOM_PREFIX)
        }
        if person_ids:
            people = await session.scalars(
                select(Person).options(*WITH_DETAILS).where(one_of(session, Person.id, person_ids))
            )
            batch.people = {p.id: p for p in people.unique()}
        if keys:
            originals = await session.scalars(
                select(OutboxMessage)
                .where(
                    one_of(session, OutboxMessage.key, keys),
                    OutboxMessage.kind.in_(("post", "room")),
                )
                .order_by(OutboxMessage.id)
            )
            batch.originals = {o.key or "": o for o in originals}
        return batch

    # --- one row ------------------------------------------------------------------------

    async def _after(
        self, previous: asyncio.Task[None] | None, row: OutboxMessage, batch: Batch
    ) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        try:
            outcome = await self._attempt(row, batch)
        except Exception:  # never leave a leased row without an outcome
            log.exception("outbox %s: attempt crashed", row.id)
            outcome = self._retry(row, "internal error", None, row.platform)
        await self._recorder.add(outcome)

    async def _attempt(self, row: OutboxMessage, batch: Batch) -> Outcome:
        platform_name = row.platform
        deadline: asyncio.Timeout | None = None
        try:
            platform, send = await self._plan(row, batch)
            platform_name = platform.name
            async with (
                self._slots(platform.name).held(row.lane),
                asyncio.timeout(self._options.send_timeout) as deadline,  # once the slot is held
            ):
                ref = await send()
        except TimeoutError as exc:  # it may have arrived all the same: twice beats never
            return self._retry(
                row, self._timed_out(platform_name, deadline, exc), None, platform_name
            )
        except NotYet as exc:
            return self._wait(row, exc.wait)
        except RetryLater as exc:
            return self._rate_limited(row, exc, platform_name)
        except Unreachable as exc:
            return self._give_up(row, "unreachable", str(exc), platform_name)
        except Undeliverable as exc:
            log.warning("outbox %s undeliverable: %s", row.id, exc)
            return self._give_up(row, "failed", str(exc), platform_name)
        except Exception as exc:
            log.exception("outbox %s failed", row.id)
            return self._retry(row, f"{type(exc).__name__}: {exc}", None, platform_name)
        self._sent[row.id] = (platform.name, ref)
        DELIVERIES.labels(platform.name, row.kind, "sent").inc()
        return Outcome(row, "sent", row.attempts + 1, platform=platform.name, ref=ref)

    def _timed_out(
        self, platform: str | None, deadline: asyncio.Timeout | None, exc: TimeoutError
    ) -> str:
        """Our send timeout, or the platform client's own, which may be shorter (slack_sdk
        gives up after 30 s): the error says which, so nobody looks for a 60 s wait."""
        if deadline is not None and deadline.expired():
            return f"{platform} did not answer within {self._options.send_timeout:g} s"
        return f"{platform}'s client timed out: {type(exc).__name__} {exc}".rstrip()

    def _slots(self, platform: str) -> _Slots:
        if platform not in self._semaphores:
            self._semaphores[platform] = _Slots(self._options.concurrency)
        return self._semaphores[platform]

    async def _plan(self, row: OutboxMessage, batch: Batch) -> tuple[ChatPlatform, Send]:
        """The platform and the call that delivers this row (nothing sent yet)."""
        if prepare := PREPARERS.get(row.kind):  # its content is made now (bot/outbox/at_send)
            platform = self._platform(row.platform, row)
            person = batch.people.get(row.person_id or 0)
            now = self._clock.now()
            return platform, await prepare(self._sessions, self._org, platform, row, person, now)
        if row.kind not in KINDS:  # a feature's kind whose module this process never loaded
            raise Undeliverable(f"nothing here sends outbox rows of kind {row.kind!r}")
        message = load(row.payload)
        if row.kind == "update":
            original_platform, ref = await self._original(row, batch)
            platform = self._platform(original_platform, row)
            return platform, lambda: platform.update(ref, message)
        if row.kind == "reply":
            platform = self._platform(row.platform, row)
            return platform, lambda: platform.reply(row.reply_context or {}, message)
        if row.kind == "room":
            platform = self._platform(row.platform, row)
            return platform, lambda: self._create_room(platform, row, message)
        if row.channel is not None:
            platform = self._platform(row.platform, row)
            channel = await self._channel(row.channel, batch)
            return platform, lambda: platform.post_to_channel(channel, message)
        if row.person_id is None:
            raise Undeliverable("post without person or channel")
        platform, recipient = await self._recipient(row, batch)
        return platform, lambda: platform.post_to_person(recipient, message)

    def _platform(self, name: str | None, row: OutboxMessage) -> ChatPlatform:
        """The platform to deliver on; a row for one that is not configured waits a grace
        period (a restart may switch it on), then counts as unreachable."""
        platform = self._platforms.get(name or "")
        if platform is None:
            if not name:
                raise Undeliverable("no platform named")
            age = self._age(row)
            if age >= self._options.unconfigured_grace:
                raise Unreachable(f"platform {name} is not configured on this server")
            raise NotYet(min(30.0, self._options.unconfigured_grace - age))
        if isinstance(platform, Paced):
            platform.use_limiter(self.limiter)
        paused = self.limiter.paused_for(f"{platform.name}:*")
        if paused > 0:
            raise NotYet(paused)
        return platform

    async def _original(
        self, row: OutboxMessage, batch: Batch
    ) -> tuple[str | None, dict[str, Any]]:
        """Where the message to update went: sent by this process a moment ago (its chain ran
        first) or recorded in the database."""
        original = await self._posted(row.key or "", batch)
        if original is None or original.status in ("failed", "expired"):
            raise Undeliverable(f"nothing was posted under key {row.key!r}")
        if original.id in self._sent:
            return self._sent[original.id]
        if original.status != "sent":
            raise NotYet(self._until_tried(original))
        return original.platform, original.platform_ref or {}

    async def _channel(self, channel: str, batch: Batch) -> str:
        """`@room:KEY` names the room created by the `room` row under KEY, once it exists."""
        if not channel.startswith(ROOM_PREFIX):
            return channel
        room_row = await self._posted(channel.removeprefix(ROOM_PREFIX), batch)
        if room_row is None or room_row.kind != "room" or room_row.status in ("failed", "expired"):
            raise Undeliverable(f"no room was created for {channel}")
        ref = self._sent[room_row.id][1] if room_row.id in self._sent else room_row.platform_ref
        if not (ref or {}).get("room"):
            raise NotYet(self._until_tried(room_row))
        return str((ref or {})["room"])

    def _until_tried(self, original: OutboxMessage) -> float:
        """How long a row waits for the message it depends on: until that one is tried
        again (at least a second), so a long outage does not spin the rows behind it."""
        if original.status != "pending":
            return 1.0
        return max(1.0, (original.next_attempt_at - self._clock.now()).total_seconds())

    async def _posted(self, key: str, batch: Batch) -> OutboxMessage | None:
        """The post (or room) under `key`, as loaded with the batch; read again when it was
        still on its way then (it went out on this chain meanwhile and may be recorded)."""
        original = batch.originals.get(key)
        if original is not None and (original.status == "sent" or original.id in self._sent):
            return original
        async with self._sessions() as session:
            return await session.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.key == key, OutboxMessage.kind.in_(("post", "room")))
                .order_by(OutboxMessage.id.desc())
                .limit(1)
            )

    async def _create_room(
        self, platform: ChatPlatform, row: OutboxMessage, message: Message
    ) -> dict[str, Any]:
        """A `room` row: create the room with its members (once, even when the first post
        into it must be retried), then post the message there."""
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
        return {**ref, "room": room}

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

    async def _recipient(self, row: OutboxMessage, batch: Batch) -> tuple[ChatPlatform, Recipient]:
        """Preferred platform first, then the one last used; ask platforms by e-mail if none."""
        person = batch.people.get(row.person_id or 0)
        if person is None:
            raise Undeliverable(f"person {row.person_id} does not exist")
        chosen = self._reachable(person)
        if chosen is None:
            # The message before this one on the chain may just have found them by e-mail
            # (the batch was read before it did): read them again before asking once more.
            async with self._sessions() as session:
                person = await session.get(Person, person.id) or person
            batch.people[person.id] = person
            chosen = self._reachable(person)
        if chosen is not None:
            return self._platform(chosen.platform, row), Recipient(
                chosen.user_id, chosen.conversation_ref
            )
        identities = [i for i in person.identities if i.platform in self._platforms]
        found = await self._ask_by_email(person, {i.platform for i in identities}, row)
        if found is not None:
            return found
        if identities:
            order = list(self._platforms)
            chosen = min(identities, key=lambda i: order.index(i.platform))
            return self._platform(chosen.platform, row), Recipient(
                chosen.user_id, chosen.conversation_ref
            )
        raise Unreachable(f"no platform knows {person.email} yet")

    def _reachable(self, person: Person) -> PlatformIdentity | None:
        """Where the person talked to us (or we hold their chat) beats an id that only the
        organisation file names: that one waits until the platforms were asked by e-mail."""
        identities = [i for i in person.identities if i.platform in self._platforms]
        reachable = [i for i in identities if i.platform == person.preferred_platform] or [
            i for i in identities if i.last_seen_at is not None or i.conversation_ref
        ]
        return _choose(reachable, person.preferred_platform) if reachable else None

    async def _ask_by_email(
        self, person: Person, known_on: set[str], row: OutboxMessage
    ) -> tuple[ChatPlatform, Recipient] | None:
        for platform in list(self._platforms.values()):
            if platform.name in known_on:
                continue
            found = await platform.find_user_by_email(person.email)
            if found is None:
                continue
            async with self._sessions.begin() as session:
                fresh = await session.get(Person, person.id)
                if fresh is not None:
                    await learn_identity(
                        session, fresh, platform.name, found.user_id, found.conversation_ref
                    )
            return self._platform(platform.name, row), found
        return None

    # --- outcomes -----------------------------------------------------------------------

    def _age(self, row: OutboxMessage) -> float:
        return (self._clock.now() - row.created_at).total_seconds()

    def _wait(self, row: OutboxMessage, seconds: float) -> Outcome:
        """Not an attempt: the row waits (paused scope, message to update not sent yet)."""
        if self._age(row) >= self._options.ttl:
            return self._give_up(row, "expired", row.last_error or "waited too long", row.platform)
        due = self._clock.now() + timedelta(seconds=seconds)
        return Outcome(row, "pending", row.attempts, next_attempt_at=due)

    def _rate_limited(self, row: OutboxMessage, exc: RetryLater, platform: str | None) -> Outcome:
        if exc.retry_after is not None and platform:
            RATE_LIMITED.labels(platform).inc()
            RETRY_AFTER_SECONDS.labels(platform).inc(exc.retry_after)
            self.limiter.pause(f"{platform}:{exc.scope or '*'}", exc.retry_after)
        return self._retry(row, str(exc), exc.retry_after, platform)

    def _retry(
        self, row: OutboxMessage, error: str, retry_after: float | None, platform: str | None
    ) -> Outcome:
        """Try again after Retry-After, or a capped exponential backoff with jitter, until
        the message is older than its time to live."""
        attempts = row.attempts + 1
        if self._age(row) >= self._options.ttl:
            log.error("outbox %s expired after %d attempts: %s", row.id, attempts, error)
            return self._give_up(row, "expired", error, platform, attempts)
        DELIVERIES.labels(platform or "none", row.kind, "retry").inc()
        if retry_after is None:
            backoff = self._options.retry_base * 2 ** min(attempts - 1, 30)
            retry_after = min(self._options.retry_cap, backoff) * (1 - 0.2 * random.random())
        due = self._clock.now() + timedelta(seconds=retry_after)
        return Outcome(row, "pending", attempts, error=error, next_attempt_at=due)

    def _give_up(
        self,
        row: OutboxMessage,
        status: str,
        error: str,
        platform: str | None,
        attempts: int | None = None,
    ) -> Outcome:
        DELIVERIES.labels(platform or "none", row.kind, status).inc()
        now = self._clock.now()
        self._unreported = True
        self._first_failure = self._first_failure or now
        self._last_failure = now
        return Outcome(row, status, attempts if attempts is not None else row.attempts, error)

    async def record(self, session: AsyncSession, outcomes: list[Outcome]) -> None:
        """Write a batch of outcomes: one UPDATE per shape of change, not one per row."""
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for outcome in outcomes:
            values = outcome.values()
            shapes.setdefault(tuple(sorted(values)), []).append(values)
        for rows in shapes.values():
            await session.execute(update(OutboxMessage), rows)
        for outcome in outcomes:
            ref = outcome.ref or {}
            row = outcome.row
            if (
                outcome.status == "sent"
                and row.kind == "post"
                and row.person_id
                and ref.get("conversation_ref")
            ):
                # The chat a platform opened to reach the person: next time, write there.
                await session.execute(
                    update(PlatformIdentity)
                    .where(
                        PlatformIdentity.person_id == row.person_id,
                        PlatformIdentity.platform == outcome.platform,
                    )
                    .values(conversation_ref=ref["conversation_ref"])
                )

    def recorded(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self._sent.pop(outcome.row.id, None)
            self._held.discard(outcome.row.id)
            due = outcome.next_attempt_at if outcome.status == "pending" else None
            if due is not None and (self._next_due is None or due < self._next_due):
                self._next_due = due


class _Slots:
    """A semaphore whose interactive waiters go before bulk ones: a fan-out that fills every
    send slot does not make someone who just acted wait for all of it."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {
            INTERACTIVE: deque(),
            BULK: deque(),
        }

    @contextlib.asynccontextmanager
    async def held(self, lane: str) -> AsyncIterator[None]:
        await self._acquire(lane)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, lane: str) -> None:
        if self._free > 0 and not any(self._waiting.values()):
            self._free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting[lane if lane == INTERACTIVE else BULK].append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed a slot as it was cancelled: pass it on
            else:
                self._waiting[lane if lane == INTERACTIVE else BULK].remove(waiter)
            raise

    def _release(self) -> None:
        for lane in (INTERACTIVE, BULK):
            queue = self._waiting[lane]
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # the slot passes straight to the waiter
                    return
        self._free += 1


class _Recorder:
    """Outcomes wait here for the next short transaction; the sends that finish while one
    is being written go into the next. While the database is away they stay here (their rows
    stay held: this process does not lease them again) until it is back."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher
        self._pending: list[Outcome] = []
        self._flusher: asyncio.Task[None] | None = None

    async def add(self, outcome: Outcome) -> None:
        self._pending.append(outcome)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="outbox-record")

    async def drain(self) -> None:
        while self._flusher is not None and not self._flusher.done():
            await asyncio.wait([self._flusher])

    async def _flush(self) -> None:
        pause = 0.2
        while self._pending:
            writing, self._pending = self._pending, []
            try:
                async with self._dispatcher._sessions.begin() as session:
                    await self._dispatcher.record(session, writing)
            except Exception as exc:
                log.warning("recording %d outbox outcomes failed: %s", len(writing), exc)
                self._pending[:0] = writing
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)
                continue
            self._dispatcher.recorded(writing)
            pause = 0.2


def _chain(row: OutboxMessage, batch: Batch) -> str:
    """Messages on one chain go out in order: to one person, into one channel, or the
    updates of one message after it was posted."""
    if row.kind == "update":
        original = batch.originals.get(row.key or "")
        return _chain(original, batch) if original is not None else f"key:{row.key}"
    if row.person_id is not None:
        return f"person:{row.person_id}"
    if row.kind == "room":
        return f"key:{row.key}"
    if row.channel and row.channel.startswith(ROOM_PREFIX):
        return f"key:{row.channel.removeprefix(ROOM_PREFIX)}"
    if row.channel:
        return f"channel:{row.platform}:{row.channel}"
    return f"row:{row.id}"


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
