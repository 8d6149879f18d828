"""Calendar subscriptions: one private, revocable feed token per person.

The token is the capability (`<SOCIALDESK_PUBLIC_URL>/ical/<token>.ics`): 32 random bytes
(256 bits), shown to its owner once and stored only as its SHA-256, so neither the database
nor a backup holds a working URL. Replacing or revoking a token takes effect at the next
request: the lookup only finds live tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FeedToken, Person

TOKEN_BYTES = 32
# A token as `secrets.token_urlsafe(32)` writes it: 43 URL-safe characters.
TOKEN_LENGTH = 43


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/ical/{token}.ics"


async def live_token(session: AsyncSession, person: Person) -> FeedToken | None:
    """The person's current subscription, if any (its URL cannot be shown again)."""
    return await session.scalar(
        select(FeedToken)
        .where(FeedToken.person_id == person.id, FeedToken.revoked_at.is_(None))
        .order_by(FeedToken.id.desc())
        .limit(1)
    )


async def revoke(session: AsyncSession, person: Person, *, now: datetime) -> int:
    """Every live token of the person stops working; how many there were."""
    result = await session.execute(
        update(FeedToken)
        .where(FeedToken.person_id == person.id, FeedToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def issue(session: AsyncSession, person: Person, *, now: datetime) -> str:
    """A new token for the person, replacing any earlier one; the plain token is returned
    once, for the answer that shows the URL, and never stored."""
    await revoke(session, person, now=now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(FeedToken(person_id=person.id, token_hash=digest(token), created_at=now))
    await session.flush()
    return token


async def person_for(session: AsyncSession, token: str) -> Person | None:
    """Whose live token this is; None for anything else (unknown, revoked, malformed)."""
    if len(token) != TOKEN_LENGTH:
        return None
    return await session.scalar(
        select(Person)
        .join(FeedToken, FeedToken.person_id == Person.id)
        .where(FeedToken.token_hash == digest(token), FeedToken.revoked_at.is_(None))
    )
