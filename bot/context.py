"""What a command or action handler gets: one unit of work for one person's event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.events import InboundEvent
from bot.messages import Message
from bot.orgconfig import OrgConfig
from bot.outbox import service as outbox
from bot.people.service import locale_of
from storage.models import Person


@dataclass
class Context:
    session: AsyncSession
    org: OrgConfig
    now: datetime
    person: Person
    event: InboundEvent
    # The platforms this server delivers to; None where the caller does not know (all).
    platforms: frozenset[str] | None = None

    @property
    def locale(self) -> str:
        return locale_of(self.person, self.org)

    def t(self, key: str, **params: Any) -> str:
        return i18n.t(self.locale, key, **params)

    def when(self, value: datetime) -> str:
        return i18n.format_datetime(value, self.locale, self.org.organization.tz)

    def replace_source(self, message: Message) -> bool:
        """Replace the message the action came from (a used form card) where the platform
        names it; see outbox.replace_source."""
        return outbox.replace_source(
            self.session, self.event, message, now=self.now, person_id=self.person.id
        )

    def reply(self, message: Message | str) -> None:
        """Answer the actor where they acted; it goes through the outbox like everything else."""
        if isinstance(message, str):
            message = Message(text=message)
        outbox.reply(
            self.session, self.event.reply_context, message, now=self.now, person_id=self.person.id
        )
