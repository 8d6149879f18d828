"""The engine: one neutral event in, one unit of work, outbox rows out. No platform here.

Adapters `accept` an event (recorded in the inbox, then acknowledged); the inbox workers
(bot/inbox/workers.py) call `work_once`, which claims the next row and handles it in one
transaction with its effects, so an event is handled once, after a crash too.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import features, i18n, metrics
from bot.clock import Clock
from bot.commands import parse
from bot.context import Context
from bot.events import Action, Command, InboundEvent, Joined
from bot.help.handlers import unknown_command, welcome
from bot.inbox import service as inbox
from bot.inbox.codec import decode, encode, kind_of, with_files
from bot.inbox.recorder import Recorder
from bot.inflight import InFlight
from bot.intake import files as intake_files
from bot.messages import Message
from bot.orgconfig import OrgConfig
from bot.outbox import service as outbox
from bot.people.service import identify, identity_for
from bot.platform import ChatPlatform
from bot.registry import ACTIONS, COMMANDS, FILE_HANDLERS
from storage.db import SessionMaker, is_transient
from storage.models import InboxEvent

log = logging.getLogger(__name__)
assert features  # imported for its registrations
# A row that keeps failing for transient reasons (the database) gives up after this many tries.
MAX_ATTEMPTS = 20
_KNOWN_LIMIT = 50_000


class Unavailable(Exception):
    """The inbox could not record the event: the adapter tells the person at once."""


class Engine:
    def __init__(
        self,
        *,
        sessionmaker: SessionMaker,
        org: OrgConfig,
        platforms: Mapping[str, ChatPlatform],
        clock: Clock,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.sessions = sessionmaker
        self.org = org
        self.platforms = platforms
        self.clock = clock
        self._on_commit = on_commit
        self.on_recorded: Callable[[], None] = lambda: None
        self.accepting = 0  # platform requests waiting for their event to be recorded
        self.inflight = InFlight()
        self._recorder = Recorder(sessionmaker, clock)
        self._skip_locked = sessionmaker.kw["bind"].dialect.name == "postgresql"
        # People whose identity exists already: no lookup of their e-mail is needed.
        self._known: set[tuple[str, str]] = set()

    def unavailable_text(self) -> str:
        """Said without the database, so in the organisation's language."""
        return i18n.t(self.org.organization.locale, "inbox.unavailable")

    async def accept(self, event: InboundEvent) -> bool:
        """Record the event before the platform gets its 2xx. False: a retry or double click
        that was recorded already. Raises Unavailable when the database cannot take it."""
        kind = kind_of(event)
        self.accepting += 1
        try:
            row_id = await self._recorder.record(event)
        except Exception as exc:
            log.error("could not record %s %s: %s", kind, event.event_key, exc)
            metrics.EVENTS.labels(event.actor.platform, kind, "refused").inc()
            raise Unavailable(str(exc)) from exc
        finally:
            self.accepting -= 1
        outcome = "recorded" if row_id is not None else "duplicate"
        metrics.EVENTS.labels(event.actor.platform, kind, outcome).inc()
        if row_id is not None:
            self.on_recorded()
        return row_id is not None

    async def handle(self, event: InboundEvent) -> None:
        """Record and handle at once, without the worker pool (engine-level callers)."""
        with self.inflight.track():
            async with self.sessions() as session:
                needs_preparation = await self._needs_preparation(session, event)
            if needs_preparation:
                event = await self._prepare(event)
            async with self.sessions.begin() as session:
                row_id = await inbox.record(session, event, now=self.clock.now())
            if row_id is None:
                log.info("duplicate event %s ignored", event.event_key)
                return
            stored = decode(encode(event))
            files = getattr(event, "files", ())
            await self._attempt(row_id, with_files(stored, files) if files else stored)

    async def work_once(self) -> bool:
        """Claim the next inbox row and handle it; False when there is nothing to do.
        Most events are claimed and handled in one transaction; one that needs the network
        first (files, an e-mail) is leased, prepared outside, and handled in a second."""
        now = self.clock.now()
        row_id: int | None = None
        event: InboundEvent | None = None
        leased: datetime | None = None
        try:
            async with self.sessions.begin() as session:
                row = await inbox.claim_next(session, now=now, skip_locked=self._skip_locked)
                if row is None:
                    return False
                row_id, event = row.id, decode(row.payload)
                metrics.INBOX_LAG_SECONDS.observe((now - row.received_at).total_seconds())
                if await self._needs_preparation(session, event):
                    leased = inbox.lease(row, now=now)
                else:
                    await self._run(session, row, event)
        except Exception as exc:
            if row_id is None or event is None:
                raise  # the claim itself failed: the worker backs off
            await self._failed(row_id, event, exc)
            return True
        if leased is None:
            self._handled(event)
        else:
            await self._attempt(row_id, event, leased=leased)
        return True

    async def _attempt(
        self, row_id: int, event: InboundEvent, *, leased: datetime | None = None
    ) -> None:
        """Prepare (if leased), then handle in a new transaction that also marks the row
        done; a failure rolls all of it back and is recorded apart."""
        try:
            if leased is not None:
                event, leased = await self._prepare_holding(row_id, event, leased)
            async with self.sessions.begin() as session:
                row = await self._row(session, row_id, leased)
                if row is None:
                    return  # our lease ran out and another worker took the row
                await self._run(session, row, event)
        except Exception as exc:
            await self._failed(row_id, event, exc)
            return
        self._handled(event)

    def _handled(self, event: InboundEvent) -> None:
        self._known.add((event.actor.platform, event.actor.user_id))
        if len(self._known) > _KNOWN_LIMIT:
            self._known.clear()
        metrics.EVENTS.labels(event.actor.platform, kind_of(event), "handled").inc()
        self._on_commit()

    async def _row(
        self, session: AsyncSession, row_id: int, leased: datetime | None
    ) -> InboxEvent | None:
        if leased is not None:
            return await inbox.reclaim(session, row_id, leased, skip_locked=self._skip_locked)
        row = await session.get(InboxEvent, row_id, with_for_update=self._skip_locked)
        return row if row is not None and row.status == "pending" else None

    async def _run(self, session: AsyncSession, row: InboxEvent, event: InboundEvent) -> None:
        now = self.clock.now()
        with outbox.interactive():
            await self.dispatch(session, event, now)
        inbox.finish(row, now=now)

    async def _needs_preparation(self, session: AsyncSession, event: InboundEvent) -> bool:
        """Files to fetch, or a stranger whose e-mail only their platform knows: both are
        network calls, made outside any transaction (no network call holds the write lock)."""
        if event.file_refs:
            return True
        actor = event.actor
        if actor.email or actor.platform not in self.platforms:
            return False
        if (actor.platform, actor.user_id) in self._known:
            return False
        return await identity_for(session, actor.platform, actor.user_id) is None

    async def _prepare_holding(
        self, row_id: int, event: InboundEvent, leased: datetime
    ) -> tuple[InboundEvent, datetime]:
        """Prepare while renewing the row's lease every third of it: a slow download keeps
        the row, and a crash leaves it (and its person's later events) waiting one short
        lease. Returns the lease the row is held under now."""
        prepared = asyncio.Event()

        async def renew() -> None:
            nonlocal leased
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(prepared.wait(), inbox.LEASE.total_seconds() / 3)
                    return
                try:
                    async with self.sessions.begin() as session:
                        now = self.clock.now()
                        until = await inbox.renew(session, row_id, leased, now=now)
                except Exception as exc:  # the lease may still hold; the reclaim will tell
                    log.warning("renewing the lease of inbox row %s failed: %s", row_id, exc)
                    continue
                if until is None:
                    return  # no longer ours: the second transaction will find that out too
                leased = until

        renewing = asyncio.create_task(renew(), name=f"inbox-lease-{row_id}")
        try:
            event = await self._prepare(event)
        finally:
            prepared.set()
            await renewing  # never cancelled mid-write, so `leased` is what the row says
        return event, leased

    async def _prepare(self, event: InboundEvent) -> InboundEvent:
        platform = self.platforms.get(event.actor.platform)
        if platform is None:
            return event
        if event.file_refs:
            fetched = await platform.fetch_files(
                list(event.file_refs), limit=self.org.intake.max_file_size
            )
            # Decoding and measuring images is CPU work: off the loop, before the transaction.
            event = with_files(event, tuple(await intake_files.inspect(fetched, self.org.intake)))
        actor = event.actor
        if not actor.email:
            email = await platform.email_of(actor.user_id)
            if email:
                event = dataclasses.replace(event, actor=dataclasses.replace(actor, email=email))
        return event

    async def _failed(self, row_id: int, event: InboundEvent, exc: Exception) -> None:
        """A database that went away: try the row again later. Anything else fails the same
        way every time: the row is marked failed and the person is told, once."""
        now = self.clock.now()
        kind = kind_of(event)
        try:
            async with self.sessions.begin() as session:
                row = await session.get(InboxEvent, row_id)
                if row is None or row.status != "pending":
                    return
                if is_transient(exc) and row.attempts < MAX_ATTEMPTS:
                    log.warning("handling %s postponed: %s", event.event_key, exc)
                    wait = min(60.0, 2.0 ** min(row.attempts, 6))
                    await inbox.postpone(
                        session, row_id, until=now + timedelta(seconds=wait), error=str(exc)
                    )
                    return
                log.error("handling %s %s failed", kind, event.event_key, exc_info=exc)
                inbox.finish(row, now=now, error=f"{type(exc).__name__}: {exc}")
                text = i18n.t(self.org.organization.locale, "inbox.failed")
                with outbox.interactive():
                    outbox.reply(session, event.reply_context, Message(text=text), now=now)
            metrics.EVENTS.labels(event.actor.platform, kind, "failed").inc()
            self._on_commit()
        except Exception:
            log.exception("could not record the failure of %s", event.event_key)

    async def dispatch(self, session: AsyncSession, event: InboundEvent, now: datetime) -> None:
        person = await identify(session, event.actor, now=now)
        if person is None:
            text = i18n.t(self.org.organization.locale, "engine.unknown_person")
            outbox.reply(session, event.reply_context, Message(text=text), now=now)
            return
        ctx = Context(
            session=session,
            org=self.org,
            now=now,
            person=person,
            event=event,
            platforms=frozenset(self.platforms),
        )
        if isinstance(event, Command) and event.files and FILE_HANDLERS:
            await FILE_HANDLERS[0](ctx, event.text)
        elif isinstance(event, Command):
            parsed = parse(event.text)
            spec = COMMANDS.get(parsed.name)
            if spec is None:
                await unknown_command(ctx, parsed.name)
            else:
                await spec.handler(ctx, parsed.args)
        elif isinstance(event, Action):
            handler = ACTIONS.get(event.action)
            if handler is None:
                ctx.reply(ctx.t("engine.unknown_action"))
            else:
                await handler(ctx, event.value)
        elif isinstance(event, Joined):
            await welcome(ctx)
