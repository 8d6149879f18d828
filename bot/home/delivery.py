"""Sending a `home` outbox row: the person's Home rendered as it is now, then published.

The dispatcher asks here when it plans the row (registered with bot/outbox/at_send), so a row
that waited (a rate limit, a chain of messages before it) shows the state at send time, never
a stale one.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import update

from bot.home.refresh import KIND, waiting
from bot.home.views import home_page
from bot.orgconfig import OrgConfig
from bot.outbox.at_send import Send, made_at_send
from bot.platform import ChatPlatform, Recipient, Undeliverable
from storage.db import SessionMaker
from storage.models import OutboxMessage, Person

log = logging.getLogger(__name__)


@made_at_send(KIND)
async def prepare(
    sessions: SessionMaker,
    org: OrgConfig | None,
    platform: ChatPlatform,
    row: OutboxMessage,
    person: Person | None,
    now: datetime,
) -> Send:
    """The call that publishes this person's Home on `platform`, its content read now.
    Refreshes of the same Home still waiting are covered by this one and retired first."""
    if org is None or person is None:
        raise Undeliverable("no organisation or no such person for a Home")
    identity = next((i for i in person.identities if i.platform == platform.name), None)
    if identity is None:
        raise Undeliverable(f"{person.email} has no Home on {platform.name}")
    async with sessions.begin() as session:
        await session.execute(
            update(OutboxMessage)
            .where(*waiting(row.key or ""), OutboxMessage.id != row.id)
            .values(status="sent", sent_at=now, last_error=f"covered by {row.id}")
        )
    async with sessions() as session:
        page = await home_page(session, org, person, now)
    recipient = Recipient(identity.user_id, identity.conversation_ref)

    async def publish() -> dict[str, Any]:
        """A Home the platform refuses is no message lost (the next opening shows it again):
        logged, never reported to the managers as undelivered."""
        try:
            await platform.publish_home(recipient, page)
        except Undeliverable as exc:
            log.warning("the Home of %s was refused: %s", person.email, exc)
            return {"refused": str(exc)}
        return {}

    return publish
