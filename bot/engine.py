"""The engine: one neutral event in, one unit of work, outbox rows out. No platform here."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import features, i18n
from bot.clock import Clock
from bot.commands import parse
from bot.context import Context
from bot.events import Action, Command, InboundEvent, Joined
from bot.help.handlers import unknown_command, welcome
from bot.inflight import InFlight
from bot.messages import Message
from bot.orgconfig import OrgConfig
from bot.outbox import service as outbox
from bot.people.service import identify, identity_for
from bot.platform import ChatPlatform
from bot.registry import ACTIONS, COMMANDS, FILE_HANDLERS
from storage.db import SessionMaker
from storage.models import ProcessedEvent

log = logging.getLogger(__name__)
assert features  # imported for its registrations


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
        self.inflight = InFlight()

    async def handle(self, event: InboundEvent) -> None:
        """Handle an event exactly once, however often the platform delivers it."""
        with self.inflight.track():
            await self._handle(event)

    async def _handle(self, event: InboundEvent) -> None:
        try:
            event = await self._with_email(event)
            now = self.clock.now()
            async with self.sessions() as session, session.begin():
                if await self._seen_before(session, event, now):
                    log.info("duplicate event %s ignored", event.event_key)
                    return
                await self._dispatch(session, event, now)
        except Exception:
            log.exception("handling %s failed", event)
            await self._apologise(event)
        self._on_commit()

    async def _with_email(self, event: InboundEvent) -> InboundEvent:
        """Unknown user without an e-mail: ask their platform before any transaction opens,
        so no network call ever holds the database's write lock."""
        actor = event.actor
        if actor.email or actor.platform not in self.platforms:
            return event
        async with self.sessions() as session:
            if await identity_for(session, actor.platform, actor.user_id):
                return event
        email = await self.platforms[actor.platform].email_of(actor.user_id)
        if not email:
            return event
        return dataclasses.replace(event, actor=dataclasses.replace(actor, email=email))

    async def _seen_before(self, session: AsyncSession, event: InboundEvent, now: datetime) -> bool:
        try:
            async with session.begin_nested():
                session.add(
                    ProcessedEvent(
                        platform=event.actor.platform, key=event.event_key, processed_at=now
                    )
                )
        except IntegrityError:
            return True
        return False

    async def _dispatch(self, session: AsyncSession, event: InboundEvent, now: datetime) -> None:
        person = await identify(session, event.actor, now=now)
        if person is None:
            text = i18n.t(self.org.organization.locale, "engine.unknown_person")
            outbox.reply(session, event.reply_context, Message(text=text), now=now)
            return
        ctx = Context(session=session, org=self.org, now=now, person=person, event=event)
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

    async def _apologise(self, event: InboundEvent) -> None:
        try:
            async with self.sessions() as session, session.begin():
                text = i18n.t(self.org.organization.locale, "engine.error")
                outbox.reply(session, event.reply_context, Message(text=text), now=self.clock.now())
        except Exception:
            log.exception("could not even apologise for %s", event.event_key)
