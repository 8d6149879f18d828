"""Getting into the board: a one-time link from the chat becomes a 30-day browser session.

A link's token and a session's token are 32 random bytes each, stored only as their SHA-256
(like calendar feed tokens): a copy of the database opens nothing. The session cookie also
carries an HMAC of its token under SOCIALDESK_SECRET_KEY, so a forged or altered cookie is
refused before the database is asked, and the sign-out form's CSRF token is derived from the
session the same way (nothing more to store).

A link is consumed by one conditional UPDATE (`used_at IS NULL AND expires_at > now`): of two
requests racing with the same link, exactly one gets a session, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import BoardSession, BoardSignInLink, Person

LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(days=30)
TOKEN_BYTES = 32
TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _well_formed(token: str) -> bool:
    return len(token) == TOKEN_LENGTH and token.replace("-", "").replace("_", "").isalnum()


@dataclass(frozen=True)
class Signer:
    """HMAC-SHA256 under the server's secret key: what the browser holds cannot be made up."""

    key: bytes

    def _mac(self, purpose: str, token: str) -> str:
        return hmac.new(self.key, f"{purpose}:{token}".encode(), hashlib.sha256).hexdigest()

    def cookie(self, token: str) -> str:
        return f"{token}.{self._mac('session', token)}"

    def token_of(self, cookie: str) -> str | None:
        """The session token in a cookie whose signature holds; None for anything else."""
        token, _, mac = cookie.partition(".")
        if not _well_formed(token) or not hmac.compare_digest(mac, self._mac("session", token)):
            return None
        return token

    def csrf(self, token: str) -> str:
        return self._mac("csrf", token)

    def csrf_ok(self, token: str, sent: str) -> bool:
        return hmac.compare_digest(self.csrf(token), sent)


async def issue_link(session: AsyncSession, person: Person, *, now: datetime) -> str:
    """A new sign-in link's token, returned once for the answer that shows it. The person's
    expired links go: they can never be used, and the table stays as small as its use."""
    await session.execute(
        delete(BoardSignInLink).where(
            BoardSignInLink.person_id == person.id, BoardSignInLink.expires_at <= now
        )
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        BoardSignInLink(
            person_id=person.id,
            token_hash=digest(token),
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    )
    await session.flush()
    return token


@dataclass(frozen=True)
class LinkState:
    """Whose link this is (None: no such link) and whether it still opens a session."""

    person: Person | None
    usable: bool


async def look_at_link(session: AsyncSession, token: str, *, now: datetime) -> LinkState:
    """What the link would do, without using it (the page that asks to confirm)."""
    if not _well_formed(token):
        return LinkState(None, False)
    row = (
        await session.execute(
            select(BoardSignInLink, Person)
            .join(Person, Person.id == BoardSignInLink.person_id)
            .where(BoardSignInLink.token_hash == digest(token))
        )
    ).first()
    if row is None:
        return LinkState(None, False)
    link, person = row
    usable = link.used_at is None and link.expires_at > now and person.active
    return LinkState(person, usable)


async def exchange(session: AsyncSession, token: str, *, now: datetime) -> str | None:
    """Use the link: a new session's token, or None when the link is gone, used or expired."""
    if not _well_formed(token):
        return None
    used = await session.execute(
        update(BoardSignInLink)
        .where(
            BoardSignInLink.token_hash == digest(token),
            BoardSignInLink.used_at.is_(None),
            BoardSignInLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(BoardSignInLink.person_id)
    )
    person_id = used.scalar_one_or_none()
    if person_id is None:
        return None
    person = await session.get(Person, person_id)
    if person is None or not person.active:
        return None
    await session.execute(  # the person's sessions that ended or expired are of no use
        delete(BoardSession).where(
            BoardSession.person_id == person_id,
            (BoardSession.expires_at <= now) | BoardSession.ended_at.is_not(None),
        )
    )
    session_token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        BoardSession(
            person_id=person_id,
            token_hash=digest(session_token),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    await session.flush()
    return session_token


async def person_of_session(session: AsyncSession, token: str, *, now: datetime) -> Person | None:
    """Who a live session belongs to; None once it ended, expired or its person left."""
    return await session.scalar(
        select(Person)
        .join(BoardSession, BoardSession.person_id == Person.id)
        .where(
            BoardSession.token_hash == digest(token),
            BoardSession.ended_at.is_(None),
            BoardSession.expires_at > now,
            Person.active,
        )
    )


async def end_session(session: AsyncSession, token: str, *, now: datetime) -> bool:
    """*Abmelden*: the session stops working at once, on every replica."""
    result = await session.execute(
        update(BoardSession)
        .where(BoardSession.token_hash == digest(token), BoardSession.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
